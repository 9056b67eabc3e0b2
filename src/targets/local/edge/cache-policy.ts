/**
 * How long the edge keeps what the origin returned. Pure.
 *
 * As AWS recommends for live HLS (MediaPackage's CDN guide): playlists change every segment, so they
 * are cached at most half a segment duration; segments never change once written, so they are
 * cached long. Errors are cached 1 s, like the reference's CloudFront error caching, so a missing
 * segment asked for by a thousand players costs the origin one request a second.
 */
export type CacheKind = 'playlist' | 'segment' | 'other' | 'error';

export const SEGMENT_TTL_SECONDS = 86_400;
export const ERROR_TTL_SECONDS = 1;

const SEGMENT_EXTENSIONS = new Set(['ts', 'm4s', 'mp4', 'm4a', 'm4v', 'aac', 'vtt', 'webvtt', 'key']);

export function classifyObject(key: string, status: number): CacheKind {
  if (status >= 300) return 'error';
  const dot = key.lastIndexOf('.');
  const ext = dot === -1 ? '' : key.slice(dot + 1).toLowerCase();
  if (ext === 'm3u8') return 'playlist';
  if (SEGMENT_EXTENSIONS.has(ext)) return 'segment';
  return 'other';
}

/** Time to live in seconds (may be fractional: 4 s segments give 2 s playlists, 1 s segments 0.5 s). */
export function ttlSecondsFor(kind: CacheKind, segmentSeconds: number): number {
  switch (kind) {
    case 'playlist':
    case 'other':
      return Math.max(segmentSeconds / 2, 0.1);
    case 'segment':
      return SEGMENT_TTL_SECONDS;
    case 'error':
      return ERROR_TTL_SECONDS;
  }
}

/** The Cache-Control the edge gives viewers: the same lifetime it uses itself, rounded down to whole seconds. */
export function cacheControlFor(kind: CacheKind, ttlSeconds: number): string {
  const maxAge = Math.floor(ttlSeconds);
  if (kind === 'segment') return `public, max-age=${maxAge}, immutable`;
  return maxAge === 0 ? 'no-cache' : `public, max-age=${maxAge}`;
}

/** Worth compressing: text that players fetch again and again. */
export function isCompressible(contentType: string, size: number): boolean {
  return size >= 256 && /mpegurl|json|^text\/|javascript|vtt/i.test(contentType);
}
