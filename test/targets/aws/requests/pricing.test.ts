import { describe, expect, it } from 'vitest';
import { STACK_REGIONS } from '../../../../src/core/regions.js';
import { PRICES_AS_OF, SECRET_PER_MONTH, channelPrices, estimateChannelCost, inputTier, otherCosts, videoClass } from '../../../../src/targets/aws/requests/pricing.js';
import { loadProfile } from '../../../../src/core/profiles.js';
import type { Ladder } from '../../../../src/core/ladder.js';

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

  it('HD-1080p is all list prices: its input is the HD 10–20 Mb/s tier AWS publishes', async () => {
    const e = estimateChannelCost(await loadProfile('HD-1080p'), 'us-east-1');
    expect(e.lines[0]).toEqual({ item: 'input (AVC, HD 10–20 Mb/s)', perHour: 0.294 });
    expect(e.lines.every((l) => l.estimated === undefined)).toBe(true);
    expect(e.approximate).toBe(false);
  });

  it('names the tier the channel really declares: 720p is HD up to 10 Mb/s, 540p SD up to 10 Mb/s', async () => {
    const hd = estimateChannelCost(await loadProfile('HD-720p'), 'us-east-1');
    expect(hd.lines[0]!.item).toBe('input (AVC, HD up to 10 Mb/s)');
    const sd = estimateChannelCost(await loadProfile('SD-540p'), 'us-east-1');
    expect(sd.lines[0]!.item).toBe('input (AVC, SD up to 10 Mb/s)');
  });

  it('marks the input of a tier without a published rate as estimated, saying it errs high', async () => {
    const e = estimateChannelCost(await loadProfile('HD-720p'), 'us-east-1');
    expect(e.lines[0]).toMatchObject({ perHour: 0.294, estimated: expect.stringMatching(/HD up to 10 Mb\/s.*upper bound/) });
    // The outputs are list prices.
    expect(e.lines.slice(1).every((l) => l.estimated === undefined)).toBe(true);
    expect(e.lines.slice(1)).toEqual([
      { item: 'output 1280x720 (HD)', perHour: 0.702 },
      { item: 'output 960x540 (SD)', perHour: 0.354 },
      { item: 'output 768x432 (SD)', perHour: 0.354 },
      { item: 'output 640x360 (SD)', perHour: 0.354 },
      { item: 'output 512x288 (SD)', perHour: 0.354 },
    ]);
    expect(e.approximate).toBe(true);
  });

  it('outside us-east-1 every line says it is derived from us-east-1', async () => {
    const eu = estimateChannelCost(await loadProfile('HD-1080p'), 'eu-central-1');
    expect(eu.approximate).toBe(true);
    expect(eu.perHour).toBeGreaterThan(3.114);
    for (const l of eu.lines) expect(l.estimated).toMatch(/no eu-central-1 list price at hand: us-east-1 rate × 1.15/);
  });

  it('a UHD or 60 fps ladder says the figure is below what MediaLive charges', () => {
    const uhd: Ladder = {
      name: 'uhd',
      hls: { segmentSeconds: 4, playlistSegments: 10 },
      renditions: [{ name: 'r', width: 3840, height: 2160, bitrate: 15_000_000, framerate: 60 }],
    } as unknown as Ladder;
    const e = estimateChannelCost(uhd, 'us-east-1');
    expect(e.lines[0]!.estimated).toMatch(/exceeds/);
    expect(e.lines[1]!.estimated).toMatch(/more above 1080 lines or 30 fps/);
  });
});

describe('price table', () => {
  it('is dated; us-east-1 outputs are list prices', () => {
    expect(PRICES_AS_OF).toBe('2026-11-01');
    expect(channelPrices('us-east-1').output).toEqual({ SD: { perHour: 0.354 }, HD: { perHour: 0.702 } });
    expect(channelPrices('us-east-1').input('HD MAX_20_MBPS')).toEqual({ perHour: 0.294 });
    expect(channelPrices('eu-west-1').output.HD.estimated).toBeDefined();
  });

  it.each(STACK_REGIONS.filter((r) => r !== 'us-east-1'))('has a regional factor for %s, marked estimated', (region) => {
    const p = channelPrices(region);
    expect(p.output.HD.estimated).toMatch(new RegExp(`no ${region} list price at hand: us-east-1 rate × [\\d.]+$`));
    expect(p.input('HD MAX_20_MBPS').estimated).toBe(p.output.HD.estimated);
  });

  it.each([['HD-1080p', 'HD MAX_20_MBPS'], ['HD-720p', 'HD MAX_10_MBPS'], ['SD-540p', 'SD MAX_10_MBPS']])('%s declares %s', async (profile, tier) => {
    expect(inputTier(await loadProfile(profile))).toBe(tier);
  });

  it.each([[1080, 'HD'], [720, 'HD'], [540, 'SD'], [288, 'SD']] as const)('%s lines are %s', (h, cls) => {
    expect(videoClass(h)).toBe(cls);
  });

  it('lists the other resources, dashboard and SSM included', () => {
    const items = otherCosts().map((c) => c.item).join('\n');
    expect(items).toMatch(/CloudFront data transfer/);
    expect(items).toMatch(/CloudWatch dashboard/);
    expect(otherCosts().find((c) => c.item.startsWith('SSM'))?.price).toBe('free');
  });

  it('says which viewers the CloudFront price class serves from nearby', () => {
    expect(otherCosts('100')[0]!.item).toMatch(/North America, Europe and Israel only/);
    expect(otherCosts('All')[0]!.item).toMatch(/every edge location/);
  });
});

describe('the SRT passphrase secret', () => {
  it('adds Secrets Manager\'s $0.40 a month, per hour, as its own line; the input line is the same as for any input', async () => {
    const ladder = await loadProfile('HD-720p');
    const plain = estimateChannelCost(ladder, 'us-east-1');
    const srt = estimateChannelCost(ladder, 'us-east-1', { srtSecret: true });
    expect(SECRET_PER_MONTH).toBe(0.4);
    expect(srt.lines).toHaveLength(plain.lines.length + 1);
    expect(srt.lines.slice(0, -1)).toEqual(plain.lines);
    expect(srt.lines.at(-1)).toEqual({ item: 'Secrets Manager secret for the SRT passphrase ($0.40/month, while the stack exists)', perHour: 0.4 / 730 });
    expect(srt.perHour).toBeCloseTo(plain.perHour + 0.4 / 730, 3);
  });
});
