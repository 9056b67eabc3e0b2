/**
 * The wizard: `livestream up` on a terminal without --input asks for everything, validating each
 * answer as it is typed. Prompts are injected so tests can script the answers.
 */
import { logsBucketRegion } from '../core/regions.js';
import { checkCidr, checkSrtCallerUrl, checkSrtPassphrase, INPUT_TYPES, MEDIALIVE_REGIONS, DEFAULTS } from '../core/spec.js';
import type { Secrets } from '../core/spec.js';
import { parseDuration } from '../core/stop-rule.js';
import { BUILTIN_PROFILES } from '../core/profiles.js';
import type { SpecOptions } from './resolve.js';

export interface Choice<T> {
  name: string;
  value: T;
  description?: string;
}

export interface Prompts {
  select<T>(q: { message: string; choices: Choice<T>[]; default?: T }): Promise<T>;
  input(q: { message: string; default?: string; validate?: (v: string) => true | string }): Promise<string>;
  password(q: { message: string; mask?: string; validate?: (v: string) => true | string }): Promise<string>;
  confirm(q: { message: string; default?: boolean }): Promise<boolean>;
}

async function realPrompts(): Promise<Prompts> {
  const p = await import('@inquirer/prompts');
  return {
    select: (q) => p.select(q) as never,
    input: (q) => p.input(q),
    password: (q) => p.password(q),
    confirm: (q) => p.confirm(q),
  };
}

