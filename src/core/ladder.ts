/**
 * Encoding ladders: the compact, target-neutral description of an ABR ladder.
 * Pure: parsing and validation take data and return data; only profiles.ts reads files.
 */
import type { Problem } from './errors.js';

export type H264Profile = 'baseline' | 'main' | 'high';

export interface Rendition {
  width: number;
  height: number;
  /** Target bitrate in bits/s (MediaLive Bitrate; ffmpeg -b:v). */
  bitrate: number;
  /** Peak bitrate in bits/s (MediaLive MaxBitrate for QVBR; ffmpeg -maxrate). */
  maxBitrate: number;
  framerate: number;
  profile: H264Profile;
  /** H.264 level such as "3.1", or "auto". */
  level: string;
  /** Keyframe interval in seconds; must divide the segment length. */
  gopSeconds: number;
  /** MediaLive QVBR quality level 1..10. */
  qvbrQuality: number;
}

export interface AudioSettings {
  codec: 'aac';
  bitrate: number;
  sampleRate: number;
  channels: number;
}

export interface HlsSettings {
  segmentSeconds: number;
  /** Segments listed in each media playlist (MediaLive IndexNSegments). */
  playlistSize: number;
  /** Segments kept on the origin (MediaLive KeepSegments). */
  keepSegments: number;
  /** "low": the ladder asks for low latency (core/latency.ts) whatever --latency says; absent: standard. */
  latency?: 'standard' | 'low';
}

/**
 * Local encoder choices. "auto" (the built-in ladders) lets the stack process calibrate on the
 * machine it runs on (targets/local/encoder/calibrate.ts); a ladder file that names one pins it.
 */
export interface LocalEncoderSettings {
  /** libx264 preset, e.g. "ultrafast", "superfast", "veryfast", or "auto". */
  preset: string;
  /** ffmpeg scale filter flags, e.g. "bilinear", "fast_bilinear", "bicubic", or "auto". */
  scaler: string;
}

/** What the ladder file says when it leaves the choice to the machine. */
export const AUTO = 'auto';

export interface Ladder {
  name: string;
  description?: string;
  renditions: Rendition[];
  audio: AudioSettings;
  hls: HlsSettings;
  local: LocalEncoderSettings;
}

/** The rendition's name suffix as MediaLive's reference uses it: `_1280x720`. */
export function renditionName(r: Pick<Rendition, 'width' | 'height'>): string {
  return `_${r.width}x${r.height}`;
}

const RENDITION_FIELDS = ['width', 'height', 'bitrate', 'maxBitrate', 'framerate', 'profile', 'level', 'gopSeconds', 'qvbrQuality'];
const TOP_FIELDS = ['$schema', 'name', 'description', 'renditions', 'audio', 'hls', 'local'];
const AUDIO_FIELDS = ['codec', 'bitrate', 'sampleRate', 'channels'];
const HLS_FIELDS = ['segmentSeconds', 'playlistSize', 'keepSegments'];
const HLS_OPTIONAL_FIELDS = ['latency'];
const LOCAL_FIELDS = ['preset', 'scaler'];
const PRESETS = ['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow', 'slower', 'veryslow'];
const SCALERS = ['fast_bilinear', 'bilinear', 'bicubic', 'neighbor', 'area', 'lanczos', 'spline'];
const EXAMPLE_RENDITION =
  '{ "width": 1280, "height": 720, "bitrate": 2700000, "maxBitrate": 2700000, "framerate": 30, "profile": "baseline", "level": "auto", "gopSeconds": 2, "qvbrQuality": 8 }';

export const DEFAULT_LOCAL: LocalEncoderSettings = { preset: AUTO, scaler: AUTO };

/**
 * What MediaLive accepts, so a ladder it would refuse is refused here, before anything is created.
 * Source: AWS's MediaLive API model (aws/api-models-aws, medialive-2017-10-14.json) unless noted.
 */
