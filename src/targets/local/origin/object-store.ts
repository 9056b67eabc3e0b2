import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fsp } from 'node:fs';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { contentTypeFor } from './content-type.js';

/** What the origin knows of one stored object (kept in memory; the bytes live on disk). */
export interface ObjectMeta {
  key: string;
  size: number;
  /** Strong ETag: the quoted MD5 of the content, as MediaStore and S3 give it. */
  etag: string;
  contentType: string;
  createdMs: number;
  /**
   * The file's identity, to detect that it was replaced between lookup and open: its inode,
   * modification time in nanoseconds and size (a replaced file's inode number can be reused).
   */
  file: FileIdentity;
}

export interface FileIdentity {
  ino: bigint;
  mtimeNs: bigint;
  size: bigint;
}

/** Same file, same content: what `stat({ bigint: true })` says matches what was indexed. */
export function sameFile(a: FileIdentity, b: FileIdentity): boolean {
  return a.ino === b.ino && a.mtimeNs === b.mtimeNs && a.size === b.size;
}

export const identityOf = (st: { ino: bigint; mtimeNs: bigint; size: bigint }): FileIdentity => ({ ino: st.ino, mtimeNs: st.mtimeNs, size: st.size });

export type PutFailure = 'TooLarge' | 'Aborted' | 'Conflict' | 'TooManyObjects';
export class PutError extends Error {
  constructor(readonly reason: PutFailure) {
    super(reason);
  }
}

const TMP_DIR = '.tmp';

/**
 * Objects on disk under `root`, indexed in memory. Uploads stream to a temporary file beside the
 * store and are renamed into place once complete, so readers see either the old or the new
 * version, never a partial one.
 */
export class ObjectStore {
  private readonly index = new Map<string, ObjectMeta>();
  private readonly commits = new Map<string, Promise<unknown>>();
  private totalBytes = 0;

  constructor(
    readonly root: string,
    private readonly now: () => number,
    private readonly maxObjects = 100_000,
  ) {}

  /** Create the folder, drop leftovers of interrupted uploads, and index what is already there. */
  async open(): Promise<void> {
    await fsp.mkdir(this.root, { recursive: true });
    await fsp.rm(path.join(this.root, TMP_DIR), { recursive: true, force: true });
    await fsp.mkdir(path.join(this.root, TMP_DIR));
    for (const file of await listFiles(this.root, '')) {
      const full = path.join(this.root, file);
      const st = await fsp.stat(full, { bigint: true });
      const hash = createHash('md5');
      await pipeline(createReadStream(full), hash);
      this.set({ key: file, size: Number(st.size), etag: `"${hash.digest('hex')}"`, contentType: contentTypeFor(file), createdMs: Number(st.mtimeMs), file: identityOf(st) });
    }
  }

  get(key: string): ObjectMeta | undefined {
    return this.index.get(key);
  }

  /** Wait until an upload of `key` that is being committed has been indexed. */
  async settle(key: string): Promise<void> {
    await this.commits.get(key)?.catch(() => undefined);
  }

  filePath(key: string): string {
    const full = path.join(this.root, key);
    // Keys are checked by normaliseObjectPath; this is the last line of defence.
    if (!full.startsWith(this.root + path.sep)) throw new Error('object path escapes the store');
    return full;
  }

  list(prefix: string, limit: number): { items: ObjectMeta[]; truncated: boolean } {
    const items: ObjectMeta[] = [];
    for (const meta of this.index.values()) {
      if (!meta.key.startsWith(prefix)) continue;
      if (items.length === limit) return { items, truncated: true };
      items.push(meta);
    }
    return { items, truncated: false };
  }

  stats(): { objects: number; bytes: number } {
    return { objects: this.index.size, bytes: this.totalBytes };
  }

  entries(): IterableIterator<ObjectMeta> {
    return this.index.values();
  }

  /** Stream `body` into the store as `key`. Rejects with PutError; the previous version stays on failure. */
  async put(key: string, body: Readable, maxBytes: number): Promise<ObjectMeta> {
    const target = this.filePath(key);
    if (!this.index.has(key) && this.index.size >= this.maxObjects) throw new PutError('TooManyObjects');
    const tmp = path.join(this.root, TMP_DIR, randomBytes(12).toString('hex'));
    const hash = createHash('md5');
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        if (size > maxBytes) return done(new PutError('TooLarge'));
        hash.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(body, meter, createWriteStream(tmp));
    } catch (err) {
      await fsp.rm(tmp, { force: true });
      throw err instanceof PutError ? err : new PutError('Aborted');
    }
    // Commits of one key run one after another, in the order their uploads finished: interleaved,
    // one upload's rename could be stat'ed and indexed with another's size and ETag.
    const etag = `"${hash.digest('hex')}"`;
    const commit = this.settle(key).then(() => this.commit(key, target, tmp, size, etag));
    this.commits.set(key, commit);
    try {
      return await commit;
    } finally {
      if (this.commits.get(key) === commit) this.commits.delete(key);
    }
  }

  private async commit(key: string, target: string, tmp: string, size: number, etag: string): Promise<ObjectMeta> {
    try {
      await fsp.mkdir(path.dirname(target), { recursive: true });
      await fsp.rename(tmp, target);
    } catch (err) {
      await fsp.rm(tmp, { force: true });
      const code = (err as NodeJS.ErrnoException).code;
      // "stream" is a file and someone PUTs "stream/x.ts" (ENOTDIR/EEXIST), or the key names a folder (EISDIR).
      if (code === 'ENOTDIR' || code === 'EEXIST' || code === 'EISDIR' || code === 'ENOTEMPTY') throw new PutError('Conflict');
      throw err;
    }
    const st = await fsp.stat(target, { bigint: true });
    const meta: ObjectMeta = { key, size, etag, contentType: contentTypeFor(key), createdMs: this.now(), file: identityOf(st) };
    this.set(meta);
    return meta;
  }

  /** Remove an object (once an upload of it being committed is indexed); false when there was none. */
  async delete(key: string): Promise<boolean> {
    await this.settle(key);
    const meta = this.index.get(key);
    if (meta === undefined) return false;
    this.unset(key);
    await fsp.rm(this.filePath(key), { force: true });
    return true;
  }

  private set(meta: ObjectMeta): void {
    const old = this.index.get(meta.key);
    if (old !== undefined) this.totalBytes -= old.size;
    this.index.set(meta.key, meta);
    this.totalBytes += meta.size;
  }

  private unset(key: string): void {
    const old = this.index.get(key);
    if (old === undefined) return;
    this.totalBytes -= old.size;
    this.index.delete(key);
  }
}

async function listFiles(root: string, rel: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fsp.readdir(path.join(root, rel), { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const child = rel === '' ? entry.name : `${rel}/${entry.name}`;
    if (entry.isDirectory()) out.push(...(await listFiles(root, child)));
    else if (entry.isFile()) out.push(child);
  }
  return out;
}
