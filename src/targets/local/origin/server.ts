import { randomUUID } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createOriginAccessLog, type AccessLogEntry, type OriginOperation } from './access-log.js';
import { bumpTally, type LocalMetrics } from '../plumbing/metrics.js';
import { DEFAULT_LIFECYCLE_POLICY, parseLifecyclePolicy, selectExpired, type LifecycleRule } from './lifecycle.js';
import { normaliseObjectPath, splitTarget } from './object-path.js';
import { identityOf, ObjectStore, PutError, sameFile, type ObjectMeta } from './object-store.js';
import { AccessControl, canRead, canWrite, type Grant } from './write-tokens.js';
import { decideHold, holdLimitMs, PlaylistHolds, readDeliveryDirectives, type HeldRequest, type HoldOutcome, type PlaylistPosition } from './blocking-reload.js';
import { listenOn } from '../plumbing/listen.js';
import { SERVER_KEEP_ALIVE_TIMEOUT_MS } from '../plumbing/http-agent.js';

export interface OriginOptions {
  root: string; // folder holding the objects (created if missing)
  containerName: string; // the stack name, for logs
  credential: string; // the stack's ingest credential: full read/write (Authorization: Bearer <credential>)
  host?: string; // default 127.0.0.1
  port?: number; // default 0
  lifecycle?: LifecycleRule[]; // default: the reference's: stream/*.ts expire 300 s after create
  accessLogDir: string; // rotated JSONL files live here
  maxObjectBytes?: number; // default 64 MiB; larger bodies -> 413
  now?: () => number; // injectable clock (ms) for lifecycle tests
  onAccess?: (entry: AccessLogEntry) => void; // the dashboard subscribes here
  metrics?: LocalMetrics;
  /** Objects at most (a new key beyond it gets 507). Default 100,000. */
  maxObjects?: number;
  /** How often lifecycle rules run. Default 5 s. */
  expiryIntervalMs?: number;
  /** A client must send its whole request head within this. Default 10 s (Node's is 60 s). */
  headersTimeoutMs?: number;
  /** ... and its whole request (an upload) within this. Default 120 s. */
  requestTimeoutMs?: number;
}

export interface OriginServer {
  url: string; // http://127.0.0.1:PORT
  port: number;
  /** A scoped, revocable write token, so ffmpeg's command line never carries the stack credential. */
  issueWriteToken(opts: { prefix: string }): { token: string; revoke(): void };
  /** Run lifecycle expiry now (also runs on a timer). Returns paths expired. */
  expireNow(): Promise<string[]>;
  stats(): { objects: number; bytes: number; expired: number; puts: number; gets: number; errors: number; held: number };
  close(): Promise<void>;
}

const MAX_LIST_ITEMS = 10_000;
/** Playlists larger than this are not read for blocking reload (ours are a few KB). */
const MAX_PLAYLIST_BYTES = 1024 * 1024;

/** Per-request facts gathered for the access log line. */
interface Exchange {
  started: number;
  requestTime: string;
  operation: OriginOperation;
  key: string;
  objectSize: number;
  bytesReceived: number;
  /** The status answered (set even when the client has gone). */
  status?: number;
  /** Body bytes of the response once it is complete. */
  bytesSent: number;
  firstByteAt: number;
  requester: AccessLogEntry['Requester'];
  remoteIp: string;
  userAgent: string;
  errorCode?: string;
  /** A running upload: the log line waits for it, so an aborted one is logged with its error. */
  upload?: Promise<void>;
  /** Held: a blocking playlist reload, or a GET of a hinted part (its time is mostly the wait for the next part). */
  held?: boolean;
}

