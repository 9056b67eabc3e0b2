/**
 * The local target's scheduled stop (issue #12): a timer in the stack process that stops the
 * channel at the end of the run, as `livestream stop` would (the stack stays). The CLI sets it
 * after every start and moves or clears it with `schedule` and `stop`, over the control socket.
 * It lives and dies with the daemon, as the stream does: a daemon that is gone streams nothing.
 */

import type { StateStore } from '../../../core/state.js';
import { recordScheduledStop } from '../../../core/stop-status.js';

/** What the daemon reports of its schedule (control socket `status` and `schedule`). */
export interface StopTimerState {
  /** ISO: when the timer will stop the channel. */
  stopAt?: string;
  /** ISO: when the timer last stopped it (until the next start or schedule). */
  firedAt?: string;
}

export interface StopTimer {
  set(at: Date | undefined): StopTimerState;
  /** The channel starts again: the last stop is no longer news. */
  started(): void;
  state(): StopTimerState;
  close(): void;
}

export interface StopTimerOptions {
  /** Stop the channel, as the control socket's `stop` does. */
  stop(): Promise<void>;
  /** After the stop: write it into the state file (the daemon's own, lock-respecting write). */
  onFired(at: Date): Promise<void>;
  log(line: string): void;
  now?: () => Date;
}

/** setTimeout's longest delay (2^31 - 1 ms, about 24.8 days); a longer wait is taken in steps. */
const MAX_DELAY_MS = 2_147_483_647;

export function createStopTimer(opts: StopTimerOptions): StopTimer {
  const now = opts.now ?? (() => new Date());
  let stopAt: Date | undefined;
  let firedAt: Date | undefined;
  let timer: NodeJS.Timeout | undefined;

  const disarm = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
  };
  const arm = () => {
    disarm();
    if (!stopAt) return;
    const delay = stopAt.getTime() - now().getTime();
    timer = delay > MAX_DELAY_MS ? setTimeout(arm, MAX_DELAY_MS) : setTimeout(() => void fire(), Math.max(0, delay));
  };
  const fire = async () => {
    timer = undefined;
    stopAt = undefined;
    const at = now();
    firedAt = at;
    opts.log(`scheduled stop: stopping the channel at ${at.toISOString()}`);
    try {
      await opts.stop();
      await opts.onFired(at);
    } catch (err) {
      opts.log(`scheduled stop failed: ${(err as Error).message}`);
    }
  };
  const state = (): StopTimerState => ({
    ...(stopAt ? { stopAt: stopAt.toISOString() } : {}),
    ...(firedAt ? { firedAt: firedAt.toISOString() } : {}),
  });

  return {
    set(at) {
      stopAt = at;
      firedAt = undefined;
      opts.log(at ? `scheduled stop set for ${at.toISOString()}` : 'scheduled stop cleared');
      arm();
      return state();
    },
    started() {
      firedAt = undefined;
    },
    state,
    close: disarm,
  };
}

/** The `schedule` command's arguments as a connection sent them: an ISO `at`, or none. */
export function stopAtOf(args: unknown): Date | undefined {
  const at = (args as { at?: unknown } | undefined)?.at;
  if (at === undefined) return undefined;
  const t = typeof at === 'string' ? Date.parse(at) : NaN;
  if (Number.isNaN(t)) throw new Error(`"at" must be an ISO date-time, got ${JSON.stringify(at)}`);
  return new Date(t);
}

/**
 * The daemon's write of a scheduled stop into the state file. It never waits on a command that
 * holds the lock: it writes only when the stack is free (as `status` does), trying again every few
 * seconds, so the run's end is right even if no command runs for hours. Every command that reads
 * the daemon applies the same stop first (lifecycle.ts, from `firedAt`), so whichever comes first
 * writes it and the other changes nothing.
 */
export async function recordStopInState(store: StateStore, at: Date, log: (line: string) => void, opts: { retryMs?: number; attempts?: number } = {}): Promise<boolean> {
  const attempts = opts.attempts ?? 300;
  for (let i = 0; i < attempts; i++) {
    try {
      if (await store.updateIfFree('schedule', (s) => void recordScheduledStop(s, at))) {
        log('scheduled stop recorded in the state');
        return true;
      }
    } catch (err) {
      log(`could not record the scheduled stop yet: ${(err as Error).message}`);
    }
    await new Promise((r) => setTimeout(r, opts.retryMs ?? 2_000).unref());
  }
  log('gave up recording the scheduled stop; the next livestream command records it');
  return false;
}
