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
}

/** Local encoder choices, recorded per ladder so each built-in ladder keeps up in real time. */
export interface LocalEncoderSettings {
  /** libx264 preset, e.g. "ultrafast", "superfast", "veryfast". */
  preset: string;
  /** ffmpeg scale filter flags, e.g. "bilinear", "fast_bilinear", "bicubic". */
  scaler: string;
}

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
const LOCAL_FIELDS = ['preset', 'scaler'];
const PRESETS = ['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow', 'slower', 'veryslow'];
const SCALERS = ['fast_bilinear', 'bilinear', 'bicubic', 'neighbor', 'area', 'lanczos', 'spline'];
const EXAMPLE_RENDITION =
  '{ "width": 1280, "height": 720, "bitrate": 2700000, "maxBitrate": 2700000, "framerate": 30, "profile": "baseline", "level": "auto", "gopSeconds": 2, "qvbrQuality": 8 }';

export const DEFAULT_LOCAL: LocalEncoderSettings = { preset: 'veryfast', scaler: 'bilinear' };

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
    positiveInt(audio.bitrate, 'audio.bitrate', add, 'e.g. 96000');
    if (![32000, 44100, 48000].includes(audio.sampleRate as number)) add('audio.sampleRate', 'expected 32000, 44100 or 48000');
    if (![1, 2].includes(audio.channels as number)) add('audio.channels', 'expected 1 or 2');
  }

  const hls = validateSection(json.hls, 'hls', HLS_FIELDS, add);
  if (hls) {
    positiveInt(hls.segmentSeconds, 'hls.segmentSeconds', add, 'e.g. 4');
    positiveInt(hls.playlistSize, 'hls.playlistSize', add, 'e.g. 10');
    positiveInt(hls.keepSegments, 'hls.keepSegments', add, 'e.g. 21');
    if (typeof hls.playlistSize === 'number' && typeof hls.keepSegments === 'number' && hls.keepSegments < hls.playlistSize) {
      add('hls.keepSegments', `must be at least hls.playlistSize (${hls.playlistSize})`, 'keep more segments than a playlist lists');
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
      if (!PRESETS.includes(l.preset as string)) add('local.preset', `expected one of ${PRESETS.join(', ')}`);
      if (!SCALERS.includes(l.scaler as string)) add('local.scaler', `expected one of ${SCALERS.join(', ')}`);
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

function validateSection(raw: unknown, path: string, fields: string[], add: Add): Obj | undefined {
  if (!isObj(raw)) {
    add(path, 'expected an object', `with the fields ${fields.join(', ')}`);
    return undefined;
  }
  unknownFields(raw, fields, `${path}.`, add);
  for (const f of fields) if (raw[f] === undefined) add(`${path}.${f}`, 'missing');
  return raw;
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
    if (positiveInt(v, `${path}.${dim}`, addLocal, 'H.264 needs even dimensions, e.g. 1280x720') && (v as number) % 2 !== 0) {
      addLocal(`${path}.${dim}`, `must be even (got ${v})`, `use ${(v as number) + 1}`);
    }
  }
  positiveInt(raw.bitrate, `${path}.bitrate`, addLocal, 'in bits per second, e.g. 2700000');
  if (positiveInt(raw.maxBitrate, `${path}.maxBitrate`, addLocal, 'in bits per second, at least bitrate')) {
    if (typeof raw.bitrate === 'number' && (raw.maxBitrate as number) < raw.bitrate) {
      addLocal(`${path}.maxBitrate`, `must be at least bitrate (${raw.bitrate})`);
    }
  }
  if (typeof raw.framerate !== 'number' || !(raw.framerate > 0 && raw.framerate <= 120)) {
    addLocal(`${path}.framerate`, 'expected a number of frames per second between 1 and 120', 'e.g. 30');
  }
  if (!['baseline', 'main', 'high'].includes(raw.profile as string)) addLocal(`${path}.profile`, 'expected "baseline", "main" or "high"');
  if (typeof raw.level !== 'string' || !/^(auto|[1-5](\.[0-2])?|1b)$/.test(raw.level)) {
    addLocal(`${path}.level`, 'expected "auto" or an H.264 level such as "3.1"');
  }
  if (typeof raw.gopSeconds !== 'number' || !(raw.gopSeconds > 0)) addLocal(`${path}.gopSeconds`, 'expected a positive number of seconds', 'e.g. 2');
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
