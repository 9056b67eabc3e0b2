/**
 * The recording side of the local channel: one recording per run of the channel (start to stop),
 * fed by the encoder supervisor with the segments its put relay forwards anyway (no second encode,
 * nothing more for the encoder to do). The supervisor tells it when a run and an encoder life
 * begin, hands it the recorded rendition's segments, and the durations its playlists list.
 */
import { finaliseRecording } from './finalise.js';
import { listLocalRecordings } from './local-recordings.js';
import { RecordingWriter, type RecordingFs } from './recording-writer.js';

export interface ChannelRecorderOptions {
  /** The stack's recordings folder (StackLayout.recordings). */
  root: string;
  stack: string;
  /** "1280x720": the rendition recorded. */
  rendition: string;
  ffmpegPath: string;
  now?: () => number;
  fs?: RecordingFs;
  log?: (line: string) => void;
}

/** What status says of the recording being written. */
export interface RecordingStatus {
  id: string;
  rendition: string;
  seconds: number;
  bytes: number;
  where: string;
  notice?: string;
}

export class ChannelRecorder {
  private writer: RecordingWriter | undefined;
  private readonly finalising = new Set<Promise<unknown>>();
  /** The ids of this process's runs: a new run never takes one (its finaliser may still be at work on it). */
  private readonly ids = new Set<string>();
  private readonly segmentPath: RegExp;
  private readonly now: () => number;

  constructor(private readonly opts: ChannelRecorderOptions) {
    this.now = opts.now ?? Date.now;
    this.segmentPath = new RegExp(`/stream/index_${opts.rendition}_\\d+\\.ts$`);
  }

  /**
   * A run begins: a new recording; recordings a killed stack left unfinished are finalised beside
   * it, in the background (the channel need not wait for them; the new one is live, so left alone).
   */
  async beginRun(): Promise<void> {
    this.writer = await RecordingWriter.begin({ root: this.opts.root, rendition: this.opts.rendition, now: this.now, fs: this.opts.fs, log: this.opts.log, avoid: this.ids });
    this.ids.add(this.writer.status().id);
    this.track(listLocalRecordings({ root: this.opts.root, stack: this.opts.stack, ffmpegPath: async () => this.opts.ffmpegPath, log: this.opts.log }).catch((err) =>
      this.opts.log?.(`[recording] could not finalise earlier recordings: ${(err as Error).message}`),
    ));
  }

  private track(job: Promise<unknown>): void {
    const tracked = job.finally(() => this.finalising.delete(tracked));
    this.finalising.add(tracked);
  }

  /** An encoder life begins: a part of its own. */
  encoderStarted(): void {
    this.writer?.newPart();
  }

  /** Whether the relay should hand over the body of this PUT (the recorded rendition's segments). */
  wants(relayPath: string): boolean {
    return this.writer !== undefined && this.segmentPath.test(relayPath);
  }

  /** A whole segment the relay forwarded (in low mode a part of one: the same bytes, in three writes). */
  take(body: Buffer): void {
    this.writer?.append(body);
  }

  /** Segments that reached a published playlist (name: "index_1280x720"): durations and wall-clock times. */
  noteSegments(playlist: string, segments: ReadonlyArray<{ duration: number; programDateTime: number }>): void {
    if (playlist === `index_${this.opts.rendition}`) this.writer?.addSegments(segments);
  }

  /** The run ended: its end recorded now, the MP4 made in the background (status and stop need not wait). */
  async endRun(): Promise<void> {
    const writer = this.writer;
    this.writer = undefined;
    if (!writer) return;
    await writer.end(this.now());
    this.track(finaliseRecording(writer.dir, this.opts.stack, { ffmpegPath: this.opts.ffmpegPath, log: this.opts.log })
      .catch((err) => this.opts.log?.(`[recording] could not finalise ${writer.dir}: ${(err as Error).message}; "livestream recordings" tries again`)));
  }

  status(): RecordingStatus | undefined {
    const w = this.writer;
    if (!w) return undefined;
    const m = w.status();
    return { id: m.id, rendition: m.rendition, seconds: m.seconds, bytes: m.bytes, where: w.dir, ...(m.notice ? { notice: m.notice } : {}) };
  }

  /** The stack is closing: the run ended, and the MP4s it was making finished. */
  async close(): Promise<void> {
    await this.endRun();
    await Promise.all([...this.finalising]);
  }
}
