/**
 * What a running channel costs, from a dated price table. Pure: the table is data, the estimate a sum.
 * MediaLive bills each input and each output (encode) per hour while the channel runs (minimum 10 min).
 * An input is billed by the tier the channel declares in its InputSpecification (resolution class
 * and maximum bitrate: build/channel.ts), not by what actually arrives.
 *
 * Every figure says where it comes from: a published list price, or an estimate (with why).
 */
import type { PriceClassName } from '../../../core/spec.js';
import type { Ladder, Rendition } from '../../../core/ladder.js';
import type { CostEstimate, CostLine } from '../../../core/target.js';
import { inputSpecification } from './channel.js';
import { recordingRate } from './recording.js';

export const PRICES_AS_OF = '2026-11-01';

/** A MediaLive input tier, as InputSpecification names it: "HD MAX_10_MBPS". */
export type InputTier = `${'SD' | 'HD' | 'UHD'} ${'MAX_10_MBPS' | 'MAX_20_MBPS' | 'MAX_50_MBPS'}`;

export interface Price {
  perHour: number;
  /** Absent for a published list price; otherwise why and how the figure was estimated. */
  estimated?: string;
}

export interface ChannelPrices {
  /** Single-pipeline AVC input per hour, by the tier the channel declares. */
  input(tier: InputTier): Price;
  /** Single-pipeline AVC output (one encode, up to 30 fps) per hour. */
  output: { SD: Price; HD: Price };
}

/**
 * us-east-1 list prices, as AWS's own cost examples for the reference solution give them (FACTS.md
 * §3; "Live Streaming on AWS with Amazon S3" implementation guide, cost examples 1 and 2):
 * HD input AVC 10–20 Mb/s $0.294/h, SD output $0.354/h, HD output $0.702/h.
 */
const US_EAST_1 = { inputHd20: 0.294, outputSd: 0.354, outputHd: 0.702 };
const LISTED_INPUT_TIER: InputTier = 'HD MAX_20_MBPS';

/**
 * The lower input tiers (SD or HD up to 10 Mb/s) cost less than HD 10–20 Mb/s, but no published
 * figure for them was at hand: they are priced at the HD 10–20 rate, so the total errs high. A UHD
 * or 20–50 Mb/s tier costs more than that rate: the figure is then a floor, not a ceiling.
 */
function inputPrice(tier: InputTier, factor: number, regional?: string): Price {
  const perHour = round(US_EAST_1.inputHd20 * factor);
  const reasons: string[] = [];
  if (tier !== LISTED_INPUT_TIER) {
    const above = tier.startsWith('UHD') || tier.endsWith('MAX_50_MBPS');
    reasons.push(`no published rate for the ${describeTier(tier)} tier at hand; priced at the HD 10–20 Mb/s rate, ${above ? 'which this tier exceeds' : 'an upper bound'}`);
  }
  if (regional) reasons.push(regional);
  return reasons.length > 0 ? { perHour, estimated: reasons.join('; ') } : { perHour };
}

/**
 * Other MediaLive regions: no regional list prices were at hand, so these are us-east-1 prices
 * times a rough regional uplift (the usual spread of AWS media-service prices). Each such figure
 * is marked estimated.
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
  'ap-south-2': 1.2,
  'ap-northeast-1': 1.25,
  'ap-northeast-2': 1.25,
  'ap-northeast-3': 1.25,
  'ap-southeast-1': 1.25,
  'ap-southeast-2': 1.25,
  'ap-southeast-4': 1.25,
  'ap-southeast-5': 1.25,
  'me-central-1': 1.3,
  'sa-east-1': 1.5,
};

export function channelPrices(region: string): ChannelPrices {
  if (region === 'us-east-1') {
    return { input: (tier) => inputPrice(tier, 1), output: { SD: { perHour: US_EAST_1.outputSd }, HD: { perHour: US_EAST_1.outputHd } } };
  }
  const factor = REGIONAL_MULTIPLIER[region];
  const regional = factor === undefined
    ? `no ${region} price or regional factor at hand: the us-east-1 rate as is`
    : `no ${region} list price at hand: us-east-1 rate × ${factor}`;
  return {
    input: (tier) => inputPrice(tier, factor ?? 1, regional),
    output: { SD: { perHour: round(US_EAST_1.outputSd * (factor ?? 1)), estimated: regional }, HD: { perHour: round(US_EAST_1.outputHd * (factor ?? 1)), estimated: regional } },
  };
}

/**
 * Secrets Manager: $0.40 per secret per month, prorated; no charge once scheduled for deletion
 * (https://aws.amazon.com/secrets-manager/pricing/, as of 2026-09). A month of 730 hours. The API
 * calls ($0.05 per 10,000: one GetSecretValue per channel start) are left out.
 */
export const SECRET_PER_MONTH = 0.4;
const HOURS_PER_MONTH = 730;

/** The SRT passphrase secret's line: billed while the stack exists, whether the channel runs or not. */
export function srtSecretCostLine(): CostLine {
  return { item: `Secrets Manager secret for the SRT passphrase ($${SECRET_PER_MONTH.toFixed(2)}/month, while the stack exists)`, perHour: SECRET_PER_MONTH / HOURS_PER_MONTH };
}

export type VideoClass = 'SD' | 'HD';

/** MediaLive's split: HD from 720 lines up, SD below. */
export function videoClass(height: number): VideoClass {
  return height >= 720 ? 'HD' : 'SD';
}

/** The input tier a channel for this ladder declares (and is billed at). */
export function inputTier(ladder: Ladder): InputTier {
  const spec = inputSpecification(ladder);
  return `${spec.Resolution} ${spec.MaximumBitrate}` as InputTier;
}

