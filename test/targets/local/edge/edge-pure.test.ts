import { describe, expect, it } from 'vitest';
import { cacheControlFor, classifyObject, isCompressible, ttlSecondsFor } from '../../../../src/targets/local/edge/cache-policy.js';
import { cloudFrontLogFileName, formatCloudFrontLine, type EdgeLogRecord } from '../../../../src/targets/local/edge/cloudfront-log.js';
import { parseRange } from '../../../../src/targets/local/edge/range.js';

describe('parseRange', () => {
  const cases: [string | undefined, number, ReturnType<typeof parseRange>][] = [
    [undefined, 100, { kind: 'none' }],
    ['bytes=0-9', 100, { kind: 'range', start: 0, end: 9 }],
    ['bytes=90-', 100, { kind: 'range', start: 90, end: 99 }],
    ['bytes=90-500', 100, { kind: 'range', start: 90, end: 99 }],
    ['bytes=-10', 100, { kind: 'range', start: 90, end: 99 }],
    ['bytes=-500', 100, { kind: 'range', start: 0, end: 99 }],
    ['bytes=100-', 100, { kind: 'unsatisfiable' }],
    ['bytes=200-300', 100, { kind: 'unsatisfiable' }],
    ['bytes=-0', 100, { kind: 'unsatisfiable' }],
    ['bytes=0-0', 0, { kind: 'unsatisfiable' }],
    ['bytes=9-0', 100, { kind: 'none' }], // last < first: invalid, ignored
    ['bytes=0-9,20-29', 100, { kind: 'none' }], // several ranges: whole object
    ['bytes=abc', 100, { kind: 'none' }],
    ['items=0-9', 100, { kind: 'none' }],
    ['bytes=-', 100, { kind: 'none' }],
  ];
  it.each(cases)('%s of %i bytes', (header, size, expected) => {
    expect(parseRange(header, size)).toEqual(expected);
  });
});

describe('cache policy', () => {
  const cases: [string, number, string, number, string][] = [
    ['stream/index.m3u8', 200, 'playlist', 0.25, 'no-cache'],
    ['stream/index_1280x720_00001.ts', 200, 'segment', 86_400, 'public, max-age=86400, immutable'],
    ['stream/init.mp4', 200, 'segment', 86_400, 'public, max-age=86400, immutable'],
    ['stream/sub.vtt', 200, 'segment', 86_400, 'public, max-age=86400, immutable'],
    ['stream/meta.json', 200, 'other', 2, 'public, max-age=2'],
    ['stream/missing.ts', 404, 'error', 1, 'public, max-age=1'],
    ['stream/index.m3u8', 502, 'error', 1, 'public, max-age=1'],
  ];
  it.each(cases)('%s (%i) is a %s kept %i s', (key, status, kind, ttl, cacheControl) => {
    const k = classifyObject(key, status);
    expect(k).toBe(kind);
    expect(ttlSecondsFor(k, 4)).toBe(ttl);
    expect(cacheControlFor(k, ttlSecondsFor(k, 4))).toBe(cacheControl);
  });

  it('keeps playlists a quarter second whatever the segment length, which viewers must not cache', () => {
    expect([1, 4, 8, 60].map((s) => ttlSecondsFor('playlist', s))).toEqual([0.25, 0.25, 0.25, 0.25]);
    expect(cacheControlFor('playlist', 0.25)).toBe('no-cache');
  });

  it('compresses text only', () => {
    expect(isCompressible('application/vnd.apple.mpegurl', 2000)).toBe(true);
    expect(isCompressible('application/vnd.apple.mpegurl', 100)).toBe(false);
    expect(isCompressible('video/mp2t', 200_000)).toBe(false);
  });
});

describe('CloudFront log format', () => {
  const record: EdgeLogRecord = {
    timeMs: Date.UTC(2026, 10, 25, 4, 5, 6, 789),
    scBytes: 2300,
    clientIp: '192.168.1.20',
    clientPort: 51234,
    method: 'GET',
    host: 'laptop.local:8080',
    uriStem: '/stream/index.m3u8',
    status: 200,
    referer: undefined,
    userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)',
    query: '',
    resultType: 'Hit',
    requestId: 'abc123',
    csBytes: 180,
    timeTakenSeconds: 0.0004,
    httpVersion: '1.1',
    contentType: 'application/vnd.apple.mpegurl',
    contentLength: 2000,
  };

  it('formats the 33 tab-separated fields', () => {
    expect(formatCloudFrontLine(record).split('\t')).toEqual([
      '2026-11-25', '04:05:06', 'LCL1-C1', '2300', '192.168.1.20', 'GET', 'laptop.local:8080', '/stream/index.m3u8', '200', '-',
      'Mozilla/5.0%20(iPhone;%20CPU%20iPhone%20OS%2017_0%20like%20Mac%20OS%20X)', '-', '-', 'Hit', 'abc123', 'laptop.local:8080',
      'http', '180', '0.000', '-', '-', '-', 'Hit', 'HTTP/1.1', '-', '-', '51234', '0.000', 'Hit',
      'application/vnd.apple.mpegurl', '2000', '-', '-',
    ]);
  });

  it('reports errors as Error and ranges with their bounds', () => {
    const f = formatCloudFrontLine({ ...record, status: 404, rangeStart: 0, rangeEnd: 99 }).split('\t');
    expect([f[13], f[22], f[28], f[31], f[32]]).toEqual(['Error', 'Error', 'Error', '0', '99']);
  });

  it('names files like CloudFront', () => {
    expect(cloudFrontLogFileName('E2ABC', record.timeMs, 'a1b2c3d4')).toBe('E2ABC.2026-11-25-04.a1b2c3d4');
  });
});
