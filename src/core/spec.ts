/**
 * The stack spec: what the user asked for, the same on both targets and under the same names
 * in flags, wizard, state file and --json output. Validation is pure and reports every problem.
 * Secrets (the source password) are never part of the spec: see Secrets.
 */
import type { Problem } from './errors.js';
import { isIPv4, isIPv6 } from 'node:net';
import { checkStackRegion, STACK_REGIONS } from './regions.js';
import { MIN_STOP_AHEAD_SECONDS, parseDuration, parseStopAt, STOP_DEFAULTS, type StopRule } from './stop-rule.js';
import { LATENCY_MODES, type LatencyMode } from './latency.js';

export const INPUT_TYPES = ['URL_PULL', 'RTMP_PUSH', 'RTP_PUSH', 'INPUT_DEVICE', 'SRT_LISTENER', 'SRT_CALLER'] as const;
/** Inputs an encoder pushes to us, behind a --cidr allow-list (MediaLive: an input security group). */
export const PUSH_INPUTS: readonly InputType[] = ['RTMP_PUSH', 'RTP_PUSH', 'SRT_LISTENER'];
export const SRT_INPUTS: readonly InputType[] = ['SRT_LISTENER', 'SRT_CALLER'];
export type InputType = (typeof INPUT_TYPES)[number];
export const TARGETS = ['local', 'aws'] as const;
export type TargetName = (typeof TARGETS)[number];
export const ORIGINS = ['s3', 'mediastore'] as const;
export type OriginKind = (typeof ORIGINS)[number];

/** CloudFront price classes, as --price-class takes them (100, 200, All). */
export const PRICE_CLASSES = ['100', '200', 'All'] as const;
export type PriceClassName = (typeof PRICE_CLASSES)[number];

export interface AwsOptions {
  region: string;
  awsProfile?: string;
  endpointUrl?: string;
  origin: OriginKind;
  /**
   * CloudFront edge locations: 100 (North America, Europe, Israel), 200 (+ most of Asia, Middle
   * East, Africa) or All. Absent: the target's default (All, as the reference solutions).
   */
  priceClass?: PriceClassName;
  /** Days after which recordings in the recordings bucket expire; absent: kept until deleted. */
  recordingsExpireDays?: number;
}

export interface LocalOptions {
  /** Address the edge (viewers) and push inputs listen on: 127.0.0.1 by default, 0.0.0.0 for the network. */
  listen: string;
  /** Fixed edge port; 0 picks a free one. */
  port: number;
  /** RTMP_PUSH listening port (MediaLive uses 1935); 0 picks a free one. */
  rtmpPort: number;
  /** RTP_PUSH listening UDP port (MediaLive uses 5000); 0 picks a free one. */
  rtpPort: number;
  /** SRT_LISTENER listening UDP port (MediaLive's SRT listener endpoints use 5050); 0 picks a free one. */
  srtPort: number;
  /**
   * Edge processes serving viewers (they share the port through node:cluster); absent: one per
   * core, up to four, as nginx's `worker_processes auto` (see defaultEdgeWorkers). Left absent
   * rather than counted here: the spec is pure and goes into the state file, and the cores are the
   * machine's that runs the stack.
   */
  edgeWorkers?: number;
}

/**
 * Each local option with its default, applied once by validateSpec: the rest of the code reads
 * `spec.local` as it is. Its keys are also the list of local options (the AWS target refuses
 * them; specDifferences compares them), so a new option is a field here and in LocalOptions.
 */
export const LOCAL_DEFAULTS = {
  listen: '127.0.0.1',
  port: 0,
  rtmpPort: 1935,
  rtpPort: 5000,
  srtPort: 5050,
  edgeWorkers: undefined,
} satisfies { [K in keyof Required<LocalOptions>]: LocalOptions[K] };

const LOCAL_OPTIONS = Object.keys(LOCAL_DEFAULTS) as Array<keyof LocalOptions>;

