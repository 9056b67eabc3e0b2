/**
 * Forwarding a request upstream as it is (method, path, headers, body) and streaming the answer
 * back, nothing cached: how a cluster worker sends its pages, /api/ and /metrics to the shield.
 */
import type http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { requestWithRetry } from '../plumbing/http-agent.js';
import type { Upstream } from './origin-fetch.js';

// RFC 9110 §7.6.1: connection-specific headers are not forwarded; Node sets its own framing.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

/**
 * `answered` runs once the answer was sent in full; `failed` when upstream could not be reached
 * or did not answer in time and nothing was sent yet (a failure after that cuts the connection).
 */
export function forwardRequest(
  req: IncomingMessage,
  res: ServerResponse,
  hasBody: boolean,
  upstream: Upstream,
  answered: (status: number, upstreamHeaders: http.IncomingHttpHeaders) => void,
  failed: (err: Error) => void,
): void {
  const headers: http.OutgoingHttpHeaders = { ...req.headers };
  for (const h of HOP_BY_HOP) delete headers[h];
  const peer = req.socket.remoteAddress;
  if (peer !== undefined) headers['x-forwarded-for'] = typeof headers['x-forwarded-for'] === 'string' ? `${headers['x-forwarded-for']}, ${peer}` : peer;
  // A body-less request can be sent twice (the keep-alive race); one with a body is streamed once.
  const bodyless = !hasBody;
  let sent: http.ClientRequest | undefined;
  // A viewer that goes away takes the upstream request with it.
  res.once('close', () => {
    if (!res.writableFinished) sent?.destroy();
  });
  requestWithRetry({
    host: upstream.origin.hostname,
    port: upstream.origin.port,
    method: req.method,
    path: req.url,
    headers,
    agent: upstream.agent,
  }, {
    timeoutMs: upstream.timeoutMs,
    retry: bodyless,
    write: (r) => {
      sent = r;
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
    res.once('finish', () => answered(status, up.headers));
  }, (err: Error) => {
    if (res.headersSent || res.destroyed) return void res.destroy();
    failed(err);
  });
}
