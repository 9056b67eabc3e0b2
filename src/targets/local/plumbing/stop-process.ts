/**
 * The one way the local target stops a process: a first signal (SIGTERM unless said otherwise), a
 * grace period, then SIGKILL and a last wait. It takes a child this process spawned (ffmpeg; its
 * 'close' event, so its output is read to the end) or the pid of one it did not (the daemon, started
 * by an earlier command: polled).
 */
import type { ChildProcess } from 'node:child_process';
import { isAlive } from '../../../core/state.js';

export interface StopOptions {
  /** The first signal. SIGKILL for a process with nothing left to finish. Default SIGTERM. */
  signal?: NodeJS.Signals;
  /** How long the first signal has to work. */
  graceMs: number;
  /** How long to wait once SIGKILL is sent; default graceMs. */
  killWaitMs?: number;
}

type Stoppable = ChildProcess | number | undefined;

/** Resolves true once the process is gone (or was never running), false if it outlived SIGKILL. */
export async function stopProcess(proc: Stoppable, opts: StopOptions): Promise<boolean> {
  if (proc === undefined || !isRunning(proc)) return true;
  const gone = exitOf(proc);
  sendSignal(proc, opts.signal ?? 'SIGTERM');
  if (await gone(opts.graceMs)) return true;
  sendSignal(proc, 'SIGKILL');
  return gone(opts.killWaitMs ?? opts.graceMs);
}

/** Resolves true once the process is gone, false if it still runs after `ms`. Sends nothing. */
export async function waitForExit(proc: Stoppable, ms: number): Promise<boolean> {
  if (proc === undefined || !isRunning(proc)) return true;
  return exitOf(proc)(ms);
}

function isRunning(proc: ChildProcess | number): boolean {
  return typeof proc === 'number' ? isAlive(proc) : proc.exitCode === null && proc.signalCode === null;
}

function sendSignal(proc: ChildProcess | number, signal: NodeJS.Signals): void {
  if (typeof proc !== 'number') {
    proc.kill(signal);
    return;
  }
  try {
    process.kill(proc, signal);
  } catch {
    // ESRCH: it is gone already, which the wait that follows sees.
  }
}

/** A wait for the process's end, armed now (before any signal) so that an early exit is not missed. */
function exitOf(proc: ChildProcess | number): (ms: number) => Promise<boolean> {
  if (typeof proc === 'number') return (ms) => pollUntilGone(proc, ms);
  const closed = new Promise<void>((resolve) => proc.once('close', () => resolve()));
  return (ms) => settlesWithin(closed, ms);
}

async function pollUntilGone(pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    if (!isAlive(pid)) return true;
    if (Date.now() >= until) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const result = await Promise.race([p.then(() => true), timeout]);
  clearTimeout(timer);
  return result;
}