/** An SRT input's settings, the same on both targets. */
export interface SrtOptions {
  /** Receiver latency in ms: MediaLive's MinimumLatency (120-15000), ffmpeg's `latency` (which takes µs). */
  latencyMs: number;
  /** The stream id: shown to the encoder (SRT_LISTENER), or sent to the user's listener (SRT_CALLER, from --source-url). */
  streamId?: string;
  /**
   * Where the AES passphrase comes from: made by `up` (SRT_LISTENER without one given), given on
   * stdin, or none (SRT_CALLER to a listener that does not encrypt). The passphrase itself is a
   * secret: in Secrets, then in an owner-only file (local) or AWS Secrets Manager, never here.
   */
  passphrase: 'generated' | 'given' | 'none';
}

/** The SRT defaults: SRT's own default latency, which MediaLive also takes as its minimum. */
export const SRT_DEFAULTS = { latencyMs: 120 } as const;
export const SRT_LATENCY_RANGE_MS = [120, 15_000] as const;

/** When the channel stops by itself (issue #12); core/stop-rule.ts turns it into the end of a run. */
export type { StopRule };
/** What a stack records when `--record` is not given: free on this machine, billed by AWS (so only when asked). */
export function defaultRecord(target: TargetName): 'top' | 'none' {
  return target === 'local' ? 'top' : 'none';
}

/** What both targets' specs hold. */
interface SpecBase {
  stack: string;
  input: InputType;
  /** URL_PULL: the HLS manifest. Absent on the local target means the built-in demo source. */
  sourceUrl?: string;
  sourceUser?: string;
  /** Whether a source password was supplied (the password itself lives in Secrets only). */
  sourcePassword: boolean;
  cidrs: string[];
  deviceId?: string;
  /** Built-in profile name or path to a ladder file. */
  profile: string;
  start: boolean;
  /** Present exactly for SRT inputs. */
  srt?: SrtOptions;
  /** Default: aws after 12 h, local none (STOP_DEFAULTS). Not part of specDifferences: `schedule` changes it. */
  stop: StopRule;
  /**
   * What each run of the channel records: the top rendition, one named like "1280x720" (checked
   * against the ladder by core/recording.ts), or none. Default: local 'top', aws 'none'. validateSpec
   * always sets it; absent (a state file from before recording existed, a hand-made spec) is the
   * target's default: read it with recordedRendition(spec, ladder).
   */
  record?: 'top' | 'none' | string;
  /**
   * 'low': 1 s segments and GOPs (core/latency.ts); a ladder's hls.latency "low" also makes it low.
   * validateSpec always sets it; absent (a stack made before latency modes) means 'standard'.
   */
  latency?: LatencyMode;
}

export interface LocalStackSpec extends SpecBase {
  target: 'local';
  local: LocalOptions;
}

export interface AwsStackSpec extends SpecBase {
  target: 'aws';
  aws: AwsOptions;
}

/** The spec is one of its targets': `spec.target` says which, and so which options it holds. */
export type StackSpec = LocalStackSpec | AwsStackSpec;

/** The spec of one target. */
export type SpecOf<T extends TargetName> = Extract<StackSpec, { target: T }>;

/** Never written to state, logs or output. */
export interface Secrets {
  sourcePassword?: string;
  /** SRT: the AES passphrase given on stdin (10-79 characters). */
  srtPassphrase?: string;
}

/** Raw options as they come from flags or the wizard, before validation. */
export interface RawSpec {
  stack?: string;
  target?: string;
  input?: string;
  sourceUrl?: string;
  sourceUser?: string;
  sourcePassword?: boolean;
  cidr?: string[];
  deviceId?: string;
  profile?: string;
  start?: boolean;
  region?: string;
  awsProfile?: string;
  endpointUrl?: string;
  origin?: string;
  priceClass?: string;
  /** aws: whole days after which the recordings bucket deletes a recording. */
  recordingsExpireDays?: number | string;
  listen?: string;
  port?: number | string;
  rtmpPort?: number | string;
  rtpPort?: number | string;
  srtPort?: number | string;
  edgeWorkers?: number | string;
  /** SRT: receiver latency in ms. */
  srtLatency?: number | string;
  /** SRT: whether a passphrase was given (it lives in Secrets only). */
  srtPassphrase?: boolean;
  /** A duration (90s, 20m, 3h30m) or "none". */
  stopAfter?: string;
  /** An ISO date-time, local time of this machine unless it has Z or an offset. */
  stopAt?: string;
  /** US dollars (AWS). */
  budget?: number | string;
  /** top, none or a rendition name such as 1280x720. */
  record?: string;
  /** standard or low. */
  latency?: string;
}

