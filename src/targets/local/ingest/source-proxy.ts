/**
 * A loopback HTTP proxy for URL_PULL sources. ffmpeg reads http://127.0.0.1:<port><source path>;
 * the proxy forwards to the source adding `Authorization: Basic ...`, so the password never appears
 * on ffmpeg's command line (visible to every user in `ps`). It mirrors paths, so relative playlist
 * URLs keep working; absolute same-origin URLs in playlists are rewritten to the proxy.
 * It also tells whether the source answers: each fetch (ffmpeg's, or a probe of the manifest when
 * ffmpeg is quiet) updates the state.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { rewriteManifest, rewriteUrl } from './manifest-rewrite.js';
import { createKeepAliveAgent, requestWithRetry, SERVER_KEEP_ALIVE_TIMEOUT_MS } from '../plumbing/http-agent.js';

export interface SourceProxyOptions {
  /** The source manifest, e.g. https://example.com/live/index.m3u8 (no credentials in it). */
  sourceUrl: string;
  user?: string;
  password?: string;
  log: (line: string) => void;
  /** Probe the manifest when ffmpeg fetched nothing for this long (ms). */
  probeEveryMs?: number;
}

export interface SourceHealth {
  /** The last fetch succeeded and it is recent. */
  ok: boolean;
  unauthorized: boolean;
  lastError?: string;
}

export interface SourceProxy {
  /** What ffmpeg reads: the source manifest's path on the proxy. */
  url: string;
  health(): SourceHealth;
  /** Body bytes pulled from the source, for the input bitrate. */
  bytesIn(): number;
  close(): Promise<void>;
}

const FORWARDED_REQUEST_HEADERS = ['range', 'user-agent', 'accept', 'if-none-match', 'if-modified-since'];
const FORWARDED_RESPONSE_HEADERS = ['content-type', 'content-length', 'content-range', 'accept-ranges', 'cache-control', 'last-modified', 'etag', 'date'];
const UPSTREAM_TIMEOUT_MS = 10_000;

