/**
 * The local CloudFront: an HTTP cache in front of the origin. Composed of one piece per job:
 * routing.ts (which part answers), cache-policy.ts and cache-entry.ts (what is kept, how long, with
 * which headers), origin-fetch.ts and request-collapser.ts (one origin request for many misses),
 * cached-answer.ts and write-response.ts (304, ranges, gzip, HEAD, refusals), request-log.ts (the
 * CloudFront log, counters, viewers), direct-hits.ts (simple hits answered on the socket) and
 * handle-request.ts (everything node:http hands over).
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import { createLocalMetrics, type LocalMetrics } from '../plumbing/metrics.js';
import { listenOn } from '../plumbing/listen.js';
import { createKeepAliveAgent } from '../plumbing/http-agent.js';
import { EdgeCache } from './cache.js';
import { createCloudFrontLog } from './cloudfront-log.js';
import { answerSimpleHitsDirectly } from './direct-hits.js';
import { createRequestListener, type RequestHandler } from './handle-request.js';
import { createOriginFetch, type Upstream } from './origin-fetch.js';
import { RequestCollapser } from './request-collapser.js';
import { NO_LINES, RequestLog } from './request-log.js';

export type { RequestHandler } from './handle-request.js';

export interface EdgeOptions {
  originUrl: string; // the origin's url
  credential: string; // sent to the origin as Authorization: Bearer
  host?: string; // default 127.0.0.1; '0.0.0.0' serves the whole network (--listen)
  port?: number; // default 0
  segmentSeconds: number; // playlists cached at most segmentSeconds/2; segments long (1 day)
  logDir: string; // CloudFront standard-format access logs, one file per hour
  distributionId?: string; // used in log file names like CloudFront: <id>.<yyyy-MM-dd-HH>.<unique>
  handlers?: RequestHandler[]; // tried in order before proxying (the /player/ and /dashboard/ pages mount here)
  metrics?: LocalMetrics;
  /** One clock for the cache and the access log (tests); by default the cache's never steps (steadyNow) and the log's is the wall clock. */
  now?: () => number;
  /** Bound of the in-memory cache. Default 256 MiB. */
  maxCacheBytes?: number;
  /** Largest object the edge fetches from the origin. Default 64 MiB. */
  maxObjectBytes?: number;
  /** Give up on the origin after this. Default 10 s. A blocking playlist reload waits longer if the origin may hold it longer (origin-fetch.ts). */
  originTimeoutMs?: number;
  /** A client must send its request head within this. Default 10 s. */
  headersTimeoutMs?: number;
  /** An idle keep-alive connection is closed after this. Default 5 s. */
  keepAliveMs?: number;
  /**
   * Paths (outside /stream/) forwarded to the origin as they are, uncached, with the origin's own
   * response headers; checked before /metrics and the handlers. A cluster worker sends its pages,
   * /api/ and /metrics this way to the shield, which runs the handlers (see cluster.ts).
   */
  passThrough?: (path: string) => boolean;
  /** Write the CloudFront log. Default true; the cluster's shield sets false (its workers log the viewers). */
  accessLog?: boolean;
  /**
   * Answer with the object's age since it was fetched or revalidated: an Age header (whole
   * seconds) and AGE_MS_HEADER (milliseconds, cache-policy.ts). The cluster's shield sets it, so its
   * workers count a playlist's time-to-live from the shield's fetch and a viewer never gets a
   * playlist older than the TTL (but for the moment the answer takes between the tiers). An edge always honours the age its upstream sends.
   */
  sendAge?: boolean;
  /**
   * Answer simple cache hits on the socket, without node:http (direct-hits.ts). Default true
   * (off with sendAge: those answers carry no Age). Tests turn it off to hold both paths to one standard.
   */
  directHits?: boolean;
}

export interface EdgeServer {
  url: string;
  port: number;
  /** Distinct viewers (client ip+user-agent that fetched a playlist in the last 30 s), and counters for `status`. */
  stats(): { viewers: number; requests: number; bytesSent: number; hits: number; misses: number; errors: number; segmentsServed: number };
  /**
   * The viewer keys (address and user agent) seen since the last call, so a cluster can count a
   * viewer whose requests land on several workers once (cluster.ts).
   */
  takeViewerKeys(): string[];
  close(): Promise<void>;
}

