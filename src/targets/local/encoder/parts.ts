/**
 * Partial segments (LL-HLS "parts") for the local low-latency mode: how long they are, and what the
 * playlist promises about them. Pure.
 *
 * Why parts: a player that follows RFC 8216 starts three target durations behind the newest segment
 * (3 s with 1 s segments), and a segment is listed only once whole, a second after its first
 * picture. Shaka, video.js and hls.js in low-latency mode start PART-HOLD-BACK behind the newest
 * part instead (RFC 8216bis 4.4.3.8), and a part is listed a third of a second after its first
 * picture. Players that ignore parts (ffmpeg, GStreamer 1.22) read the whole segments as before.
 *
 * ffmpeg's hls muxer writes the parts, cutting at keyframes forced at every multiple of the part
 * length (so the cuts do not drift; each part opening with one is what the browser players need:
 * ffmpeg-args.ts buildVideoCodecArgs); the supervisor joins each segment's parts into the whole
 * segment (playlist-writer.ts).
 */
import { LOW_LATENCY_PARTS_PER_SEGMENT } from '../../../core/latency.js';
import type { Ladder } from '../../../core/ladder.js';

export interface PartPlan {
  perSegment: number;
  /** The part length asked of ffmpeg (-hls_time, and a keyframe forced at each multiple): the segment length over perSegment. */
  cutSeconds: number;
  /** EXT-X-PART-INF:PART-TARGET: the longest part any rendition can write (whole frames), rounded up to the microsecond. */
  targetSeconds: number;
  /** EXT-X-SERVER-CONTROL:PART-HOLD-BACK: where players that read parts start, behind the newest part. */
  holdBackSeconds: number;
}

/**
 * PART-HOLD-BACK in part targets. The spec asks at least two, three advised (RFC 8216bis 4.4.3.8).
 * With three (1 s) Shaka played 2.6 s behind real time but stalled once a minute at load 4-8 on
 * two cores: a part is listed about 0.3 s after its last picture, the edge may hand out a playlist
 * a quarter second old, and a player polls; five (1.67 s) leave it more than half a second more.
 */
const HOLD_BACK_PARTS = 5;

/** The parts the ladder's playlists carry, or undefined for whole segments only (standard mode). */
export function planParts(ladder: Pick<Ladder, 'hls' | 'renditions'>): PartPlan | undefined {
  if (ladder.hls.latency !== 'low') return undefined;
  const perSegment = LOW_LATENCY_PARTS_PER_SEGMENT;
  const cutSeconds = ladder.hls.segmentSeconds / perSegment;
  // A keyframe falls on the first frame at or past each multiple of cutSeconds, so a part is at most
  // ceil(frames in a cut interval) frames long: at 25 fps parts of 8, 9 and 8 frames (0.36 s the longest).
  const longest = Math.max(...ladder.renditions.map((r) => Math.ceil(cutSeconds * r.framerate - 1e-9) / r.framerate));
  const targetSeconds = Math.ceil(longest * 1e6 - 1e-3) / 1e6;
  return { perSegment, cutSeconds, targetSeconds, holdBackSeconds: Math.round(HOLD_BACK_PARTS * targetSeconds * 1e6) / 1e6 };
}
