/** What the edge keeps, for how long and with which headers: cache-policy.ts and cache-entry.ts. */
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildCacheEntry, buildErrorEntry, renderHead } from '../../../../src/targets/local/edge/cache-entry.js';
import { ageHeadersFor, ageMsOf, freshMs, isCacheableStatus, revalidationTag, storedStatusFor, upstreamAgeMs } from '../../../../src/targets/local/edge/cache-policy.js';

const T0 = Date.UTC(2026, 10, 25, 4, 30, 0);
const PLAYLIST = Buffer.from('#EXTM3U\n#EXT-X-TARGETDURATION:4\n' + '#EXTINF:4.000000,\nindex_1280x720_00001.ts\n'.repeat(10));
const ETAG = '"0123456789abcdef0123456789abcdef"';
const EXPOSE = ['Access-Control-Allow-Origin', '*', 'Access-Control-Expose-Headers', 'Content-Length, Content-Range, ETag, X-Cache'];

describe('cache policy: freshness and what is kept', () => {
  it.each([
    [2, undefined, 2000],
    [2, '1', 1000], // the shield's copy is 1 s old: 1 s left here
    [2, '5', 0],
    [2, '0', 2000],
    [2, '-3', 2000],
    [2, '1.5', 2000], // not a whole number of seconds: ignored
    [2, 'soon', 2000],
    [86_400, '60', 86_340_000],
  ])('TTL %i s with Age %s: fresh %i ms', (ttl, age, ms) => {
    expect(freshMs(ttl, upstreamAgeMs({ age }))).toBe(ms);
  });

  it.each([
    ['240', '0', 10], // a 0.25 s playlist the shield got 0.24 s ago: 10 ms left, not another 0.25 s
    ['1500', '1', 500],
    ['0', '0', 250],
    ['900', undefined, 0],
    ['', '0', 250], // not a number of ms: the Age header decides
    ['-5', '0', 250],
    ['1.5', '0', 250],
  ])('counts the shield\'s exact age (%s ms, Age %s) against a TTL: fresh %i ms', (ms, age, fresh) => {
    const ttl = ms === '1500' ? 2 : 0.25;
    expect(freshMs(ttl, upstreamAgeMs({ age, 'x-livestream-age-ms': ms }))).toBe(fresh);
  });

  it('gives the ms since a fetch, sent as a whole-second Age and the exact figure', () => {
    // An object kept half a segment (TTL 2 s with 4 s segments) that expires in 0.5 s was fetched 1.5 s ago.
    expect(ageMsOf('other', 4, T0 + 500, T0)).toBe(1500);
    expect(ageHeadersFor(1500)).toEqual(['Age', '1', 'X-Livestream-Age-Ms', '1500']);
    expect(ageMsOf('other', 4, T0 + 2000, T0)).toBe(0);
    expect(ageMsOf('other', 4, T0 + 2500, T0)).toBe(0); // never negative
    // A playlist (kept 0.25 s) about to expire: "Age: 0" to the standard, 249 ms to a worker.
    expect(ageHeadersFor(ageMsOf('playlist', 4, T0 + 1, T0))).toEqual(['Age', '0', 'X-Livestream-Age-Ms', '249']);
    expect(ageMsOf('segment', 4, T0 + 86_400_000 - 61_000, T0)).toBe(61_000);
  });

  it.each([
    [200, 200, true],
    [404, 404, true],
    [403, 403, true],
    [500, 500, true],
    [301, 502, true], // not something to pass on: kept as an error for its second
    [304, 502, true], // a 304 the edge did not ask for
    [502, 502, false], // only a shield's own failure: the next request tries again
    [504, 504, false],
  ])('upstream %i is kept as %i, cached: %s', (upstream, stored, cacheable) => {
    expect(storedStatusFor(upstream)).toBe(stored);
    expect(isCacheableStatus(upstream)).toBe(cacheable);
  });

  it('revalidates only a 200 with an ETag', () => {
    expect(revalidationTag({ status: 200, etag: ETAG })).toBe(ETAG);
    expect(revalidationTag({ status: 200, etag: undefined })).toBeUndefined();
    expect(revalidationTag({ status: 404, etag: ETAG })).toBeUndefined();
    expect(revalidationTag(undefined)).toBeUndefined();
  });
});

