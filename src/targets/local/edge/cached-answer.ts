/**
 * What a viewer gets for a cached object, given the few headers it sent: the whole object, a 304
 * (If-None-Match), a byte range or a 416 (Range), the gzipped copy (Accept-Encoding). Pure.
 */
import type { CachedObject } from './cache.js';
import { parseRange } from './range.js';
import type { ViewerHeaders } from './viewer-headers.js';

export interface CachedAnswer {
  status: number;
  /** Flat [name, value, ...] list for res.writeHead: often one of the entry's own lists, never to be changed. */
  headers: string[];
  /** Undefined for a 304 and a 416. */
  body: Buffer | undefined;
  rangeStart: number | undefined;
  rangeEnd: number | undefined;
}

export function emptyAnswer(): CachedAnswer {
  return { status: 0, headers: [], body: undefined, rangeStart: undefined, rangeEnd: undefined };
}

/**
 * Fills `into` with the answer to a viewer that sent `vh` for `entry`, fresh from the cache (`hit`)
 * or just fetched. The edge passes the same `into` every time: this runs for every hit node:http
 * answers, and a plain 200 allocates nothing.
 */
export function selectAnswer(entry: CachedObject, vh: ViewerHeaders, hit: boolean, into: CachedAnswer): CachedAnswer {
  into.status = entry.status;
  into.body = entry.body;
  into.rangeStart = undefined;
  into.rangeEnd = undefined;
  into.headers = hit ? entry.headers.hit : entry.headers.miss;
  if (entry.status !== 200) return into;
  const inm = vh.ifNoneMatch;
  const range = vh.range;
  if (inm !== undefined && matchesEtag(inm, entry)) {
    into.status = 304;
    into.body = undefined;
    into.headers = ['ETag', entry.etag ?? '', 'Cache-Control', entry.cacheControl, 'Access-Control-Allow-Origin', '*', 'X-Cache', hit ? 'Hit' : 'Miss'];
  } else if (range !== undefined) {
    const r = parseRange(range, entry.body.length);
    if (r.kind === 'range') {
      into.status = 206;
      into.rangeStart = r.start;
      into.rangeEnd = r.end;
      into.body = entry.body.subarray(r.start, r.end + 1);
      into.headers = withoutLength(into.headers);
      into.headers.push('Content-Length', String(into.body.length), 'Content-Range', `bytes ${r.start}-${r.end}/${entry.body.length}`);
    } else if (r.kind === 'unsatisfiable') {
      into.status = 416;
      into.body = undefined;
      into.headers = ['Content-Range', `bytes */${entry.body.length}`, 'Content-Length', '0', 'Access-Control-Allow-Origin', '*', 'X-Cache', hit ? 'Hit' : 'Miss'];
    }
    // An unparsable Range: the whole object (RFC 9110 allows it; nginx does the same).
  } else if (entry.gzip !== undefined && acceptsGzip(vh.acceptEncoding)) {
    into.body = entry.gzip;
    into.headers = (hit ? entry.headers.hitGzip : entry.headers.missGzip) as string[];
  }
  return into;
}

/** Accept-Encoding allows gzip (not refused with q=0). */
export function acceptsGzip(header: string | undefined): boolean {
  return header !== undefined && header.includes('gzip') && !/gzip\s*;\s*q=0(\.0*)?(\s|,|$)/.test(header);
}

/** If-None-Match uses the weak comparison (RFC 9110 §13.1.2): W/ prefixes are ignored. */
export function matchesEtag(header: string, entry: Pick<CachedObject, 'etag' | 'gzipEtag'>): boolean {
  if (header.trim() === '*') return true;
  for (const raw of header.split(',')) {
    const tag = raw.trim().replace(/^W\//, '');
    if (tag === entry.etag || tag === entry.gzipEtag) return true;
  }
  return false;
}

function withoutLength(list: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < list.length; i += 2) if (list[i] !== 'Content-Length') out.push(list[i], list[i + 1]);
  return out;
}
