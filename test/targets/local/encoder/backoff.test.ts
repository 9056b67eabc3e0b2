import { describe, expect, it } from 'vitest';
import { createBackoff, noteCrashed, noteStarted, type BackoffPolicy } from '../../../../src/targets/local/encoder/backoff.js';

const POLICY: BackoffPolicy = { initialMs: 1_000, maxMs: 30_000, healthyMs: 60_000 };

describe('encoder restart backoff', () => {
  it('doubles on each quick crash up to the cap', () => {
    let state = createBackoff();
    let clock = 0;
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      state = noteStarted(state, clock);
      clock += 500; // crashes half a second after each start
      const r = noteCrashed(state, clock, POLICY);
      delays.push(r.delayMs);
      state = r.state;
      clock += r.delayMs;
    }
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
  });

  it('starts again from the first delay after a healthy minute', () => {
    let state = createBackoff();
    for (let i = 0; i < 4; i++) state = noteCrashed(noteStarted(state, 0), 10, POLICY).state;
    expect(noteCrashed(noteStarted(state, 1_000), 1_000 + 59_999, POLICY).delayMs).toBe(16_000);
    expect(noteCrashed(noteStarted(state, 1_000), 1_000 + 60_000, POLICY).delayMs).toBe(1_000);
  });
});