export async function startOrigin(opts: OriginOptions): Promise<OriginServer> {
  const now = opts.now ?? Date.now;
  const root = path.resolve(opts.root);
  const maxObjectBytes = opts.maxObjectBytes ?? 64 * 1024 * 1024;
  const rules = opts.lifecycle ?? parseLifecyclePolicy(DEFAULT_LIFECYCLE_POLICY);
  const access = new AccessControl(opts.credential);
  const store = new ObjectStore(root, now, opts.maxObjects);
  await store.open();
  await fsp.mkdir(opts.accessLogDir, { recursive: true });
  const log = createOriginAccessLog({ dir: opts.accessLogDir, now });
  const tallies = opts.metrics?.origin;
  const counts = { expired: 0, puts: 0, gets: 0, errors: 0 };
  const holds = new PlaylistHolds();

  const syncStoreTallies = (): void => {
    if (tallies === undefined) return;
    const s = store.stats();
    tallies.objects = s.objects;
    tallies.bytesStored = s.bytes;
  };
  syncStoreTallies();

  function record(_req: IncomingMessage, res: ServerResponse, ex: Exchange): void {
    const end = performance.now();
    // The status decided, even if the client left before reading it (an upload can be stored yet unacknowledged).
    const status = ex.status ?? 400;
    const bytesSent = res.writableFinished ? ex.bytesSent : 0;
    const entry: AccessLogEntry = {
      RequestTime: ex.requestTime,
      Operation: ex.operation,
      Path: '/' + ex.key,
      HTTPStatus: status,
      TurnAroundTime: round3((ex.firstByteAt || end) - ex.started),
      TotalTime: round3(end - ex.started),
      ObjectSize: ex.objectSize,
      BytesSent: bytesSent,
      BytesReceived: ex.bytesReceived,
      RequestID: randomUUID(),
      RemoteIP: ex.remoteIp,
      UserAgent: ex.userAgent,
      Requester: ex.requester,
      ContainerName: opts.containerName,
    };
    if (ex.errorCode !== undefined) entry.ErrorCode = ex.errorCode;
    else if (ex.status === undefined) entry.ErrorCode = 'ClientClosedRequest';
    if (status >= 400) counts.errors++;
    if (tallies !== undefined) {
      bumpTally(tallies.requestsByOperation, `${ex.operation} ${status}`);
      tallies.bytesReceived += ex.bytesReceived;
      tallies.bytesSent += bytesSent;
      // A held reload's time is the wait for the next part, not how fast the origin answers.
      if (ex.held !== true) opts.metrics?.originRequestDuration.observe({ operation: ex.operation }, entry.TotalTime / 1000);
    }
    log.write(JSON.stringify(entry));
    try {
      opts.onAccess?.(entry);
    } catch {
      // A subscriber's bug must not take the origin down.
    }
  }

  function reply(res: ServerResponse, ex: Exchange, status: number, headers: http.OutgoingHttpHeaders, body?: string | Buffer): void {
    ex.firstByteAt = performance.now();
    ex.status = status;
    if (body !== undefined) headers['content-length'] = ex.bytesSent = Buffer.byteLength(body);
    res.writeHead(status, headers);
    res.end(body);
  }

  function fail(res: ServerResponse, ex: Exchange, status: number, code: string, extra: http.OutgoingHttpHeaders = {}): void {
    ex.errorCode = code;
    const body = JSON.stringify({ error: code }) + '\n';
    reply(res, ex, status, { 'content-type': 'application/json', ...extra }, body);
  }

  // A response queued behind another on a pipelined connection (ffmpeg with -http_persistent 1
  // sends its next PUT without reading the previous answer) never emits 'close' if the client hangs
  // up first; its log line is written when the connection closes instead.
  const unrecorded = new WeakMap<object, Set<() => void>>();
  function trackUnrecorded(req: IncomingMessage, recordOnce: () => void): void {
    let pending = unrecorded.get(req.socket);
    if (pending === undefined) {
      const set = new Set<() => void>();
      unrecorded.set(req.socket, (pending = set));
      req.socket.once('close', () => setImmediate(() => set.forEach((f) => f())));
    }
    pending.add(recordOnce);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { path: rawPath, query } = splitTarget(req.url ?? '/');
    const method = req.method ?? 'GET';
    const ex: Exchange = {
      started: performance.now(),
      requestTime: new Date(now()).toISOString(),
      operation: operationFor(method, rawPath),
      key: '',
      objectSize: 0,
      bytesReceived: 0,
      bytesSent: 0,
      firstByteAt: 0,
      requester: 'anonymous',
      remoteIp: req.socket.remoteAddress ?? '-',
      userAgent: req.headers['user-agent'] ?? '-',
    };
    let recorded = false;
    const recordOnce = (): void => {
      if (recorded) return;
      recorded = true;
      unrecorded.get(req.socket)?.delete(finalize);
      record(req, res, ex);
    };
    const finalize = (): void => {
      if (ex.upload === undefined) recordOnce();
      else void ex.upload.catch(() => undefined).then(recordOnce);
    };
    trackUnrecorded(req, finalize);
    res.once('close', finalize);

    if (!['GET', 'HEAD', 'PUT', 'DELETE'].includes(method)) {
      return fail(res, ex, 405, 'MethodNotAllowed', { allow: 'GET, HEAD, PUT, DELETE' });
    }
    const parsed = normaliseObjectPath(rawPath);
    if (!parsed.ok) return refuse(req, res, ex, parsed.status, parsed.code);
    ex.key = parsed.key;
    const grant = access.grantFor(req.headers.authorization);
    ex.requester = requesterFor(grant, method);
    const writing = method === 'PUT' || method === 'DELETE';
    if (grant.kind === 'none') return refuse(req, res, ex, 401, 'MissingCredentials', { 'www-authenticate': 'Bearer' });
    if (writing ? !canWrite(grant, ex.key) : !canRead(grant)) return refuse(req, res, ex, 403, 'AccessDenied');

    if (method === 'PUT') return (ex.upload = put(req, res, ex));
    if (method === 'DELETE') return remove(res, ex);
    if (ex.key === '') return list(res, ex, query);
    if (query !== '' && isPlaylistKey(ex.key) && !(await holdUntilListed(res, ex, query))) return;
    return get(req, res, ex, method === 'HEAD');
  }

  /** Answer without reading an upload's body: close the connection rather than drain it. */
  function refuse(req: IncomingMessage, res: ServerResponse, ex: Exchange, status: number, code: string, extra: http.OutgoingHttpHeaders = {}): void {
    const hasBody = req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0';
    const chunked = req.headers['transfer-encoding'] !== undefined;
    fail(res, ex, status, code, hasBody || chunked ? { ...extra, connection: 'close' } : extra);
  }

  async function put(req: IncomingMessage, res: ServerResponse, ex: Exchange): Promise<void> {
    if (ex.key === '') return refuse(req, res, ex, 400, 'InvalidPath');
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > maxObjectBytes) return refuse(req, res, ex, 413, 'ObjectTooLarge');
    // A playlist's text is kept as it arrives, to learn where it stands (blocking-reload.ts).
    const playlist: Buffer[] | undefined = isPlaylistKey(ex.key) ? [] : undefined;
    req.on('data', (chunk: Buffer) => {
      ex.bytesReceived += chunk.length;
      if (playlist !== undefined && ex.bytesReceived <= MAX_PLAYLIST_BYTES) playlist.push(chunk);
    });
    try {
      const meta = await store.put(ex.key, req, maxObjectBytes);
      counts.puts++;
      ex.objectSize = meta.size;
      syncStoreTallies();
      if (playlist !== undefined) {
        if (meta.size <= MAX_PLAYLIST_BYTES) holds.update(ex.key, Buffer.concat(playlist).toString('utf8'));
        else holds.forget(ex.key);
      }
      holds.stored(ex.key);
      reply(res, ex, 200, { etag: meta.etag, 'content-type': 'application/json' }, JSON.stringify({ ETag: meta.etag }) + '\n');
    } catch (err) {
      if (!(err instanceof PutError)) throw err;
      if (err.reason === 'Aborted') {
        ex.errorCode = 'IncompleteBody';
        if (!res.headersSent && !req.socket.destroyed) fail(res, ex, 400, 'IncompleteBody', { connection: 'close' });
        return;
      }
      if (err.reason === 'TooLarge') return fail(res, ex, 413, 'ObjectTooLarge', { connection: 'close' });
      if (err.reason === 'Conflict') return fail(res, ex, 409, 'PathConflict');
      return fail(res, ex, 507, 'TooManyObjects');
    }
  }

  async function remove(res: ServerResponse, ex: Exchange): Promise<void> {
    if (ex.key === '') return fail(res, ex, 400, 'InvalidPath');
    const size = store.get(ex.key)?.size ?? 0;
    if (!(await store.delete(ex.key))) return fail(res, ex, 404, 'ObjectNotFoundException');
    holds.forget(ex.key);
    ex.objectSize = size;
    syncStoreTallies();
    reply(res, ex, 204, {});
  }

  function list(res: ServerResponse, ex: Exchange, query: string): void {
    const params = new URLSearchParams(query);
    const prefix = (params.get('prefix') ?? params.get('Path') ?? '').replace(/^\/+/, '');
    const { items, truncated } = store.list(prefix, MAX_LIST_ITEMS);
    const body = JSON.stringify({
      Items: items.map((m) => ({
        Name: m.key,
        Type: 'OBJECT',
        ETag: m.etag,
        ContentType: m.contentType,
        ContentLength: m.size,
        LastModified: new Date(m.createdMs).toISOString(),
      })),
      Truncated: truncated,
    });
    reply(res, ex, 200, { 'content-type': 'application/json', 'cache-control': 'no-store' }, body);
  }

  /**
   * A playlist request with LL-HLS delivery directives: held until the playlist has the segment or
   * part asked for (blocking-reload.ts). True: answer it now with the playlist as it is; false: it
   * was answered (400, 503) or the client left.
   */
  async function holdUntilListed(res: ServerResponse, ex: Exchange, query: string): Promise<boolean> {
    const directives = readDeliveryDirectives(query);
    if (directives.kind === 'none') return true;
    const position = await positionOf(ex.key);
    // No such playlist (404 follows), or one that does not block: the directives are ignored.
    if (position === undefined || !position.canBlockReload || position.ended) return true;
    if (directives.kind === 'bad') {
      fail(res, ex, 400, 'InvalidDeliveryDirective', { 'x-livestream-reason': directives.reason });
      return false;
    }
    const decision = decideHold(position, directives);
    if (decision === 'answer') return true;
    if (decision !== 'hold') {
      fail(res, ex, 400, 'InvalidDeliveryDirective', { 'x-livestream-reason': decision.refuse });
      return false;
    }
    const outcome = await heldUntil(res, ex, holds.wait(ex.key, directives.msn, directives.part, holdLimitMs(position)));
    if (outcome === 'timeout') {
      // 6.2.5.2: a server that cannot answer within three target durations SHOULD say 503.
      fail(res, ex, 503, 'PlaylistNotUpdated', { 'retry-after': '1' });
      return false;
    }
    return outcome !== 'closed' || !res.destroyed;
  }

  /** Where a stored playlist stands: as last uploaded, or read from its file (kept from before a restart). */
  async function positionOf(key: string): Promise<PlaylistPosition | undefined> {
    const known = holds.position(key);
    if (known !== undefined || store.get(key) === undefined) return known;
    const text = await fsp.readFile(store.filePath(key), 'utf8').catch(() => undefined);
    // An upload may have come while the file was read: its position is the newer one.
    return holds.position(key) ?? (text === undefined ? undefined : holds.update(key, text));
  }

  /**
   * A GET of a part a playlist hints (EXT-X-PRELOAD-HINT) that is not stored yet: held until its
   * upload is complete, at most three target durations (blocking-reload.ts). True: look it up again.
   */
  async function holdForHintedPart(res: ServerResponse, ex: Exchange): Promise<boolean> {
    const limitMs = holds.hintedPartLimitMs(ex.key);
    if (limitMs === undefined) return false;
    return (await heldUntil(res, ex, holds.waitForPart(ex.key, limitMs))) === 'ready';
  }

  /**
   * The outcome of a hold, ended early by a viewer that leaves: its connection closes, or (the
   * server allows half-open connections, for ffmpeg) only its sending side ends. One still there
   * is then answered at once.
   */
  async function heldUntil(res: ServerResponse, ex: Exchange, held: HeldRequest): Promise<HoldOutcome> {
    ex.held = true;
    const socket = res.socket;
    res.once('close', held.cancel);
    socket?.once('end', held.cancel);
    const outcome = await held.outcome;
    res.off('close', held.cancel);
    socket?.off('end', held.cancel);
    return outcome;
  }

  async function get(req: IncomingMessage, res: ServerResponse, ex: Exchange, head: boolean): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      await store.settle(ex.key);
      const meta = store.get(ex.key);
      if (meta === undefined && attempt === 0 && (await holdForHintedPart(res, ex))) continue;
      if (meta === undefined) return fail(res, ex, 404, 'ObjectNotFoundException');
      ex.objectSize = meta.size;
      if (req.headers['if-none-match'] === meta.etag) return reply(res, ex, 304, { etag: meta.etag });
      if (head) {
        ex.status = 200;
        ex.firstByteAt = performance.now();
        res.writeHead(200, headersFor(meta));
        res.end();
        return;
      }
      const file = await fsp.open(store.filePath(ex.key), 'r').catch(() => undefined);
      if (file === undefined) continue; // expired or deleted since the lookup
      if (!sameFile(identityOf(await file.stat({ bigint: true })), meta.file)) {
        await file.close(); // replaced since the lookup: look again once its upload is indexed
        continue;
      }
      counts.gets++;
      ex.bytesSent = meta.size;
      ex.status = 200;
      ex.firstByteAt = performance.now();
      res.writeHead(200, headersFor(meta));
      await pipeline(createReadStream('', { fd: file, start: 0 }), res).catch(() => undefined);
      return;
    }
    fail(res, ex, 503, 'ObjectBusy', { 'retry-after': '1' });
  }

  const server = http.createServer(
    {
      maxHeaderSize: 16 * 1024,
      headersTimeout: opts.headersTimeoutMs ?? 10_000,
      requestTimeout: opts.requestTimeoutMs ?? 120_000,
      connectionsCheckingInterval: Math.min(1000, opts.headersTimeoutMs ?? 1000),
      // Longer than any client of ours keeps a connection idle (ffmpeg's persistent PUT connection
      // idles a segment duration; our agents 4 s), so none sends on one the origin is closing (http-agent.ts).
      keepAliveTimeout: SERVER_KEEP_ALIVE_TIMEOUT_MS,
    },
    (req, res) => {
      handle(req, res).catch(() => {
        // Never crash on one request: answer 500 if still possible, else drop the connection.
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'application/json', connection: 'close' });
          res.end('{"error":"InternalServerError"}\n');
        } else res.destroy();
      });
    },
  );

  // ffmpeg sends the last chunk of an upload and half-closes at once (hlsenc at the end of a stream,
  // with -http_persistent 1). By default Node then aborts every request still waiting for its answer,
  // dropping an upload that had fully arrived; half-open lets those finish (timeouts still apply).
  (server as http.Server & { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;

  async function expireNow(): Promise<string[]> {
    const objects = Array.from(store.entries(), (m) => ({ path: m.key, createdMs: m.createdMs }));
    const due = selectExpired(objects, rules, now());
    const done: string[] = [];
    for (const key of due) {
      if (await store.delete(key)) {
        holds.forget(key);
        done.push('/' + key);
      }
    }
    counts.expired += done.length;
    if (tallies !== undefined) tallies.expired += done.length;
    syncStoreTallies();
    return done;
  }
  let expiring = false;
  const timer = setInterval(() => {
    if (expiring) return;
    expiring = true;
    expireNow()
      .catch(() => undefined)
      .finally(() => {
        expiring = false;
      });
  }, opts.expiryIntervalMs ?? 5_000);
  timer.unref();

  const port = await listenOn(server, { port: opts.port, host: opts.host, what: 'The origin', flag: '--port' }).catch((err) => {
    clearInterval(timer);
    throw err;
  });
  const host = opts.host ?? '127.0.0.1';

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    issueWriteToken: ({ prefix }) => access.issue(prefix),
    expireNow,
    stats: () => ({ ...store.stats(), ...counts, held: holds.held }),
    async close() {
      clearInterval(timer);
      holds.close();
      server.closeIdleConnections();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Connections still busy (a stuck upload) must not keep close() waiting.
        setTimeout(() => server.closeAllConnections(), 1000).unref();
      });
      await log.close();
    },
  };
}

function headersFor(meta: ObjectMeta): http.OutgoingHttpHeaders {
  return {
    'content-type': meta.contentType,
    'content-length': meta.size,
    etag: meta.etag,
    'last-modified': new Date(meta.createdMs).toUTCString(),
  };
}

function operationFor(method: string, rawPath: string): OriginOperation {
  if (method === 'PUT') return 'PutObject';
  if (method === 'DELETE') return 'DeleteObject';
  if (method === 'HEAD') return 'HeadObject';
  if (method === 'GET' && rawPath === '/') return 'ListItems';
  return 'GetObject';
}

function requesterFor(grant: Grant, method: string): AccessLogEntry['Requester'] {
  if (grant.kind === 'token') return 'ingest';
  if (grant.kind === 'credential') return method === 'PUT' || method === 'DELETE' ? 'ingest' : 'edge';
  return 'anonymous';
}

function isPlaylistKey(key: string): boolean {
  return key.endsWith('.m3u8');
}

function round3(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
