import { expect, it } from 'vitest';
import { EdgeCache, costOf, type CachedObject } from '../../../../src/targets/local/edge/cache.js';

function entry(key: string, size: number): CachedObject {
  return {
    key, status: 200, kind: 'segment', body: Buffer.alloc(size), gzip: undefined, etag: undefined, gzipEtag: undefined,
    contentType: 'video/mp2t', lastModified: undefined, cacheControl: '', expiresAt: 0, usedAt: 0, headers: { hit: [], miss: [] }, head: { hit: '' }, headerBytes: 0,
  };
}

it('evicts the least recently used entries past its byte bound', () => {
  const cost = costOf(entry('x', 1000));
  const cache = new EdgeCache(cost * 8);
  for (let i = 0; i < 8; i++) cache.set(entry(`k${i}`, 1000));
  expect(cache.get('k0', 5_000)?.key).toBe('k0'); // k0 is now the most recent
  cache.set(entry('k8', 1000));
  expect(cache.peek('k1')).toBeUndefined();
  expect(cache.peek('k0')).toBeDefined();
  expect(cache.peek('k8')).toBeDefined();
  expect(cache.stats()).toEqual({ bytes: cost * 8, objects: 8 });
});

it('does not keep an object above an eighth of the bound', () => {
  const cache = new EdgeCache(8000);
  expect(cache.set(entry('big', 1000))).toBe(false);
  expect(cache.stats().objects).toBe(0);
});

it('sweeps entries long expired', () => {
  const cache = new EdgeCache(1_000_000);
  cache.set({ ...entry('old', 10), expiresAt: 1000 });
  cache.set({ ...entry('new', 10), expiresAt: 100_000 });
  cache.sweep(70_000, 60_000);
  expect(cache.peek('old')).toBeUndefined();
  expect(cache.peek('new')).toBeDefined();
});
