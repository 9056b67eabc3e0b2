import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startIngest } from '../../../../src/targets/local/ingest/start.js';
import type { Ingest } from '../../../../src/targets/local/ingest/types.js';
import { makeTmpDir } from '../../../helpers/tmp-dir.js';
import { decodeFrames, killAll, makeSpec, run, waitFor, FFMPEG } from './helpers.js';

const USER = 'viewer';
const PASSWORD = 's3cr3t-Pa55';
const GOOD = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;

let media: string;
let server: Server;
let origin: string;
/** Every request the source saw, and whether it carried the right credentials. */
let requests: { path: string; authorized: boolean }[] = [];
let ingest: Ingest | undefined;

beforeAll(async () => {
  media = await makeTmpDir('ingest-test-');
  const made = await run(FFMPEG, [
    '-hide_banner', '-nostdin', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=30', '-f', 'lavfi', '-i', 'sine=sample_rate=48000',
    '-t', '3', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '30', '-c:a', 'aac',
    '-f', 'hls', '-hls_time', '1', '-hls_list_size', '0', '-hls_playlist_type', 'vod', join(media, 'index.m3u8'),
  ]);
  expect(made.code, made.stderr.slice(-500)).toBe(0);
  // A source behind basic auth; its playlist names the second segment by an absolute URL to itself.
  server = createServer((req, res) => {
    const authorized = req.headers.authorization === GOOD;
    requests.push({ path: req.url ?? '', authorized });
    if (!authorized) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="source"' }).end();
      return;
    }
    if (req.url === '/live/moved.m3u8') {
      res.writeHead(302, { location: `${origin}/live/index.m3u8` }).end();
      return;
    }
    const name = (req.url ?? '').replace(/^\/live\//, '');
    readFile(join(media, name)).then(
      (body) => {
        if (name.endsWith('.m3u8')) {
          const text = body.toString('utf8').replace(/^index1\.ts$/m, `${origin}/live/index1.ts`);
          res.writeHead(200, { 'content-type': 'application/vnd.apple.mpegurl' }).end(text);
        } else {
          res.writeHead(200, { 'content-type': 'video/mp2t' }).end(body);
        }
      },
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

afterEach(async () => {
  await killAll();
  await ingest?.close();
  ingest = undefined;
  requests = [];
});

async function startPull(password: string | undefined, lines: string[], user: string | undefined, path = '/live/index.m3u8'): Promise<Ingest> {
  ingest = await startIngest({
    spec: makeSpec({ input: 'URL_PULL', sourceUrl: `${origin}${path}`, ...(user ? { sourceUser: user } : {}), sourcePassword: password !== undefined }),
    secrets: password !== undefined ? { sourcePassword: password } : {},
    ffmpegPath: FFMPEG, workDir: media, log: (l) => lines.push(l),
  });
  return ingest;
}

function expectNoSecret(text: string): void {
  expect(text).not.toContain(PASSWORD);
  expect(text).not.toContain(Buffer.from(`${USER}:${PASSWORD}`).toString('base64'));
}

describe('URL_PULL behind basic auth', () => {
  it('the proxy authenticates every request, absolute same-origin URLs included; the password is nowhere ffmpeg or logs see it', async () => {
    const lines: string[] = [];
    const ing = await startPull(PASSWORD, lines, USER);
    const args = ing.inputArgs();
    expect(args.at(-1)).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/live\/index\.m3u8$/);
    expect(args.at(-1)).not.toContain(origin);
    expectNoSecret(args.join(' '));

    const { frames, stderr } = await decodeFrames(args, 2.5);
    expect(frames, stderr.slice(-500)).toBeGreaterThanOrEqual(60);
    expect(requests.map((r) => r.path)).toEqual(expect.arrayContaining(['/live/index.m3u8', '/live/index0.ts', '/live/index1.ts', '/live/index2.ts']));
    expect(requests.filter((r) => !r.authorized)).toEqual([]);
    expect(ing.state()).toMatchObject({ connected: true, refused: 0 });
    expect(ing.state().unauthorized).toBeUndefined();
    expectNoSecret(lines.join('\n'));
    expectNoSecret(stderr);
    expect(ing.pushEndpoint).toBeUndefined();
  });

  it('a same-origin redirect is followed through the proxy, with credentials', async () => {
    const ing = await startPull(PASSWORD, [], USER, '/live/moved.m3u8');
    const { frames, stderr } = await decodeFrames(ing.inputArgs(), 1);
    expect(frames, stderr.slice(-500)).toBeGreaterThanOrEqual(20);
    expect(requests.map((r) => r.path)).toEqual(expect.arrayContaining(['/live/moved.m3u8', '/live/index.m3u8', '/live/index0.ts']));
    expect(requests.filter((r) => !r.authorized)).toEqual([]);
  });

  it('a wrong password: the proxy reports unauthorized clearly and ffmpeg gets nothing', async () => {
    const lines: string[] = [];
    const ing = await startPull('wrong-password', lines, USER);
    expect(await waitFor(() => ing.state().unauthorized === true, 5_000)).toBe(true);
    const state = ing.state();
    expect(state.connected).toBe(false);
    expect(state.lastError).toBe(`the source refused the credentials of user "viewer" (HTTP 401 from ${origin}/live/index.m3u8); check --source-user and the password`);
    expect(lines).toContain(`source: ${state.lastError}`);
    const { frames } = await decodeFrames(ing.inputArgs(), 1);
    expect(frames).toBe(0);
    expect(lines.join('\n')).not.toContain('wrong-password');
    expect(JSON.stringify(ing.state())).not.toContain('wrong-password');
  });

  it('no credentials at all: says the source requires them', async () => {
    const lines: string[] = [];
    const ing = await startPull(undefined, lines, undefined);
    expect(await waitFor(() => ing.state().unauthorized === true, 5_000)).toBe(true);
    expect(ing.state().lastError).toBe(`the source requires credentials (HTTP 401 from ${origin}/live/index.m3u8); pass --source-user and --source-password-stdin`);
  });

  it('an unreachable source: not connected, with the reason', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', () => resolve()));
    const address = closed.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    ingest = await startIngest({
      spec: makeSpec({ input: 'URL_PULL', sourceUrl: `http://127.0.0.1:${port}/x/index.m3u8?token=abc` }),
      secrets: {}, ffmpegPath: FFMPEG, workDir: media,
    });
    expect(await waitFor(() => ingest!.state().lastError !== undefined, 5_000)).toBe(true);
    expect(ingest.state()).toMatchObject({ connected: false, lastError: `http://127.0.0.1:${port}/x/index.m3u8 unreachable: ECONNREFUSED` });
  });
});

describe('URL_PULL without --source-url: the built-in demo', () => {
  it('is drawn by lavfi in the decoder itself: no HLS server, no proxy, and status says so', async () => {
    const lines: string[] = [];
    ingest = await startIngest({ spec: makeSpec({ input: 'URL_PULL' }), secrets: {}, ffmpegPath: FFMPEG, workDir: media, log: (l) => lines.push(l) });
    const args = ingest.inputArgs();
    expect(args.slice(0, 3)).toEqual(['-re', '-f', 'lavfi']);
    expect(args.some((a) => a.startsWith('http'))).toBe(false);
    expect(ingest.streams).toEqual({ video: '0:v:0', audio: '0:a:0' });
    expect(ingest.state()).toEqual({ connected: true, refused: 0, source: 'built-in demo drawn in the decoder (no HLS hop: adds no delay)' });
    expect(lines).toEqual(['demo: built-in demo source, drawn by ffmpeg lavfi in the decoder (no HLS hop)']);
    const { frames, stderr } = await decodeFrames(args, 1);
    expect(frames, stderr.slice(-500)).toBeGreaterThanOrEqual(20);
  });
});
