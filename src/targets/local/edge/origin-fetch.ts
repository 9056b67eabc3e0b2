/**
 * Fetching one object from the origin into the cache. What the origin answered (200, 404, ...) is
 * cached for its time to live; a failure of ours (no connection, a timeout, a connection cut
 * mid-body) becomes a 502/504 for the viewers waiting on this fetch only and is never cached: the
 * next viewer's request tries the origin again (cache-policy.ts). A request that met the keep-alive
 * race (a pooled connection the origin was closing) is sent once more by requestWithRetry.
 * A blocking playlist reload (a key with LL-HLS directives, cache-key.ts) takes the directives to
 * the origin, waits as long as the origin may hold it, and is never sent twice.
 */
import type http from 'node:http';
import type { LocalMetrics } from '../plumbing/metrics.js';
import { requestWithRetry, UpstreamTimeoutError } from '../plumbing/http-agent.js';
import { classifyObject, freshMs, isCacheableStatus, revalidationTag, storedStatusFor, ttlSecondsFor, upstreamAgeMs } from './cache-policy.js';
import { buildCacheEntry, buildErrorEntry } from './cache-entry.js';
import type { CachedObject } from './cache.js';
import { splitCacheKey } from './cache-key.js';
import type { EdgeResultType } from './cloudfront-log.js';

/** Where the edge sends what it does not answer itself: the origin, or a cluster's shield. */
export interface Upstream {
  origin: URL;
  agent: http.Agent;
  /**
   * Blocking playlist reloads only: the origin holds each up to 3 target durations, so on their own
   * pool a few dozen of them can never hold every connection of `agent` and queue the segments behind them.
   */
  holdAgent: http.Agent;
  timeoutMs: number;
}

/** Time for the answer to travel the tiers once the origin gives up on a held request (a loaded machine's event loop included). */
export const HOLD_MARGIN_MS = 2_000;

/**
 * The time limit of a blocking playlist reload: past the origin's hold (3 target durations, then a
 * 503, RFC 8216bis §6.2.5.2; a target duration is the segment duration rounded up) plus the time
 * its answer takes through the tiers, and never below the usual limit. Every tier uses the same,
 * so a worker gets the shield's answer (the origin's 503) before its own limit. Pure.
 */
export function holdTimeoutMs(segmentSeconds: number, timeoutMs: number): number {
  return Math.max(timeoutMs, 3 * Math.ceil(segmentSeconds) * 1000 + HOLD_MARGIN_MS);
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
    const { objectKey, directives } = splitCacheKey(key);
    const blocking = directives !== '';
    // A held request's time is mostly the wait for the next part (by design up to 3 target durations),
    // not how fast the origin answers: timed, it would make the latency figure the part duration.
    const observe = (status: number): void => {
      if (!blocking) metrics.edgeOriginLatency.observe({ status: String(status) }, (performance.now() - started) / 1000);
    };
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
      const path = '/' + objectKey.split('/').map(encodeURIComponent).join('/');
      const sent = requestWithRetry({
        host: upstream.origin.hostname,
        port: upstream.origin.port,
        method: 'GET',
        // The directives go upstream as the key has them (canonical), through a shield to the origin.
        path: blocking ? `${path}?${directives}` : path,
        headers,
        agent: blocking ? upstream.holdAgent : upstream.agent,
      }, {
        timeoutMs: blocking ? holdTimeoutMs(segmentSeconds, upstream.timeoutMs) : upstream.timeoutMs,
        // Not sent twice. The retry is for the keep-alive race, a request that never reached the
        // server (its pooled connection was being closed); sending that again would be harmless. But
        // a held request's connection reset while the origin holds it (the origin or shield going
        // away) looks the same from here (ECONNRESET on a reused socket, no answer yet), and sending it
        // again would hold the viewers a second time. Between our tiers the race does not happen
        // (servers keep idle connections 65 s, agents 4 s: http-agent.ts); if it did, the viewers
        // of that one key would get an uncached 502 and ask again.
        retry: !blocking,
      });
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
          settle(buildCacheEntry(key, storedStatusFor(status), Buffer.concat(chunks, size), res.headers, segmentSeconds, now()), 'Miss', isCacheableStatus(status, blocking, classifyObject(objectKey, 200) === 'segment'));
        });
      }, fail);
    });
  };
}
