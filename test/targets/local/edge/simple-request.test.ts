import { describe, expect, it } from 'vitest';
import { MAX_SIMPLE_REQUEST_BYTES, parseSimpleRequest } from '../../../../src/targets/local/edge/simple-request.js';

const req = (text: string) => parseSimpleRequest(Buffer.from(text, 'latin1'));

// What hls.js in Chromium sends for a segment (the headers a real player sends, in its order).
const CHROMIUM = [
  'GET /stream/index_1280x720_00042.ts HTTP/1.1',
  'Host: 192.168.1.20:8080',
  'Connection: keep-alive',
  'User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36',
  'Accept: */*',
  'Origin: http://192.168.1.20:8080',
  'Referer: http://192.168.1.20:8080/player/',
  'Accept-Encoding: gzip, deflate, br, zstd',
  'Accept-Language: en-US,en;q=0.9',
].join('\r\n') + '\r\n\r\n';

describe('parseSimpleRequest', () => {
  it("reads a player's GET with the headers the edge logs", () => {
    const r = req(CHROMIUM);
    expect(r).toMatchObject({
      method: 'GET',
      url: '/stream/index_1280x720_00042.ts',
      headers: {
        host: '192.168.1.20:8080',
        userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36',
        referer: 'http://192.168.1.20:8080/player/',
        acceptEncoding: 'gzip, deflate, br, zstd',
        range: undefined,
        ifNoneMatch: undefined,
        hasBody: false,
      },
    });
    expect(r?.headers.bytes).toBe(CHROMIUM.indexOf('\r\n\r\n') + 2 - CHROMIUM.indexOf('Host'));
  });

  it("reads wrk's and curl's minimal requests, HEAD, a query, and trims header values", () => {
    expect(req('GET /stream/a.ts HTTP/1.1\r\nHost: x\r\n\r\n')).toMatchObject({ method: 'GET', url: '/stream/a.ts', headers: { host: 'x' } });
    expect(req('HEAD /stream/index.m3u8?_HLS_msn=5 HTTP/1.1\r\nhost:  x  \r\nuser-agent: curl/7.88.1\r\naccept: */*\r\n\r\n')).toMatchObject({
      method: 'HEAD',
      url: '/stream/index.m3u8?_HLS_msn=5',
      headers: { host: 'x', userAgent: 'curl/7.88.1' },
    });
  });

  // Each of these is node:http's to answer (or refuse): the edge hands the connection over.
  const notSimple: Array<[string, string]> = [
    ['POST', 'POST /stream/a.ts HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['OPTIONS', 'OPTIONS /stream/a.ts HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['lower-case method', 'get /stream/a.ts HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['HTTP/1.0', 'GET /stream/a.ts HTTP/1.0\r\nHost: x\r\n\r\n'],
    ['outside /stream/', 'GET /player/ HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['absolute-form target', 'GET http://x/stream/a.ts HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['a space in the target', 'GET /stream/a b.ts HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['a byte above 0x7e in the target', 'GET /stream/\xe9.ts HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['two spaces after the method', 'GET  /stream/a.ts HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['no Host', 'GET /stream/a.ts HTTP/1.1\r\nUser-Agent: x\r\n\r\n'],
    ['two Hosts', 'GET /stream/a.ts HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n'],
    ['Range', 'GET /stream/a.ts HTTP/1.1\r\nHost: x\r\nRange: bytes=0-99\r\n\r\n'],
    ['If-None-Match', 'GET /stream/a.ts HTTP/1.1\r\nHost: x\r\nIf-None-Match: "abc"\r\n\r\n'],
    ['If-Modified-Since', 'GET /stream/a.ts HTTP/1.1\r\nHost: x\r\nIf-Modified-Since: Wed, 25 Nov 2026 04:00:00 GMT\r\n\r\n'],
    ['Content-Length', 'GET /stream/a.ts HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n'],
    ['Content-Length: 0', 'GET /stream/a.ts HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n'],
    ['Transfer-Encoding', 'GET /stream/a.ts HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n'],
    ['Expect', 'GET /stream/a.ts HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n\r\n'],
    ['Upgrade', 'GET /stream/a.ts HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'],
    ['Connection: close', 'GET /stream/a.ts HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
    ['obs-fold', 'GET /stream/a.ts HTTP/1.1\r\nHost: x\r\nUser-Agent: a\r\n b\r\n\r\n'],
    ['a bare LF', 'GET /stream/a.ts HTTP/1.1\nHost: x\r\n\r\n'],
    ['a bare CR in a value', 'GET /stream/a.ts HTTP/1.1\r\nHost: x\rEvil: 1\r\n\r\n'],
    ['a NUL in a value', 'GET /stream/a.ts HTTP/1.1\r\nHost: x\r\nUser-Agent: a\x00b\r\n\r\n'],
    ['a space before the colon', 'GET /stream/a.ts HTTP/1.1\r\nHost : x\r\n\r\n'],
    ['no colon', 'GET /stream/a.ts HTTP/1.1\r\nHost x\r\n\r\n'],
    ['an incomplete request', 'GET /stream/a.ts HTTP/1.1\r\nHost: x\r\n'],
    ['two pipelined requests', 'GET /stream/a.ts HTTP/1.1\r\nHost: x\r\n\r\nGET /stream/b.ts HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['a body after the headers', 'GET /stream/a.ts HTTP/1.1\r\nHost: x\r\n\r\nhello'],
    ['nothing', ''],
  ];
  it.each(notSimple)('leaves to node:http: %s', (_name, text) => {
    expect(req(text)).toBeUndefined();
  });

  it(`leaves to node:http a request larger than ${MAX_SIMPLE_REQUEST_BYTES} bytes`, () => {
    const padded = (n: number) => `GET /stream/a.ts HTTP/1.1\r\nHost: x\r\nX-Pad: ${'a'.repeat(n)}\r\n\r\n`;
    const fits = padded(MAX_SIMPLE_REQUEST_BYTES - padded(0).length);
    expect(Buffer.byteLength(fits)).toBe(MAX_SIMPLE_REQUEST_BYTES);
    expect(req(fits)).toBeDefined();
    expect(req(padded(MAX_SIMPLE_REQUEST_BYTES))).toBeUndefined();
  });
});