/** The clock --stop-at is read against: passed in, so validation stays pure. */
export interface SpecClock {
  now: Date;
  /** The IANA zone of this machine, for a --stop-at without an offset. */
  timeZone: string;
}

export const DEFAULTS = {
  stack: 'livestream',
  target: 'local' as TargetName,
  input: 'URL_PULL' as InputType,
  profile: 'HD-720p',
  region: 'us-east-1',
  origin: 's3' as OriginKind,
};

/** Regions an AWS stack can be created in (see regions.ts for the source and what is left out). */
export const MEDIALIVE_REGIONS: readonly string[] = STACK_REGIONS;

const STACK_NAME = /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/;

/**
 * The stack name starts every bucket name, and S3 reserves these prefixes for its own names
 * (S3 User Guide, "General purpose bucket naming rules"). The reserved suffixes (-s3alias, --ol-s3,
 * .mrap, --x-s3) cannot end a bucket name here: the region always does.
 */
export const S3_RESERVED_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'];

/**
 * `existing`: the spec names a stack that may already exist (down, status, a state file). What
 * only decides whether a NEW stack can be created (region availability, S3-reserved names, IPv6
 * ranges, MediaStore's end) is not checked then, so a stack an older livestream left behind, say
 * in us-west-1 or me-central-1, can still be found and removed.
 */
