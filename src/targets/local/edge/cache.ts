import type { CacheKind } from './cache-policy.js';

/**
 * A response the edge holds in memory, with its header lists made once when it is stored so that
 * a cache hit is a lookup and a `writeHead` of a ready array (no per-request header building).
 */
export interface CachedObject {
  key: string;
  status: number;
  kind: CacheKind;
  body: Buffer;
  /** Gzipped body, for playlists and other text. */
  gzip: Buffer | undefined;
  etag: string | undefined;
  gzipEtag: string | undefined;
  contentType: string;
  lastModified: string | undefined;
  cacheControl: string;
  expiresAt: number;
  /** Last time the LRU order was refreshed for it. */
  usedAt: number;
  /** Flat [name, value, ...] lists for res.writeHead. */
  headers: { hit: string[]; miss: string[]; hitGzip?: string[]; missGzip?: string[] };
  /**
   * The status line and the `hit` (and `hitGzip`) headers as sent, for hits answered without
   * node:http; and the whole block with its Date, as bytes, for the second it was made.
   */
  head: { hit: string; hitGzip?: string; bytes?: { date: string; buffer: Buffer }; gzipBytes?: { date: string; buffer: Buffer } };
  /** Approximate size of the status line and headers, for the log's sc-bytes. */
  headerBytes: number;
}

/** Bytes an entry costs: its bodies and a fixed allowance for the rest. */
export function costOf(o: CachedObject): number {
  return o.body.length + (o.gzip?.length ?? 0) + 512;
}

/** Least-recently-used cache bounded by bytes. Map keeps insertion order: re-inserting on use moves a key to the end. */
export class EdgeCache {
  private readonly map = new Map<string, CachedObject>();
  private bytes = 0;

  constructor(
    readonly maxBytes: number,
    private readonly onChange: (bytes: number, objects: number) => void = () => undefined,
  ) {}

  /** Look up and mark as used. A hot object is moved to the recent end at most once a second, not on every hit. */
  get(key: string, nowMs: number): CachedObject | undefined {
    const o = this.map.get(key);
    if (o !== undefined && nowMs - o.usedAt >= 1000) {
      o.usedAt = nowMs;
      this.map.delete(key);
      this.map.set(key, o);
    }
    return o;
  }

  /** Without moving it in the LRU order. */
  peek(key: string): CachedObject | undefined {
    return this.map.get(key);
  }

  /** Store, evicting least-recently-used entries past the byte bound; entries above an eighth of it are not kept. */
  set(o: CachedObject): boolean {
    this.delete(o.key);
    const cost = costOf(o);
    if (cost > this.maxBytes / 8) return false;
    this.map.set(o.key, o);
    this.bytes += cost;
    for (const [key, victim] of this.map) {
      if (this.bytes <= this.maxBytes) break;
      this.map.delete(key);
      this.bytes -= costOf(victim);
    }
    this.onChange(this.bytes, this.map.size);
    return true;
  }

  delete(key: string): void {
    const old = this.map.get(key);
    if (old === undefined) return;
    this.map.delete(key);
    this.bytes -= costOf(old);
    this.onChange(this.bytes, this.map.size);
  }

  /** Drop entries that expired more than `graceMs` ago (kept that long for revalidation with If-None-Match). */
  sweep(nowMs: number, graceMs: number): void {
    for (const [key, o] of this.map) if (o.expiresAt + graceMs < nowMs) this.delete(key);
  }

  stats(): { bytes: number; objects: number } {
    return { bytes: this.bytes, objects: this.map.size };
  }
}
