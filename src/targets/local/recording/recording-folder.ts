/**
 * How a local recording sits on disk, in the stack's recordings folder (StackLayout.recordings,
 * `<state-dir>/<stack>/recordings/`, kept by `down`):
 *
 *   <id>/recording.json    what the writer knows: start, end, rendition, seconds, bytes, who writes it
 *   <id>/part-0001.ts      the recorded rendition's segments as encoded, appended in order; one part
 *   <id>/part-0002.ts      per encoder life, so a restart's timestamps start a part of their own
 *   <id>/<stack>-<id>.mp4  once finalised (finalise.ts): the parts remuxed, then removed
 *
 * MPEG-TS is what the encoder writes and it concatenates: a part cut short by a crash plays up to
 * its last whole packet, which is what makes the recording crash-safe while it is written.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface RecordingMeta {
  id: string;
  /** "1280x720". */
  rendition: string;
  start: string;
  end?: string;
  /** Segment durations added up while written; the MP4's duration once finalised. */
  seconds: number;
  bytes: number;
  /** Parts begun (part-0001.ts ...). */
  parts: number;
  /** The process that writes it: a recording without an end whose writer is gone is finalised by whoever finds it. */
  pid: number;
  /** Why it stopped before the run ended (the disk filled). */
  notice?: string;
  /** The finalised MP4's file name, in the recording's folder. */
  file?: string;
}

export const META_FILE = 'recording.json';
export const LOCK_FILE = 'finalising.lock';

/** An id from the run's start, sortable and safe in file names: 2026-12-01T12-30-11Z. */
export function recordingIdAt(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
}

export function partName(n: number): string {
  return `part-${String(n).padStart(4, '0')}.ts`;
}

export const PART_FILE = /^part-\d{4}\.ts$/;

/** The MP4's name: the stack's and the run's, so files from several stacks can share a folder. */
export function mp4Name(stack: string, id: string): string {
  return `${stack}-${id}.mp4`;
}

export async function readMeta(dir: string): Promise<RecordingMeta | undefined> {
  try {
    return JSON.parse(await readFile(path.join(dir, META_FILE), 'utf8')) as RecordingMeta;
  } catch {
    return undefined;
  }
}

/** Written whole and renamed into place: a crash leaves the old or the new, never half of one. */
export async function writeMeta(dir: string, meta: RecordingMeta, fs: Pick<typeof import('node:fs/promises'), 'writeFile' | 'rename'> = { writeFile, rename }): Promise<void> {
  const file = path.join(dir, META_FILE);
  await fs.writeFile(`${file}.tmp`, JSON.stringify(meta, null, 2) + '\n', { mode: 0o600 });
  await fs.rename(`${file}.tmp`, file);
}

/**
 * The record rewritten where it lies, for when the disk is full: a new file (writeMeta's) needs
 * room, but the first block of the old one is already ours. Padded with spaces (still JSON) so no
 * tail of the longer old text is left.
 */
export async function overwriteMeta(dir: string, meta: RecordingMeta, fs: Pick<typeof import('node:fs/promises'), 'writeFile'> = { writeFile }): Promise<void> {
  const text = JSON.stringify(meta, null, 2) + '\n';
  await fs.writeFile(path.join(dir, META_FILE), text.padEnd(1024, ' '), { flag: 'r+' });
}