export function validateSpec(raw: RawSpec, opts: { existing?: boolean; clock?: SpecClock } = {}): { spec?: StackSpec; problems: Problem[] } {
  const creating = !opts.existing;
  const problems: Problem[] = [];
  const add = (path: string, message: string, fix?: string) => problems.push({ path, message, fix });

  const stack = raw.stack ?? DEFAULTS.stack;
  if (!STACK_NAME.test(stack)) {
    add('stack', `"${stack}" is not a valid stack name`, 'use 2-32 lower-case letters, digits and "-", starting with a letter (it names S3 buckets)');
  }
  const reserved = creating ? S3_RESERVED_PREFIXES.find((p) => stack.startsWith(p)) : undefined;
  if (reserved) add('stack', `"${stack}" starts with "${reserved}", which S3 reserves, so its buckets cannot be named after it`, `choose a name that does not start with ${S3_RESERVED_PREFIXES.map((p) => `"${p}"`).join(', ')}`);
  const target = (raw.target ?? DEFAULTS.target) as TargetName;
  if (!TARGETS.includes(target)) add('target', `unknown target "${raw.target}"`, 'use --target local or --target aws');
  const input = (raw.input ?? DEFAULTS.input) as InputType;
  if (!INPUT_TYPES.includes(input)) add('input', `unknown input type "${raw.input}"`, `use one of ${INPUT_TYPES.join(', ')}`);

  const cidrs = raw.cidr ?? [];
  cidrs.forEach((c, i) => {
    const why = checkCidr(c, creating ? target : 'local');
    if (why) add(`cidr[${i}]`, `"${c}" ${why}`, target === 'aws' ? 'e.g. --cidr 203.0.113.7/32 (your encoder\'s IPv4 address) or --cidr 203.0.113.0/24' : 'e.g. --cidr 203.0.113.0/24 or --cidr 2001:db8::/32');
  });

  if (input === 'URL_PULL') {
    if (raw.sourceUrl !== undefined) {
      const why = checkSourceUrl(raw.sourceUrl);
      if (why) add('sourceUrl', why, 'give the http(s) URL of an HLS manifest, e.g. https://example.com/live/index.m3u8');
    } else if (target === 'aws') {
      add('sourceUrl', 'URL_PULL on AWS needs a source', 'pass --source-url https://.../index.m3u8');
    }
    if (raw.sourcePassword && !raw.sourceUser) add('sourceUser', 'a source password was given without a user name', 'add --source-user NAME');
    if (raw.sourceUser !== undefined && !/^[^:\s]{1,128}$/.test(raw.sourceUser)) {
      add('sourceUser', 'must be 1-128 characters without spaces or ":"');
    }
    if (raw.sourceUser && raw.sourceUrl === undefined) add('sourceUser', 'a user name only makes sense with --source-url');
  } else if (input === 'SRT_CALLER') {
    if (raw.sourceUrl === undefined) add('sourceUrl', 'SRT_CALLER needs the address of your SRT listener', 'pass --source-url srt://203.0.113.7:9000 (add ?streamid=NAME if your encoder expects one)');
    else {
      const why = checkSrtCallerUrl(raw.sourceUrl, target);
      if (why) add('sourceUrl', why.message, why.fix);
    }
    if (raw.sourceUser !== undefined || raw.sourcePassword) add('sourceUser', 'SRT has no user name or password', 'give its passphrase with --srt-passphrase-stdin');
  } else {
    if (raw.sourceUrl !== undefined) add('sourceUrl', `--source-url is only for URL_PULL and SRT_CALLER (input is ${input})`, 'remove --source-url or use --input URL_PULL');
    if (raw.sourceUser !== undefined || raw.sourcePassword) add('sourceUser', `source credentials are only for URL_PULL (input is ${input})`);
  }
  if (PUSH_INPUTS.includes(input)) {
    if (cidrs.length === 0) add('cidr', `${input} needs at least one --cidr allowed to push`, 'e.g. --cidr 203.0.113.7/32 (your encoder\'s address), or --cidr 127.0.0.1/32 to test locally');
  } else if (cidrs.length > 0) {
    add('cidr', `--cidr is only for ${PUSH_INPUTS.join(', ')} (input is ${input})`, 'remove --cidr');
  }
  const srt = SRT_INPUTS.includes(input) ? checkSrtOptions(raw, input, add) : undefined;
  if (!srt) {
    if (raw.srtLatency !== undefined) add('srtLatency', `--srt-latency is only for SRT inputs (input is ${input})`, 'remove it, or use --input SRT_LISTENER or SRT_CALLER');
    if (raw.srtPassphrase) add('srtPassphrase', `an SRT passphrase is only for SRT inputs (input is ${input})`, 'remove --srt-passphrase-stdin');
  }
  if (input === 'INPUT_DEVICE') {
    if (!raw.deviceId) {
      add('deviceId', 'INPUT_DEVICE needs --device-id', target === 'aws' ? 'the Elemental Link id from the MediaLive console, e.g. hd-1234567890abcdef' : 'a capture device such as /dev/video0, or "demo" for a synthetic device');
    } else if (target === 'aws' && !/^hd-[0-9a-z]{8,}$/.test(raw.deviceId)) {
      add('deviceId', `"${raw.deviceId}" does not look like an Elemental Link id`, 'Link ids look like hd-1234567890abcdef (MediaLive console > Devices)');
    }
  } else if (raw.deviceId !== undefined) {
    add('deviceId', `--device-id is only for INPUT_DEVICE (input is ${input})`);
  }

  const profile = raw.profile ?? DEFAULTS.profile;
  if (profile.trim() === '') add('profile', 'must not be empty', 'use HD-1080p, HD-720p, SD-540p or a ladder file path');
  // The name itself is checked against the ladder once it is loaded (recordedRendition).
  const record = raw.record ?? defaultRecord(TARGETS.includes(target) ? target : 'local');
  if (!/^(top|none|\d{2,5}x\d{2,5})$/.test(record)) add('record', `"${record}" is not a rendition`, 'use --record top, --record none or a rendition of the ladder such as --record 1280x720 ("livestream profiles" lists them)');

  const latency = (raw.latency ?? 'standard') as LatencyMode;
  if (!LATENCY_MODES.includes(latency)) add('latency', `unknown latency "${raw.latency}"`, 'use --latency standard (default, 14-18 s behind) or --latency low (1 s segments, 4-7 s behind)');

  const common = {
    stack,
    target,
    input,
    ...(raw.sourceUrl !== undefined ? { sourceUrl: raw.sourceUrl } : {}),
    ...(raw.sourceUser !== undefined ? { sourceUser: raw.sourceUser } : {}),
    sourcePassword: Boolean(raw.sourcePassword),
    cidrs,
    ...(raw.deviceId !== undefined ? { deviceId: raw.deviceId } : {}),
    profile,
    start: raw.start ?? true,
    ...(srt ? { srt } : {}),
    stop: checkStopOptions(raw, target, opts.clock, add) ?? { ...(STOP_DEFAULTS[target] ?? STOP_DEFAULTS.local) },
    record,
    latency,
  };
  // The target's own options, each with its default: what a spec holds is all there is to read.
  const spec: StackSpec = target === 'aws'
    ? { ...common, target, aws: checkAwsOptions(raw, creating, record, add) }
    : { ...common, target: 'local', local: checkLocalOptions(raw, input, add) };
  if (problems.length > 0) return { problems };
  return { spec, problems };
}

