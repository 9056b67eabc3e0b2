/**
 * What a running channel costs, from a dated price table. Pure: the table is data, the estimate a sum.
 * MediaLive bills each input and each output (encode) per hour while the channel runs (minimum 10 min).
 */
import type { Ladder } from '../../../core/ladder.js';

export const PRICES_AS_OF = '2026-11-01';

export interface ChannelPrices {
  /** Single-pipeline AVC input per hour, by input class. */
  input: { SD: number; HD: number };
  /** Single-pipeline AVC output (one encode, up to 30 fps) per hour. */
  output: { SD: number; HD: number };
  /** True when these are published list prices, false when derived from us-east-1. */
  listed: boolean;
}

/**
 * us-east-1 list prices (FACTS.md §3): input HD AVC $0.294/h, SD output $0.354/h, HD output $0.702/h.
 * FACTS.md has no SD input rate; its per-profile totals (SD-540p ≈ $1.71/h) price the input at the
 * HD rate, so SD inputs are priced at the HD rate too, which errs on the high side.
 */
const US_EAST_1: ChannelPrices = { input: { SD: 0.294, HD: 0.294 }, output: { SD: 0.354, HD: 0.702 }, listed: true };

/**
 * Other MediaLive regions: NOT list prices. No regional price list was at hand, so these are
 * us-east-1 prices times a rough regional uplift (the usual spread of AWS media-service prices).
 * Estimates in these regions say `approximate: true`.
 */
const REGIONAL_MULTIPLIER: Record<string, number> = {
  'us-east-2': 1.0,
  'us-west-2': 1.0,
  'us-west-1': 1.1,
  'ca-central-1': 1.1,
  'eu-west-1': 1.1,
  'eu-west-2': 1.15,
  'eu-west-3': 1.15,
  'eu-central-1': 1.15,
  'eu-north-1': 1.15,
  'ap-south-1': 1.2,
  'ap-northeast-1': 1.25,
  'ap-northeast-2': 1.25,
  'ap-northeast-3': 1.25,
  'ap-southeast-1': 1.25,
  'ap-southeast-2': 1.25,
  'me-central-1': 1.3,
  'sa-east-1': 1.5,
};

export function channelPrices(region: string): ChannelPrices {
  if (region === 'us-east-1') return US_EAST_1;
  const k = REGIONAL_MULTIPLIER[region] ?? 1.0;
  const r = (n: number) => Math.round(n * k * 1000) / 1000;
  return {
    input: { SD: r(US_EAST_1.input.SD), HD: r(US_EAST_1.input.HD) },
    output: { SD: r(US_EAST_1.output.SD), HD: r(US_EAST_1.output.HD) },
    listed: false,
  };
}

export type VideoClass = 'SD' | 'HD';

/** MediaLive's split: HD from 720 lines up, SD below. */
export function videoClass(height: number): VideoClass {
  return height >= 720 ? 'HD' : 'SD';
}

export interface CostEstimate {
  perHour: number;
  currency: 'USD';
  lines: Array<{ item: string; perHour: number }>;
  asOf: string;
  approximate: boolean;
}

export function estimateChannelCost(ladder: Ladder, region: string): CostEstimate {
  const prices = channelPrices(region);
  const top = ladder.renditions[0]!;
  const inputClass = videoClass(top.height);
  const lines: CostEstimate['lines'] = [{ item: `input (${inputClass} AVC)`, perHour: prices.input[inputClass] }];
  for (const r of ladder.renditions) {
    const cls = videoClass(r.height);
    lines.push({ item: `output ${r.width}x${r.height} (${cls})`, perHour: prices.output[cls] });
  }
  const perHour = Math.round(lines.reduce((sum, l) => sum + l.perHour, 0) * 1000) / 1000;
  // Above 1080 lines (UHD) or 30 fps MediaLive charges more than the HD/SD rates used here.
  const beyondTable = ladder.renditions.some((r) => r.height > 1080 || r.framerate > 30);
  return {
    perHour,
    currency: 'USD',
    lines,
    asOf: PRICES_AS_OF,
    approximate: !prices.listed || inputClass === 'SD' || beyondTable,
  };
}

/** What the rest of the stack costs (us-east-1 list prices, for the README and the plan). */
export const OTHER_COSTS: ReadonlyArray<{ item: string; price: string }> = [
  { item: 'CloudFront data transfer out (first 10 TB/month, North America/Europe)', price: '$0.085 per GB' },
  { item: 'CloudFront HTTPS requests', price: '$0.0100 per 10,000' },
  { item: 'S3 PUT/DELETE requests (MediaLive writes ~1 segment + 2 playlists per rendition per segment)', price: '$0.005 per 1,000 (DELETE free)' },
  { item: 'S3 GET requests (CloudFront cache misses)', price: '$0.0004 per 1,000' },
  { item: 'S3 storage (segments expire; logs are kept)', price: '$0.023 per GB-month' },
  { item: 'S3 request metrics (billed as CloudWatch metrics)', price: '$0.30 per metric-month' },
  { item: 'CloudWatch dashboard', price: '$3.00 per month (first 3 per account free)' },
  { item: 'SSM Parameter Store standard parameter', price: 'free' },
  { item: 'MediaLive idle channel or idle push input', price: 'a small hourly charge until deleted' },
];
