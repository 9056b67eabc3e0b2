/**
 * How long the edge keeps what the origin returned. Pure.
 *
 * As AWS recommends for live HLS (MediaPackage's CDN guide): playlists change every segment, so they
 * are cached at most half a segment duration (here a quarter second: PLAYLIST_TTL_SECONDS); segments never
 * change once written, so they are cached long. Errors are cached 1 s, like the reference's CloudFront error caching, so a missing
 * playlist asked for by a thousand players costs the origin one request a second; not a segment's
 * 404, though (isCacheableStatus: LL-HLS parts are asked for as they are made).
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

/**
 * Time to live in seconds (may be fractional: playlists live a quarter second).
 * The answer to a blocking reload (`index.m3u8?_HLS_msn=42&_HLS_part=1`, cache-key.ts) is a playlist
 * like any other and lives as long. Not longer: a later request with the same directives would get
 * a playlist older than the plain one, which delays that viewer; and nobody asks for a part once it
 * is past (players ask for the next one), so a longer life only keeps dead keys. Not shorter: the
 * viewers whose requests for that part arrive just after the held answer (N players' reloads spread
 * over a few milliseconds) get it from the cache instead of each sending the origin a request it
 * would answer at once with the same playlist, as a plain playlist's viewers do.
 */
export function ttlSecondsFor(kind: CacheKind, segmentSeconds: number): number {
  switch (kind) {
    case 'playlist':
      return PLAYLIST_TTL_SECONDS;
    case 'other':
      return Math.max(segmentSeconds / 2, 0.1);
    case 'segment':
      return SEGMENT_TTL_SECONDS;
    case 'error':
      return ERROR_TTL_SECONDS;
  }
}

/**
 * Playlists: a quarter of a second, whatever the segment length (segments are 1 to 60 s: within
 * AWS's "at most half a segment" for every ladder). Every viewer starts behind by the age of the
 * playlist it was given: a player sits a fixed distance behind the newest segment it sees
 * (GStreamer 1.22: 4 segments; hls.js, Shaka and video.js: 3 target durations) and Shaka and video.js
 * keep that distance for the whole event. A cached playlist is on average half its lifetime old:
 * with a quarter of a 4 s segment (1 s) a standard-mode segment reached viewers 0-0.9 s after the
 * origin had it (measured, quiet machine). The origin is on the same machine; four fetches a second
 * per rendition from the shield (the workers ask the shield) is nothing to it.
 */
export const PLAYLIST_TTL_SECONDS = 0.25;

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

/**
 * Internal to the cluster: how old the shield's copy is, in milliseconds. Age has whole seconds
 * only (RFC 9111 §5.1), so a playlist the shield had kept 0.9 s of its 1 s arrived as "Age: 0" and
 * a worker kept it another full TTL: viewers got playlists up to twice the TTL old, which every
 * player adds to its start delay. Only the shield sends it (sendAge), only to its workers; a worker
 * builds its viewers' headers itself (cache-entry.ts), so no viewer ever sees it.
 */
export const AGE_MS_HEADER = 'X-Livestream-Age-Ms';

/** What an upstream's answer says of its copy's age, in ms: the shield's exact figure, else its Age header's whole seconds. */
export function upstreamAgeMs(headers: Readonly<Record<string, string | string[] | undefined>>): number {
  const exact = headers[AGE_MS_HEADER.toLowerCase()];
  if (typeof exact === 'string' && /^\d{1,12}$/.test(exact)) return Number(exact);
  const age = Number(headers.age);
  return Number.isInteger(age) && age > 0 ? age * 1000 : 0;
}

/** How long a fetched object stays fresh, in ms: its TTL less the age its upstream reported (RFC 9111 §4.2.3). */
export function freshMs(ttlSeconds: number, ageMs: number): number {
  return Math.max(0, ttlSeconds * 1000 - ageMs);
}

/** Ms since an object was fetched or revalidated (what a shield tells its workers): its TTL less what is left of it. */
export function ageMsOf(kind: CacheKind, segmentSeconds: number, expiresAtMs: number, nowMs: number): number {
  return Math.max(0, Math.round(ttlSecondsFor(kind, segmentSeconds) * 1000 - (expiresAtMs - nowMs)));
}

/** The headers a shield adds to an answer of an object `ageMs` old: the standard Age in whole seconds, and the exact figure for its workers. */
export function ageHeadersFor(ageMs: number): string[] {
  return ['Age', String(Math.floor(ageMs / 1000)), AGE_MS_HEADER, String(ageMs)];
}

/** The status the edge keeps for an upstream answer: 200 and errors as they are; anything else (a redirect, an unasked 304) is a 502. */
export function storedStatusFor(upstreamStatus: number): number {
  return upstreamStatus === 200 || upstreamStatus >= 400 ? upstreamStatus : 502;
}

/**
 * Whether an upstream answer is cached. Not a 502 or 504: the origin never sends one, and the
 * shield (cluster.ts) sends one only for a failure of its own, which the next request should retry.
 *
 * For a blocking reload (`blocking`: the key has LL-HLS directives, cache-key.ts), not a 503 either:
 * the origin's "held more than 3 target durations" (RFC 8216bis §6.2.5.2), which says nothing of
 * the next request: the part may be there a moment later, and the next viewer must be held again,
 * not turned away for a second. Its 400 (a bad directive, an MSN or part too far ahead) is cached
 * like any error (ERROR_TTL_SECONDS): players only ask for the next part (at most MSN last+1), and
 * a key refused for being more than two segments ahead cannot become that within one second, so no
 * player is refused wrongly, while a broken client repeating it costs the origin one request a second.
 */
export function isCacheableStatus(upstreamStatus: number, blocking = false, segment = false): boolean {
  if (blocking && upstreamStatus === 503) return false;
  // Nor a segment's 404 (`segment`: the key is a segment's or part's). LL-HLS part names are
  // predictable (index_WxH_00042.ts, the next number) and exist a third of a second after they are
  // named: a 404 kept for the part after the hinted one (anyone can ask for it early) would be served
  // for a second after it is listed, to every viewer. A 404 costs the origin a lookup, and viewers
  // asking at the same moment still share one request (request-collapser.ts).
  if (segment && upstreamStatus === 404) return false;
  return upstreamStatus !== 502 && upstreamStatus !== 504;
}

/** The ETag to revalidate a stale copy with (If-None-Match): only a 200 with an ETag has one. */
export function revalidationTag(stale: { status: number; etag: string | undefined } | undefined): string | undefined {
  return stale !== undefined && stale.status === 200 ? stale.etag : undefined;
}
