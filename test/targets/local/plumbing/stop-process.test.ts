import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { isAlive } from '../../../../src/core/state.js';
import { stopProcess, waitForExit } from '../../../../src/targets/local/plumbing/stop-process.js';

/** Node scripts that say "ready" once their SIGTERM handling is in place, then run until stopped. */
const EXITS_ON_SIGTERM = "console.log('ready'); setInterval(() => {}, 1000);";
const IGNORES_SIGTERM = "process.on('SIGTERM', () => {}); console.log('ready'); setInterval(() => {}, 1000);";

const started: ChildProcess[] = [];

async function startNode(script: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'ignore'] });
  started.push(child);
  await once(child.stdout!, 'data');
  return child;
}

afterEach(() => {
  for (const c of started.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

describe('stopProcess', () => {
  it('stops a child that exits on SIGTERM with SIGTERM alone', async () => {
    const child = await startNode(EXITS_ON_SIGTERM);
    expect(await stopProcess(child, { graceMs: 30_000 })).toBe(true);
    expect(child.signalCode).toBe('SIGTERM');
  });

  it('kills a child that ignores SIGTERM once the grace period is over', async () => {
    const child = await startNode(IGNORES_SIGTERM);
    expect(await stopProcess(child, { graceMs: 200, killWaitMs: 30_000 })).toBe(true);
    expect(child.signalCode).toBe('SIGKILL');
  });

  it('sends the first signal asked for', async () => {
    const child = await startNode(IGNORES_SIGTERM);
    expect(await stopProcess(child, { signal: 'SIGKILL', graceMs: 30_000 })).toBe(true);
    expect(child.signalCode).toBe('SIGKILL');
  });

  it('stops a process known only by its pid, escalating the same way', async () => {
    const child = await startNode(IGNORES_SIGTERM);
    const closed = once(child, 'close');
    expect(await stopProcess(child.pid!, { graceMs: 200, killWaitMs: 30_000 })).toBe(true);
    expect(isAlive(child.pid!)).toBe(false);
    await closed;
    expect(child.signalCode).toBe('SIGKILL');
  });

  it('has nothing to do for no process, or one already gone', async () => {
    expect(await stopProcess(undefined, { graceMs: 10 })).toBe(true);
    const child = await startNode(EXITS_ON_SIGTERM);
    child.kill('SIGTERM');
    await once(child, 'close');
    expect(await stopProcess(child, { graceMs: 10 })).toBe(true);
    expect(await stopProcess(child.pid!, { graceMs: 10 })).toBe(true);
  });
});

describe('waitForExit', () => {
  it('sends nothing: a running child is still running when the wait ends', async () => {
    const child = await startNode(EXITS_ON_SIGTERM);
    expect(await waitForExit(child, 50)).toBe(false);
    expect(await waitForExit(child.pid!, 50)).toBe(false);
    expect(child.exitCode === null && child.signalCode === null).toBe(true);
  });

  it('resolves true when the child ends during the wait', async () => {
    const child = await startNode(EXITS_ON_SIGTERM);
    const waiting = waitForExit(child, 30_000);
    child.kill('SIGTERM');
    expect(await waiting).toBe(true);
  });
});
