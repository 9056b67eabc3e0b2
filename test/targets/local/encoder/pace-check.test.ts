import { describe, expect, it } from 'vitest';
import { judgePace, PACE_POLICY, trimPaceSamples, type PaceSample } from '../../../../src/targets/local/encoder/pace-check.js';

/** Samples every 2 s (the supervisor's health tick) from t = 0, the counter rising by each step's drops. */
function samplesOf(dropsPerStep: number[]): PaceSample[] {
  let count = 0;
  return [{ at: 0, behindFrames: 0 }, ...dropsPerStep.map((d, i) => ({ at: (i + 1) * 2_000, behindFrames: (count += d) }))];
}

const steps = (n: number, d: number): number[] => Array.from({ length: n }, () => d);

describe('judgePace (30 s window in 5 s slices; behind at >= 2 % of the pictures dropped, in >= 4 slices)', () => {
  it.each([
    // [what, drops per 2 s step, fps, behind, dropped in the window, busy slices]
    ['a steady 3 % (an encoder at 0.97x)', steps(15, 2), 30, true, 30, 6],
    ['no drops at all', steps(15, 0), 30, false, 0, 0],
    ['one busy moment, however large', [...steps(7, 0), 120, ...steps(7, 0)], 30, false, 120, 1],
    ['two busy moments', [60, ...steps(6, 0), 60, ...steps(7, 0)], 30, false, 120, 2],
    ['a trickle in every slice below 2 %', steps(15, 1), 30, false, 15, 6],
    ['the same trickle at 15 fps is 3 %: behind', steps(15, 1), 15, true, 15, 6],
    ['drops in four slices, enough of them', [...steps(5, 0), ...steps(10, 3)], 30, true, 30, 4],
    ['drops only in the last three slices', [...steps(8, 0), ...steps(7, 5)], 30, false, 35, 3],
  ] as const)('%s', (_what, drops, fps, behind, dropped, busySlices) => {
    expect(judgePace(samplesOf([...drops]), fps)).toEqual({ behind, dropped, windowSeconds: 30, busySlices });
  });

  it('judges only the newest window: drops before it do not count', () => {
    expect(judgePace(samplesOf([...steps(10, 9), ...steps(15, 0)]), 30)).toMatchObject({ behind: false, dropped: 0 });
  });

  it('says nothing until the samples span a whole window (a new encoder run starts a new list)', () => {
    expect(judgePace(samplesOf(steps(14, 50)), 30)).toBeUndefined();
    expect(judgePace([], 30)).toBeUndefined();
    expect(judgePace(samplesOf(steps(15, 50)), 30)?.behind).toBe(true);
  });

  it('honours another policy', () => {
    const policy = { ...PACE_POLICY, windowMs: 10_000, minBusySlices: 2 };
    expect(judgePace(samplesOf(steps(5, 2)), 30, policy)).toEqual({ behind: true, dropped: 10, windowSeconds: 10, busySlices: 2 });
  });
});

describe('trimPaceSamples', () => {
  it('keeps the samples of the window and the one before it, so the verdict is the same', () => {
    const all = samplesOf([...steps(10, 9), ...steps(15, 2)]);
    const kept = trimPaceSamples(all);
    expect(kept[0]).toEqual({ at: 20_000, behindFrames: 90 });
    expect(kept).toHaveLength(16);
    expect(judgePace(kept, 30)).toEqual(judgePace(all, 30));
  });

  it('keeps everything while the window is not yet full', () => {
    const some = samplesOf(steps(5, 1));
    expect(trimPaceSamples(some)).toEqual(some);
  });
});
