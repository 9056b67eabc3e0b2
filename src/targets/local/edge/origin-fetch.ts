/**
 * Fetching one object from the origin into the cache. What the origin answered (200, 404, ...) is
 * cached for its time to live; a failure of ours (no connection, a timeout, a connection cut
 * mid-body) becomes a 502/504 for the viewers waiting on this fetch only and is never cached: the
 * next viewer's request tries the origin again (cache-policy.ts). A request that met the keep-alive
 * race (a pooled connection the origin was closing) is sent once more by requestWithRetry.
 */
import type http from 'node:http';
import type { LocalMetrics } from '../plumbing/metrics.js';
import { requestWithRetry, UpstreamTimeoutError } from '../plumbing/http-agent.js';
import { freshMs, isCacheableStatus, revalidationTag, storedStatusFor, ttlSecondsFor, upstreamAgeMs } from './cache-policy.js';
import { buildCacheEntry, buildErrorEntry } from './cache-entry.js';
import type { CachedObject } from './cache.js';
import type { EdgeResultType } from './cloudfront-log.js';

/** Where the edge sends what it does not answer itself: the origin, or a cluster's shield. */
export interface Upstream {
  origin: URL;
  agent: http.Agent;
  timeoutMs: number;
}

/** A fetch's entry: a fresh copy ('Miss'), the stale copy the origin confirmed ('RefreshHit'), or an error of ours ('Error'). */
export interface Fetched {
  entry: CachedObject;
  result: EdgeResultType;
}

export interface OriginFetchOptions {
  upstream: Upstream;
  credential: string; // sent as Authorization: Bearer
  segmentSeconds: number;
  maxObjectBytes: number;
  now: () => number;
  /** Counts fetches (edge.originFetches) and times them (edgeOriginLatency). */
  metrics: Pick<LocalMetrics, 'edge' | 'edgeOriginLatency'>;
  /** Where a cacheable answer goes, before the waiting viewers get it. */
  cache: { set(entry: CachedObject): unknown };
}

/** What a viewer gets when upstream failed us: 504 for no answer in time, 502 for anything else. */
export function describeUpstreamFailure(err: Error): { status: 502 | 504; code: 'OriginTimeout' | 'OriginUnreachable' } {
  return err instanceof UpstreamTimeoutError ? { status: 504, code: 'OriginTimeout' } : { status: 502, code: 'OriginUnreachable' };
}

/** `fetchObject(key, stale)`: one request to the origin for `key`, revalidating `stale` when it can; never rejects. */
export function createOriginFetch(o: OriginFetchOptions): (key: string, stale: CachedObject | undefined) => Promise<Fetched> {
  const { upstream, segmentSeconds, now, metrics } = o;
  const originAuth = `Bearer ${o.credential}`;
  return function fetchObject(key, stale) {
    metrics.edge.originFetches++;
    const started = performance.now();
    const observe = (status: number): void =>
      metrics.edgeOriginLatency.observe({ status: String(status) }, (performance.now() - started) / 1000);
    return new Promise((resolve) => {
      let settled = false;
      const settle = (entry: CachedObject, result: EdgeResultType, cacheable = result !== 'Error'): void => {
        if (settled) return;
        settled = true;
        if (cacheable) o.cache.set(entry);
        resolve({ entry, result });
      };
      const fail = (err: Error): void => {
        observe(502);
        const { status, code } = describeUpstreamFailure(err);
        settle(buildErrorEntry(key, status, code, segmentSeconds, now()), 'Error');
      };
      const headers: http.OutgoingHttpHeaders = { authorization: originAuth, 'user-agent': 'livestream-edge/1' };
      const tag = revalidationTag(stale);
      if (tag !== undefined) headers['if-none-match'] = tag;
      const sent = requestWithRetry({
        host: upstream.origin.hostname,
        port: upstream.origin.port,
        method: 'GET',
        path: '/' + key.split('/').map(encodeURIComponent).join('/'),
        headers,
        agent: upstream.agent,
      }, { timeoutMs: upstream.timeoutMs });
      sent.then(({ req, res }) => {
        const status = res.statusCode ?? 502;
        if (status === 304 && tag !== undefined && stale !== undefined) {
          res.resume();
          observe(304);
          stale.expiresAt = now() + freshMs(ttlSecondsFor(stale.kind, segmentSeconds), upstreamAgeMs(res.headers));
          settle(stale, 'RefreshHit');
          return;
        }
        // The origin hanging up mid-body: an error on the response, not the request (an unheard
        // 'error' event would take the whole daemon down).
        res.on('error', fail);
        res.on('aborted', () => fail(new Error('origin closed the connection mid-response')));
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= o.maxObjectBytes) return void chunks.push(chunk);
          fail(new Error('object too large for the edge'));
          req.destroy();
        });
        res.on('end', () => {
          if (!res.complete) return fail(new Error('origin response incomplete'));
          observe(status);
          settle(buildCacheEntry(key, storedStatusFor(status), Buffer.concat(chunks, size), res.headers, segmentSeconds, now()), 'Miss', isCacheableStatus(status));
        });
      }, fail);
    });
  };
}
