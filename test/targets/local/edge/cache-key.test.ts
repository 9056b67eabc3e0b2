import { describe, expect, it } from 'vitest';
import { cacheKeyOf, splitCacheKey } from '../../../../src/targets/local/edge/cache-key.js';
import { isCacheableStatus } from '../../../../src/targets/local/edge/cache-policy.js';
import { buildCacheEntry } from '../../../../src/targets/local/edge/cache-entry.js';
import { holdTimeoutMs } from '../../../../src/targets/local/edge/origin-fetch.js';

const P = 'stream/index_1280x720.m3u8';

describe('cacheKeyOf', () => {
  const cases: [string, string, string, string][] = [
    // [what, object key, query, cache key]
    ['no query', P, '', P],
    ['the directives, in order', P, '_HLS_msn=42&_HLS_part=1', `${P}?_HLS_msn=42&_HLS_part=1`],
    ['the directives, in the other order', P, '_HLS_part=1&_HLS_msn=42', `${P}?_HLS_msn=42&_HLS_part=1`],
    ['msn alone', P, '_HLS_msn=42', `${P}?_HLS_msn=42`],
    ['part alone (the origin answers 400)', P, '_HLS_part=3', `${P}?_HLS_part=3`],
    ['leading zeros dropped', P, '_HLS_msn=0042&_HLS_part=00', `${P}?_HLS_msn=42&_HLS_part=0`],
    ['zero', P, '_HLS_msn=0&_HLS_part=0', `${P}?_HLS_msn=0&_HLS_part=0`],
    ['percent-encoded digits are digits', P, '_HLS_msn=%34%32', `${P}?_HLS_msn=42`],
    ['a number past 2^53 kept exactly', P, '_HLS_msn=18446744073709551615', `${P}?_HLS_msn=18446744073709551615`],
    ['other parameters dropped', P, 't=123&_HLS_msn=42&v=2&_HLS_part=1&x', `${P}?_HLS_msn=42&_HLS_part=1`],
    ['a cache buster alone: the plain key', P, 't=123', P],
    ['_HLS_skip dropped (no CAN-SKIP-UNTIL)', P, '_HLS_msn=42&_HLS_skip=YES', `${P}?_HLS_msn=42`],
    ['_HLS_skip alone: the plain key', P, '_HLS_skip=v2', P],
    ['names are case-sensitive', P, '_hls_msn=42&_HLS_MSN=43', P],
    ['the first of a repeated name (as URLSearchParams)', P, '_HLS_msn=42&_HLS_msn=43', `${P}?_HLS_msn=42`],
    ['negative kept as given', P, '_HLS_msn=-1', `${P}?_HLS_msn=-1`],
    ['a fraction kept as given', P, '_HLS_msn=1.5&_HLS_part=+1', `${P}?_HLS_msn=1.5&_HLS_part=%201`],
    ['empty values kept', P, '_HLS_msn=&_HLS_part', `${P}?_HLS_msn=&_HLS_part=`],
    ['text percent-encoded', P, '_HLS_msn=a%20b%26c%3Fd', `${P}?_HLS_msn=a%20b%26c%3Fd`],
    ['bad percent-encoding kept, encoded', P, '_HLS_msn=%zz', `${P}?_HLS_msn=%25zz`],
    ['a master or upper-case playlist name', 'stream/INDEX.M3U8', '_HLS_msn=1', 'stream/INDEX.M3U8?_HLS_msn=1'],
    ['a segment: query ignored', 'stream/index_1280x720_00042.ts', '_HLS_msn=42&_HLS_part=1', 'stream/index_1280x720_00042.ts'],
    ['a part: query ignored', 'stream/index_1280x720_00042.m4s', 't=1', 'stream/index_1280x720_00042.m4s'],
    ['a key with "?" ends with its own "?"', 'stream/a?_HLS_msn=1', '', 'stream/a?_HLS_msn=1?'],
    ['a playlist key with "?" and directives', 'stream/a?b.m3u8', '_HLS_msn=1', 'stream/a?b.m3u8?_HLS_msn=1'],
  ];
  it.each(cases)('%s', (_what, objectKey, query, key) => {
    expect(cacheKeyOf(objectKey, query)).toBe(key);
  });

  it('splits back into the object key and the directives, whatever the object key holds', () => {
    for (const [, objectKey, query] of cases) {
      const key = cacheKeyOf(objectKey, query);
      const parts = splitCacheKey(key);
      expect(parts.objectKey).toBe(objectKey);
      expect(parts.directives).toBe(key === objectKey || key === `${objectKey}?` ? '' : key.slice(objectKey.length + 1));
    }
  });

  it('never gives an object the key of another object\'s directive request', () => {
    // "/stream/x.m3u8%3F_HLS_msn=1" is the object "x.m3u8?_HLS_msn=1", not x.m3u8 asked with msn 1.
    expect(cacheKeyOf('stream/x.m3u8?_HLS_msn=1', '')).not.toBe(cacheKeyOf('stream/x.m3u8', '_HLS_msn=1'));
  });
});

describe('what the edge keeps of a blocking reload', () => {
  it('an answer with directives is a playlist: kind, time to live and Cache-Control as the plain one', () => {
    const body = Buffer.from('#EXTM3U\n');
    const plain = buildCacheEntry(P, 200, body, {}, 4, 0);
    const held = buildCacheEntry(`${P}?_HLS_msn=42&_HLS_part=1`, 200, body, {}, 4, 0);
    expect(held.key).toBe(`${P}?_HLS_msn=42&_HLS_part=1`);
    expect([held.kind, held.expiresAt, held.cacheControl, held.contentType]).toEqual([plain.kind, plain.expiresAt, plain.cacheControl, plain.contentType]);
    expect(held.kind).toBe('playlist');
  });

  const statuses: [number, boolean, boolean][] = [
    // [status, blocking, cached]
    [200, true, true],
    [404, true, true],
    [400, true, true], // a bad or too-far directive: 1 s, as every error (cache-policy.ts says why)
    [503, true, false], // held past 3 target durations: the next viewer is held again
    [503, false, true],
    [502, true, false],
    [504, true, false],
  ];
  it.each(statuses)('status %i, blocking %s: cached %s', (status, blocking, cached) => {
    expect(isCacheableStatus(status, blocking)).toBe(cached);
  });

  it('waits upstream past the origin\'s hold of 3 target durations, whatever the usual limit', () => {
    expect(holdTimeoutMs(4, 10_000)).toBe(14_000); // standard mode: 12 s hold
    expect(holdTimeoutMs(1, 10_000)).toBe(10_000); // low mode: 3 s hold, the usual limit is longer
    expect(holdTimeoutMs(1, 300)).toBe(5_000);
    expect(holdTimeoutMs(1.5, 300)).toBe(8_000); // a target duration is the segment rounded up
  });
});