type AddProblem = (path: string, message: string, fix?: string) => void;

/**
 * The stop rule of --stop-after, --stop-at or --budget (at most one); undefined when none is given.
 * `clock` absent: a --stop-at is read in UTC and not compared with now (nothing is being started).
 */
export function checkStopOptions(raw: Pick<RawSpec, 'stopAfter' | 'stopAt' | 'budget'>, target: TargetName, clock: SpecClock | undefined, add: AddProblem): StopRule | undefined {
  const given = (['stopAfter', 'stopAt', 'budget'] as const).filter((k) => raw[k] !== undefined);
  if (given.length > 1) {
    add(given[1]!, `${given.map((k) => `--${kebab(k)}`).join(' and ')} both say when the channel stops`, 'give one of them');
    return undefined;
  }
  if (raw.stopAfter !== undefined) {
    if (raw.stopAfter.trim().toLowerCase() === 'none') return { kind: 'none' };
    const seconds = parseDuration(raw.stopAfter);
    if (seconds === undefined) {
      add('stopAfter', `"${raw.stopAfter}" is not a duration`, 'use hours, minutes and seconds such as 90s, 20m, 1h or 3h30m (up to 365d), or "none" to run until stopped');
      return undefined;
    }
    return { kind: 'after', seconds };
  }
  if (raw.stopAt !== undefined) {
    const at = parseStopAt(raw.stopAt, clock?.timeZone ?? 'UTC');
    const example = 'e.g. --stop-at 2026-12-02T22:00 (this machine\'s local time) or 2026-12-02T21:00Z';
    if (!at) {
      add('stopAt', `"${raw.stopAt}" is not a date and time`, `use YYYY-MM-DDTHH:MM, ${example}`);
      return undefined;
    }
    const ahead = clock ? (at.getTime() - clock.now.getTime()) / 1000 : Infinity;
    if (ahead < MIN_STOP_AHEAD_SECONDS) {
      add('stopAt', ahead <= 0 ? `"${raw.stopAt}" is in the past (it is ${clock!.now.toISOString()} now)` : `"${raw.stopAt}" is less than a minute ahead: the channel would stop before it plays`, `give a later time, ${example}, or --stop-after 2h`);
      return undefined;
    }
    return { kind: 'at', at: at.toISOString() };
  }
  if (raw.budget !== undefined) {
    const text = String(raw.budget).trim().replace(/^\$/, '');
    const usd = /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
    if (target === 'local') {
      add('budget', 'the local target costs nothing: use --stop-after or --stop-at', 'e.g. --stop-after 3h');
      return undefined;
    }
    if (!(usd > 0)) {
      add('budget', `"${raw.budget}" is not an amount of money`, 'give a positive number of US dollars, e.g. --budget 40');
      return undefined;
    }
    return { kind: 'budget', usd };
  }
  return undefined;
}

