/**
 * Writing the edge's answers through node:http: a cached object's (selectAnswer), a refusal, a
 * CORS preflight, an internal error. Each returns what the log needs of what it sent, if anything.
 */
import type { ServerResponse } from 'node:http';
import { ageHeadersFor } from './cache-policy.js';
import type { CachedAnswer } from './cached-answer.js';

const CORS_PREFLIGHT = [
  'Access-Control-Allow-Origin', '*',
  'Access-Control-Allow-Methods', 'GET, HEAD, OPTIONS',
  'Access-Control-Allow-Headers', 'Range, If-None-Match, If-Modified-Since, Origin, Accept, Content-Type',
  'Access-Control-Max-Age', '86400',
  'Content-Length', '0',
];

/** A cached object's answer; `ageMs` adds the age headers (a shield's answers, ageHeadersFor). Returns the body bytes sent (none for HEAD). */
export function writeAnswer(res: ServerResponse, answer: CachedAnswer, isHead: boolean, ageMs: number | undefined): number {
  const body = answer.body;
  const list = ageMs === undefined ? answer.headers : [...answer.headers, ...ageHeadersFor(ageMs)];
  res.writeHead(answer.status, list);
  if (isHead || body === undefined) {
    res.end();
    return 0;
  }
  res.end(body);
  return body.length;
}

/**
 * A refusal as JSON, {"error": code}, with an Allow header for a 405. Returns the body's length
 * (logged also for HEAD, which gets no body).
 */
export function writeRefusal(res: ServerResponse, isHead: boolean, hasBody: boolean, status: number, code: string, allow?: string): number {
  const body = Buffer.from(JSON.stringify({ error: code }) + '\n');
  const list = ['Content-Type', 'application/json', 'Content-Length', String(body.length), 'Access-Control-Allow-Origin', '*'];
  if (allow !== undefined) list.push('Allow', allow);
  // Never read a body nobody asked for: close the connection instead of draining it.
  if (hasBody) list.push('Connection', 'close');
  res.writeHead(status, list);
  res.end(isHead ? undefined : body);
  return body.length;
}

/** The answer to an OPTIONS request: any origin may GET and HEAD, with the headers players send. */
export function writePreflight(res: ServerResponse, askedHeaders: string | undefined): void {
  res.writeHead(204, askedHeaders === undefined ? CORS_PREFLIGHT : [...CORS_PREFLIGHT, 'Vary', 'Access-Control-Request-Headers']);
  res.end();
}

/** A 500, or a cut connection when the answer had already begun. */
export function writeInternalError(res: ServerResponse): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(500, { 'content-type': 'application/json', connection: 'close' });
  res.end('{"error":"InternalError"}\n');
}