export async function startSourceProxy(opts: SourceProxyOptions): Promise<SourceProxy> {
  const source = new URL(opts.sourceUrl);
  const secure = source.protocol === 'https:';
  // Idle sockets are let go before a source with default settings closes them, and a request that
  // still meets a closed one is sent again: no "source unreachable: ECONNRESET" (http-agent.ts).
  const agent = createKeepAliveAgent({ secure });
  const authorization = opts.user !== undefined
    ? `Basic ${Buffer.from(`${opts.user}:${opts.password ?? ''}`).toString('base64')}`
    : undefined;
  const probeEveryMs = opts.probeEveryMs ?? 5_000;
  // Logged without query string: signed URLs carry tokens there.
  const shownSource = `${source.origin}${source.pathname}`;

  let lastOkAt = 0;
  let lastFetchAt = 0;
  let lastOutcome: 'ok' | 'unauthorized' | 'error' | undefined;
  let lastError: string | undefined;

  function record(outcome: 'ok' | 'unauthorized' | 'error', error?: string): void {
    const now = Date.now();
    lastFetchAt = now;
    if (outcome === 'ok') lastOkAt = now;
    if (outcome !== lastOutcome || error !== lastError) {
      if (outcome === 'ok') opts.log(`source: ${shownSource} answers`);
      else opts.log(`source: ${error}`);
    }
    lastOutcome = outcome;
    lastError = outcome === 'ok' ? undefined : error;
  }

  function classify(status: number, path: string): void {
    if (status >= 200 && status < 400) return record('ok');
    const where = `${source.origin}${path.replace(/\?.*$/, '')}`;
    if (status === 401 || status === 403) {
      const why = authorization
        ? `the source refused the credentials of user "${opts.user}" (HTTP ${status} from ${where}); check --source-user and the password`
        : `the source requires credentials (HTTP ${status} from ${where}); pass --source-user and --source-password-stdin`;
      return record('unauthorized', why);
    }
    record('error', `HTTP ${status} from ${where}`);
  }

  async function fetchUpstream(path: string, headers: Record<string, string>, method: string): Promise<IncomingMessage> {
    const { res } = await requestWithRetry(
      { protocol: source.protocol, hostname: source.hostname, port: source.port || undefined, path, method, agent,
        headers: { ...headers, 'accept-encoding': 'identity', ...(authorization ? { authorization } : {}) } },
      { timeoutMs: UPSTREAM_TIMEOUT_MS, send: secure ? httpsRequest : httpRequest },
    );
    return res;
  }

  let proxyOrigin = '';
  let bytesIn = 0;
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    const headers: Record<string, string> = {};
    for (const name of FORWARDED_REQUEST_HEADERS) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    fetchUpstream(path, headers, req.method).then(
      (upstream) => {
        const status = upstream.statusCode ?? 502;
        classify(status, path);
        const out: Record<string, string> = {};
        for (const name of FORWARDED_RESPONSE_HEADERS) {
          const value = upstream.headers[name];
          if (typeof value === 'string') out[name] = value;
        }
        res.once('close', () => upstream.destroy());
        upstream.on('data', (c: Buffer) => (bytesIn += c.length));
        const location = upstream.headers.location;
        if (location) out.location = rewriteLocation(location, source.origin + path, source.origin, proxyOrigin);
        const contentType = upstream.headers['content-type'] ?? '';
        const isPlaylist = /mpegurl/i.test(contentType) || /\.m3u8?(\?|$)/i.test(path);
        if (!isPlaylist || status !== 200 || req.method === 'HEAD') {
          res.writeHead(status, out);
          upstream.pipe(res);
          upstream.once('error', () => res.destroy());
          return;
        }
        const chunks: Buffer[] = [];
        upstream.on('data', (c: Buffer) => chunks.push(c));
        upstream.once('error', () => res.destroy());
        upstream.once('end', () => {
          const body = Buffer.from(rewriteManifest(Buffer.concat(chunks).toString('utf8'), source.origin, proxyOrigin), 'utf8');
          out['content-length'] = String(body.length);
          res.writeHead(status, out).end(body);
        });
      },
      (err: Error & { code?: string }) => {
        record('error', `${shownSource} unreachable: ${err.code ?? err.message}`);
        res.writeHead(502, { 'content-type': 'text/plain' }).end('source unreachable\n');
      },
    ).catch(() => res.destroy());
  });

  // ffmpeg's hls demuxer keeps its connection between playlist reloads: keep it longer than it idles.
  server.keepAliveTimeout = SERVER_KEEP_ALIVE_TIMEOUT_MS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('source proxy has no port');
  proxyOrigin = `http://127.0.0.1:${address.port}`;

  // Keeps `connected` true to life while ffmpeg is not reading (channel stopped, decoder restarting).
  const sourcePath = `${source.pathname}${source.search}`;
  const probeOnce = (): void => {
    fetchUpstream(sourcePath, {}, 'GET').then(
      (upstream) => {
        classify(upstream.statusCode ?? 502, sourcePath);
        upstream.resume();
      },
      (err: Error & { code?: string }) => record('error', `${shownSource} unreachable: ${err.code ?? err.message}`),
    );
  };
  probeOnce();
  const probe = setInterval(() => {
    if (Date.now() - lastFetchAt >= probeEveryMs) probeOnce();
  }, probeEveryMs);
  probe.unref();

  return {
    url: `${proxyOrigin}${sourcePath}`,
    bytesIn: () => bytesIn,
    health: () => ({
      ok: lastOutcome === 'ok' && Date.now() - lastOkAt <= 2 * probeEveryMs + UPSTREAM_TIMEOUT_MS,
      unauthorized: lastOutcome === 'unauthorized',
      ...(lastError ? { lastError } : {}),
    }),
    close: async () => {
      clearInterval(probe);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}

/** A redirect's Location, re-pointed at the proxy when it stays on the source's origin. */
function rewriteLocation(location: string, base: string, sourceOrigin: string, proxyOrigin: string): string {
  try {
    return rewriteUrl(new URL(location, base).href, sourceOrigin, proxyOrigin);
  } catch {
    return location;
  }
}