function checkSrtOptions(raw: RawSpec, input: InputType, add: AddProblem): SrtOptions {
  const latencyMs = raw.srtLatency === undefined ? SRT_DEFAULTS.latencyMs : Number(raw.srtLatency);
  const [min, max] = SRT_LATENCY_RANGE_MS;
  if (!Number.isInteger(latencyMs) || latencyMs < min || latencyMs > max) {
    add('srtLatency', `"${raw.srtLatency}" is not a latency MediaLive accepts`, `use a whole number of milliseconds from ${min} to ${max} (default ${SRT_DEFAULTS.latencyMs}); about 4x the round trip to your encoder`);
  }
  const streamId = input === 'SRT_CALLER' && raw.sourceUrl ? srtStreamIdOf(raw.sourceUrl) : undefined;
  // A listener always encrypts (MediaLive requires it); a caller encrypts when the user's listener does.
  const passphrase = raw.srtPassphrase ? 'given' : input === 'SRT_LISTENER' ? 'generated' : 'none';
  return { latencyMs, ...(streamId ? { streamId } : {}), passphrase };
}

/** The stream id in an srt:// URL's query, if any. */
function srtStreamIdOf(url: string): string | undefined {
  try {
    return new URL(url).searchParams.get('streamid') ?? undefined;
  } catch {
    return undefined;
  }
}

/** Why an SRT_CALLER source URL cannot be called, or undefined. */
export function checkSrtCallerUrl(url: string, target: TargetName): { message: string; fix: string } | undefined {
  const example = 'e.g. --source-url srt://203.0.113.7:9000?streamid=studio';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { message: `"${url}" is not a URL`, fix: example };
  }
  if (parsed.protocol !== 'srt:') return { message: `"${parsed.protocol}//" is not SRT: SRT_CALLER calls an srt:// listener`, fix: example };
  if (parsed.username || parsed.password) return { message: 'an srt:// URL carries no credentials', fix: 'give the passphrase with --srt-passphrase-stdin' };
  const port = Number(parsed.port);
  if (!parsed.port || !Number.isInteger(port) || port < 1) return { message: 'the srt:// URL needs the listener\'s port', fix: example };
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  // MediaLive's SrtListenerAddress is "the IP address at the upstream system".
  if (target === 'aws' && !isIPv4(host)) return { message: `"${host}" is not an IPv4 address, which MediaLive needs to call your listener`, fix: 'use the listener\'s public IPv4 address' };
  for (const key of parsed.searchParams.keys()) {
    if (key === 'streamid') continue;
    if (key === 'passphrase' || key === 'pbkeylen') return { message: 'the passphrase does not go in the URL (it would be stored and shown)', fix: 'remove it from the URL and pipe it to --srt-passphrase-stdin' };
    if (key === 'latency') return { message: 'the latency does not go in the URL', fix: 'use --srt-latency MS' };
    return { message: `"${key}" is not an option livestream sends to your listener`, fix: 'keep only ?streamid=... in the URL' };
  }
  const streamId = parsed.searchParams.get('streamid');
  if (streamId !== null && (streamId.length === 0 || streamId.length > 512)) return { message: 'the stream id must be 1-512 characters', fix: example };
  return undefined;
}

/** Why an SRT passphrase cannot be used, or undefined. SRT takes 10-79 characters. */
export function checkSrtPassphrase(passphrase: string): string | undefined {
  if (passphrase.length < 10 || passphrase.length > 79) return `the SRT passphrase has ${passphrase.length} characters; SRT takes 10 to 79`;
  // Printable ASCII without spaces: what every encoder's settings field and an srt:// URL can carry.
  if (!/^[\x21-\x7e]+$/.test(passphrase)) return 'the SRT passphrase may hold printable ASCII characters only, without spaces';
  return undefined;
}

/** A passphrase made from random bytes (the caller draws them): 32 letters and digits, safe in any URL. */
export function srtPassphraseFrom(random: Uint8Array): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  if (random.length < 32) throw new Error('srtPassphraseFrom needs 32 random bytes');
  return Array.from(random.subarray(0, 32), (b) => alphabet[b % alphabet.length]).join('');
}