export const LIMITS = {
  /** Smithy `integer` is a signed 32-bit number. */
  int32Max: 2 ** 31 - 1,
  /** H264Settings.Bitrate and MaxBitrate: __integerMin1000. */
  bitrateMin: 1000,
  /** H264Settings.BufSize (__integerMin0, 32-bit) is sent as twice the bitrate, so the bitrate must fit half of it. */
  bitrateMax: Math.floor((2 ** 31 - 1) / 2),
  /**
   * VideoDescription.Width/Height are unconstrained in the model; MediaLive's largest output class
   * is UHD (up to 4096x2160, "Resolutions supported in video outputs", MediaLive User Guide); the
   * portrait form is allowed too. H.264 macroblocks are 16 pixels; 32 keeps a rendition meaningful.
   */
  width: 4096,
  height: 4096,
  uhdShortSide: 2160,
  dimensionMin: 32,
  /** HlsGroupSettings.IndexNSegments: __integerMin3. */
  playlistSizeMin: 3,
  /** HlsGroupSettings.SegmentLength: __integerMin1; not a model limit, a guard against typos (minutes-long segments). */
  segmentSecondsMax: 60,
  /** H264Settings.GopSize (seconds) must be > 0; at most a segment's guard length. */
  gopSecondsMax: 60,
  /**
   * Not in the API model: a guard against a runaway ladder file (every rendition is a billed
   * MediaLive output and an encode on one single-pipeline encoder). The reference ladders have 3 to 6.
   */
  renditions: 10,
};

/**
 * AAC-LC bitrates MediaLive accepts per channel count and sample rate, [min, max] in b/s
 * ("Supported sampling rate and bitrate for AAC output", MediaLive User Guide; the 2.0 rows as
 * the Elemental encoder's AAC table in the MediaConvert User Guide, "AAC output reference tables").
 */
const AAC_LC_BITRATES: Record<1 | 2, Record<32000 | 44100 | 48000, [number, number]>> = {
  1: { 32000: [32000, 192000], 44100: [56000, 256000], 48000: [56000, 288000] },
  2: { 32000: [40000, 384000], 44100: [64000, 512000], 48000: [64000, 576000] },
};

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Validate a parsed ladder file. Returns every problem at once, each with a dot path
 * (`renditions[2].bitrate: ...`), or the typed ladder when there are none.
 */
