import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { bumpTally, createLocalMetrics, type LocalMetrics } from '../plumbing/metrics.js';
import { contentTypeFor } from '../origin/content-type.js';
import { normaliseObjectPath } from '../origin/object-path.js';
import { cacheControlFor, classifyObject, isCompressible, ttlSecondsFor, type CacheKind } from './cache-policy.js';
import { createCloudFrontLog, createRequestIdSource, formatCloudFrontLine, type EdgeResultType } from './cloudfront-log.js';
import { EdgeCache, type CachedObject } from './cache.js';
import { parseRange } from './range.js';
import { parseSimpleRequest } from './simple-request.js';
import { isOwnProbe, readViewerHeaders, type ViewerHeaders } from './viewer-headers.js';
import { listenOn } from '../plumbing/listen.js';
import { createKeepAliveAgent, requestWithRetry, UpstreamTimeoutError } from '../plumbing/http-agent.js';

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>; // true = handled

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
  now?: () => number;
  /** Bound of the in-memory cache. Default 256 MiB. */
  maxCacheBytes?: number;
  /** Largest object the edge fetches from the origin. Default 64 MiB. */
  maxObjectBytes?: number;
  /** Give up on the origin after this. Default 10 s. */
  originTimeoutMs?: number;
  /** A client must send its request head within this. Default 10 s. */
  headersTimeoutMs?: number;
  /** An idle keep-alive connection is closed after this. Default 5 s. */
  keepAliveMs?: number;
  /**
   * Paths (outside /stream/) forwarded to the origin as they are, uncached, with the origin's own
   * response headers; checked before /metrics and the handlers. A cluster worker sends its pages,
   * /api/ and /metrics this way to the shield, which runs the handlers (see edge-cluster.ts).
   */
  passThrough?: (path: string) => boolean;
  /** Write the CloudFront log. Default true; the cluster's shield sets false (its workers log the viewers). */
  accessLog?: boolean;
  /**
   * Answer with an Age header (whole seconds since the object was fetched or revalidated). The
   * cluster's shield sets it, so its workers count a playlist's time-to-live from the shield's fetch
   * and a viewer never gets a playlist older than the TTL plus a second. An edge always honours the
   * Age its origin sends.
   */
  sendAge?: boolean;
  /**
   * Answer simple cache hits on the socket, without node:http (see serveDirectly). Default true
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
   * viewer whose requests land on several workers once (edge-cluster.ts).
   */
  takeViewerKeys(): string[];
  close(): Promise<void>;
}

export const VIEWER_WINDOW_MS = 30_000;
const MAX_VIEWERS_TRACKED = 100_000;
const STALE_GRACE_MS = 60_000;
const EXPOSE = 'Content-Length, Content-Range, ETag, X-Cache';
const CORS_PREFLIGHT = [
  'Access-Control-Allow-Origin', '*',
  'Access-Control-Allow-Methods', 'GET, HEAD, OPTIONS',
  'Access-Control-Allow-Headers', 'Range, If-None-Match, If-Modified-Since, Origin, Accept, Content-Type',
  'Access-Control-Max-Age', '86400',
  'Content-Length', '0',
];

/** What the log and the viewer count need of a request; node:http's IncomingMessage is one. */
interface RequestLike {
  method?: string;
  url?: string;
  httpVersion: string;
  socket: { remoteAddress?: string; remotePort?: number };
}

interface Outcome {
  status: number;
  bodyBytes: number;
  headerBytes: number;
  result: EdgeResultType;
  kind: CacheKind | undefined;
  contentType: string | undefined;
  rangeStart?: number;
  rangeEnd?: number;
}

