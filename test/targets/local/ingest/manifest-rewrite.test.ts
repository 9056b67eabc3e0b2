import { describe, expect, it } from 'vitest';
import { rewriteManifest, rewriteUrl } from '../../../../src/targets/local/ingest/manifest-rewrite.js';

const SRC = 'https://src.example:8443';
const PROXY = 'http://127.0.0.1:4000';

describe('rewriteUrl', () => {
  it.each([
    ['seg1.ts', 'seg1.ts'],
    ['/live/seg1.ts', '/live/seg1.ts'],
    ['https://src.example:8443/live/seg1.ts?t=1', 'http://127.0.0.1:4000/live/seg1.ts?t=1'],
    ['HTTPS://SRC.EXAMPLE:8443/live/a.ts', 'http://127.0.0.1:4000/live/a.ts'],
    ['//src.example:8443/live/a.ts', 'http://127.0.0.1:4000/live/a.ts'],
    ['https://src.example/live/a.ts', 'https://src.example/live/a.ts'],
    ['http://src.example:8443/live/a.ts', 'http://src.example:8443/live/a.ts'],
    ['https://cdn.example/live/a.ts', 'https://cdn.example/live/a.ts'],
  ])('%s → %s', (url, expected) => {
    expect(rewriteUrl(url, SRC, PROXY)).toBe(expected);
  });

  it('a default port matches the origin written without it', () => {
    expect(rewriteUrl('https://src.example:443/a.ts', 'https://src.example', PROXY)).toBe('http://127.0.0.1:4000/a.ts');
  });
});

describe('rewriteManifest', () => {
  it('rewrites same-origin URI lines and URI attributes, keeps everything else byte for byte', () => {
    const body = [
      '#EXTM3U',
      '#EXT-X-VERSION:6',
      '#EXT-X-KEY:METHOD=AES-128,URI="https://src.example:8443/keys/k1",IV=0x1',
      '#EXT-X-MAP:URI="init.mp4"',
      '#EXTINF:2.0,',
      'https://src.example:8443/live/seg1.ts',
      '#EXTINF:2.0,',
      'seg2.ts',
      '#EXTINF:2.0,',
      'https://cdn.example/live/seg3.ts',
      '',
    ].join('\r\n');
    expect(rewriteManifest(body, SRC, PROXY)).toBe([
      '#EXTM3U',
      '#EXT-X-VERSION:6',
      '#EXT-X-KEY:METHOD=AES-128,URI="http://127.0.0.1:4000/keys/k1",IV=0x1',
      '#EXT-X-MAP:URI="init.mp4"',
      '#EXTINF:2.0,',
      'http://127.0.0.1:4000/live/seg1.ts',
      '#EXTINF:2.0,',
      'seg2.ts',
      '#EXTINF:2.0,',
      'https://cdn.example/live/seg3.ts',
      '',
    ].join('\r\n'));
  });
});
