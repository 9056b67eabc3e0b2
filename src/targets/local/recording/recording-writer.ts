/**
 * Writes one run's recording: the recorded rendition's segments, as the encoder made them, appended
 * in order to the current part file (recording-folder.ts). Nothing is encoded twice: the bytes are
 * the ones the put relay forwards to the origin anyway. A write that fails (the disk is full) stops
 * the recording, never the stream: the notice says why, and status shows it.
 */
import * as nodeFs from 'node:fs/promises';
import path from 'node:path';
import { overwriteMeta, partName, recordingIdAt, writeMeta, type RecordingMeta } from './recording-folder.js';

/** The file calls the writer makes: a test hands in one that fails (ENOSPC). */
export type RecordingFs = Pick<typeof nodeFs, 'mkdir' | 'appendFile' | 'writeFile' | 'rename'>;

export interface RecordingWriterOptions {
  /** The stack's recordings folder. */
  root: string;
  rendition: string;
  now: () => number;
  pid?: number;
  fs?: RecordingFs;
  log?: (line: string) => void;
  /** Ids not to take even when their folder is not there: the writer's earlier runs (their disk may have been swapped since). */
  avoid?: ReadonlySet<string>;
}

export class RecordingWriter {
  private queue: Promise<void> = Promise.resolve();
  private stopped = false;

  private constructor(
    readonly dir: string,
    private readonly meta: RecordingMeta,
    private readonly fs: RecordingFs,
    private readonly log: (line: string) => void,
  ) {}

  /** A new recording, its folder and its record made; a folder that cannot be made is a notice, not a failure. */
  static async begin(opts: RecordingWriterOptions): Promise<RecordingWriter> {
    const fs = opts.fs ?? nodeFs;
    const log = opts.log ?? (() => undefined);
    const start = opts.now();
    let id = recordingIdAt(start);
    let failure: unknown;
    try {
      await fs.mkdir(opts.root, { recursive: true, mode: 0o700 });
      id = await makeFreshFolder(opts.root, id, fs, opts.avoid ?? new Set());
    } catch (err) {
      failure = err;
    }
    const meta: RecordingMeta = { id, rendition: opts.rendition, start: new Date(start).toISOString(), seconds: 0, bytes: 0, parts: 0, pid: opts.pid ?? process.pid };
    const writer = new RecordingWriter(path.join(opts.root, id), meta, fs, log);
    try {
      if (failure) throw failure;
      await writeMeta(writer.dir, meta, fs);
      log(`[recording] ${id}: recording ${opts.rendition} into ${writer.dir}`);
    } catch (err) {
      writer.fail(err);
    }
    return writer;
  }

  /** The encoder (re)started: its segments go into a part of their own (its timestamps start again). */
  newPart(): void {
    if (this.stopped) return;
    this.meta.parts++;
  }

  /** A whole segment of the recorded rendition, in the order the encoder wrote it. */
  append(segment: Buffer): void {
    if (this.stopped) return;
    if (this.meta.parts === 0) this.meta.parts = 1;
    const file = path.join(this.dir, partName(this.meta.parts));
    this.queue = this.queue.then(async () => {
      if (this.stopped) return;
      try {
        await this.fs.appendFile(file, segment, { mode: 0o600 });
        this.meta.bytes += segment.length;
        await writeMeta(this.dir, this.meta, this.fs);
      } catch (err) {
        this.fail(err);
      }
    });
  }

  /**
   * Segments of the recorded rendition that reached the playlist: their durations (EXTINF) add up
   * to the length; the first one's program date time (its first frame on the wall clock) is when
   * the recording starts, rather than when the run was asked for (the encoder takes a moment).
   */
  addSegments(segments: ReadonlyArray<{ duration: number; programDateTime: number }>): void {
    if (this.stopped || segments.length === 0) return;
    if (this.meta.seconds === 0) this.meta.start = new Date(segments[0]!.programDateTime).toISOString();
    const total = segments.reduce((sum, seg) => sum + seg.duration, this.meta.seconds);
    this.meta.seconds = Math.round(total * 1000) / 1000;
  }

  /** Resolves once everything appended so far is on disk (appends are queued, not awaited). */
  async drained(): Promise<void> {
    await this.queue;
  }

  /** The run ended: what is queued is written and the end recorded. Finalising is finalise.ts's job. */
  async end(at: number): Promise<RecordingMeta> {
    await this.queue;
    this.stopped = true;
    this.meta.end = new Date(at).toISOString();
    await writeMeta(this.dir, this.meta, this.fs)
      .catch(() => overwriteMeta(this.dir, this.meta, this.fs))
      .catch((err) => this.log(`[recording] ${this.meta.id}: could not record its end: ${(err as Error).message}`));
    return { ...this.meta };
  }

  status(): Readonly<RecordingMeta> {
    return this.meta;
  }

  private fail(err: unknown): void {
    if (this.stopped) return;
    this.stopped = true;
    const e = err as NodeJS.ErrnoException;
    this.meta.notice = e.code === 'ENOSPC'
      ? `recording stopped: the disk is full (${this.dir}); the stream goes on. Free space, then "livestream stop" and "livestream start" record a new run`
      : e.code === 'ENOENT'
        // Not made again: what it held is gone, and a folder that vanished (a disk unmounted) may vanish again.
        ? `recording stopped: its folder ${this.dir} is gone (removed, or its disk unmounted); the stream goes on. "livestream stop" and "livestream start" record a new run`
        : `recording stopped: ${e.message}; the stream goes on`;
    this.log(`[recording] ${this.meta.id}: ${this.meta.notice}`);
    // The notice is kept with what was written: in place, as a full disk has no room for a new file.
    this.queue = this.queue.then(() => overwriteMeta(this.dir, this.meta, this.fs).catch(() => undefined));
  }
}

/**
 * The run's own folder: `id`, or `id-2`, `id-3`... when a run that began in the same second has it
 * (a stop and a start within a second). Never an existing one, nor an earlier run's (`avoid`): that
 * run's finaliser removes or remuxes its folder in the background, by name, and would take the new
 * run's parts with it, even when the folder it made is no longer there (a disk mounted over it).
 */
async function makeFreshFolder(root: string, id: string, fs: RecordingFs, avoid: ReadonlySet<string>): Promise<string> {
  for (let n = 1; ; n++) {
    const name = n === 1 ? id : `${id}-${n}`;
    if (avoid.has(name)) continue;
    try {
      await fs.mkdir(path.join(root, name), { mode: 0o700 });
      return name;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}
