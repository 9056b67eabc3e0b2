import { describe, expect, it } from 'vitest';
import { OTHER_COSTS, PRICES_AS_OF, channelPrices, estimateChannelCost, videoClass } from '../../../../src/targets/aws/build/pricing.js';
import { loadProfile } from '../../../../src/core/profiles.js';

describe('estimateChannelCost in us-east-1 (FACTS.md)', () => {
  it.each([
    ['HD-720p', 2.412, 6],
    ['SD-540p', 1.71, 5],
    ['HD-1080p', 3.114, 7],
  ])('%s ≈ $%s/h', async (profile, perHour, lineCount) => {
    const e = estimateChannelCost(await loadProfile(profile), 'us-east-1');
    expect(e.perHour).toBeCloseTo(perHour, 3);
    expect(e.lines).toHaveLength(lineCount);
    expect(e.lines.reduce((s, l) => s + l.perHour, 0)).toBeCloseTo(e.perHour, 6);
    expect(e).toMatchObject({ currency: 'USD', asOf: '2026-11-01' });
  });

  it('itemises input and outputs for HD-720p', async () => {
    const e = estimateChannelCost(await loadProfile('HD-720p'), 'us-east-1');
    expect(e.lines).toEqual([
      { item: 'input (HD AVC)', perHour: 0.294 },
      { item: 'output 1280x720 (HD)', perHour: 0.702 },
      { item: 'output 960x540 (SD)', perHour: 0.354 },
      { item: 'output 768x432 (SD)', perHour: 0.354 },
      { item: 'output 640x360 (SD)', perHour: 0.354 },
      { item: 'output 512x288 (SD)', perHour: 0.354 },
    ]);
    expect(e.approximate).toBe(false);
  });

  it('flags estimates built on borrowed or derived prices', async () => {
    expect(estimateChannelCost(await loadProfile('SD-540p'), 'us-east-1').approximate).toBe(true);
    const eu = estimateChannelCost(await loadProfile('HD-720p'), 'eu-central-1');
    expect(eu.approximate).toBe(true);
    expect(eu.perHour).toBeGreaterThan(2.41);
  });
});

describe('price table', () => {
  it('is dated and lists us-east-1 as published prices', () => {
    expect(PRICES_AS_OF).toBe('2026-11-01');
    expect(channelPrices('us-east-1')).toEqual({ input: { SD: 0.294, HD: 0.294 }, output: { SD: 0.354, HD: 0.702 }, listed: true });
    expect(channelPrices('eu-west-1').listed).toBe(false);
  });

  it.each([[1080, 'HD'], [720, 'HD'], [540, 'SD'], [288, 'SD']] as const)('%s lines are %s', (h, cls) => {
    expect(videoClass(h)).toBe(cls);
  });

  it('lists the other resources, dashboard and SSM included', () => {
    const items = OTHER_COSTS.map((c) => c.item).join('\n');
    expect(items).toMatch(/CloudFront data transfer/);
    expect(items).toMatch(/CloudWatch dashboard/);
    expect(OTHER_COSTS.find((c) => c.item.startsWith('SSM'))?.price).toBe('free');
  });
});