function describeTier(tier: InputTier): string {
  const [resolution, bitrate] = tier.split(' ');
  const range: Record<string, string> = { MAX_10_MBPS: 'up to 10 Mb/s', MAX_20_MBPS: '10–20 Mb/s', MAX_50_MBPS: '20–50 Mb/s' };
  return `${resolution} ${range[bitrate!]}`;
}

/** The channel's share of the plan's cost estimate; the driver adds what it leaves out (notes). */
export type ChannelCost = Omit<CostEstimate, 'notes'>;

/** S3 Standard storage, us-east-1, first 50 TB (FACTS.md; otherCosts below). */
export const S3_STANDARD_PER_GB_MONTH = 0.023;

/**
 * What recording adds (#13): one more MediaLive output of the recorded rendition's class (the
 * archive output), and the S3 storage an hour of it takes for a month.
 */
export function recordingCostLines(ladder: Ladder, r: Rendition, region: string): CostLine[] {
  const cls = videoClass(r.height);
  const p = channelPrices(region).output[cls];
  const shared = 'MediaLive bills each output; the archive output reuses the HLS encode, priced here as a full output (an upper bound)';
  const { bitsPerSecond, bytesPerHour } = recordingRate(ladder, r);
  const gb = bytesPerHour / 1e9;
  return [
    { item: `recording output ${r.width}x${r.height} (${cls}, archive to S3)`, perHour: p.perHour, estimated: [p.estimated, shared].filter(Boolean).join('; ') },
    {
      item: `recording storage (S3 Standard, about ${gb.toFixed(2)} GB per hour at ${(bitsPerSecond / 1e6).toFixed(2)} Mb/s, $${S3_STANDARD_PER_GB_MONTH}/GB-month)`,
      perHour: round(gb * S3_STANDARD_PER_GB_MONTH),
      estimated: 'a month of storage for each hour recorded, at the target bitrate; every further month kept costs it again',
    },
  ];
}

export function estimateChannelCost(ladder: Ladder, region: string, opts: { srtSecret?: boolean; record?: Rendition } = {}): ChannelCost {
  const prices = channelPrices(region);
  const tier = inputTier(ladder);
  const line = (item: string, p: Price): CostLine => ({ item, perHour: p.perHour, ...(p.estimated ? { estimated: p.estimated } : {}) });
  // Every input type, SRT_LISTENER and SRT_CALLER included, is billed by the tier the channel
  // declares: MediaLive's pricing page and billing operations (CHANNEL_INPUT) name no per-protocol
  // rate or SRT surcharge (https://aws.amazon.com/medialive/pricing/; UG billing-operations).
  const lines: CostLine[] = [line(`input (AVC, ${describeTier(tier)})`, prices.input(tier))];
  // Above 1080 lines (UHD) or 30 fps MediaLive charges more than the HD/SD rates used here.
  const beyond = 'MediaLive charges more above 1080 lines or 30 fps than this HD/SD rate';
  for (const r of ladder.renditions) {
    const cls = videoClass(r.height);
    const p = prices.output[cls];
    const over = r.height > 1080 || r.framerate > 30;
    lines.push(line(`output ${r.width}x${r.height} (${cls})`, over ? { perHour: p.perHour, estimated: [p.estimated, beyond].filter(Boolean).join('; ') } : p));
  }
  if (opts.record) lines.push(...recordingCostLines(ladder, opts.record, region));
  if (opts.srtSecret) lines.push(srtSecretCostLine());
  const perHour = round(lines.reduce((sum, l) => sum + l.perHour, 0));
  return { perHour, currency: 'USD', lines, asOf: PRICES_AS_OF, approximate: lines.some((l) => l.estimated) };
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

const CLOUDFRONT_REGIONS: Record<PriceClassName, string> = {
  '100': 'price class 100: served from North America, Europe and Israel only',
  '200': 'price class 200: adds most of Asia, the Middle East and Africa, at their higher rates',
  All: 'price class All: every edge location; viewers outside North America and Europe cost more per GB',
};

/** What the rest of the stack costs (us-east-1 list prices, for the README and the plan). */
export function otherCosts(priceClass: PriceClassName = 'All'): ReadonlyArray<{ item: string; price: string }> {
  return [
    { item: `CloudFront data transfer out (first 10 TB/month, North America/Europe; ${CLOUDFRONT_REGIONS[priceClass]})`, price: '$0.085 per GB' },
    { item: 'CloudFront HTTPS requests', price: '$0.0100 per 10,000' },
    { item: 'CloudFront Functions (the player page only)', price: '$0.10 per 1 million invocations' },
    { item: 'S3 PUT/DELETE requests (MediaLive writes ~1 segment + 2 playlists per rendition per segment)', price: '$0.005 per 1,000 (DELETE free)' },
    { item: 'S3 GET requests (CloudFront cache misses)', price: '$0.0004 per 1,000' },
    { item: 'S3 storage (segments expire; logs are kept)', price: '$0.023 per GB-month' },
    { item: 'S3 request metrics (billed as CloudWatch metrics)', price: '$0.30 per metric-month' },
    { item: 'CloudWatch dashboard', price: '$3.00 per month (first 3 per account free)' },
    { item: 'EventBridge Scheduler (the stop schedule: one invocation per run of the channel)', price: 'first 14 million invocations a month free, then $1.00 per million' },
    { item: 'SSM Parameter Store standard parameter', price: 'free' },
    { item: 'MediaLive idle channel or idle push input', price: 'a small hourly charge until deleted' },
  ];
}
