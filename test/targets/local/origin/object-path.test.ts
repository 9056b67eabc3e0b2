import { describe, expect, it } from 'vitest';
import { normaliseObjectPath } from '../../../../src/targets/local/origin/object-path.js';

describe('normaliseObjectPath', () => {
  const good: [string, string][] = [
    ['/', ''],
    ['/stream/index.m3u8', 'stream/index.m3u8'],
    ['/stream/index_1280x720_00001.ts', 'stream/index_1280x720_00001.ts'],
    ['/stream/a%20b.ts', 'stream/a b.ts'],
    ['/stream/%252e%252e', 'stream/%2e%2e'], // decoded once: a harmless literal name
    ['/a..b/c...d', 'a..b/c...d'],
  ];
  it.each(good)('%s -> %s', (raw, key) => {
    expect(normaliseObjectPath(raw)).toEqual({ ok: true, key });
  });

  const bad: [string, string, number][] = [
    ['dot-dot', '/../etc/passwd', 400],
    ['dot-dot inside', '/stream/../../etc/passwd', 400],
    ['encoded dot-dot', '/stream/%2e%2e/%2e%2e/etc/passwd', 400],
    ['mixed-case encoded dot-dot', '/stream/%2E%2e/x', 400],
    ['encoded slash and dots', '/stream%2f..%2f..%2fetc', 400],
    ['backslash', '/stream\\..\\x', 400],
    ['encoded backslash', '/stream/..%5c..%5cx', 400],
    ['single dot', '/stream/./x', 400],
    ['hidden name', '/.tmp/abc', 400],
    ['absolute-form target', 'http://evil/x', 400],
    ['no leading slash', 'stream/x', 400],
    ['double slash (absolute path)', '//etc/passwd', 400],
    ['empty segment', '/stream//x', 400],
    ['trailing slash', '/stream/', 400],
    ['NUL', '/stream/x%00.ts', 400],
    ['control character', '/stream/x%0a.ts', 400],
    ['bad percent-encoding', '/stream/%zz', 400],
    ['truncated percent-encoding', '/stream/%e2%82', 400],
    ['path over 1024', '/' + 'a/'.repeat(600) + 'x', 414],
    ['raw path far over 1024', '/' + '%41'.repeat(2000), 414],
    ['name over 255', '/stream/' + 'a'.repeat(256), 414],
  ];
  it.each(bad)('refuses %s', (_name, raw, status) => {
    const r = normaliseObjectPath(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.status).toBe(status);
  });
});
