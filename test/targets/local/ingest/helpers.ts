/** Shared helpers for the ingest tests: temp folders, specs, child processes that are always killed. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalStackSpec } from '../../../../src/core/spec.js';

export const FFMPEG = process.env.LIVESTREAM_FFMPEG ?? 'ffmpeg';
export const FFPROBE = 'ffprobe';

export function makeSpec(over: Partial<LocalStackSpec>): LocalStackSpec {
  return {
    stack: 'teststack', target: 'local', input: 'URL_PULL', sourcePassword: false, cidrs: [],
    profile: 'HD-720p', start: true, local: { listen: '127.0.0.1', port: 0, rtmpPort: 0, rtpPort: 0, edgeWorkers: 1 }, ...over,
  };
}

export async function makeTempDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'ingest-test-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

const children = new Set<ChildProcess>();

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program to completion (killed after timeoutMs). */
export function run(cmd: string, args: string[], timeoutMs = 30_000): Promise<Finished> {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(proc);
  let stdout = '';
  let stderr = '';
  proc.stdout!.on('data', (c: Buffer) => { stdout += c.toString(); });
  proc.stderr!.on('data', (c: Buffer) => { stderr += c.toString(); });
  const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) => {
    proc.once('close', (code) => {
      clearTimeout(timer);
      children.delete(proc);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Starts a program in the background; killAll() ends it. */
export function startBackground(cmd: string, args: string[]): ChildProcess {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  proc.stderr!.resume();
  children.add(proc);
  proc.once('exit', () => children.delete(proc));
  return proc;
}

export async function killAll(): Promise<void> {
  const waits = [...children].map((p) => new Promise<void>((resolve) => {
    if (p.exitCode !== null || p.signalCode !== null) return resolve();
    p.once('exit', () => resolve());
    p.kill('SIGKILL');
  }));
  children.clear();
  await Promise.all(waits);
}

/** Decodes `seconds` of the input given by `inputArgs` and returns how many video frames came out. */
export async function decodeFrames(inputArgs: string[], seconds = 2, timeoutMs = 30_000): Promise<{ frames: number; stderr: string }> {
  const result = await run(FFMPEG, ['-hide_banner', '-nostdin', ...inputArgs, '-t', String(seconds), '-map', '0:v:0', '-f', 'null', '-'], timeoutMs);
  const counts = [...result.stderr.matchAll(/frame=\s*(\d+)/g)].map((m) => Number(m[1]));
  return { frames: counts.at(-1) ?? 0, stderr: result.stderr };
}

/** Polls `check` every 100 ms until it returns true or `timeoutMs` passes. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

/** A small publisher: `seconds` of 320x180 test pattern + tone, 1 s GOP, to `format` at `url`. */
export function startPublisher(format: 'flv' | 'rtp_mpegts', url: string, seconds = 15): ChildProcess {
  return startBackground(FFMPEG, [
    '-hide_banner', '-nostdin', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=30',
    '-re', '-f', 'lavfi', '-i', 'sine=sample_rate=48000', '-t', String(seconds),
    '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '30', '-c:a', 'aac', '-f', format, url,
  ]);
}