export async function runWizard(given: SpecOptions, prompts?: Prompts): Promise<{ options: SpecOptions; secrets: Secrets }> {
  const ask = prompts ?? (await realPrompts());
  const o: SpecOptions = { ...given };
  const secrets: Secrets = {};

  o.target ??= await ask.select({
    message: 'Where should the stack run?',
    choices: [
      { name: 'local: this machine, free (ffmpeg + built-in origin and edge)', value: 'local' },
      { name: 'aws: MediaLive + S3 + CloudFront (costs money while it runs)', value: 'aws' },
    ],
    default: 'local',
  });

  o.input = await ask.select({
    message: 'What is the source?',
    choices: INPUT_TYPES.map((t) => ({ name: INPUT_LABELS[t], value: t })),
    default: DEFAULTS.input,
  });

  if (o.input === 'URL_PULL') {
    const url = await ask.input({
      message: o.target === 'local' ? 'HLS source URL (leave empty for the built-in demo stream):' : 'HLS source URL:',
      validate: (v) => (v === '' && o.target === 'local') || /^https?:\/\/\S+$/.test(v) || 'Enter an http(s) URL of an .m3u8 manifest',
    });
    if (url) {
      o.sourceUrl = url;
      const user = await ask.input({ message: 'Source user name (empty if the source has no basic auth):' });
      if (user) {
        o.sourceUser = user;
        secrets.sourcePassword = await ask.password({ message: 'Source password:', mask: '*' });
      }
    }
  } else if (o.input === 'SRT_CALLER') {
    o.sourceUrl = await ask.input({
      message: 'Your SRT listener (srt://HOST:PORT, add ?streamid=ID if it expects one):',
      validate: (v) => checkSrtCallerUrl(v, o.target === 'aws' ? 'aws' : 'local')?.message ?? true,
    });
    const passphrase = await ask.password({ message: 'Its passphrase (empty if it does not encrypt):', mask: '*', validate: (v: string) => v === '' || (checkSrtPassphrase(v) ?? true) });
    if (passphrase) secrets.srtPassphrase = passphrase;
  } else if (o.input === 'RTMP_PUSH' || o.input === 'RTP_PUSH' || o.input === 'SRT_LISTENER') {
    const cidrs = await ask.input({
      message: 'Addresses allowed to push (CIDRs, comma separated):',
      default: o.target === 'local' ? '127.0.0.1/32' : undefined,
      validate: (v) => {
        const list = splitList(v);
        if (list.length === 0) return 'Enter at least one CIDR, e.g. 203.0.113.7/32';
        const bad = list.find((c) => checkCidr(c, o.target));
        return bad ? `${bad} ${checkCidr(bad, o.target)}` : true;
      },
    });
    o.cidr = splitList(cidrs);
  } else {
    o.deviceId = await ask.input({
      message: o.target === 'aws' ? 'Elemental Link device id (MediaLive console > Devices):' : 'Capture device (/dev/video0, /dev/video0+hw:1,0 with ALSA audio, or "demo"):',
      default: o.target === 'local' ? 'demo' : undefined,
      validate: (v) => v.trim() !== '' || 'Enter a device id',
    });
  }

  const profile = await ask.select<string>({
    message: 'Encoding profile:',
    choices: [
      ...BUILTIN_PROFILES.map((p) => ({ name: p, value: p })),
      { name: 'my own ladder file…', value: '' },
    ],
    default: DEFAULTS.profile,
  });
  o.profile = profile || (await ask.input({ message: 'Path to the ladder file:', validate: (v) => v.trim() !== '' || 'Enter a path' }));

  if (o.target === 'aws') {
    o.region = await ask.select({
      message: 'AWS region:',
      choices: MEDIALIVE_REGIONS.map((r) => ({ name: regionChoice(r), value: r })),
      default: DEFAULTS.region,
    });
    o.priceClass = await ask.select({
      message: 'Where are your viewers? (CloudFront price class)',
      choices: [
        { name: 'Anywhere: every edge location (All, the default)', value: 'All' },
        { name: 'North America, Europe, Asia, Middle East, Africa (200)', value: '200' },
        { name: 'North America and Europe only: cheapest; others are served from far away (100)', value: '100' },
      ],
      default: 'All',
    });
    // Free on this machine, so local records without asking; on AWS it is billed, so only when asked.
    if (o.record === undefined && (await ask.confirm({ message: 'Record each run of the channel (the top rendition, kept by "down")? AWS charges for it: the plan shows how much', default: false }))) {
      o.record = 'top';
    }
  }
  o.start = await ask.confirm({ message: 'Start the channel now?', default: true });
  if (o.stopAfter === undefined && o.stopAt === undefined && o.budget === undefined) {
    // AWS bills by the hour: a channel livestream starts there ends by itself unless told otherwise.
    const fallback = o.target === 'aws' ? '12h' : 'none';
    const answer = await ask.input({
      message: o.target === 'aws'
        ? 'Stop the channel by itself after (e.g. 3h30m; 12h by default; "none" runs it until you stop it, billing by the hour):'
        : 'Stop the channel by itself after (e.g. 3h30m; "none", the default, runs it until you stop it):',
      default: fallback,
      validate: (v) => v.trim() === '' || v.trim().toLowerCase() === 'none' || parseDuration(v) !== undefined || 'Enter a duration such as 90s, 20m, 3h30m, or "none"',
    });
    o.stopAfter = answer.trim() || fallback;
  }
  return { options: o, secrets };
}

const INPUT_LABELS: Record<(typeof INPUT_TYPES)[number], string> = {
  URL_PULL: 'URL_PULL: pull an HLS stream over http(s)',
  RTMP_PUSH: 'RTMP_PUSH: an encoder (OBS, ffmpeg) pushes RTMP to us',
  RTP_PUSH: 'RTP_PUSH: an encoder pushes MPEG-TS over RTP',
  INPUT_DEVICE: 'INPUT_DEVICE: a capture device (Elemental Link on aws)',
  SRT_LISTENER: 'SRT_LISTENER: an encoder (OBS, vMix, Larix, ffmpeg) calls us over SRT, encrypted',
  SRT_CALLER: 'SRT_CALLER: we call your SRT listener (a studio encoder with a public address)',
};

function splitList(v: string): string[] {
  return v.split(/[,\s]+/).map((s) => s.trim()).filter(Boolean);
}

/** An opt-in region says so: the account must have it enabled, and the logs bucket lives elsewhere. */
function regionChoice(region: string): string {
  const logs = logsBucketRegion(region);
  return logs === region ? region : `${region} (opt-in region: enable it for your account first; CloudFront logs go to a bucket in ${logs})`;
}
