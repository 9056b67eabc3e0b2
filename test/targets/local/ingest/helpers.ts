/** Shared helpers for the ingest tests: specs, child processes that are always killed. */
import { spawn, type ChildProcess } from 'node:child_process';
import type { LocalStackSpec } from '../../../../src/core/spec.js';
import { stopPublishers } from '../../../helpers/publisher.js';
import { requireTool } from '../../../helpers/tools.js';

export const FFMPEG = await requireTool('ffmpeg');
export const FFPROBE = await requireTool('ffprobe');

export function makeSpec(over: Partial<LocalStackSpec>): LocalStackSpec {
  return {
    stack: 'teststack', target: 'local', input: 'URL_PULL', sourcePassword: false, cidrs: [],
    profile: 'HD-720p', start: true, stop: { kind: 'none' }, local: { listen: '127.0.0.1', port: 0, rtmpPort: 0, rtpPort: 0, srtPort: 0, edgeWorkers: 1 }, ...over,
  };
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

/** Kills what run() started and the publishers, those still running. */
export async function killAll(): Promise<void> {
  await stopPublishers();
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
