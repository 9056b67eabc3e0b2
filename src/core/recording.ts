/**
 * Recording the event (issue #13): which rendition a stack records, what an hour of it takes, and
 * the recording as both targets list it. Pure: the spec and the ladder in, data out.
 */
import { LivestreamError } from './errors.js';
import type { Ladder, Rendition } from './ladder.js';
import { defaultRecord, type StackSpec } from './spec.js';

/** One recorded run of the channel, as `livestream recordings` lists it (--json too). */
export interface Recording {
  id: string;
  /** ISO time the run's recording began. */
  start: string;
  /** ISO time it ended; absent while it is being written. */
  end?: string;
  seconds: number;
  bytes: number;
  /** Where it is: a file or folder on this machine, or an s3:// URL. */
  where: string;
  /** Still being written (the channel runs). */
  live: boolean;
  /** The rendition recorded, e.g. "1280x720". */
  rendition?: string;
  /** Why the recording stopped before the run did (the disk filled...), for status. */
  notice?: string;
}

/** What `spec.record` takes besides a rendition's name. */
export const RECORD_CHOICES = ['top', 'none'] as const;

/** A rendition's name as `--record` takes it: "1280x720". */
export function recordName(r: Pick<Rendition, 'width' | 'height'>): string {
  return `${r.width}x${r.height}`;
}

/**
 * The rendition `record` names in the ladder, undefined for "none"; an unknown name is refused
 * with the ladder's renditions listed (before anything is created: plan and up call this first).
 */
export function recordedRendition(spec: Pick<StackSpec, 'record' | 'target'>, ladder: Ladder): Rendition | undefined {
  const record = spec.record ?? defaultRecord(spec.target);
  if (record === 'none') return undefined;
  if (record === 'top') return ladder.renditions[0];
  const found = ladder.renditions.find((r) => recordName(r) === record);
  if (found) return found;
  const names = ladder.renditions.map(recordName);
  throw new LivestreamError('SPEC_INVALID', `--record ${record}: the ladder ${ladder.name} has no rendition "${record}" (it has ${names.join(', ')}).`, {
    hint: `Use --record top (the highest, ${names[0]}), one of ${names.join(', ')}, or --record none.`,
    details: { problems: [{ path: 'record', message: `no rendition "${record}" in ${ladder.name}`, fix: `one of top, none, ${names.join(', ')}` }] },
  });
}

/** Bytes an hour of the recording takes: the rendition's video bitrate plus the audio (container overhead aside). */
export function recordingBytesPerHour(rendition: Rendition, ladder: Ladder): number {
  return Math.round(((rendition.bitrate + ladder.audio.bitrate) / 8) * 3600);
}

/** The plan's line about recording. */
export function describeRecording(spec: StackSpec, ladder: Ladder): string {
  const r = recordedRendition(spec, ladder);
  if (!r) return `Recording: off (--record top or --record ${recordName(ladder.renditions[0]!)} records each run)`;
  const where = spec.target === 'local' ? 'disk in the stack\'s recordings folder' : 'storage in the stack\'s recordings bucket';
  return `Recording: ${recordName(r)} as encoded (${formatBitrate(r.bitrate)} video + ${formatBitrate(ladder.audio.bitrate)} audio), ≈ ${formatBytes(recordingBytesPerHour(r, ladder))} of ${where} per hour; kept by "down" (--record none turns it off)`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = bytes / 1000;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)} ${units[i]}`;
}

/** "1:02:03" or "2:03". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

function formatBitrate(bps: number): string {
  return bps >= 1e6 ? `${(bps / 1e6).toFixed(1)} Mb/s` : `${Math.round(bps / 1000)} kb/s`;
}