/**
 * The cache's clock: epoch milliseconds that never step (the process's start on the wall clock plus
 * the monotonic clock). On the wall clock, a correction of 7 s back would keep every cached
 * playlist fresh for 7 s more, and viewers would stall on it; the access log keeps the wall clock.
 */
const steadyNow = (): number => performance.timeOrigin + performance.now();

/** Expired entries are kept this long past their time to live, for revalidation with If-None-Match. */
const STALE_GRACE_MS = 60_000;

export async function startEdge(opts: EdgeOptions): Promise<EdgeServer> {
  if (!(opts.segmentSeconds > 0)) throw new Error('segmentSeconds must be above 0');
  const now = opts.now ?? Date.now;
  const cacheNow = opts.now ?? steadyNow;
  const metrics = opts.metrics ?? createLocalMetrics();
  const segmentSeconds = opts.segmentSeconds;
  const keepAliveMs = opts.keepAliveMs ?? 5_000;
  const cache = new EdgeCache(opts.maxCacheBytes ?? 256 * 1024 * 1024, (bytes, objects) => {
    metrics.edge.cacheBytes = bytes;
    metrics.edge.cacheObjects = objects;
  });
  const upstream: Upstream = {
    origin: new URL(opts.originUrl),
    agent: createKeepAliveAgent({ maxSockets: 64 }),
    // No socket limit: with one, a viewer asking for every part the origin would hold (about 25 keys
    // a playlist, refreshed every part) could fill it and queue every viewer's reload behind them.
    // The origin's 400 rules bound the keys it holds, and the collapser sends each key once.
    holdAgent: createKeepAliveAgent({ maxSockets: Infinity }),
    timeoutMs: opts.originTimeoutMs ?? 10_000,
  };
  const fetchObject = createOriginFetch({ upstream, credential: opts.credential, segmentSeconds, maxObjectBytes: opts.maxObjectBytes ?? 64 * 1024 * 1024, now: cacheNow, metrics, cache });
  const lines = opts.accessLog === false ? NO_LINES : createCloudFrontLog({ dir: opts.logDir, distributionId: opts.distributionId ?? 'ELOCAL', now });
  const log = new RequestLog(metrics.edge, lines, now);
  const onRequest = createRequestListener({
    cache, fetches: new RequestCollapser(fetchObject), log, upstream, metrics, handlers: opts.handlers ?? [],
    passThrough: opts.passThrough, segmentSeconds, sendAge: opts.sendAge === true, now: cacheNow,
  });
  const server = http.createServer(
    {
      maxHeaderSize: 16 * 1024,
      headersTimeout: opts.headersTimeoutMs ?? 10_000,
      requestTimeout: 30_000,
      connectionsCheckingInterval: Math.min(1000, opts.headersTimeoutMs ?? 1000),
      keepAliveTimeout: keepAliveMs,
    },
    onRequest,
  );
  // The Age header is made per request, so a shield's hits all go through node:http.
  const directSockets = opts.directHits !== false && !opts.sendAge ? answerSimpleHitsDirectly(server, { cache, log, now: cacheNow, keepAliveMs }) : new Set<Socket>();

  const timer = setInterval(() => {
    log.countViewers();
    cache.sweep(cacheNow(), STALE_GRACE_MS);
  }, 5_000);
  timer.unref();

  const port = await listenOn(server, { port: opts.port, host: opts.host, what: 'The edge', flag: '--port' }).catch((err) => {
    clearInterval(timer);
    throw err;
  });
  const host = opts.host === undefined || opts.host === '0.0.0.0' ? '127.0.0.1' : opts.host;

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    stats: () => ({ viewers: log.countViewers(), ...log.counts }),
    takeViewerKeys: () => log.takeViewerKeys(),
    async close() {
      clearInterval(timer);
      server.closeIdleConnections();
      // Between requests a directly served connection is idle: end it once its last answer is sent.
      for (const socket of directSockets) socket.end();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        setTimeout(() => {
          server.closeAllConnections();
          for (const socket of directSockets) socket.destroy();
        }, 1000).unref();
      });
      upstream.agent.destroy();
      upstream.holdAgent.destroy();
      await log.close();
    },
  };
}
