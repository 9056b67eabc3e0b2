/**
 * A cache entry made from what the origin answered: its headers for every way a viewer can get it
 * (hit or miss, plain or gzipped) made once here, so that a hit is a lookup and a write of ready
 * lists. Pure (the time is passed in).
 */
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import { contentTypeFor } from '../origin/content-type.js';
import { cacheControlFor, classifyObject, freshMs, isCompressible, ttlSecondsFor, upstreamAgeMs } from './cache-policy.js';
import type { CachedObject } from './cache.js';
import { splitCacheKey } from './cache-key.js';

const EXPOSE = 'Content-Length, Content-Range, ETag, X-Cache';

/**
 * `key` is the cache key (cache-key.ts); `status` the one the edge keeps (storedStatusFor); `originHeaders` those of the
 * origin's answer (none for an error of the edge's own). An answer to a blocking reload is a playlist like the plain one:
 * same kind, time to live and Cache-Control (cache-policy.ts says why).
 */
export function buildCacheEntry(key: string, status: number, body: Buffer, originHeaders: http.IncomingHttpHeaders, segmentSeconds: number, nowMs: number): CachedObject {
  const { objectKey } = splitCacheKey(key);
  const kind = classifyObject(objectKey, status);
  const ttl = ttlSecondsFor(kind, segmentSeconds);
  const ok = status === 200;
  const contentType = ok ? (originHeaders['content-type'] ?? contentTypeFor(objectKey)) : 'application/json';
  const etag = ok ? originHeaders.etag : undefined;
  const lastModified = ok ? originHeaders['last-modified'] : undefined;
  const cacheControl = cacheControlFor(kind, ttl);
  const gzip = ok && isCompressible(contentType, body.length) ? gzipSync(body) : undefined;
  const gzipEtag = etag !== undefined && gzip !== undefined ? etag.replace(/"$/, '-gzip"') : undefined;
  const list = (len: number, tag: string | undefined, encoding: string | undefined, xCache: string): string[] => {
    const h = ['Content-Type', contentType, 'Content-Length', String(len), 'Cache-Control', cacheControl,
      'Access-Control-Allow-Origin', '*', 'Access-Control-Expose-Headers', EXPOSE];
    if (ok) h.push('Accept-Ranges', 'bytes');
    if (tag !== undefined) h.push('ETag', tag);
    if (lastModified !== undefined) h.push('Last-Modified', lastModified);
    if (gzip !== undefined) h.push('Vary', 'Accept-Encoding');
    if (encoding !== undefined) h.push('Content-Encoding', encoding);
    h.push('X-Cache', xCache);
    return h;
  };
  const headers: CachedObject['headers'] = { hit: list(body.length, etag, undefined, 'Hit'), miss: list(body.length, etag, undefined, 'Miss') };
  const head: CachedObject['head'] = { hit: renderHead(status, headers.hit) };
  if (gzip !== undefined) {
    headers.hitGzip = list(gzip.length, gzipEtag, 'gzip', 'Hit');
    headers.missGzip = list(gzip.length, gzipEtag, 'gzip', 'Miss');
    head.hitGzip = renderHead(status, headers.hitGzip);
  }
  // Status line, the headers above, and those Node adds (Date, Connection, Keep-Alive).
  const headerBytes = 17 + headers.hit.reduce((n, s) => n + s.length + 2, 0) + 80;
  return { key, status, kind, body, gzip, etag, gzipEtag, contentType, lastModified, cacheControl, expiresAt: nowMs + freshMs(ttl, upstreamAgeMs(originHeaders)), usedAt: nowMs, headers, head, headerBytes };
}

/** An error of the edge's own (the origin unreachable, too slow), as JSON: {"error": code}. */
export function buildErrorEntry(key: string, status: number, code: string, segmentSeconds: number, nowMs: number): CachedObject {
  return buildCacheEntry(key, status, Buffer.from(JSON.stringify({ error: code }) + '\n'), {}, segmentSeconds, nowMs);
}

/** A status line and headers as HTTP/1.1 sends them, up to (not including) the blank line. */
export function renderHead(status: number, list: readonly string[]): string {
  let head = `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}\r\n`;
  for (let i = 0; i < list.length; i += 2) head += `${list[i]}: ${list[i + 1]}\r\n`;
  return head;
}