export function validateLadder(json: unknown): { ladder?: Ladder; problems: Problem[] } {
  const problems: Problem[] = [];
  const add = (path: string, message: string, fix?: string) => problems.push({ path, message, fix });

  if (!isObj(json)) {
    add('(root)', 'expected a JSON object', 'see profiles/HD-720p.json for the shape of a ladder file');
    return { problems };
  }
  unknownFields(json, TOP_FIELDS, '', add);

  const name = json.name;
  if (typeof name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) {
    add('name', 'expected a name of letters, digits, ".", "_" or "-" (at most 64)', 'e.g. "name": "HD-720p"');
  }
  if (json.description !== undefined && typeof json.description !== 'string') add('description', 'expected a string');

  const renditions: Rendition[] = [];
  if (!Array.isArray(json.renditions) || json.renditions.length === 0) {
    add('renditions', 'expected a non-empty array of renditions', `e.g. [${EXAMPLE_RENDITION}]`);
  } else if (json.renditions.length > LIMITS.renditions) {
    add('renditions', `${json.renditions.length} renditions; at most ${LIMITS.renditions} are allowed`, 'an ABR ladder rarely needs more than 6 (the reference HD-1080p ladder has 6)');
  } else {
    json.renditions.forEach((raw, i) => {
      const r = validateRendition(raw, `renditions[${i}]`, add);
      if (r) renditions.push(r);
    });
    checkOrder(renditions, add);
  }

  const audio = validateSection(json.audio, 'audio', AUDIO_FIELDS, add);
  if (audio) {
    if (audio.codec !== 'aac') add('audio.codec', 'expected "aac"');
    const sampleRateOk = [32000, 44100, 48000].includes(audio.sampleRate as number);
    const channelsOk = [1, 2].includes(audio.channels as number);
    if (!sampleRateOk) add('audio.sampleRate', 'expected 32000, 44100 or 48000');
    if (!channelsOk) add('audio.channels', 'expected 1 or 2');
    if (positiveInt(audio.bitrate, 'audio.bitrate', add, 'e.g. 96000') && sampleRateOk && channelsOk) {
      const [min, max] = AAC_LC_BITRATES[audio.channels as 1 | 2][audio.sampleRate as 32000 | 44100 | 48000];
      const b = audio.bitrate as number;
      if (b < min || b > max) {
        add('audio.bitrate', `${b} b/s is outside what AAC-LC ${audio.channels === 1 ? 'mono' : 'stereo'} at ${audio.sampleRate} Hz allows (${min} to ${max})`, `e.g. ${Math.min(Math.max(96000, min), max)}`);
      }
    }
  }

  const hls = validateSection(json.hls, 'hls', HLS_FIELDS, add, HLS_OPTIONAL_FIELDS);
  if (hls) {
    if (hls.latency !== undefined && hls.latency !== 'standard' && hls.latency !== 'low') add('hls.latency', 'expected "standard" or "low"', 'e.g. "latency": "low" for 1 s segments');
    intInRange(hls.segmentSeconds, 'hls.segmentSeconds', 1, LIMITS.segmentSecondsMax, add, 'e.g. 4');
    const playlistOk = intInRange(hls.playlistSize, 'hls.playlistSize', LIMITS.playlistSizeMin, LIMITS.int32Max, add, 'e.g. 10');
    const keepOk = intInRange(hls.keepSegments, 'hls.keepSegments', 1, LIMITS.int32Max, add, 'e.g. 21');
    // HlsGroupSettings.IndexNSegments: "This number must be smaller than the number in the Keep Segments field."
    if (playlistOk && keepOk && (hls.keepSegments as number) <= (hls.playlistSize as number)) {
      add('hls.keepSegments', `must be more than hls.playlistSize (${hls.playlistSize})`, `keep more segments than a playlist lists, e.g. ${2 * (hls.playlistSize as number) + 1}`);
    }
    if (typeof hls.segmentSeconds === 'number') {
      renditions.forEach((r, i) => {
        if (r.gopSeconds > 0 && (hls.segmentSeconds as number) % r.gopSeconds !== 0) {
          add(`renditions[${i}].gopSeconds`, `must divide hls.segmentSeconds (${hls.segmentSeconds}) so segments start on a keyframe`);
        }
      });
    }
  }

  let local: LocalEncoderSettings = DEFAULT_LOCAL;
  if (json.local !== undefined) {
    const l = validateSection(json.local, 'local', LOCAL_FIELDS, add);
    if (l) {
      if (![AUTO, ...PRESETS].includes(l.preset as string)) add('local.preset', `expected "auto" or one of ${PRESETS.join(', ')}`);
      if (![AUTO, ...SCALERS].includes(l.scaler as string)) add('local.scaler', `expected "auto" or one of ${SCALERS.join(', ')}`);
      local = { preset: l.preset as string, scaler: l.scaler as string };
    }
  }

  if (problems.length > 0) return { problems };
  return {
    problems,
    ladder: {
      name: name as string,
      ...(typeof json.description === 'string' ? { description: json.description } : {}),
      renditions,
      audio: audio as unknown as AudioSettings,
      hls: hls as unknown as HlsSettings,
      local,
    },
  };
}

type Add = (path: string, message: string, fix?: string) => void;

function unknownFields(obj: Obj, allowed: string[], prefix: string, add: Add): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) add(`${prefix}${key}`, 'unknown field', `remove it; allowed fields: ${allowed.filter((f) => f !== '$schema').join(', ')}`);
  }
}

function validateSection(raw: unknown, path: string, fields: string[], add: Add, optional: string[] = []): Obj | undefined {
  if (!isObj(raw)) {
    add(path, 'expected an object', `with the fields ${fields.join(', ')}`);
    return undefined;
  }
  unknownFields(raw, [...fields, ...optional], `${path}.`, add);
  for (const f of fields) if (raw[f] === undefined) add(`${path}.${f}`, 'missing');
  return raw;
}

/** A whole number within [min, max]; says which bound was broken. */
function intInRange(v: unknown, path: string, min: number, max: number, add: Add, fix?: string): boolean {
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    add(path, 'expected a whole number', fix);
    return false;
  }
  if (v < min || v > max) {
    add(path, v < min ? `must be at least ${min} (got ${v})` : `must be at most ${max} (got ${v})`, fix);
    return false;
  }
  return true;
}

function positiveInt(v: unknown, path: string, add: Add, fix?: string): boolean {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    add(path, v === 0 ? 'must be greater than zero' : 'expected a positive whole number', fix);
    return false;
  }
  return true;
}