export async function startEdge(opts: EdgeOptions): Promise<EdgeServer> {
  if (!(opts.segmentSeconds > 0)) throw new Error('segmentSeconds must be above 0');
  const now = opts.now ?? Date.now;
  const metrics = opts.metrics ?? createLocalMetrics();
  const tallies = metrics.edge;
  const handlers = opts.handlers ?? [];
  const maxObjectBytes = opts.maxObjectBytes ?? 64 * 1024 * 1024;
  const origin = new URL(opts.originUrl);
  const originAuth = `Bearer ${opts.credential}`;
  const agent = createKeepAliveAgent({ maxSockets: 64 });
  const cache = new EdgeCache(opts.maxCacheBytes ?? 256 * 1024 * 1024, (bytes, objects) => {
    tallies.cacheBytes = bytes;
    tallies.cacheObjects = objects;
  });
  const inflight = new Map<string, Promise<{ entry: CachedObject; result: EdgeResultType }>>();
  const viewers = new Map<string, number>();
  const viewersSinceTaken = new Set<string>();
  const log: { write(line: string): void; close(): Promise<void> } = opts.accessLog === false
    ? { write: () => undefined, close: async () => undefined }
    : createCloudFrontLog({ dir: opts.logDir, distributionId: opts.distributionId ?? 'ELOCAL', now });
  const nextRequestId = createRequestIdSource();
  const keepAliveMs = opts.keepAliveMs ?? 5_000;
  const counts = { requests: 0, bytesSent: 0, hits: 0, misses: 0, errors: 0, segmentsServed: 0 };

  // ---- building cache entries (miss path) ----

  function buildEntry(key: string, status: number, body: Buffer, originHeaders: http.IncomingHttpHeaders): CachedObject {
    const kind = classifyObject(key, status);
    const ttl = ttlSecondsFor(kind, opts.segmentSeconds);
    const ok = status === 200;
    const contentType = ok ? (originHeaders['content-type'] ?? contentTypeFor(key)) : 'application/json';
    const etag = ok ? originHeaders.etag : undefined;
    const lastModified = ok ? originHeaders['last-modified'] : undefined;
    const cacheControl = cacheControlFor(kind, ttl);
    const gzip = ok && isCompressible(contentType, body.length) ? gzipSync(body) : undefined;
    const gzipEtag = etag !== undefined && gzip !== undefined ? etag.replace(/"$/, '-gzip"') : undefined;
    const list = (len: number, tag: string | undefined, encoding: string | undefined, xCache: string): string[] => {
      const h = ['Content-Type', contentType, 'Content-Length', String(len), 'Cache-Control', cacheControl,
        'Access-Control-Allow-Origin', '*', 'Access-Control-Expose-Headers', EXPOSE];
      if (ok) h.push('Accept-Ranges', 'bytes');
      if (tag !== undefined) h.push('ETag', tag);
      if (lastModified !== undefined) h.push('Last-Modified', lastModified);
      if (gzip !== undefined) h.push('Vary', 'Accept-Encoding');
      if (encoding !== undefined) h.push('Content-Encoding', encoding);
      h.push('X-Cache', xCache);
      return h;
    };
    const headers: CachedObject['headers'] = { hit: list(body.length, etag, undefined, 'Hit'), miss: list(body.length, etag, undefined, 'Miss') };
    const head: CachedObject['head'] = { hit: renderHead(status, headers.hit) };
    if (gzip !== undefined) {
      headers.hitGzip = list(gzip.length, gzipEtag, 'gzip', 'Hit');
      headers.missGzip = list(gzip.length, gzipEtag, 'gzip', 'Miss');
      head.hitGzip = renderHead(status, headers.hitGzip);
    }
    // Status line, the headers above, and those Node adds (Date, Connection, Keep-Alive).
    const headerBytes = 17 + headers.hit.reduce((n, s) => n + s.length + 2, 0) + 80;
    return { key, status, kind, body, gzip, etag, gzipEtag, contentType, lastModified, cacheControl, expiresAt: now() + freshMs(ttl, originHeaders.age), usedAt: now(), headers, head, headerBytes };
  }

  function errorEntry(key: string, status: number, code: string): CachedObject {
    return buildEntry(key, status, Buffer.from(JSON.stringify({ error: code }) + '\n'), {});
  }

  /**
   * One request to the origin for `key`; never rejects. What the origin answered (200, 404, ...) is
   * cached for its time to live; a failure of ours (no connection, a timeout, a connection cut
   * mid-body) becomes a 502/504 for the viewers waiting on this fetch only and is never cached: the
   * next viewer's request tries the origin again. So is a 502/504 from upstream: the origin never
   * sends one, the shield (edge-cluster.ts) sends one only for such a failure of its own.
   * A request that met the keep-alive race (a pooled connection the origin was closing) was already
   * sent once more by requestWithRetry.
   */
  function fetchFromOrigin(key: string, stale: CachedObject | undefined): Promise<{ entry: CachedObject; result: EdgeResultType }> {
    tallies.originFetches++;
    const started = performance.now();
    const observe = (status: number): void =>
      metrics.edgeOriginLatency.observe({ status: String(status) }, (performance.now() - started) / 1000);
    return new Promise((resolve) => {
      let settled = false;
      const settle = (entry: CachedObject, result: EdgeResultType, cacheable = result !== 'Error'): void => {
        if (settled) return;
        settled = true;
        if (cacheable) cache.set(entry);
        resolve({ entry, result });
      };
      const fail = (err: Error): void => {
        observe(502);
        const timedOut = err instanceof UpstreamTimeoutError;
        settle(errorEntry(key, timedOut ? 504 : 502, timedOut ? 'OriginTimeout' : 'OriginUnreachable'), 'Error');
      };
      const headers: http.OutgoingHttpHeaders = { authorization: originAuth, 'user-agent': 'livestream-edge/1' };
      const revalidate = stale !== undefined && stale.status === 200 && stale.etag !== undefined;
      if (revalidate) headers['if-none-match'] = stale.etag;
      const sent = requestWithRetry({
        host: origin.hostname,
        port: origin.port,
        method: 'GET',
        path: '/' + key.split('/').map(encodeURIComponent).join('/'),
        headers,
        agent,
      }, { timeoutMs: opts.originTimeoutMs ?? 10_000 });
      sent.then(({ req, res }) => {
        const status = res.statusCode ?? 502;
        if (status === 304 && revalidate) {
          res.resume();
          observe(304);
          stale.expiresAt = now() + freshMs(ttlSecondsFor(stale.kind, opts.segmentSeconds), res.headers.age);
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
          if (size <= maxObjectBytes) return void chunks.push(chunk);
          fail(new Error('object too large for the edge'));
          req.destroy();
        });
        res.on('end', () => {
          if (!res.complete) return fail(new Error('origin response incomplete'));
          observe(status);
          settle(buildEntry(key, status === 200 || status >= 400 ? status : 502, Buffer.concat(chunks, size), res.headers), 'Miss', status !== 502 && status !== 504);
        });
      }, fail);
    });
  }

  // ---- answering viewers (hot path) ----

  function respond(req: IncomingMessage, res: ServerResponse, vh: ViewerHeaders, entry: CachedObject, result: EdgeResultType, started: number, query: string): void {
    const head = req.method === 'HEAD';
    const hit = result !== 'Miss';
    let status = entry.status;
    let list: string[];
    let body: Buffer | undefined = entry.body;
    let rangeStart: number | undefined;
    let rangeEnd: number | undefined;
    if (status === 200) {
      const inm = vh.ifNoneMatch;
      const range = vh.range;
      if (inm !== undefined && matchesEtag(inm, entry)) {
        status = 304;
        body = undefined;
        list = ['ETag', entry.etag ?? '', 'Cache-Control', entry.cacheControl, 'Access-Control-Allow-Origin', '*', 'X-Cache', hit ? 'Hit' : 'Miss'];
      } else if (range !== undefined) {
        const r = parseRange(range, entry.body.length);
        if (r.kind === 'range') {
          status = 206;
          rangeStart = r.start;
          rangeEnd = r.end;
          body = entry.body.subarray(r.start, r.end + 1);
          list = withoutLength(entry.headers[hit ? 'hit' : 'miss']);
          list.push('Content-Length', String(body.length), 'Content-Range', `bytes ${r.start}-${r.end}/${entry.body.length}`);
        } else if (r.kind === 'unsatisfiable') {
          status = 416;
          body = undefined;
          list = ['Content-Range', `bytes */${entry.body.length}`, 'Content-Length', '0', 'Access-Control-Allow-Origin', '*', 'X-Cache', hit ? 'Hit' : 'Miss'];
        } else list = entry.headers[hit ? 'hit' : 'miss'];
      } else if (entry.gzip !== undefined && acceptsGzip(vh.acceptEncoding)) {
        body = entry.gzip;
        list = (hit ? entry.headers.hitGzip : entry.headers.missGzip) as string[];
      } else list = hit ? entry.headers.hit : entry.headers.miss;
    } else list = hit ? entry.headers.hit : entry.headers.miss;

    if (opts.sendAge) {
      const ageMs = ttlSecondsFor(entry.kind, opts.segmentSeconds) * 1000 - (entry.expiresAt - now());
      list = [...list, 'Age', String(Math.max(0, Math.floor(ageMs / 1000)))];
    }
    res.writeHead(status, list);
    if (head || body === undefined) res.end();
    else res.end(body);

    if (entry.kind === 'playlist' && status < 400) noteViewer(req, vh);
    finish(req, vh, {
      status,
      bodyBytes: head || body === undefined ? 0 : body.length,
      headerBytes: entry.headerBytes,
      result,
      kind: entry.kind,
      contentType: entry.contentType,
      rangeStart,
      rangeEnd,
    }, started, query);
  }

  function finish(req: RequestLike, vh: ViewerHeaders, o: Outcome, started: number, query: string): void {
    counts.requests++;
    counts.bytesSent += o.bodyBytes;
    tallies.bytesSent += o.bodyBytes;
    // up's own readiness check (logged below like any request) is no viewer's error.
    const viewerError = o.status >= 400 && !isOwnProbe(req, vh);
    if (o.status < 400 || viewerError) bumpTally(tallies.requestsByStatus, o.status);
    if (viewerError) counts.errors++;
    if (o.result === 'Miss') {
      counts.misses++;
      tallies.misses++;
    } else if (o.result !== 'Error') {
      counts.hits++;
      tallies.hits++;
    }
    if (o.kind === 'segment' && o.status < 300 && req.method === 'GET') counts.segmentsServed++;
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    // Time taken until the response was handed to the socket (a cached body is written in one go).
    const taken = (performance.now() - started) / 1000;
    log.write(
      formatCloudFrontLine({
        timeMs: now(),
        scBytes: o.bodyBytes + o.headerBytes,
        clientIp: req.socket.remoteAddress ?? '-',
        clientPort: req.socket.remotePort ?? 0,
        method: req.method ?? '-',
        host: vh.host ?? '',
        uriStem: q === -1 ? url : url.slice(0, q),
        status: o.status,
        referer: vh.referer,
        userAgent: vh.userAgent,
        query,
        resultType: o.result,
        requestId: nextRequestId(),
        csBytes: url.length + 16 + vh.bytes,
        timeTakenSeconds: taken,
        httpVersion: req.httpVersion,
        contentType: o.contentType,
        contentLength: o.bodyBytes,
        rangeStart: o.rangeStart,
        rangeEnd: o.rangeEnd,
      }),
    );
  }

  function noteViewer(req: RequestLike, vh: ViewerHeaders): void {
    if (isOwnProbe(req, vh)) return;
    const key = `${req.socket.remoteAddress ?? ''}\t${vh.userAgent ?? ''}`;
    if (viewers.size >= MAX_VIEWERS_TRACKED && !viewers.has(key)) return;
    viewers.set(key, now());
    if (viewersSinceTaken.size < MAX_VIEWERS_TRACKED) viewersSinceTaken.add(key);
  }

  function countViewers(): number {
    const cutoff = now() - VIEWER_WINDOW_MS;
    for (const [key, seen] of viewers) if (seen < cutoff) viewers.delete(key);
    tallies.viewers = viewers.size;
    return viewers.size;
  }

  function reject(req: IncomingMessage, res: ServerResponse, vh: ViewerHeaders, status: number, code: string, started: number, query: string, extra: string[] = []): void {
    const body = Buffer.from(JSON.stringify({ error: code }) + '\n');
    const hasBody = vh.hasBody;
    const list = ['Content-Type', 'application/json', 'Content-Length', String(body.length), 'Access-Control-Allow-Origin', '*', ...extra];
    // Never read a body nobody asked for: close the connection instead of draining it.
    if (hasBody) list.push('Connection', 'close');
    res.writeHead(status, list);
    res.end(req.method === 'HEAD' ? undefined : body);
    finish(req, vh, { status, bodyBytes: body.length, headerBytes: 120, result: 'Error', kind: undefined, contentType: 'application/json' }, started, query);
  }

  function proxy(req: IncomingMessage, res: ServerResponse, rawPath: string, query: string, started: number): void {
    const method = req.method;
    const vh = readViewerHeaders(req.rawHeaders);
    if (method === 'OPTIONS') {
      const asked = req.headers['access-control-request-headers'];
      res.writeHead(204, asked === undefined ? CORS_PREFLIGHT : [...CORS_PREFLIGHT, 'Vary', 'Access-Control-Request-Headers']);
      res.end();
      finish(req, vh, { status: 204, bodyBytes: 0, headerBytes: 200, result: 'Hit', kind: undefined, contentType: undefined }, started, query);
      return;
    }
    if (method !== 'GET' && method !== 'HEAD') return reject(req, res, vh, 405, 'MethodNotAllowed', started, query, ['Allow', 'GET, HEAD, OPTIONS']);
    const parsed = normaliseObjectPath(rawPath);
    if (!parsed.ok) return reject(req, res, vh, parsed.status, parsed.code, started, query);
    if (parsed.key === '') return reject(req, res, vh, 404, 'NotFound', started, query);
    if (vh.hasBody) {
      return reject(req, res, vh, 400, 'UnexpectedBody', started, query);
    }
    const key = parsed.key;
    const t = now();
    const entry = cache.get(key, t);
    if (entry !== undefined && entry.expiresAt > t) return respond(req, res, vh, entry, 'Hit', started, query);

    // Miss: join the request already on its way to the origin for this key, or send one.
    let pending = inflight.get(key);
    if (pending === undefined) {
      pending = fetchFromOrigin(key, entry);
      inflight.set(key, pending);
      const mine = pending;
      void mine.then(() => {
        if (inflight.get(key) === mine) inflight.delete(key);
      });
    }
    void pending.then(({ entry: fresh, result }) => {
      if (res.destroyed) return;
      respond(req, res, vh, fresh, result === 'RefreshHit' ? 'RefreshHit' : 'Miss', started, query);
    });
  }

  /** Forward a request as it is (method, path, headers, body) and stream the answer back; nothing cached. */
  function forward(req: IncomingMessage, res: ServerResponse, query: string, started: number): void {
    const vh = readViewerHeaders(req.rawHeaders);
    const headers: http.OutgoingHttpHeaders = { ...req.headers };
    for (const h of HOP_BY_HOP) delete headers[h];
    const peer = req.socket.remoteAddress;
    if (peer !== undefined) headers['x-forwarded-for'] = typeof headers['x-forwarded-for'] === 'string' ? `${headers['x-forwarded-for']}, ${peer}` : peer;
    // A body-less request can be sent twice (the keep-alive race); one with a body is streamed once.
    const bodyless = !vh.hasBody;
    let upstream: http.ClientRequest | undefined;
    // A viewer that goes away takes the upstream request with it.
    res.once('close', () => {
      if (!res.writableFinished) upstream?.destroy();
    });
    requestWithRetry({
      host: origin.hostname,
      port: origin.port,
      method: req.method,
      path: req.url,
      headers,
      agent,
    }, {
      timeoutMs: opts.originTimeoutMs ?? 10_000,
      retry: bodyless,
      write: (r) => {
        upstream = r;
        if (res.destroyed) r.destroy();
        else if (bodyless) r.end();
        else req.pipe(r);
      },
    }).then(({ res: up }) => {
      const list: string[] = [];
      for (let i = 0; i < up.rawHeaders.length; i += 2) {
        if (!HOP_BY_HOP.has(up.rawHeaders[i].toLowerCase())) list.push(up.rawHeaders[i], up.rawHeaders[i + 1]);
      }
      const status = up.statusCode ?? 502;
      res.writeHead(status, list);
      up.on('error', () => res.destroy());
      up.on('aborted', () => res.destroy());
      up.pipe(res);
      res.once('finish', () => {
        const length = Number(up.headers['content-length']);
        // Logged as a handler's page is in a single-process edge ('Hit'), so the figures do not depend on the worker count.
        finish(req, vh, {
          status,
          bodyBytes: Number.isFinite(length) && req.method !== 'HEAD' ? length : 0,
          headerBytes: 200,
          result: 'Hit',
          kind: undefined,
          contentType: up.headers['content-type'],
        }, started, query);
      });
    }, (err: Error) => {
      if (res.headersSent || res.destroyed) return void res.destroy();
      const timedOut = err instanceof UpstreamTimeoutError;
      reject(req, res, vh, timedOut ? 504 : 502, timedOut ? 'OriginTimeout' : 'OriginUnreachable', started, query);
    });
  }

  async function serveMetrics(res: ServerResponse): Promise<void> {
    countViewers();
    const text = await metrics.registry.metrics();
    res.writeHead(200, { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  async function runHandlers(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    for (const handler of handlers) if (await handler(req, res)) return true;
    return false;
  }

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    const started = performance.now();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q === -1 ? url : url.slice(0, q);
    const query = q === -1 ? '' : url.slice(q + 1);
    // The stream is the hot path: straight to the cache, no handler gets a say.
    if (rawPath.startsWith('/stream/')) return proxy(req, res, rawPath, query, started);
    if (opts.passThrough?.(rawPath)) return forward(req, res, query, started);
    if (rawPath === '/metrics' && req.method === 'GET') {
      serveMetrics(res).catch(() => fail500(res));
      return;
    }
    if (handlers.length === 0) return proxy(req, res, rawPath, query, started);
    runHandlers(req, res).then(
      (handled) => {
        if (!handled) return proxy(req, res, rawPath, query, started);
        // Pages served by a handler are logged too, as CloudFront logs every request.
        const vh = readViewerHeaders(req.rawHeaders);
        const logHandled = (): void => {
          const length = Number(res.getHeader('content-length'));
          const type = res.getHeader('content-type');
          finish(req, vh, {
            status: res.statusCode,
            bodyBytes: Number.isFinite(length) && req.method !== 'HEAD' ? length : 0,
            headerBytes: 200,
            result: 'Hit',
            kind: undefined,
            contentType: typeof type === 'string' ? type : undefined,
          }, started, query);
        };
        if (res.writableFinished) logHandled();
        else res.once('finish', logHandled);
      },
      () => fail500(res),
    );
  }

  const server = http.createServer(
    {
      maxHeaderSize: 16 * 1024,
      headersTimeout: opts.headersTimeoutMs ?? 10_000,
      requestTimeout: 30_000,
      connectionsCheckingInterval: Math.min(1000, opts.headersTimeoutMs ?? 1000),
      keepAliveTimeout: keepAliveMs,
    },
    (req, res) => {
      try {
        onRequest(req, res);
      } catch {
        fail500(res);
      }
    },
  );

  // ---- simple cache hits, straight on the socket ----
  //
  // A player asks for the same few objects over and over with the same plain GET. node:http spends
  // more CPU on such a request (request and response objects, streams, events, header checks)
  // than the kernel spends copying a 200 KB segment, which kept the edge below 0.8x nginx on
  // segments (bench/README.md). So the edge takes each new connection first: a read that is
  // exactly one simple request (simple-request.ts) for an object fresh in the cache is answered
  // here with the header block made when the object was cached; anything else hands the
  // connection, with the bytes already read, to node:http for good (its parser, limits and
  // timeouts then apply, and a miss, a Range or a malformed request is answered there).
  const directSockets = new Set<Socket>();
  if (opts.directHits !== false && !opts.sendAge) {
    const httpConnectionListeners = server.listeners('connection') as Array<(socket: Socket) => void>;
    server.removeAllListeners('connection');
    server.on('connection', (socket: Socket) => {
      directSockets.add(socket);
      const idle = (): void => void socket.destroy();
      const onData = (chunk: Buffer): void => {
        if (serveDirectly(socket, chunk)) return;
        socket.off('data', onData);
        socket.off('timeout', idle);
        socket.setTimeout(0);
        directSockets.delete(socket);
        for (const listener of httpConnectionListeners) listener.call(server, socket);
        socket.unshift(chunk);
      };
      socket.setNoDelay(true);
      socket.setTimeout(keepAliveMs, idle); // node:http's keepAliveTimeout, for the connections it never sees
      socket.on('data', onData);
      socket.on('error', () => undefined); // a viewer that resets: nothing to answer
      socket.once('close', () => directSockets.delete(socket));
    });
  }

  /** Answer `chunk` if it is a simple request for a fresh cached object; false leaves it untouched. */
  function serveDirectly(socket: Socket, chunk: Buffer): boolean {
    const started = performance.now();
    const request = parseSimpleRequest(chunk);
    if (request === undefined) return false;
    const url = request.url;
    const q = url.indexOf('?');
    const parsed = normaliseObjectPath(q === -1 ? url : url.slice(0, q));
    if (!parsed.ok || parsed.key === '') return false;
    const t = now();
    const entry = cache.get(parsed.key, t);
    if (entry === undefined || entry.expiresAt <= t || entry.status !== 200) return false;
    const vh = request.headers;
    const gzipped = entry.gzip !== undefined && acceptsGzip(vh.acceptEncoding) ? entry.gzip : undefined;
    const body = gzipped ?? entry.body;
    const isHead = request.method === 'HEAD';
    socket.cork();
    socket.write(directHead(entry, gzipped !== undefined));
    if (!isHead) socket.write(body);
    socket.uncork();
    // A viewer that does not read: stop reading its requests until it has taken this answer.
    if (socket.writableLength > 0) {
      socket.pause();
      socket.once('drain', () => socket.resume());
    }
    const req: RequestLike = { method: request.method, url, httpVersion: '1.1', socket };
    if (entry.kind === 'playlist') noteViewer(req, vh);
    finish(req, vh, {
      status: 200,
      bodyBytes: isHead ? 0 : body.length,
      headerBytes: entry.headerBytes,
      result: 'Hit',
      kind: entry.kind,
      contentType: entry.contentType,
    }, started, q === -1 ? '' : url.slice(q + 1));
    return true;
  }

  /**
   * The whole header block of a direct answer, with the framing headers node:http would add (so a
   * viewer cannot tell which path answered), as bytes made once a second per object.
   */
  function directHead(entry: CachedObject, gzip: boolean): Buffer {
    const date = httpDate();
    const made = gzip ? entry.head.gzipBytes : entry.head.bytes;
    if (made !== undefined && made.date === date) return made.buffer;
    const text = `${gzip ? entry.head.hitGzip : entry.head.hit}Date: ${date}\r\nConnection: keep-alive\r\nKeep-Alive: timeout=${Math.floor(keepAliveMs / 1000)}\r\n\r\n`;
    const fresh = { date, buffer: Buffer.from(text, 'latin1') };
    if (gzip) entry.head.gzipBytes = fresh;
    else entry.head.bytes = fresh;
    return fresh.buffer;
  }

  const timer = setInterval(() => {
    countViewers();
    cache.sweep(now(), STALE_GRACE_MS);
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
    stats: () => ({ viewers: countViewers(), ...counts }),
    takeViewerKeys() {
      const keys = [...viewersSinceTaken];
      viewersSinceTaken.clear();
      return keys;
    },
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
      agent.destroy();
      await log.close();
    },
  };
}

// RFC 9110 §7.6.1: connection-specific headers are not forwarded; Node sets its own framing.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/** How long a fetched object stays fresh: its TTL less the Age the origin reported (RFC 9111 §4.2.3). */
function freshMs(ttlSeconds: number, ageHeader: string | undefined): number {
  const age = Number(ageHeader);
  return Math.max(0, ttlSeconds * 1000 - (Number.isInteger(age) && age > 0 ? age * 1000 : 0));
}

/** A status line and headers as HTTP/1.1 sends them, up to (not including) the blank line. */
function renderHead(status: number, list: readonly string[]): string {
  let head = `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}\r\n`;
  for (let i = 0; i < list.length; i += 2) head += `${list[i]}: ${list[i + 1]}\r\n`;
  return head;
}

let dateSecond = -1;
let dateText = '';
/** The Date header's value, made once a second (as node:http does). */
function httpDate(): string {
  const ms = Date.now();
  const second = Math.floor(ms / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(second * 1000).toUTCString();
  }
  return dateText;
}

function fail500(res: ServerResponse): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(500, { 'content-type': 'application/json', connection: 'close' });
  res.end('{"error":"InternalError"}\n');
}

function withoutLength(list: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < list.length; i += 2) if (list[i] !== 'Content-Length') out.push(list[i], list[i + 1]);
  return out;
}

/** If-None-Match uses the weak comparison (RFC 9110 §13.1.2): W/ prefixes are ignored. */
function matchesEtag(header: string, entry: CachedObject): boolean {
  if (header.trim() === '*') return true;
  for (const raw of header.split(',')) {
    const tag = raw.trim().replace(/^W\//, '');
    if (tag === entry.etag || tag === entry.gzipEtag) return true;
  }
  return false;
}

function acceptsGzip(header: string | undefined): boolean {
  return header !== undefined && header.includes('gzip') && !/gzip\s*;\s*q=0(\.0*)?(\s|,|$)/.test(header);
}
