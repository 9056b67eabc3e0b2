/**
 * Restart backoff for a crashed process: 1 s, 2 s, 4 s ... capped, and back to the start once the
 * process has stayed up for `healthyMs`. Pure state machine: the clock is passed in.
 */
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  /** A run at least this long counts as healthy and resets the delay. */
  healthyMs: number;
}

export const ENCODER_BACKOFF: BackoffPolicy = { initialMs: 1_000, maxMs: 30_000, healthyMs: 60_000 };

export interface BackoffState {
  /** Consecutive failures since the last healthy run. */
  failures: number;
  startedAt?: number;
}

export function createBackoff(): BackoffState {
  return { failures: 0 };
}

/** Record that the process started at `now`. */
export function noteStarted(state: BackoffState, now: number): BackoffState {
  return { ...state, startedAt: now };
}

/** Record a crash at `now`; returns the new state and how long to wait before the next start. */
export function noteCrashed(state: BackoffState, now: number, policy: BackoffPolicy): { state: BackoffState; delayMs: number } {
  const ranHealthy = state.startedAt !== undefined && now - state.startedAt >= policy.healthyMs;
  const failures = ranHealthy ? 1 : state.failures + 1;
  const delayMs = Math.min(policy.maxMs, policy.initialMs * 2 ** (failures - 1));
  return { state: { failures }, delayMs };
}
