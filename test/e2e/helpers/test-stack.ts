/**
 * An in-process local stack for end-to-end tests (origin, edge, ingest, encoder: what the daemon runs),
 * in its own temporary folder, with ffmpeg publishers and a basic-auth HLS source to feed it.
 * Everything started here, and the publishers, is ended by `closeAll()`.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { loadProfile } from '../../../src/core/profiles.js';
import type { Ladder } from '../../../src/core/ladder.js';
import { srtPassphraseFrom, validateSpec, type LocalStackSpec, type RawSpec, type Secrets } from '../../../src/core/spec.js';
import { stackLayout, type StackLayout } from '../../../src/targets/local/daemon/stack-folder.js';
import { startLocalStack, type LocalStack } from '../../../src/targets/local/daemon/local-stack.js';
import { stopPublishers } from '../../helpers/publisher.js';
import { makeTmpDir } from '../../helpers/tmp-dir.js';

export const TINY_LADDER = new URL('../../fixtures/ladders/tiny.json', import.meta.url).pathname;

export interface TestStack {
  dir: string;
  spec: LocalStackSpec;
  ladder: Ladder;
  layout: StackLayout;
  stack: LocalStack;
  /** Every line the stack logged (also appended to the layout's daemon log, as the daemon does). */
  logLines: string[];
  edge: string;
}

const cleanups: Array<() => Promise<void>> = [];

/** Starts a stack for `raw` (target local on loopback, any free ports, the tiny ladder) and its channel. */
export async function startTestStack(raw: RawSpec, secrets: Secrets = {}): Promise<TestStack> {
  const dir = await makeTmpDir('e2e-inputs-');
  const { spec, problems } = validateSpec({ stack: 'e2e', target: 'local', listen: '127.0.0.1', port: 0, profile: TINY_LADDER, ...raw });
  if (spec?.target !== 'local') throw new Error(`invalid test spec: ${JSON.stringify(problems)}`);
  const ladder = await loadProfile(TINY_LADDER);
  const layout = stackLayout(path.join(dir, spec.stack));
  for (const d of [layout.root, layout.store, layout.logs, layout.work]) await mkdir(d, { recursive: true });
  await writeFile(layout.credential, randomBytes(24).toString('hex'), { mode: 0o600 });
  // What `up` leaves in the stack folder for an SRT input (resources.ts): the passphrase, given or made.
  if (spec.srt && spec.srt.passphrase !== 'none') {
    await writeFile(layout.srtPassphrase, (secrets.srtPassphrase ?? srtPassphraseFrom(randomBytes(32))) + '\n', { mode: 0o600 });
  }
  const logLines: string[] = [];
  const log = (line: string) => {
    logLines.push(line);
    appendFileSync(layout.daemonLog, `${new Date().toISOString()} ${line}\n`);
  };
  const stack = await startLocalStack({ spec, ladder, secrets, layout, log });
  cleanups.push(() => stack.close());
  await stack.start();
  return { dir, spec, ladder, layout, stack, logLines, edge: `http://127.0.0.1:${stack.info.edgePort}` };
}

/** Resolves with the exit code (null if killed by a signal), or 'running' if still alive after `timeoutMs`. */
export function waitForExit(child: ChildProcess, timeoutMs: number): Promise<number | null | 'running'> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('running'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

export async function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}

export interface BasicAuthSource {
  /** The master playlist's URL (no credentials in it). */
  url: string;
  requests: { path: string; authorized: boolean }[];
}

/** Serves `root` (an HLS fixture folder) on a loopback port, answering 401 to anything without the right Basic credentials. */
export async function serveWithBasicAuth(root: string, user: string, password: string): Promise<BasicAuthSource> {
  const good = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const requests: BasicAuthSource['requests'] = [];
  const server: Server = createServer((req, res) => {
    const authorized = req.headers.authorization === good;
    const urlPath = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push({ path: urlPath, authorized });
    if (!authorized) return void res.writeHead(401, { 'www-authenticate': 'Basic realm="source"' }).end();
    const file = path.join(root, path.normalize(urlPath));
    if (!file.startsWith(root + path.sep)) return void res.writeHead(404).end();
    readFile(file).then(
      (body) => res.writeHead(200, { 'content-type': file.endsWith('.m3u8') ? 'application/vnd.apple.mpegurl' : 'video/mp2t' }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}/stream/index.m3u8`, requests };
}

/**
 * Ends the publishers, then stacks and servers, newest first. The stack's folder goes when the test
 * finishes (or the file, for a stack started in beforeAll): after this, in the afterEach or afterAll.
 */
export async function closeAll(): Promise<void> {
  await stopPublishers();
  while (cleanups.length > 0) {
    const cleanup = cleanups.pop()!;
    await cleanup().catch(() => {});
  }
}

/** The text of every file under `dir`, recursively. */
export async function readAllFiles(dir: string): Promise<Array<{ file: string; text: string }>> {
  const out: Array<{ file: string; text: string }> = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.path, entry.name);
    out.push({ file, text: await readFile(file, 'utf8') });
  }
  return out;
}
