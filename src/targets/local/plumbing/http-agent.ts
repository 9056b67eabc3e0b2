/**
 * HTTP keep-alive between the stack's own parts (edge worker → shield → origin, the source proxy →
 * the source, the PUT relay → the origin), set up once so that no client reuses a connection its
 * server is closing.
 *
 * The race it removes: a server closes a connection that has been idle for its keepAliveTimeout
 * (Node's default 5 s); a client whose pool still holds that socket sends its next request on it at
 * the same moment, and gets ECONNRESET or "socket hang up" before any response byte (on a busy
 * machine the client's own close notice is simply processed too late). The request never reaches the
 * server. The edge answered such requests 502 OriginUnreachable; ffmpeg logged "upload segment
 * failed, will retry"; the source proxy logged "source unreachable: ECONNRESET".
 * Three layers, each enough on a quiet machine, together enough on a loaded one:
 * - our servers keep idle connections far longer (SERVER_KEEP_ALIVE_TIMEOUT_MS) than
 * - our agents keep them (AGENT_IDLE_TIMEOUT_MS, below Node's and nginx's defaults, so also safe
 *   against outside servers such as a URL_PULL source), and
 * - a body-less request that failed that way on a reused socket is sent once more on a fresh
 *   connection (Node's documented remedy: https://nodejs.org/api/http.html#requestreusedsocket).
 */
import http, { type ClientRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import https from 'node:https';

/** Idle keep-alive connections on the origin and the shield live this long (nginx: 75 s, ALB: 60 s). */
export const SERVER_KEEP_ALIVE_TIMEOUT_MS = 65_000;

/** Agents close a socket idle this long: under Node's default server keepAliveTimeout of 5 s. */
export const AGENT_IDLE_TIMEOUT_MS = 4_000;

/** A keep-alive agent whose idle sockets close before a default-configured server closes them. */
export function createKeepAliveAgent(opts: { secure?: boolean; maxSockets?: number } = {}): http.Agent {
  const settings = { keepAlive: true, timeout: AGENT_IDLE_TIMEOUT_MS, ...(opts.maxSockets !== undefined ? { maxSockets: opts.maxSockets } : {}) };
  return opts.secure ? new https.Agent(settings) : new http.Agent(settings);
}

/** The request got no answer within its time limit. */
export class UpstreamTimeoutError extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(readonly timeoutMs: number) {
    super(`no answer within ${timeoutMs / 1000} s`);
  }
}

/**
 * Whether `err` is the keep-alive race: the request went out on a pooled socket that turned out
 * closed, before any byte of an answer. Node reports "socket hang up" with code ECONNRESET too.
 */
export function isStaleSocketError(req: ClientRequest, err: NodeJS.ErrnoException, answered: boolean): boolean {
  return req.reusedSocket && !answered && (err.code === 'ECONNRESET' || err.code === 'EPIPE');
}

export interface SentRequest {
  req: ClientRequest;
  res: IncomingMessage;
  /** It was sent a second time, on a fresh connection, after the keep-alive race. */
  retried: boolean;
}

export interface RequestWithRetryOptions {
  /** The socket silent this long (before or during the answer) destroys the request with an UpstreamTimeoutError. */
  timeoutMs: number;
  /** `https.request` for an https: URL; `http.request` by default. */
  send?: typeof http.request;
  /** Writes the body, if any, and ends the request; called for each attempt. Default: `req.end()`. */
  write?: (req: ClientRequest) => void;
  /** Whether a retry is allowed (only for requests that can be sent twice: no streamed body). Default true. */
  retry?: boolean;
}

/**
 * Sends a request and resolves with its response; retries once on a fresh connection when the first
 * attempt met the keep-alive race (see above). Rejects with the error of the last attempt.
 */
export function requestWithRetry(options: RequestOptions, opts: RequestWithRetryOptions): Promise<SentRequest> {
  const send = opts.send ?? http.request;
  const write = opts.write ?? ((req: ClientRequest) => req.end());
  const attempt = (fresh: boolean): Promise<SentRequest> =>
    new Promise((resolve, reject) => {
      // A fresh connection: no pooled socket at all (`agent: false` opens one and closes it after).
      const req = send(fresh ? { ...options, agent: false } : options);
      let answered = false;
      req.setTimeout(opts.timeoutMs, () => req.destroy(new UpstreamTimeoutError(opts.timeoutMs)));
      req.once('response', (res) => {
        answered = true;
        resolve({ req, res, retried: fresh });
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (answered) return; // after the answer started, the response's 'error'/'aborted' tell the caller
        if (!fresh && opts.retry !== false && isStaleSocketError(req, err, answered)) resolve(attempt(true));
        else reject(err);
      });
      write(req);
    });
  return attempt(false);
}
