/**
 * Recognises the one request shape players send for the stream again and again: a complete
 * `GET` or `HEAD` of a /stream/ object, HTTP/1.1, keep-alive, no body, no Range and no
 * conditional headers. Anything else (and anything malformed) is not recognised: the edge then
 * hands the connection to node:http, whose parser (llhttp) checks and answers it. So this never
 * decides what is valid HTTP, only what is simple enough to answer from the cache directly. Pure.
 */
import { emptyViewerHeaders, type ViewerHeaders } from './viewer-headers.js';

export interface SimpleRequest {
  method: 'GET' | 'HEAD';
  /** The request target as sent ("/stream/index.m3u8?x=1"). */
  url: string;
  headers: ViewerHeaders;
}

/** Larger than any player's request; node:http takes the rest (its own limit is 16 KiB). */
export const MAX_SIMPLE_REQUEST_BYTES = 4096;

const REQUEST_LINE = /^(GET|HEAD) (\/stream\/[\x21-\x7e]*) HTTP\/1\.1$/;
// RFC 9110 field-name (token) and a field value of visible ASCII, spaces and tabs.
const HEADER_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*([\x20-\x7e\t]*?)[ \t]*$/;
// Headers that change what the answer is, or how the request is framed: node:http handles them.
const NOT_SIMPLE = new Set([
  'content-length',
  'transfer-encoding',
  'range',
  'if-range',
  'if-none-match',
  'if-match',
  'if-modified-since',
  'if-unmodified-since',
  'expect',
  'upgrade',
  'te',
  'trailer',
  'x-livestream-probe', // up's readiness check: rare, and node:http's path reads it (viewer-headers.ts)
]);

/**
 * `chunk` as a simple request, when it is exactly one (a pipelined second request, a request
 * split over two reads, or any byte out of place gives undefined).
 */
export function parseSimpleRequest(chunk: Buffer): SimpleRequest | undefined {
  if (chunk.length > MAX_SIMPLE_REQUEST_BYTES || chunk.length < 16) return undefined;
  const text = chunk.toString('latin1');
  if (text.indexOf('\r\n\r\n') !== text.length - 4) return undefined;
  const lines = text.slice(0, -4).split('\r\n');
  const start = REQUEST_LINE.exec(lines[0]);
  if (start === null) return undefined;
  const headers = emptyViewerHeaders();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    const m = HEADER_LINE.exec(line);
    if (m === null) return undefined; // obs-fold, a bare CR or LF, control bytes, a bad name
    headers.bytes += line.length + 2;
    const name = m[1].toLowerCase();
    const value = m[2];
    if (NOT_SIMPLE.has(name)) return undefined;
    switch (name) {
      case 'host':
        if (headers.host !== undefined) return undefined;
        headers.host = value;
        break;
      case 'user-agent':
        if (headers.userAgent !== undefined) return undefined;
        headers.userAgent = value;
        break;
      case 'referer':
        if (headers.referer !== undefined) return undefined;
        headers.referer = value;
        break;
      case 'accept-encoding':
        headers.acceptEncoding = headers.acceptEncoding === undefined ? value : `${headers.acceptEncoding}, ${value}`;
        break;
      case 'connection':
        // Keep-alive is HTTP/1.1's default; "close" (and anything else) is node:http's to honour.
        if (value.toLowerCase() !== 'keep-alive') return undefined;
        break;
    }
  }
  // HTTP/1.1 requires Host (node:http answers 400 without it).
  if (headers.host === undefined) return undefined;
  return { method: start[1] as 'GET' | 'HEAD', url: start[2], headers };
}