describe('buildCacheEntry', () => {
  it('makes a playlist\'s header lists once, plain and gzipped, for hits and misses', () => {
    const e = buildCacheEntry('stream/index.m3u8', 200, PLAYLIST, { 'content-type': 'application/vnd.apple.mpegurl', etag: ETAG, 'last-modified': 'Wed, 25 Nov 2026 04:29:58 GMT' }, 4, T0);
    expect(e).toMatchObject({ key: 'stream/index.m3u8', status: 200, kind: 'playlist', cacheControl: 'no-cache', expiresAt: T0 + 250, usedAt: T0, etag: ETAG, gzipEtag: '"0123456789abcdef0123456789abcdef-gzip"' });
    expect(gunzipSync(e.gzip!).equals(PLAYLIST)).toBe(true);
    const common = ['Cache-Control', 'no-cache', ...EXPOSE, 'Accept-Ranges', 'bytes'];
    expect(e.headers.hit).toEqual(['Content-Type', 'application/vnd.apple.mpegurl', 'Content-Length', String(PLAYLIST.length), ...common,
      'ETag', ETAG, 'Last-Modified', 'Wed, 25 Nov 2026 04:29:58 GMT', 'Vary', 'Accept-Encoding', 'X-Cache', 'Hit']);
    expect(e.headers.miss.at(-1)).toBe('Miss');
    expect(e.headers.hitGzip).toEqual(['Content-Type', 'application/vnd.apple.mpegurl', 'Content-Length', String(e.gzip!.length), ...common,
      'ETag', e.gzipEtag, 'Last-Modified', 'Wed, 25 Nov 2026 04:29:58 GMT', 'Vary', 'Accept-Encoding', 'Content-Encoding', 'gzip', 'X-Cache', 'Hit']);
    expect(e.head.hit).toBe(renderHead(200, e.headers.hit));
    expect(e.head.hit.startsWith('HTTP/1.1 200 OK\r\nContent-Type: application/vnd.apple.mpegurl\r\n')).toBe(true);
  });

  it('keeps a segment a day, uncompressed, typed by its name when the origin sends no type', () => {
    const e = buildCacheEntry('stream/index_1280x720_00001.ts', 200, Buffer.alloc(1000), {}, 4, T0);
    expect(e).toMatchObject({ kind: 'segment', contentType: 'video/mp2t', cacheControl: 'public, max-age=86400, immutable', expiresAt: T0 + 86_400_000, gzip: undefined, etag: undefined });
    expect(e.headers.hitGzip).toBeUndefined();
    expect(e.headers.hit).not.toContain('Vary');
  });

  it('counts the Age its upstream reported against the time to live', () => {
    expect(buildCacheEntry('stream/poster.jpg', 200, Buffer.from('jpeg'), { age: '1' }, 8, T0).expiresAt).toBe(T0 + 3000); // half a segment, 4 s, less 1 s
    expect(buildCacheEntry('stream/index.m3u8', 200, PLAYLIST, { age: '1' }, 8, T0).expiresAt).toBe(T0); // older than a playlist lives: stale at once
  });

  it('counts the shield\'s age in ms against the time to live, and never passes that header on', () => {
    // Playlists live 0.25 s: the shield's copy is 240 ms old, so "Age: 0".
    const e = buildCacheEntry('stream/index.m3u8', 200, PLAYLIST, { age: '0', 'x-livestream-age-ms': '240' }, 1, T0);
    expect(e.expiresAt).toBe(T0 + 10);
    for (const list of [e.headers.hit, e.headers.miss, e.headers.hitGzip!, e.headers.missGzip!]) {
      expect(list.map((h) => h.toLowerCase())).not.toContain('x-livestream-age-ms');
      expect(list).not.toContain('Age');
    }
    expect(e.head.hit.toLowerCase()).not.toContain('x-livestream-age-ms');
  });

  it('keeps an origin error a second, as JSON without ETag or ranges', () => {
    const e = buildCacheEntry('stream/missing.ts', 404, Buffer.from('{"error":"ObjectNotFoundException"}\n'), { 'content-type': 'text/plain', etag: ETAG }, 4, T0);
    expect(e).toMatchObject({ kind: 'error', contentType: 'application/json', etag: undefined, expiresAt: T0 + 1000, cacheControl: 'public, max-age=1' });
    expect(e.headers.hit).toEqual(['Content-Type', 'application/json', 'Content-Length', '36', 'Cache-Control', 'public, max-age=1', ...EXPOSE, 'X-Cache', 'Hit']);
    expect(e.head.hit.startsWith('HTTP/1.1 404 Not Found\r\n')).toBe(true);
  });

  it('makes the edge\'s own errors', () => {
    const e = buildErrorEntry('stream/index.m3u8', 504, 'OriginTimeout', 4, T0);
    expect(e.status).toBe(504);
    expect(e.body.toString()).toBe('{"error":"OriginTimeout"}\n');
  });
});
