/**
 * The cache key of an object request: the object's key, plus, for a playlist, the LL-HLS delivery
 * directives of its query (RFC 8216bis §6.2.5). Pure.
 *
 * A blocking playlist reload (`index.m3u8?_HLS_msn=42&_HLS_part=1`) asks for a different answer
 * than the plain playlist: the origin holds it until the playlist has that part. So the directives
 * must be part of the key (and reach the origin, origin-fetch.ts), as MediaPackage asks of a CDN
 * in front of it (https://docs.aws.amazon.com/mediapackage/latest/userguide/cdn-recommendations.html:
 * "_HLS_msn" and "_HLS_part" in the cache key). Every other parameter is dropped, as before, so a
 * cache-busting `?t=123` never makes a new key (nor reaches the origin). `_HLS_skip` is dropped
 * too: the origin does not advertise CAN-SKIP-UNTIL, so a player never sends it.
 *
 * Format: `<object key>` for a request without directives, `<object key>?<directives>` with them,
 * where `<directives>` is `_HLS_msn=<v>&_HLS_part=<v>` in that order, each only when asked, and
 * `<v>` a non-negative integer without leading zeros ("007" is "7") or, for anything else, the
 * value as given (decoded as URLSearchParams does, then percent-encoded), so the origin sees the
 * same bad value and answers its 400. The directives never contain "?"; an object key that does
 * (from "%3F" in the path) gets a "?" of its own at the end, so the key splits back at its last
 * "?" (splitCacheKey) and no object's key is ever another's directive key.
 */
import { classifyObject } from './cache-policy.js';

export interface CacheKeyParts {
  /** The object's key ("stream/index.m3u8"), as normaliseObjectPath made it. */
  objectKey: string;
  /** The canonical directives ("_HLS_msn=42&_HLS_part=1"), or "" for none. */
  directives: string;
}

const DIRECTIVES = ['_HLS_msn', '_HLS_part'] as const;

/** The cache key of a request for `objectKey` whose query (after the "?", still encoded) is `query`. */
export function cacheKeyOf(objectKey: string, query: string): string {
  const directives = query.includes('_HLS_') && classifyObject(objectKey, 200) === 'playlist' ? canonicalDirectives(query) : '';
  if (directives !== '') return `${objectKey}?${directives}`;
  return objectKey.includes('?') ? `${objectKey}?` : objectKey;
}

/** The object key and the directives of a key cacheKeyOf made. */
export function splitCacheKey(cacheKey: string): CacheKeyParts {
  const q = cacheKey.lastIndexOf('?');
  return q === -1 ? { objectKey: cacheKey, directives: '' } : { objectKey: cacheKey.slice(0, q), directives: cacheKey.slice(q + 1) };
}

/** `_HLS_msn` and `_HLS_part` of `query`, canonical and in that order ("" when neither is there). */
export function canonicalDirectives(query: string): string {
  // URLSearchParams, as the origin reads them: the first of a repeated name counts.
  const params = new URLSearchParams(query);
  let out = '';
  for (const name of DIRECTIVES) {
    const value = params.get(name);
    if (value === null) continue;
    out += `${out === '' ? '' : '&'}${name}=${canonicalValue(value)}`;
  }
  return out;
}

function canonicalValue(value: string): string {
  return /^[0-9]+$/.test(value) ? value.replace(/^0+(?=[0-9])/, '') : encodeURIComponent(value);
}
