import { describe, expect, it } from 'vitest';
import { buildCacheEntry } from '../../../../src/targets/local/edge/cache-entry.js';
import { acceptsGzip, emptyAnswer, matchesEtag, selectAnswer } from '../../../../src/targets/local/edge/cached-answer.js';
import { emptyViewerHeaders, type ViewerHeaders } from '../../../../src/targets/local/edge/viewer-headers.js';

const T0 = Date.UTC(2026, 10, 25, 4, 30, 0);
const ETAG = '"0123456789abcdef0123456789abcdef"';
const SEGMENT = Buffer.from(Array.from({ length: 1000 }, (_, i) => i & 0xff));
const PLAYLIST = Buffer.from('#EXTM3U\n' + '#EXTINF:4.000000,\nindex_1280x720_00001.ts\n'.repeat(10));
const segment = buildCacheEntry('stream/s.ts', 200, SEGMENT, { etag: ETAG }, 4, T0);
const playlist = buildCacheEntry('stream/index.m3u8', 200, PLAYLIST, { etag: ETAG }, 4, T0);
const missing = buildCacheEntry('stream/missing.ts', 404, Buffer.from('{"error":"x"}\n'), {}, 4, T0);
const viewer = (h: Partial<ViewerHeaders> = {}): ViewerHeaders => ({ ...emptyViewerHeaders(), ...h });

describe('selectAnswer', () => {
  it('answers a plain request with the entry\'s own lists and body, allocating nothing', () => {
    const into = emptyAnswer();
    expect(selectAnswer(segment, viewer(), true, into)).toBe(into);
    expect(into).toEqual({ status: 200, headers: segment.headers.hit, body: SEGMENT, rangeStart: undefined, rangeEnd: undefined });
    expect(into.headers).toBe(segment.headers.hit);
    expect(into.body).toBe(segment.body);
    expect(selectAnswer(segment, viewer(), false, into).headers).toBe(segment.headers.miss);
  });

  it.each([ETAG, `W/${ETAG}`, `"other", ${ETAG}`, '*'])('answers If-None-Match %s with 304', (inm) => {
    const a = selectAnswer(segment, viewer({ ifNoneMatch: inm, range: 'bytes=0-9' }), true, emptyAnswer());
    expect(a).toEqual({ status: 304, body: undefined, rangeStart: undefined, rangeEnd: undefined,
      headers: ['ETag', ETAG, 'Cache-Control', 'public, max-age=86400, immutable', 'Access-Control-Allow-Origin', '*', 'X-Cache', 'Hit'] });
  });

  it('sends the whole object for an ETag that does not match', () => {
    expect(selectAnswer(segment, viewer({ ifNoneMatch: '"other"' }), true, emptyAnswer()).status).toBe(200);
  });

  it('serves one byte range with its Content-Range', () => {
    const a = selectAnswer(segment, viewer({ range: 'bytes=100-199' }), false, emptyAnswer());
    expect(a).toMatchObject({ status: 206, rangeStart: 100, rangeEnd: 199 });
    expect(a.body?.equals(SEGMENT.subarray(100, 200))).toBe(true);
    expect(a.headers.slice(-6)).toEqual(['X-Cache', 'Miss', 'Content-Length', '100', 'Content-Range', 'bytes 100-199/1000']);
    expect(a.headers.filter((h) => h === 'Content-Length')).toHaveLength(1);
    expect(segment.headers.miss).toContain(String(SEGMENT.length)); // the entry's list is left as it was
  });

  it('refuses a range past the end with 416', () => {
    expect(selectAnswer(segment, viewer({ range: 'bytes=1000-' }), true, emptyAnswer())).toEqual({
      status: 416, body: undefined, rangeStart: undefined, rangeEnd: undefined,
      headers: ['Content-Range', 'bytes */1000', 'Content-Length', '0', 'Access-Control-Allow-Origin', '*', 'X-Cache', 'Hit'],
    });
  });

  it('ignores a Range it cannot parse, and never gzips a range', () => {
    expect(selectAnswer(segment, viewer({ range: 'bytes=abc' }), true, emptyAnswer())).toMatchObject({ status: 200, body: SEGMENT, headers: segment.headers.hit });
    const a = selectAnswer(playlist, viewer({ range: 'bytes=0-9', acceptEncoding: 'gzip' }), true, emptyAnswer());
    expect(a).toMatchObject({ status: 206, rangeStart: 0, rangeEnd: 9 });
    expect(a.headers).not.toContain('Content-Encoding');
  });

  it('gives the gzipped copy to viewers that accept it', () => {
    expect(selectAnswer(playlist, viewer({ acceptEncoding: 'gzip, deflate' }), true, emptyAnswer())).toMatchObject({ body: playlist.gzip, headers: playlist.headers.hitGzip });
    expect(selectAnswer(playlist, viewer({ acceptEncoding: 'gzip, deflate' }), false, emptyAnswer()).headers).toBe(playlist.headers.missGzip);
    expect(selectAnswer(playlist, viewer({ acceptEncoding: 'gzip;q=0' }), true, emptyAnswer()).body).toBe(PLAYLIST);
    expect(selectAnswer(segment, viewer({ acceptEncoding: 'gzip' }), true, emptyAnswer()).body).toBe(SEGMENT);
  });

  it('answers an error as it is, whatever the viewer asked', () => {
    const a = selectAnswer(missing, viewer({ ifNoneMatch: '*', range: 'bytes=0-1', acceptEncoding: 'gzip' }), true, emptyAnswer());
    expect(a).toEqual({ status: 404, headers: missing.headers.hit, body: missing.body, rangeStart: undefined, rangeEnd: undefined });
  });

  it('leaves nothing of the previous answer in the reused object', () => {
    const into = emptyAnswer();
    selectAnswer(segment, viewer({ range: 'bytes=0-9' }), true, into);
    expect(selectAnswer(segment, viewer(), true, into)).toEqual({ status: 200, headers: segment.headers.hit, body: SEGMENT, rangeStart: undefined, rangeEnd: undefined });
  });
});

it.each([
  [undefined, false],
  ['gzip', true],
  ['deflate, gzip;q=0.5', true],
  ['gzip;q=0', false],
  ['gzip; q=0.000, br', false],
  ['br', false],
])('Accept-Encoding %s accepts gzip: %s', (header, accepts) => {
  expect(acceptsGzip(header)).toBe(accepts);
});

it('compares ETags weakly, plain or gzipped', () => {
  const tags = { etag: '"a"', gzipEtag: '"a-gzip"' };
  expect(matchesEtag('W/"a"', tags)).toBe(true);
  expect(matchesEtag(' "b" , "a-gzip"', tags)).toBe(true);
  expect(matchesEtag('"b"', tags)).toBe(false);
  expect(matchesEtag('"a"', { etag: undefined, gzipEtag: undefined })).toBe(false);
});
