/**
 * The local daemon's scheduled stop: the timer (with vitest's fake clock, so no test waits for
 * it), the control socket's `schedule` command on a real unix socket, and the daemon's write of
 * the stop into a state file that a command may hold locked.
 */
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadProfile } from '../../../../src/core/profiles.js';
import { validateSpec } from '../../../../src/core/spec.js';
import { StateStore } from '../../../../src/core/state.js';
import { sendControl, serveControl, type ControlHandlers } from '../../../../src/targets/local/daemon/control-socket.js';
import { createStopTimer, recordStopInState, stopAtOf } from '../../../../src/targets/local/daemon/stop-timer.js';
import { makeTmpDir } from '../../../helpers/tmp-dir.js';

afterEach(() => void vi.useRealTimers());

function timerWith(now: () => Date) {
  const events: string[] = [];
  const timer = createStopTimer({
    stop: async () => void events.push('stop'),
    onFired: async (at) => void events.push(`recorded ${at.toISOString()}`),
    log: () => {},
    now,
  });
  return { timer, events };
}

describe('the stop timer', () => {
  it('stops the channel at the end, records it, and says when it fired until the next start', async () => {
    vi.useFakeTimers({ now: new Date('2026-12-02T20:00:00Z') });
    const { timer, events } = timerWith(() => new Date());
    expect(timer.set(new Date('2026-12-02T20:00:20Z'))).toEqual({ stopAt: '2026-12-02T20:00:20.000Z' });
    await vi.advanceTimersByTimeAsync(19_000);
    expect(events).toEqual([]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(events).toEqual(['stop', 'recorded 2026-12-02T20:00:20.000Z']);
    expect(timer.state()).toEqual({ firedAt: '2026-12-02T20:00:20.000Z' });
    timer.started();
    expect(timer.state()).toEqual({});
  });

  it('moves and clears the end: only the latest one fires', async () => {
    vi.useFakeTimers({ now: new Date('2026-12-02T20:00:00Z') });
    const { timer, events } = timerWith(() => new Date());
    timer.set(new Date('2026-12-02T20:00:10Z'));
    timer.set(new Date('2026-12-02T20:01:00Z'));
    await vi.advanceTimersByTimeAsync(30_000);
    expect(events).toEqual([]);
    expect(timer.set(undefined)).toEqual({});
    await vi.advanceTimersByTimeAsync(120_000);
    expect(events).toEqual([]);
  });

  it('waits longer than setTimeout can in one go (25 days and more)', async () => {
    vi.useFakeTimers({ now: new Date('2026-12-02T20:00:00Z') });
    const { timer, events } = timerWith(() => new Date());
    timer.set(new Date('2027-01-01T20:00:00Z'));
    await vi.advanceTimersByTimeAsync(29 * 86_400_000);
    expect(events).toEqual([]);
    await vi.advanceTimersByTimeAsync(86_400_000);
    expect(events).toEqual(['stop', 'recorded 2027-01-01T20:00:00.000Z']);
  });

  it('takes only an ISO time as its argument', () => {
    expect(stopAtOf({ at: '2026-12-02T20:00:00Z' })).toEqual(new Date('2026-12-02T20:00:00Z'));
    expect(stopAtOf({})).toBeUndefined();
    expect(stopAtOf(undefined)).toBeUndefined();
    expect(() => stopAtOf({ at: 'tonight' })).toThrow(/ISO date-time/);
    expect(() => stopAtOf({ at: 12 })).toThrow(/ISO date-time/);
  });
});

describe('the control socket\'s schedule command', () => {
  it('carries the end to the daemon and its answer back; a bad one is refused there', async () => {
    const dir = await makeTmpDir('stop-socket-');
    const socket = path.join(dir, 'control.sock');
    const { timer } = timerWith(() => new Date());
    const never = async () => {
      throw new Error('not in this test');
    };
    const handlers: ControlHandlers = { status: never, start: never, stop: never, shutdown: never, schedule: async (args) => timer.set(stopAtOf(args)) };
    const control = await serveControl(socket, handlers);
    try {
      const at = new Date(Date.now() + 3_600_000).toISOString();
      expect(await sendControl(socket, 'schedule', 5_000, { at })).toEqual({ stopAt: at });
      expect(await sendControl(socket, 'schedule', 5_000, {})).toEqual({});
      await expect(sendControl(socket, 'schedule', 5_000, { at: 'soon' } as never)).rejects.toMatchObject({ code: 'DAEMON_FAILED', message: expect.stringContaining('ISO date-time') });
    } finally {
      timer.close();
      await control.close();
    }
  });
});

describe('the daemon\'s write of the stop', () => {
  it('waits while a command holds the stack, then closes the run at the stop', async () => {
    const dir = await makeTmpDir('stop-state-');
    const store = new StateStore(dir, 'demo');
    await store.create({ target: 'local', spec: validateSpec({ stack: 'demo', stopAfter: '20s' }).spec!, ladder: await loadProfile('HD-720p') });
    await store.update((s) => {
      s.channelRuns.push({ start: '2026-12-02T20:00:00.000Z' });
      s.runtime.stopAt = '2026-12-02T20:00:20.000Z';
    });
    // Another live process (our parent) holds the lock, as a running `livestream start` would.
    await writeFile(store.lockFile, JSON.stringify({ pid: process.ppid, command: 'start', since: new Date().toISOString() }));
    const lines: string[] = [];
    const daemonStore = new StateStore(dir, 'demo');
    const firedAt = new Date('2026-12-02T20:00:20Z');
    expect(await recordStopInState(daemonStore, firedAt, (l) => lines.push(l), { retryMs: 1, attempts: 3 })).toBe(false);
    expect(lines.at(-1)).toMatch(/the next livestream command records it/);
    expect((await store.load())!.channelRuns[0]!.end).toBeUndefined();
    await rm(store.lockFile);
    expect(await recordStopInState(daemonStore, firedAt, (l) => lines.push(l), { retryMs: 1, attempts: 3 })).toBe(true);
    const state = (await store.load())!;
    expect(state.channelRuns[0]!.end).toBe('2026-12-02T20:00:20.000Z');
    expect(state.runtime).toEqual({ stoppedBy: 'schedule' });
  });
});
