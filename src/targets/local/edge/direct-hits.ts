/**
 * Simple cache hits answered straight on the socket.
 *
 * A player asks for the same few objects over and over with the same plain GET. node:http spends
 * more CPU on such a request (request and response objects, streams, events, header checks)
 * than the kernel spends copying a 200 KB segment, which kept the edge below 0.8x nginx on
 * segments (bench/README.md). So the edge takes each new connection first: a read that is
 * exactly one simple request (simple-request.ts) for an object fresh in the cache is answered
 * here with the header block made when the object was cached; anything else hands the
 * connection, with the bytes already read, to node:http for good (its parser, limits and
 * timeouts then apply, and a miss, a Range or a malformed request is answered there).
 */
import type http from 'node:http';
import type { Socket } from 'node:net';
import { normaliseObjectPath } from '../origin/object-path.js';
import { cacheKeyOf } from './cache-key.js';
import { acceptsGzip } from './cached-answer.js';
import type { CachedObject, EdgeCache } from './cache.js';
import type { RequestLike, RequestLog } from './request-log.js';
import { parseSimpleRequest } from './simple-request.js';

export interface DirectHitsOptions {
  cache: EdgeCache;
  log: RequestLog;
  /** The cache's clock (server.ts, steadyNow): expiry and Age. */
  now: () => number;
  /** node:http's keepAliveTimeout, applied here to the connections it never sees. */
  keepAliveMs: number;
}

/** Puts the direct path in front of `server`'s own connection handling. Returns the connections it serves, for close(). */
export function answerSimpleHitsDirectly(server: http.Server, o: DirectHitsOptions): Set<Socket> {
  const { cache, log, now, keepAliveMs } = o;
  const directSockets = new Set<Socket>();
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
    socket.setTimeout(keepAliveMs, idle);
    socket.on('data', onData);
    socket.on('error', () => undefined); // a viewer that resets: nothing to answer
    socket.once('close', () => directSockets.delete(socket));
  });

  /** Answer `chunk` if it is a simple request for a fresh cached object; false leaves it untouched. */
  function serveDirectly(socket: Socket, chunk: Buffer): boolean {
    const started = performance.now();
    const request = parseSimpleRequest(chunk);
    if (request === undefined) return false;
    const url = request.url;
    const q = url.indexOf('?');
    const query = q === -1 ? '' : url.slice(q + 1);
    const parsed = normaliseObjectPath(q === -1 ? url : url.slice(0, q));
    if (!parsed.ok || parsed.key === '') return false;
    const t = now();
    // The same key as node:http's path (handle-request.ts): a blocking reload never gets the plain playlist, nor the reverse.
    const entry = cache.get(cacheKeyOf(parsed.key, query), t);
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
    if (entry.kind === 'playlist') log.noteViewer(req, vh);
    log.record(req, vh, {
      status: 200,
      bodyBytes: isHead ? 0 : body.length,
      headerBytes: entry.headerBytes,
      result: 'Hit',
      kind: entry.kind,
      contentType: entry.contentType,
    }, started, query);
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

  return directSockets;
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