function validateRendition(raw: unknown, path: string, add: Add): Rendition | undefined {
  if (!isObj(raw)) {
    add(path, 'expected an object', `e.g. ${EXAMPLE_RENDITION}`);
    return undefined;
  }
  const local: Problem[] = [];
  const addLocal: Add = (p, m, f) => { local.push({ path: p, message: m, fix: f }); add(p, m, f); };
  unknownFields(raw, RENDITION_FIELDS, `${path}.`, addLocal);
  for (const dim of ['width', 'height'] as const) {
    const v = raw[dim];
    if (intInRange(v, `${path}.${dim}`, LIMITS.dimensionMin, LIMITS[dim], addLocal, 'H.264 needs even dimensions, e.g. 1280x720') && (v as number) % 2 !== 0) {
      addLocal(`${path}.${dim}`, `must be even (got ${v})`, `use ${(v as number) + 1}`);
    }
  }
  if (local.length === 0 && Math.min(raw.width as number, raw.height as number) > LIMITS.uhdShortSide) {
    addLocal(path, `${raw.width}x${raw.height} is beyond UHD (4096x2160, or 2160x4096 upright)`, 'MediaLive encodes up to UHD; e.g. 3840x2160');
  }
  const bitrateOk = intInRange(raw.bitrate, `${path}.bitrate`, LIMITS.bitrateMin, LIMITS.bitrateMax, addLocal, 'in bits per second, e.g. 2700000');
  if (intInRange(raw.maxBitrate, `${path}.maxBitrate`, LIMITS.bitrateMin, LIMITS.bitrateMax, addLocal, 'in bits per second, at least bitrate')) {
    if (bitrateOk && (raw.maxBitrate as number) < (raw.bitrate as number)) {
      addLocal(`${path}.maxBitrate`, `must be at least bitrate (${raw.bitrate})`);
    }
  }
  if (typeof raw.framerate !== 'number' || !(raw.framerate >= 1 && raw.framerate <= 120)) {
    addLocal(`${path}.framerate`, 'expected a number of frames per second between 1 and 120', 'e.g. 30');
  }
  if (!['baseline', 'main', 'high'].includes(raw.profile as string)) addLocal(`${path}.profile`, 'expected "baseline", "main" or "high"');
  if (typeof raw.level !== 'string' || !/^(auto|[1-5](\.[0-2])?|1b)$/.test(raw.level)) {
    addLocal(`${path}.level`, 'expected "auto" or an H.264 level such as "3.1"');
  }
  if (typeof raw.gopSeconds !== 'number' || !(raw.gopSeconds > 0 && raw.gopSeconds <= LIMITS.gopSecondsMax)) {
    addLocal(`${path}.gopSeconds`, `expected a positive number of seconds, at most ${LIMITS.gopSecondsMax}`, 'e.g. 2');
  }
  if (typeof raw.qvbrQuality !== 'number' || !Number.isInteger(raw.qvbrQuality) || raw.qvbrQuality < 1 || raw.qvbrQuality > 10) {
    addLocal(`${path}.qvbrQuality`, 'expected a whole number from 1 to 10');
  }
  if (local.length > 0) return undefined;
  return raw as unknown as Rendition;
}

/** Renditions run from the highest resolution down, each distinct. */
function checkOrder(renditions: Rendition[], add: Add): void {
  const seen = new Set<string>();
  renditions.forEach((r, i) => {
    const key = `${r.width}x${r.height}`;
    if (seen.has(key)) add(`renditions[${i}]`, `duplicate rendition ${key}`, 'each resolution may appear once');
    seen.add(key);
    const prev = renditions[i - 1];
    if (prev && r.width * r.height > prev.width * prev.height) {
      add(`renditions[${i}]`, `out of order: ${key} is larger than ${prev.width}x${prev.height} before it`, 'list renditions from the highest resolution down');
    }
  });
}

const PROFILE_NAMES: Record<H264Profile, string> = { baseline: 'Baseline', main: 'Main', high: 'High' };

/** The ladder's H.264 profile for the plan: "H.264 High", or with the odd ones out "H.264 High (288p15 Main)". */
export function describeH264Profile(ladder: Pick<Ladder, 'renditions'>): string {
  const count = new Map<H264Profile, number>();
  for (const r of ladder.renditions) count.set(r.profile, (count.get(r.profile) ?? 0) + 1);
  const most = [...count.entries()].sort((a, b) => b[1] - a[1])[0]![0];
  const others = ladder.renditions.filter((r) => r.profile !== most).map((r) => `${r.height}p${r.framerate} ${PROFILE_NAMES[r.profile]}`);
  return `H.264 ${PROFILE_NAMES[most]}${others.length ? ` (${others.join(', ')})` : ''}`;
}