function checkAwsOptions(raw: RawSpec, creating: boolean, record: string, add: AddProblem): AwsOptions {
  const region = raw.region ?? DEFAULTS.region;
  if (!/^[a-z]{2}(-gov)?-[a-z]+-\d$/.test(region)) add('region', `"${region}" is not an AWS region name`, 'e.g. --region us-east-1');
  else {
    const why = creating ? checkStackRegion(region) : undefined;
    if (why) add('region', why.message, why.fix);
  }
  const origin = (raw.origin ?? DEFAULTS.origin) as OriginKind;
  if (!ORIGINS.includes(origin)) add('origin', `unknown origin "${raw.origin}"`, 'use --origin s3 (MediaStore ended on 2025-11-13)');
  // Only an emulator still answers MediaStore's API; on AWS the first MediaStore call would fail
  // after the role, the logs bucket, the OAC and the cache policies exist.
  else if (creating && origin === 'mediastore' && raw.endpointUrl === undefined) {
    add('origin', 'AWS ended AWS Elemental MediaStore on 2025-11-13: its API and containers are gone', 'use --origin s3 (the default); --origin mediastore is kept only for emulators, with --endpoint-url');
  }
  if (raw.endpointUrl !== undefined && !/^https?:\/\/[^\s]+$/.test(raw.endpointUrl)) {
    add('endpointUrl', `"${raw.endpointUrl}" is not an http(s) URL`, 'e.g. --endpoint-url http://127.0.0.1:4566');
  }
  if (raw.priceClass !== undefined && !(PRICE_CLASSES as readonly string[]).includes(raw.priceClass)) {
    add('priceClass', `unknown CloudFront price class "${raw.priceClass}"`, 'use --price-class 100 (North America and Europe), 200 (adds most of Asia and Africa) or All (default, every edge location)');
  }
  if (LOCAL_OPTIONS.some((k) => raw[k] !== undefined)) {
    add('listen', '--listen and the port options are for the local target', 'remove them, or use --target local');
  }
  const expireDays = raw.recordingsExpireDays === undefined ? undefined : Number(raw.recordingsExpireDays);
  if (expireDays !== undefined) {
    // S3 lifecycle rules count whole days.
    if (!Number.isInteger(expireDays) || expireDays < 1) add('recordingsExpireDays', `"${String(raw.recordingsExpireDays)}" is not a whole number of days, 1 or more`, 'e.g. --recordings-expire-days 30, or leave it out to keep recordings until "livestream down --delete-recordings"');
    else if (record === 'none') add('recordingsExpireDays', '--recordings-expire-days is for a stack that records, and this one records nothing', 'add --record top (or a rendition such as --record 1280x720), or remove --recordings-expire-days');
  }
  return {
    region,
    origin,
    ...(expireDays !== undefined && Number.isInteger(expireDays) && expireDays >= 1 ? { recordingsExpireDays: expireDays } : {}),
    ...(raw.awsProfile ? { awsProfile: raw.awsProfile } : {}),
    ...(raw.endpointUrl ? { endpointUrl: raw.endpointUrl } : {}),
    ...(raw.priceClass !== undefined ? { priceClass: raw.priceClass as PriceClassName } : {}),
  };
}

function checkLocalOptions(raw: RawSpec, input: InputType, add: AddProblem): LocalOptions {
  for (const [k, v] of [['region', raw.region], ['awsProfile', raw.awsProfile], ['endpointUrl', raw.endpointUrl], ['origin', raw.origin], ['priceClass', raw.priceClass], ['recordingsExpireDays', raw.recordingsExpireDays]] as const) {
    if (v !== undefined) add(k, `--${kebab(k)} is only for --target aws`, 'add --target aws, or remove it');
  }
  const listen = raw.listen ?? LOCAL_DEFAULTS.listen;
  if (!isIPv4(listen) && !isIPv6(listen)) add('listen', `"${listen}" is not an IP address`, 'use 127.0.0.1 (this machine) or 0.0.0.0 (the whole network)');
  const port = checkPort(raw.port, LOCAL_DEFAULTS.port, 'port', add);
  const rtmpPort = checkPort(raw.rtmpPort, LOCAL_DEFAULTS.rtmpPort, 'rtmpPort', add);
  const rtpPort = checkPort(raw.rtpPort, LOCAL_DEFAULTS.rtpPort, 'rtpPort', add);
  if (raw.rtmpPort !== undefined && input !== 'RTMP_PUSH') add('rtmpPort', `--rtmp-port is only for RTMP_PUSH (input is ${input})`);
  if (raw.rtpPort !== undefined && input !== 'RTP_PUSH') add('rtpPort', `--rtp-port is only for RTP_PUSH (input is ${input})`);
  const srtPort = checkPort(raw.srtPort, LOCAL_DEFAULTS.srtPort, 'srtPort', add);
  if (raw.srtPort !== undefined && input !== 'SRT_LISTENER') add('srtPort', `--srt-port is only for SRT_LISTENER (input is ${input})`);
  const auto = raw.edgeWorkers === undefined || raw.edgeWorkers === 'auto';
  const edgeWorkers = auto ? LOCAL_DEFAULTS.edgeWorkers : Number(raw.edgeWorkers);
  if (edgeWorkers !== undefined && (!Number.isInteger(edgeWorkers) || edgeWorkers < 1 || edgeWorkers > 64)) {
    add('edgeWorkers', `"${raw.edgeWorkers}" is not a number of processes`, 'use auto (default: one per core, up to 4) or 1 to 64');
  }
  return { listen, port, rtmpPort, rtpPort, srtPort, ...(edgeWorkers !== undefined ? { edgeWorkers } : {}) };
}

