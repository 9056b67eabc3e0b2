/**
 * The requests node:http hands the edge (all but the simple hits answered on the socket,
 * direct-hits.ts): routed (routing.ts), then served from the cache, fetched once for all who
 * wait (request-collapser.ts), forwarded, or given to the handlers; every answer is logged.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LocalMetrics } from '../plumbing/metrics.js';
import { ageMsOf } from './cache-policy.js';
import { emptyAnswer, selectAnswer } from './cached-answer.js';
import type { CachedObject, EdgeCache } from './cache.js';
import type { EdgeResultType } from './cloudfront-log.js';
import { cacheKeyOf } from './cache-key.js';
import { describeUpstreamFailure, type Fetched, type Upstream } from './origin-fetch.js';
import { forwardRequest } from './pass-through.js';
import { pageOutcome, type RequestLog } from './request-log.js';
import type { RequestCollapser } from './request-collapser.js';
import { readObjectRequest, routeRequest } from './routing.js';
import { readViewerHeaders, type ViewerHeaders } from './viewer-headers.js';
import { writeAnswer, writeInternalError, writePreflight, writeRefusal } from './write-response.js';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>; // true = handled

export interface EdgeParts {
  cache: EdgeCache;
  /** Misses, one origin fetch per key at a time; its argument is the stale copy to revalidate. */
  fetches: RequestCollapser<CachedObject | undefined, Fetched>;
  log: RequestLog;
  upstream: Upstream;
  metrics: LocalMetrics;
  handlers: RequestHandler[];
  passThrough: ((path: string) => boolean) | undefined;
  segmentSeconds: number;
  /** Answer with the object's age (a cluster's shield: Age, and the exact figure for its workers). */
  sendAge: boolean;
  /** The cache's clock (server.ts, steadyNow): expiry and Age. */
  now: () => number;
}

/** The node:http request listener of an edge. */
export function createRequestListener(edge: EdgeParts): (req: IncomingMessage, res: ServerResponse) => void {
  const { cache, fetches, log, handlers, now } = edge;
  // Filled anew for every cached answer (selectAnswer): one object per edge, none per request.
  const answer = emptyAnswer();

  function serveFromCache(req: IncomingMessage, res: ServerResponse, rawPath: string, query: string, started: number): void {
    const vh = readViewerHeaders(req.rawHeaders);
    const asked = readObjectRequest(req.method, rawPath, vh.hasBody);
    if (asked === 'preflight') {
      writePreflight(res, req.headers['access-control-request-headers']);
      log.record(req, vh, { status: 204, bodyBytes: 0, headerBytes: 200, result: 'Hit', kind: undefined, contentType: undefined }, started, query);
      return;
    }
    if (!asked.ok) return refuse(req, res, vh, asked.status, asked.code, started, query, asked.allow);
    // The playlist's directives are part of the key: a blocking reload is never answered with the plain playlist.
    const key = cacheKeyOf(asked.key, query);
    const t = now();
    const entry = cache.get(key, t);
    if (entry !== undefined && entry.expiresAt > t) return respond(req, res, vh, entry, 'Hit', started, query);
    // Miss: join the request already on its way to the origin for this key, or send one.
    void fetches.join(key, entry).then(({ entry: fresh, result }) => {
      if (res.destroyed) return;
      respond(req, res, vh, fresh, result === 'RefreshHit' ? 'RefreshHit' : 'Miss', started, query);
    });
  }

  function respond(req: IncomingMessage, res: ServerResponse, vh: ViewerHeaders, entry: CachedObject, result: EdgeResultType, started: number, query: string): void {
    const a = selectAnswer(entry, vh, result !== 'Miss', answer);
    const { status, rangeStart, rangeEnd } = a;
    const ageMs = edge.sendAge ? ageMsOf(entry.kind, edge.segmentSeconds, entry.expiresAt, now()) : undefined;
    const bodyBytes = writeAnswer(res, a, req.method === 'HEAD', ageMs);
    if (entry.kind === 'playlist' && status < 400) log.noteViewer(req, vh);
    log.record(req, vh, { status, bodyBytes, headerBytes: entry.headerBytes, result, kind: entry.kind, contentType: entry.contentType, rangeStart, rangeEnd }, started, query);
  }

  function refuse(req: IncomingMessage, res: ServerResponse, vh: ViewerHeaders, status: number, code: string, started: number, query: string, allow?: string): void {
    const bodyBytes = writeRefusal(res, req.method === 'HEAD', vh.hasBody, status, code, allow);
    log.record(req, vh, { status, bodyBytes, headerBytes: 120, result: 'Error', kind: undefined, contentType: 'application/json' }, started, query);
  }

  function forward(req: IncomingMessage, res: ServerResponse, query: string, started: number): void {
    const vh = readViewerHeaders(req.rawHeaders);
    forwardRequest(req, res, vh.hasBody, edge.upstream,
      (status, headers) => log.record(req, vh, pageOutcome(status, req.method, headers['content-length'], headers['content-type']), started, query),
      (err) => {
        const { status, code } = describeUpstreamFailure(err);
        refuse(req, res, vh, status, code, started, query);
      });
  }

  async function serveMetrics(res: ServerResponse): Promise<void> {
    log.countViewers();
    const text = await edge.metrics.registry.metrics();
    res.writeHead(200, { 'content-type': edge.metrics.registry.contentType, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  async function runHandlers(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    for (const handler of handlers) if (await handler(req, res)) return true;
    return false;
  }

  function tryHandlers(req: IncomingMessage, res: ServerResponse, rawPath: string, query: string, started: number): void {
    runHandlers(req, res).then(
      (handled) => {
        if (!handled) return serveFromCache(req, res, rawPath, query, started);
        // Pages served by a handler are logged too, as CloudFront logs every request.
        const vh = readViewerHeaders(req.rawHeaders);
        const logHandled = (): void =>
          log.record(req, vh, pageOutcome(res.statusCode, req.method, res.getHeader('content-length'), res.getHeader('content-type')), started, query);
        if (res.writableFinished) logHandled();
        else res.once('finish', logHandled);
      },
      () => writeInternalError(res),
    );
  }

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    const started = performance.now();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q === -1 ? url : url.slice(0, q);
    const query = q === -1 ? '' : url.slice(q + 1);
    switch (routeRequest(rawPath, req.method, edge.passThrough, handlers.length > 0)) {
      case 'cache':
        return serveFromCache(req, res, rawPath, query, started);
      case 'pass-through':
        return forward(req, res, query, started);
      case 'metrics':
        serveMetrics(res).catch(() => writeInternalError(res));
        return;
      case 'handlers':
        return tryHandlers(req, res, rawPath, query, started);
    }
  }

  return (req, res) => {
    try {
      onRequest(req, res);
    } catch {
      writeInternalError(res);
    }
  };
}
