/**
 * The one place that starts ffmpeg processes. Every command line and stderr line is redacted before
 * it is logged (the encoder's arguments carry the origin write token).
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { NULL_SINK, type LineSink } from './log-file.js';
import { redactArgs, redactText } from '../../../core/redact.js';

export interface SpawnFfmpegOptions {
  ffmpegPath: string;
  args: string[];
  /** Short name used to prefix log lines: "encoder", "decoder". */
  label: string;
  /** Values to mask wherever they appear (tokens, passwords). */
  secrets?: string[];
  log?: LineSink;
  /** Redacted stderr lines, for callers that watch them (segment counting). */
  onStderrLine?: (line: string) => void;
  /** stdin: a pipe we write to (the encoder's video) or nothing. */
  stdin?: 'pipe' | 'ignore';
  /** How many extra pipes after stderr: fd 3, 4, ... */
  extraPipes?: number;
}

export function spawnFfmpeg(opts: SpawnFfmpegOptions): ChildProcess {
  const log = opts.log ?? NULL_SINK;
  const secrets = opts.secrets ?? [];
  const stdio: StdioOptions = [opts.stdin ?? 'ignore', 'pipe', 'pipe', ...Array.from({ length: opts.extraPipes ?? 0 }, () => 'pipe' as const)];
  log.write(`${new Date().toISOString()} [${opts.label}] ffmpeg ${redactArgs(opts.args, secrets)}`);
  const child = spawn(opts.ffmpegPath, opts.args, { stdio, windowsHide: true });
  let rest = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    const lines = (rest + chunk).split(/\r?\n|\r/);
    rest = lines.pop() ?? '';
    for (const raw of lines) emitLine(raw);
  });
  const emitLine = (raw: string): void => {
    if (raw.trim() === '') return;
    const line = redactText(raw, secrets);
    log.write(`[${opts.label}] ${line}`);
    opts.onStderrLine?.(line);
  };
  child.on('error', (err) => log.write(`[${opts.label}] could not start ffmpeg: ${redactText(err.message, secrets)}`));
  child.on('exit', (code, signal) => {
    if (rest) emitLine(rest);
    rest = '';
    log.write(`${new Date().toISOString()} [${opts.label}] exited (${signal ?? `code ${code}`})`);
  });
  // A closed pipe (ffmpeg gone) must not crash the daemon with EPIPE.
  for (const s of child.stdio) s?.on('error', () => undefined);
  return child;
}

export interface RunResult {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/** Run a short ffmpeg command to completion (version checks, the slate frame), bounded by a timeout. */
export function runFfmpeg(ffmpegPath: string, args: string[], timeoutMs = 15_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(ffmpegPath, args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    } catch (err) {
      reject(err);
      return;
    }
    const out: Buffer[] = [];
    let err = '';
    child.stdout?.on('data', (c: Buffer) => out.push(c));
    child.stderr?.on('data', (c: Buffer) => {
      if (err.length < 64_000) err += c.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out), stderr: err });
    });
  });
}