function checkPort(raw: number | string | undefined, fallback: number, path: string, add: AddProblem): number {
  const port = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) add(path, `"${raw}" is not a port number`, 'use 1-65535, or 0 for any free port');
  return port;
}

function kebab(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** Returns why a CIDR is invalid for the target, or undefined. */
export function checkCidr(cidr: string, target: TargetName | string = 'local'): string | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(cidr);
  if (!m) return 'is not in CIDR notation (address/prefix)';
  const [, addr, bits] = m;
  const prefix = Number(bits);
  if (isIPv4(addr!)) return prefix <= 32 ? undefined : 'has an IPv4 prefix longer than 32';
  // MediaLive input security groups whitelist IPv4 only (InputWhitelistRuleCidr.Cidr: "The IPv4 CIDR to whitelist").
  if (isIPv6(addr!)) {
    if (target === 'aws') return 'is an IPv6 range, but MediaLive input security groups take IPv4 CIDRs only';
    return prefix <= 128 ? undefined : 'has an IPv6 prefix longer than 128';
  }
  return 'does not start with an IPv4 or IPv6 address';
}

function checkSourceUrl(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `"${url}" is not a URL`;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `source URL must be http or https (got ${u.protocol})`;
  if (u.username || u.password) return 'the source URL must not carry credentials; use --source-user and --source-password-stdin';
  return undefined;
}

/** Two specs describe the same stack (used to refuse a changed spec for an existing stack). */
export function specDifferences(a: StackSpec, b: StackSpec): string[] {
  const flat = (s: StackSpec): Record<string, string> => {
    const aws = s.target === 'aws' ? s.aws : undefined;
    const local = s.target === 'local' ? s.local : undefined;
    return {
      target: s.target, input: s.input, sourceUrl: s.sourceUrl ?? '', sourceUser: s.sourceUser ?? '',
      sourcePassword: String(s.sourcePassword), cidr: [...s.cidrs].sort().join(','), deviceId: s.deviceId ?? '',
      profile: s.profile, region: aws?.region ?? '', origin: aws?.origin ?? '', endpointUrl: aws?.endpointUrl ?? '', priceClass: aws?.priceClass ?? '', recordingsExpireDays: String(aws?.recordingsExpireDays ?? ''),
      // An option the stack's spec lacks (it was made before the option existed) has its default.
      ...Object.fromEntries(LOCAL_OPTIONS.map((k) => [k, local ? String(local[k] ?? LOCAL_DEFAULTS[k] ?? '') : ''])),
      // A stack made before SRT existed has no srt: it compares as none.
      srtLatency: String(s.srt?.latencyMs ?? ''), srtPassphrase: s.srt?.passphrase ?? '',
      // A stack made before recording existed has no `record`: it records its target's default.
      record: s.record ?? defaultRecord(s.target),
      // A stack made before latency modes runs in the standard one.
      latency: s.latency ?? 'standard',
    };
  };
  const fa = flat(a);
  const fb = flat(b);
  return Object.keys(fa).filter((k) => fa[k] !== fb[k]).map((k) => `${k}: ${fa[k] || '(none)'} → ${fb[k] || '(none)'}`);
}
