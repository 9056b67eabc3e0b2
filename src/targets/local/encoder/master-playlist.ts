/**
 * The HLS master playlist, written by us rather than by ffmpeg.
 *
 * Why: ffmpeg 5.1's `-master_pl_name` writes only BANDWIDTH, RESOLUTION and CODECS, e.g.
 *   #EXT-X-STREAM-INF:BANDWIDTH=435600,RESOLUTION=320x180,CODECS="avc1.42c00d,mp4a.40.2"
 * with no AVERAGE-BANDWIDTH and no FRAME-RATE, which MediaLive's master carries. Pure: ladder in, text out.
 */
import { renditionName, type H264Profile, type Ladder, type Rendition } from '../../../core/ladder.js';

interface LevelLimit {
  level: string;
  /** Largest frame, in 16x16 macroblocks. */
  maxFs: number;
  /** Macroblocks per second. */
  maxMbps: number;
  /** Max video bitrate in kbit/s for baseline/main (high is x1.25). */
  maxBr: number;
}

/** ITU-T H.264 Table A-1 (level 1b left out: nothing in a ladder needs it). */
const LEVELS: LevelLimit[] = [
  { level: '1', maxFs: 99, maxMbps: 1485, maxBr: 64 },
  { level: '1.1', maxFs: 396, maxMbps: 3000, maxBr: 192 },
  { level: '1.2', maxFs: 396, maxMbps: 6000, maxBr: 384 },
  { level: '1.3', maxFs: 396, maxMbps: 11880, maxBr: 768 },
  { level: '2', maxFs: 396, maxMbps: 11880, maxBr: 2000 },
  { level: '2.1', maxFs: 792, maxMbps: 19800, maxBr: 4000 },
  { level: '2.2', maxFs: 1620, maxMbps: 20250, maxBr: 4000 },
  { level: '3', maxFs: 1620, maxMbps: 40500, maxBr: 10000 },
  { level: '3.1', maxFs: 3600, maxMbps: 108000, maxBr: 14000 },
  { level: '3.2', maxFs: 5120, maxMbps: 216000, maxBr: 20000 },
  { level: '4', maxFs: 8192, maxMbps: 245760, maxBr: 20000 },
  { level: '4.1', maxFs: 8192, maxMbps: 245760, maxBr: 50000 },
  { level: '4.2', maxFs: 8704, maxMbps: 522240, maxBr: 50000 },
  { level: '5', maxFs: 22080, maxMbps: 589824, maxBr: 135000 },
  { level: '5.1', maxFs: 36864, maxMbps: 983040, maxBr: 240000 },
  { level: '5.2', maxFs: 36864, maxMbps: 2073600, maxBr: 240000 },
];

/** The rendition's H.264 level: as written in the ladder, or for "auto" the lowest level that fits. */
export function resolveLevel(r: Pick<Rendition, 'width' | 'height' | 'framerate' | 'maxBitrate' | 'profile' | 'level'>): string {
  if (r.level !== 'auto') return r.level;
  const frameMbs = Math.ceil(r.width / 16) * Math.ceil(r.height / 16);
  const mbps = frameMbs * r.framerate;
  const brFactor = r.profile === 'high' ? 1.25 : 1;
  const fit = LEVELS.find((l) => frameMbs <= l.maxFs && mbps <= l.maxMbps && r.maxBitrate <= l.maxBr * 1000 * brFactor);
  return (fit ?? LEVELS[LEVELS.length - 1]!).level;
}

/**
 * The profile libx264 actually signals. `-profile` is only an upper limit: x264 writes the lowest
 * profile its tools need, and preset ultrafast uses no CABAC, B-frames or 8x8 transform, so a "main"
 * or "high" rendition encoded with it comes out as Constrained Baseline (seen with ffprobe).
 */
export function effectiveProfile(profile: H264Profile, preset: string): H264Profile {
  return preset === 'ultrafast' ? 'baseline' : profile;
}

/**
 * RFC 6381 codec string as libx264 signals it: profile_idc, constraint flags, level_idc.
 * x264 sets constraint_set0 for baseline and constraint_set1 for baseline and main, hence
 * baseline 42c0xx, main 4d40xx, high 6400xx (ffmpeg's own master shows "avc1.42c00d" for baseline 1.3).
 */
export function videoCodecString(r: Pick<Rendition, 'width' | 'height' | 'framerate' | 'maxBitrate' | 'profile' | 'level'>, preset = 'medium'): string {
  const profile = effectiveProfile(r.profile, preset);
  const [idc, flags] = profile === 'baseline' ? [0x42, 0xc0] : profile === 'main' ? [0x4d, 0x40] : [0x64, 0x00];
  const levelIdc = Math.round(Number(resolveLevel(r)) * 10);
  return `avc1.${hex2(idc)}${hex2(flags)}${hex2(levelIdc)}`;
}

const hex2 = (n: number): string => n.toString(16).padStart(2, '0');

/** AAC-LC. */
export const AUDIO_CODEC = 'mp4a.40.2';

/**
 * BANDWIDTH is the peak: (maxBitrate + audio) plus 10% for MPEG-TS overhead, as ffmpeg's own
 * master does (it writes bitrate x 1.1). AVERAGE-BANDWIDTH is the target bitrate plus audio.
 */
export function buildMasterPlaylist(ladder: Ladder): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-INDEPENDENT-SEGMENTS'];
  for (const r of ladder.renditions) {
    const peak = Math.ceil(((r.maxBitrate + ladder.audio.bitrate) * 11) / 10); // integer maths: x * 1.1 is inexact
    const average = r.bitrate + ladder.audio.bitrate;
    lines.push(
      `#EXT-X-STREAM-INF:BANDWIDTH=${peak},AVERAGE-BANDWIDTH=${average},RESOLUTION=${r.width}x${r.height},` +
        `CODECS="${videoCodecString(r, ladder.local.preset)},${AUDIO_CODEC}",FRAME-RATE=${r.framerate.toFixed(3)}`,
      `index${renditionName(r)}.m3u8`,
    );
  }
  return lines.join('\n') + '\n';
}
