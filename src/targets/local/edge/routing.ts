/**
 * Which part of the edge answers a request, decided from its method and path alone. Pure.
 */
import { normaliseObjectPath } from '../origin/object-path.js';

/**
 * - `cache`: an object served through the cache (the stream, and any path no handler claims);
 * - `pass-through`: forwarded upstream as it is, uncached (a cluster worker's pages, /api/ and /metrics);
 * - `metrics`: this edge's Prometheus metrics;
 * - `handlers`: the mounted handlers (player, dashboard, /api/) first, the cache when none claims it.
 */
export type Route = 'cache' | 'pass-through' | 'metrics' | 'handlers';

/** `rawPath` is the request target without its query. */
export function routeRequest(rawPath: string, method: string | undefined, passThrough: ((path: string) => boolean) | undefined, hasHandlers: boolean): Route {
  // The stream is the hot path: straight to the cache, no handler gets a say.
  if (rawPath.startsWith('/stream/')) return 'cache';
  if (passThrough?.(rawPath)) return 'pass-through';
  if (rawPath === '/metrics' && method === 'GET') return 'metrics';
  return hasHandlers ? 'handlers' : 'cache';
}

export interface ObjectRefusal {
  readonly ok: false;
  readonly status: number;
  readonly code: string;
  /** The Allow header of a 405. */
  readonly allow?: string;
}

/** What a request for a cached object asks for: the object's key, a CORS preflight, or a refusal. */
export type ObjectRequest = { readonly ok: true; readonly key: string } | ObjectRefusal | 'preflight';

// Shared, not made per request: this runs for every request node:http hands the cache.
const METHOD_NOT_ALLOWED: ObjectRefusal = { ok: false, status: 405, code: 'MethodNotAllowed', allow: 'GET, HEAD, OPTIONS' };
const NOT_FOUND: ObjectRefusal = { ok: false, status: 404, code: 'NotFound' }; // the root: no listing through the edge
const UNEXPECTED_BODY: ObjectRefusal = { ok: false, status: 400, code: 'UnexpectedBody' };

/** The edge only reads: GET and HEAD of a valid object path, without a body; OPTIONS is a CORS preflight. */
export function readObjectRequest(method: string | undefined, rawPath: string, hasBody: boolean): ObjectRequest {
  if (method === 'OPTIONS') return 'preflight';
  if (method !== 'GET' && method !== 'HEAD') return METHOD_NOT_ALLOWED;
  const parsed = normaliseObjectPath(rawPath);
  if (!parsed.ok) return parsed;
  if (parsed.key === '') return NOT_FOUND;
  if (hasBody) return UNEXPECTED_BODY;
  return parsed;
}
