/**
 * Recording on AWS (#13), the pure part: which rendition is recorded, where MediaLive writes it,
 * the bucket's lifecycle, and how the bucket's objects group into runs.
 *
 * MediaLive writes the recording with an Archive output group whose one output reuses the
 * recorded rendition's video and audio descriptions (no second encode): MPEG-TS files of
 * RolloverInterval seconds, to `s3ssl://<bucket>/<stack>/$dt$/recording<modifier>.NNNNNN.ts`. For
 * an archive output `$dt$` is the UTC date and time the channel started (MediaLive UG, "Identifiers
 * for variable data"), so each run of the channel gets its own folder. An archive output costs
 * MediaLive what an HLS VOD output of the same encode would (one output of its class), and writes
 * one S3 object per rollover instead of one per segment plus playlists: fewer PUTs.
 */
import type { BucketLifecycleConfiguration } from '@aws-sdk/client-s3';
import { LivestreamError } from '../../../core/errors.js';
import { renditionName, type Ladder, type Rendition } from '../../../core/ladder.js';

/** Seconds MediaLive writes to one archive file before it starts the next (the console's default). */
export const ROLLOVER_SECONDS = 300;
/** The channel's destination for the archive group (the HLS one is destination1). */
export const RECORDINGS_DESTINATION_ID = 'recordings';
const BASE_NAME = 'recording';

/** S3 lifecycle works in whole days (FACTS.md §2); a day count that is not one is refused before anything is made. */
export function assertExpireDays(days: number | undefined): void {
  if (days === undefined || (Number.isInteger(days) && days >= 1)) return;
  throw new LivestreamError('SPEC_INVALID', `recordingsExpireDays: expected a whole number of days, 1 or more, found ${String(days)}.`, {
    hint: 'use --recordings-expire-days 30 (recordings are deleted 30 days after they were written), or leave it out to keep them until "livestream down --delete-recordings"',
    details: { path: 'recordingsExpireDays' },
  });
}

/** The stack's folder in the recordings bucket: the only place the channel's role may write. */
export function recordingsPrefix(stack: string): string {
  return `${stack}/`;
}

/** The archive group's destination: one folder per run ($dt$, the channel's start), then the base name. */
export function recordingsDestinationUrl(bucket: string, stack: string): string {
  return `s3ssl://${bucket}/${recordingsPrefix(stack)}$dt$/${BASE_NAME}`;
}

/**
 * Aborted multipart uploads are always cleaned up after a day; recordings expire after `days`
 * when the user asked for it (absent: kept until deleted).
 */
export function buildRecordingsLifecycle(stack: string, days: number | undefined): BucketLifecycleConfiguration {
  return {
    Rules: [
      {
        ID: 'recordings',
        Status: 'Enabled',
        Filter: { Prefix: recordingsPrefix(stack) },
        ...(days !== undefined ? { Expiration: { Days: days } } : {}),
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
      },
    ],
  };
}

/** What the recording adds per hour: MediaLive output class, bits per second, bytes an hour. */
export function recordingRate(ladder: Ladder, r: Rendition): { bitsPerSecond: number; bytesPerHour: number } {
  const bitsPerSecond = r.bitrate + ladder.audio.bitrate;
  return { bitsPerSecond, bytesPerHour: (bitsPerSecond * 3600) / 8 };
}

export interface StoredPart {
  key: string;
  bytes: number;
  lastModified?: Date;
}

export interface RecordedRun {
  /** The run's folder, `$dt$` as MediaLive resolved it: 20261125T040000. */
  id: string;
  start: string;
  /** The last part's write time. */
  lastWrite?: string;
  parts: StoredPart[];
  bytes: number;
}

const RUN_FOLDER = /^(\d{8})T(\d{6})$/;

/**
 * The stack's objects grouped by run folder, oldest run first, each run's parts in MediaLive's
 * order (its counter is zero-padded, so key order is write order). Keys outside a run folder
 * (not MediaLive's) are left out.
 */
export function groupRuns(stack: string, parts: readonly StoredPart[]): RecordedRun[] {
  const prefix = recordingsPrefix(stack);
  const runs = new Map<string, RecordedRun>();
  for (const p of parts) {
    if (!p.key.startsWith(prefix)) continue;
    const [folder, ...rest] = p.key.slice(prefix.length).split('/');
    const m = RUN_FOLDER.exec(folder ?? '');
    if (!m || rest.length !== 1 || !rest[0]!.endsWith('.ts')) continue;
    const [, d, t] = m;
    const start = `${d!.slice(0, 4)}-${d!.slice(4, 6)}-${d!.slice(6, 8)}T${t!.slice(0, 2)}:${t!.slice(2, 4)}:${t!.slice(4, 6)}.000Z`;
    const run = runs.get(folder!) ?? { id: folder!, start, parts: [], bytes: 0 };
    run.parts.push(p);
    run.bytes += p.bytes;
    const when = p.lastModified?.toISOString();
    if (when && (!run.lastWrite || when > run.lastWrite)) run.lastWrite = when;
    runs.set(folder!, run);
  }
  const sorted = [...runs.values()].sort((a, b) => a.id.localeCompare(b.id));
  for (const r of sorted) r.parts.sort((a, b) => a.key.localeCompare(b.key));
  return sorted;
}

/**
 * A run's length: every part but the last is exactly one rollover; the last is estimated from its
 * size at the recorded rendition's bitrate (capped at a rollover).
 */
export function runSeconds(run: RecordedRun, bitsPerSecond: number): number {
  if (run.parts.length === 0) return 0;
  const last = run.parts[run.parts.length - 1]!;
  const tail = Math.min(ROLLOVER_SECONDS, (last.bytes * 8) / bitsPerSecond);
  return Math.round((run.parts.length - 1) * ROLLOVER_SECONDS + tail);
}
