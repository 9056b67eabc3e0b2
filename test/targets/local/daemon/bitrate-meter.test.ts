import { describe, expect, it } from 'vitest';
import { BitrateMeter } from '../../../../src/targets/local/daemon/bitrate-meter.js';

describe('BitrateMeter', () => {
  it.each<[string, Array<[number, number]>, number | undefined]>([
    ['one sample: unknown', [[0, 0]], undefined],
    ['1 MB over 2 s: 4 Mb/s', [[0, 0], [1000, 500_000], [2000, 1_000_000]], 4_000_000],
    ['a stalled counter: 0', [[0, 1000], [1000, 1000], [2000, 1000]], 0],
    ['measured from the newest sample at least a window old (5 s here, not 0 s)', [[0, 0], [5000, 10_000_000], [15_000, 10_000_000], [20_000, 11_250_000]], 666_667],
    ['a reset counter starts over', [[0, 5_000_000], [1000, 6_000_000], [2000, 100], [3000, 125_100]], 1_000_000],
  ])('%s', (_name, samples, expected) => {
    const meter = new BitrateMeter(10_000);
    let result: number | undefined;
    for (const [at, bytes] of samples) result = meter.sample(bytes, at);
    expect(result).toBe(expected);
  });
});
