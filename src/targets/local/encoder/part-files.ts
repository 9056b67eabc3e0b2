/**
 * The low mode's part files as the put relay forwards them to the origin (parts.ts): whether each
 * starts with a keyframe (the playlist's INDEPENDENT=YES, and where a segment may begin), and its
 * bytes until its segment is whole, when the playlist writer joins them into the segment's file.
 *
 * A whole segment is its parts' files end to end: one MPEG-TS stream from one muxer, so the
 * continuity counters run on and the tables just repeat (a player or ffmpeg reads it as one
 * segment; test/targets/local/encoder/part-files.test.ts decodes one).
 */
import type { RelayTap } from './put-relay.js';
import { startsAtRandomAccess } from './ts-random-access.js';

/** ffmpeg's part files under the relay: /stream/index_1280x720_00012.ts. */
const PART_PATH = /^\/stream\/(index_\d+x\d+_\d+\.ts)$/;
/**
 * Files and bytes kept at most: parts a playlist never lists (an encoder killed mid-segment) must
 * not stay for ever. A second or two of parts (all a segment waits for) is far below both: the
 * HD-1080p ladder writes about 15 files and 2 MB a second.
 */
const MAX_FILES = 300;
const MAX_BYTES = 64 * 1024 * 1024;

interface PartFile {
  body: Buffer;
  independent: boolean;
}

export class PartFiles implements RelayTap {
  private readonly files = new Map<string, PartFile>();
  private bytes = 0;

  wants(path: string): boolean {
    return PART_PATH.test(path);
  }

  take(body: Buffer, path: string): void {
    const name = PART_PATH.exec(path)?.[1];
    if (!name) return;
    this.forget(name); // a rewritten file (a killed run's number taken again) counts as new
    this.files.set(name, { body, independent: startsAtRandomAccess(body) });
    this.bytes += body.length;
    while (this.files.size > MAX_FILES || this.bytes > MAX_BYTES) this.forget(this.files.keys().next().value!);
  }

  private forget(name: string): void {
    this.bytes -= this.files.get(name)?.body.length ?? 0;
    this.files.delete(name);
  }

  /** Whether the part's file (by name) starts with a keyframe; false for a file not seen whole. */
  independent(name: string): boolean {
    return this.files.get(name)?.independent ?? false;
  }

  /**
   * The parts' files joined, in order, and forgotten; undefined when one was not seen whole (its
   * PUT was cut short), so no segment is made with a hole in it (the others are forgotten too).
   */
  join(names: readonly string[]): Buffer | undefined {
    const bodies = names.map((n) => this.files.get(n)?.body);
    names.forEach((n) => this.forget(n));
    return bodies.every((b) => b !== undefined) ? Buffer.concat(bodies) : undefined;
  }
}
