/**
 * Turn the path of a request into an object key ("stream/index.m3u8"), or say why it is refused.
 * Pure. Shared by the origin and the edge, so neither ever builds a file name or cache key from
 * an unchecked path.
 */
export const MAX_PATH_LENGTH = 1024;
const MAX_SEGMENT_LENGTH = 255; // most filesystems' limit for one name

export type ObjectPathResult =
  | { ok: true; key: string }
  | { ok: false; status: 400 | 414; code: 'InvalidPath' | 'PathTooLong' };

const bad = (code: 'InvalidPath' | 'PathTooLong' = 'InvalidPath'): ObjectPathResult =>
  ({ ok: false, status: code === 'PathTooLong' ? 414 : 400, code });

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * `rawPath` is the request target without its query, still percent-encoded. The key is "" for
 * "/". Refused: anything not starting with "/", backslashes (raw or encoded), bad percent-encoding,
 * control characters and NUL, empty segments ("//etc", "a//b", trailing "/"), "." and ".." in any
 * spelling, names starting with "." (the store keeps its temporary files under ".tmp"), and paths or
 * names longer than the filesystem or MediaStore allow.
 */
export function normaliseObjectPath(rawPath: string): ObjectPathResult {
  if (rawPath.length > MAX_PATH_LENGTH * 3) return bad('PathTooLong');
  if (rawPath.charCodeAt(0) !== 47 /* / */) return bad();
  if (rawPath === '/') return { ok: true, key: '' };
  let decoded: string;
  if (rawPath.includes('%')) {
    try {
      decoded = decodeURIComponent(rawPath);
    } catch {
      return bad();
    }
  } else decoded = rawPath;
  if (decoded.length > MAX_PATH_LENGTH) return bad('PathTooLong');
  if (decoded.includes('\\') || CONTROL.test(decoded)) return bad();
  const key = decoded.slice(1);
  for (const segment of key.split('/')) {
    if (segment === '' || segment.charCodeAt(0) === 46 /* . */) return bad();
    if (segment.length > MAX_SEGMENT_LENGTH) return bad('PathTooLong');
  }
  return { ok: true, key };
}

/** Split "/a/b.ts?x=1" into path and query ("" when none) without allocating a URL object. */
export function splitTarget(target: string): { path: string; query: string } {
  const q = target.indexOf('?');
  return q === -1 ? { path: target, query: '' } : { path: target.slice(0, q), query: target.slice(q + 1) };
}
