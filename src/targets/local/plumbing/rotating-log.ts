import { promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';

export interface RotatingLogOptions {
  dir: string;
  /** File name for the hour holding `ms`; `part` > 0 once a file of that hour reached `maxFileBytes`. */
  fileName: (ms: number, part: number) => string;
  /** Written at the top of every new file (e.g. CloudFront's #Version/#Fields lines). */
  header?: string;
  maxFileBytes?: number;
  /** Flush after this long, or sooner when `maxBufferBytes` is buffered. */
  flushMs?: number;
  maxBufferBytes?: number;
  /** Lines dropped (and counted) rather than buffered beyond this, if the disk cannot keep up. */
  maxPendingBytes?: number;
  now?: () => number;
}

/** Lines are encoded into chunks of this size, so a busy log costs no string building. */
const CHUNK_BYTES = 64 * 1024;

/**
 * Buffered, asynchronous, hourly-rotated append-only log. Requests never wait for the disk:
 * each line is encoded straight into a byte chunk, and the chunks are appended in batches; if the
 * disk falls far behind, lines are dropped and counted rather than letting memory grow without bound.
 */
export class RotatingLogWriter {
  private readonly opts: Required<Omit<RotatingLogOptions, 'header'>> & { header?: string };
  /** Sealed bytes waiting for the disk, grouped by file in the order written. */
  private groups: { file: string; parts: Buffer[] }[] = [];
  private pendingBytes = 0;
  private chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  private used = 0; // bytes of `chunk` written
  private sealed = 0; // bytes of `chunk` already moved into `groups`
  private chunkFile = ''; // the file `chunk[sealed, used)` belongs to
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private currentHour = -1;
  private currentPart = 0;
  private currentSize = 0;
  private currentFile = '';
  private closed = false;
  dropped = 0;
  writeErrors = 0;

  constructor(opts: RotatingLogOptions) {
    this.opts = {
      maxFileBytes: 256 * 1024 * 1024,
      flushMs: 500,
      maxBufferBytes: 256 * 1024,
      maxPendingBytes: 32 * 1024 * 1024,
      now: Date.now,
      ...opts,
    };
  }

  /** Queue one line (without its newline). */
  write(line: string): void {
    if (this.closed) return;
    if (this.pendingBytes > this.opts.maxPendingBytes) {
      this.dropped++;
      return;
    }
    const room = line.length * 3 + 1; // UTF-8 needs at most 3 bytes per UTF-16 unit
    if (this.chunk.length - this.used < room) this.renewChunk(room);
    const at = this.used;
    const bytes = this.chunk.write(line, at) + 1;
    this.chunk[at + bytes - 1] = 0x0a;
    const { file, header } = this.pickFile(bytes);
    if (file !== this.chunkFile) {
      // The bytes before this line belong to the previous file; this line starts the new one.
      this.seal(at);
      this.chunkFile = file;
      if (header !== undefined) {
        this.groupFor(file).parts.push(Buffer.from(header));
        this.pendingBytes += header.length;
      }
    }
    this.used = at + bytes;
    this.pendingBytes += bytes;
    if (this.pendingBytes >= this.opts.maxBufferBytes) void this.flush();
    else if (this.timer === undefined) {
      this.timer = setTimeout(() => void this.flush(), this.opts.flushMs);
      this.timer.unref();
    }
  }

  /** Write everything queued so far. */
  flush(): Promise<void> {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.seal(this.used);
    const batch = this.groups;
    this.groups = [];
    this.pendingBytes = 0;
    if (batch.length > 0) {
      this.chain = this.chain.then(async () => {
        for (const { file, parts } of batch) {
          await this.append(path.join(this.opts.dir, file), parts).catch(() => {
            this.writeErrors++;
          });
        }
      });
    }
    return this.chain.catch(() => {
      this.writeErrors++;
    });
  }

  /** Flush and stop: lines written after this are ignored (a late request must not recreate a removed folder). */
  async close(): Promise<void> {
    const done = this.flush();
    this.closed = true;
    await done;
  }

  /** Append the parts with one writev (no copy into one buffer first). */
  private async append(file: string, parts: Buffer[]): Promise<void> {
    let handle: FileHandle;
    try {
      handle = await fsp.open(file, 'a');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      // The folder is made with the first file (and again if it was removed meanwhile).
      await fsp.mkdir(this.opts.dir, { recursive: true });
      handle = await fsp.open(file, 'a');
    }
    try {
      const { bytesWritten } = await handle.writev(parts);
      if (bytesWritten < parts.reduce((n, p) => n + p.length, 0)) throw new Error('short write (disk full?)');
    } finally {
      await handle.close();
    }
  }

  /** Move `chunk[sealed, to)` into the group of its file (the views stay valid: a chunk is never rewritten). */
  private seal(to: number): void {
    if (to > this.sealed) this.groupFor(this.chunkFile).parts.push(this.chunk.subarray(this.sealed, to));
    this.sealed = to;
  }

  private renewChunk(atLeast: number): void {
    this.seal(this.used);
    this.chunk = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, atLeast));
    this.used = 0;
    this.sealed = 0;
  }

  private groupFor(file: string): { file: string; parts: Buffer[] } {
    const last = this.groups[this.groups.length - 1];
    if (last !== undefined && last.file === file) return last;
    const group = { file, parts: [] as Buffer[] };
    this.groups.push(group);
    return group;
  }

  /** The file a line of `bytes` goes to, and the header to write first when it starts a new file. */
  private pickFile(bytes: number): { file: string; header?: string } {
    const now = this.opts.now();
    const hour = Math.floor(now / 3_600_000);
    let fresh = false;
    if (hour !== this.currentHour) {
      this.currentHour = hour;
      this.currentPart = 0;
      this.currentSize = 0;
      fresh = true;
    } else if (this.currentSize + bytes > this.opts.maxFileBytes) {
      this.currentPart++;
      this.currentSize = 0;
      fresh = true;
    }
    // Names are made once per file, not per line: this runs for every request the edge answers.
    if (fresh) this.currentFile = this.opts.fileName(now, this.currentPart);
    const header = fresh ? this.opts.header : undefined;
    this.currentSize += bytes + (header?.length ?? 0);
    return { file: this.currentFile, header };
  }
}
