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
 * Files kept at most: a playlist that never lists a part (an encoder killed mid-segment) must not
 * keep its bytes for ever. Ten seconds of parts of a large ladder is far below this.
 */
const MAX_FILES = 300;

interface PartFile {
  body: Buffer;
  independent: boolean;
}

export class PartFiles implements RelayTap {
  private readonly files = new Map<string, PartFile>();

  wants(path: string): boolean {
    return PART_PATH.test(path);
  }

  take(body: Buffer, path: string): void {
    const name = PART_PATH.exec(path)?.[1];
    if (!name) return;
    this.files.delete(name); // a rewritten file (a killed run's number taken again) counts as new
    this.files.set(name, { body, independent: startsAtRandomAccess(body) });
    if (this.files.size > MAX_FILES) this.files.delete(this.files.keys().next().value!);
  }

  /** Whether the part's file (by name) starts with a keyframe; false for a file not seen whole. */
  independent(name: string): boolean {
    return this.files.get(name)?.independent ?? false;
  }

  /**
   * The parts' files joined, in order, and forgotten; undefined (and nothing forgotten) when one
   * was not seen whole (its PUT was cut short), so no segment is made with a hole in it.
   */
  join(names: readonly string[]): Buffer | undefined {
    const bodies = names.map((n) => this.files.get(n)?.body);
    if (bodies.some((b) => b === undefined)) return undefined;
    names.forEach((n) => this.files.delete(n));
    return Buffer.concat(bodies as Buffer[]);
  }
}
