import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AccessLogEntry } from '../../../../src/targets/local/origin/access-log.js';
import { CLOUDFRONT_FIELDS } from '../../../../src/targets/local/edge/cloudfront-log.js';
import { startEdge, type EdgeServer, type RequestHandler } from '../../../../src/targets/local/edge/server.js';
import { createLocalMetrics, type LocalMetrics } from '../../../../src/targets/local/plumbing/metrics.js';
import { startOrigin, type OriginServer } from '../../../../src/targets/local/origin/server.js';
import { rawRequest, request } from '../origin/http-helpers.js';
import { makeTmpDir } from '../../../helpers/tmp-dir.js';

const CREDENTIAL = 'edge-test-credential-0123456789';
const md5 = (b: string | Buffer): string => createHash('md5').update(b).digest('hex');
const AUTH = { authorization: `Bearer ${CREDENTIAL}` };

let dir: string;
let origin: OriginServer;
let edge: EdgeServer;
let clock: number;
let originLog: AccessLogEntry[];
let metrics: LocalMetrics;
let directHits = true;

const PLAYLIST = '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n' + '#EXTINF:4.000000,\nindex_1280x720_00001.ts\n'.repeat(20);
const SEGMENT = Buffer.alloc(200 * 1024, 0x47);

async function startEdgeWith(handlers: RequestHandler[] = []): Promise<EdgeServer> {
  return startEdge({
    originUrl: origin.url,
    credential: CREDENTIAL,
    segmentSeconds: 4,
    logDir: path.join(dir, 'edge-logs'),
    distributionId: 'ETEST',
    handlers,
    metrics,
    now: () => clock,
    headersTimeoutMs: 500,
    directHits,
  });
}

// Every behaviour holds whichever path answers a cache hit: straight on the socket (the default)
// or through node:http.
describe.each([true, false])('edge, simple hits answered directly: %s', (direct) => {
  beforeEach(() => {
    directHits = direct;
  });

  beforeEach(async () => {
    dir = await makeTmpDir('edge-test-');
    clock = Date.UTC(2026, 10, 25, 4, 30, 0);
    originLog = [];
    metrics = createLocalMetrics();
    origin = await startOrigin({
      root: path.join(dir, 'store'),
      containerName: 'teststack',
      credential: CREDENTIAL,
      accessLogDir: path.join(dir, 'origin-logs'),
      now: () => clock,
      onAccess: (e) => originLog.push(e),
      metrics,
    });
    edge = await startEdgeWith();
    await put('/stream/index.m3u8', PLAYLIST);
    await put('/stream/index_1280x720_00001.ts', SEGMENT);
  });

  afterEach(async () => {
    await edge.close();
    await origin.close();
  });

  async function put(p: string, body: string | Buffer): Promise<void> {
    expect((await request(origin.url, p, { method: 'PUT', headers: AUTH, body })).status).toBe(200);
  }

  /** Origin GETs so far for a path (the access log line is written when the origin's response closes). */
  async function originGets(p: string): Promise<number> {
    await new Promise((r) => setTimeout(r, 50));
    return originLog.filter((e) => e.Operation === 'GetObject' && e.Path === p).length;
  }

  const get = (p: string, headers: http.OutgoingHttpHeaders = {}, method = 'GET') => request(edge.url, p, { headers, method });

  async function expectStillServing(): Promise<void> {
    const r = await get('/stream/index_1280x720_00001.ts');
    expect(r.status).toBe(200);
    expect(r.body.equals(SEGMENT)).toBe(true);
  }

  describe('edge caching', () => {
    it('collapses concurrent misses for one segment into one origin request', async () => {
      const replies = await Promise.all(Array.from({ length: 25 }, () => get('/stream/index_1280x720_00001.ts')));
      for (const r of replies) {
        expect(r.status).toBe(200);
        expect(r.body.equals(SEGMENT)).toBe(true);
      }
      expect(await originGets('/stream/index_1280x720_00001.ts')).toBe(1);
      const again = await Promise.all(Array.from({ length: 10 }, () => get('/stream/index_1280x720_00001.ts')));
      expect(again.map((r) => r.headers['x-cache'])).toEqual(Array(10).fill('Hit'));
      expect(await originGets('/stream/index_1280x720_00001.ts')).toBe(1);
      expect(again[0].headers['cache-control']).toBe('public, max-age=86400, immutable');
    });

    it('keeps a playlist for a quarter second (viewers must not cache it), then fetches it again', async () => {
      const first = await get('/stream/index.m3u8');
      expect(first.headers['x-cache']).toBe('Miss');
      expect(first.headers['cache-control']).toBe('no-cache');
      expect(first.headers['content-type']).toBe('application/vnd.apple.mpegurl');
      await put('/stream/index.m3u8', PLAYLIST + '#EXT-X-ENDLIST\n');
      clock += 249;
      const cached = await get('/stream/index.m3u8');
      expect(cached.headers['x-cache']).toBe('Hit');
      expect(cached.body.toString()).toBe(PLAYLIST);
      clock += 2;
      const fresh = await get('/stream/index.m3u8');
      expect(fresh.headers['x-cache']).toBe('Miss');
      expect(fresh.body.toString()).toBe(PLAYLIST + '#EXT-X-ENDLIST\n');
      expect(await originGets('/stream/index.m3u8')).toBe(2);
    });

    it('keeps a playlist a quarter second by a clock that never steps: a wall clock set back 7 s does not keep it for 7 s more', async () => {
      // An edge on its default clocks (the others here run on the test's clock), with a wall clock the test can set.
      const wallNow = Date.now.bind(Date);
      let setBackMs = 0;
      vi.spyOn(Date, 'now').mockImplementation(() => wallNow() - setBackMs);
      const steady = await startEdge({ originUrl: origin.url, credential: CREDENTIAL, segmentSeconds: 4, logDir: path.join(dir, 'steady-logs'), metrics, directHits });
      try {
        expect((await request(steady.url, '/stream/index.m3u8')).headers['x-cache']).toBe('Miss');
        await put('/stream/index.m3u8', PLAYLIST + '#EXT-X-ENDLIST\n');
        setBackMs = 7_000; // NTP sets the clock back
        await new Promise((r) => setTimeout(r, 300));
        const after = await request(steady.url, '/stream/index.m3u8');
        expect(after.headers['x-cache']).toBe('Miss');
        expect(after.body.toString()).toBe(PLAYLIST + '#EXT-X-ENDLIST\n');
      } finally {
        vi.restoreAllMocks();
        await steady.close();
      }
    });

    it('revalidates an unchanged playlist with If-None-Match', async () => {
      await get('/stream/index.m3u8');
      clock += 2_500;
      const again = await get('/stream/index.m3u8');
      expect(again.status).toBe(200);
      expect(again.body.toString()).toBe(PLAYLIST);
      await originGets('/stream/index.m3u8');
      expect(originLog.filter((e) => e.Path === '/stream/index.m3u8' && e.Operation === 'GetObject').map((e) => e.HTTPStatus)).toEqual([200, 304]);
    });

    it('caches origin errors for 1 s, but not a segment\'s 404 (an LL-HLS part is asked for as it is made)', async () => {
      expect((await get('/stream/late.m3u8')).status).toBe(404);
      await put('/stream/late.m3u8', 'now here');
      clock += 900;
      expect((await get('/stream/late.m3u8')).status).toBe(404);
      clock += 200;
      const r = await get('/stream/late.m3u8');
      expect(r.status).toBe(200);
      expect(r.body.toString()).toBe('now here');
      expect(await originGets('/stream/late.m3u8')).toBe(2);

      expect((await get('/stream/late.ts')).status).toBe(404);
      await put('/stream/late.ts', 'part');
      expect((await get('/stream/late.ts')).body.toString()).toBe('part');
    });

    it('answers 502 when the origin is down, and recovers', async () => {
      const url = new URL(origin.url);
      await origin.close();
      expect((await get('/stream/index.m3u8')).status).toBe(502);
      origin = await startOrigin({ root: path.join(dir, 'store'), containerName: 't', credential: CREDENTIAL, accessLogDir: path.join(dir, 'o2'), port: Number(url.port) });
      clock += 1_100;
      expect((await get('/stream/index.m3u8')).status).toBe(200);
    });
  });

  describe('edge HTTP features', () => {
    it('answers HEAD with headers only', async () => {
      const r = await get('/stream/index_1280x720_00001.ts', {}, 'HEAD');
      expect(r.status).toBe(200);
      expect(r.headers['content-length']).toBe(String(SEGMENT.length));
      expect(r.headers['content-type']).toBe('video/mp2t');
      expect(r.body.length).toBe(0);
    });

    it('serves single byte ranges and refuses unsatisfiable ones', async () => {
      const p = '/stream/index_1280x720_00001.ts';
      const part = await get(p, { range: 'bytes=100-199' });
      expect(part.status).toBe(206);
      expect(part.headers['content-range']).toBe(`bytes 100-199/${SEGMENT.length}`);
      expect(part.body.equals(SEGMENT.subarray(100, 200))).toBe(true);
      const suffix = await get(p, { range: 'bytes=-10' });
      expect(suffix.status).toBe(206);
      expect(suffix.body.length).toBe(10);
      const open = await get(p, { range: `bytes=${SEGMENT.length - 5}-` });
      expect(open.body.length).toBe(5);
      const beyond = await get(p, { range: `bytes=${SEGMENT.length}-` });
      expect(beyond.status).toBe(416);
      expect(beyond.headers['content-range']).toBe(`bytes */${SEGMENT.length}`);
      const garbage = await get(p, { range: 'bytes=abc' });
      expect(garbage.status).toBe(200);
      expect(garbage.body.length).toBe(SEGMENT.length);
      await expectStillServing();
    });

    it('answers If-None-Match with 304', async () => {
      const first = await get('/stream/index_1280x720_00001.ts');
      const etag = first.headers.etag as string;
      expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
      expect((await get('/stream/index_1280x720_00001.ts', { 'if-none-match': etag })).status).toBe(304);
      expect((await get('/stream/index_1280x720_00001.ts', { 'if-none-match': `W/${etag}` })).status).toBe(304);
      expect((await get('/stream/index_1280x720_00001.ts', { 'if-none-match': '"other"' })).status).toBe(200);
    });

    it('sends CORS headers and answers preflight requests', async () => {
      expect((await get('/stream/index.m3u8')).headers['access-control-allow-origin']).toBe('*');
      const pre = await get('/stream/index.m3u8', { origin: 'http://example.test', 'access-control-request-method': 'GET', 'access-control-request-headers': 'range' }, 'OPTIONS');
      expect(pre.status).toBe(204);
      expect(pre.headers['access-control-allow-origin']).toBe('*');
      expect(pre.headers['access-control-allow-methods']).toBe('GET, HEAD, OPTIONS');
      expect(pre.headers['access-control-allow-headers']).toContain('Range');
    });

    it('gzips playlists for clients that accept it, never segments', async () => {
      const gz = await get('/stream/index.m3u8', { 'accept-encoding': 'gzip, deflate' });
      expect(gz.headers['content-encoding']).toBe('gzip');
      expect(gz.headers.vary).toBe('Accept-Encoding');
      expect(gunzipSync(gz.body).toString()).toBe(PLAYLIST);
      const plain = await get('/stream/index.m3u8');
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.body.toString()).toBe(PLAYLIST);
      const refused = await get('/stream/index.m3u8', { 'accept-encoding': 'gzip;q=0' });
      expect(refused.headers['content-encoding']).toBeUndefined();
      const seg = await get('/stream/index_1280x720_00001.ts', { 'accept-encoding': 'gzip' });
      expect(seg.headers['content-encoding']).toBeUndefined();
    });

    it('mounts handlers before the proxy but never in front of /stream/', async () => {
      await edge.close();
      const seen: string[] = [];
      edge = await startEdgeWith([
        async (req, res) => {
          seen.push(req.url ?? '');
          if (!req.url?.startsWith('/player/')) return false;
          res.writeHead(200, { 'content-type': 'text/html' });
          res.end('<h1>player</h1>');
          return true;
        },
      ]);
      expect((await get('/player/')).body.toString()).toBe('<h1>player</h1>');
      expect((await get('/stream/index.m3u8')).status).toBe(200);
      expect((await get('/favicon.ico')).status).toBe(404); // not claimed: proxied, and the origin has none
      expect(seen).toEqual(['/player/', '/favicon.ico']);
      await new Promise((r) => setTimeout(r, 50)); // a handler's response is counted when it finishes
      expect(edge.stats().requests).toBe(3); // the handler's page counts (and is logged) too
    });
  });

  describe('edge bad requests', () => {
    const traversal = [
      '/stream/../../etc/passwd',
      '/stream/%2e%2e/%2e%2e/etc/passwd',
      '/stream/..%2f..%2fetc%2fpasswd',
      '/stream/..\\..\\etc\\passwd',
      '/stream/..%5c..%5cetc%5cpasswd',
      '/stream/x%00.ts',
      '/.tmp/x',
    ];
    it.each(traversal)('refuses %s with 400', async (p) => {
      expect((await rawRequest(edge.url, `GET ${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)).status).toBe(400);
      await expectStillServing();
    });

    const cases: [string, number, string][] = [
      ['PUT', 405, `PUT /stream/index.m3u8 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello`],
      ['DELETE', 405, `DELETE /stream/index.m3u8 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`],
      ['POST with a huge declared body', 405, `POST /stream/x HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000000\r\n\r\n`],
      ['GET with a body', 400, `GET /stream/index.m3u8 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc`],
      ['huge headers', 431, `GET /stream/index.m3u8 HTTP/1.1\r\nHost: x\r\nCookie: ${'c'.repeat(20_000)}\r\n\r\n`],
      ['path over 1024', 414, `GET /stream/${'a/'.repeat(600)}x.ts HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`],
      ['the root (no listing through the edge)', 404, `GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`],
      ['malformed request line', 400, `NOT HTTP\r\n\r\n`],
    ];
    it.each(cases)('answers %s with %i', async (_name, status, raw) => {
      expect((await rawRequest(edge.url, raw)).status).toBe(status);
      await expectStillServing();
    });

    it('closes the connection of a client that sends its headers too slowly', async () => {
      const r = await rawRequest(edge.url, 'GET /stream/index.m3u8 HTTP/1.1\r\nHost: x\r\n', 5000);
      expect(r.closed).toBe(true);
      await expectStillServing();
    });

    it('never writes to the origin', async () => {
      await rawRequest(edge.url, `PUT /stream/index.m3u8 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\nbad`);
      expect((await get('/stream/index.m3u8')).body.toString()).toBe(PLAYLIST);
      expect(originLog.filter((e) => e.Operation === 'PutObject')).toHaveLength(2); // the two made by beforeEach
    });
  });

  describe('edge logs, stats and metrics', () => {
    it('writes CloudFront standard log lines to an hourly file', async () => {
      await get('/stream/index.m3u8', { 'user-agent': 'Mozilla/5.0 (X11; Linux)', referer: 'http://127.0.0.1/player/' });
      await get('/stream/index.m3u8?v=1', { 'user-agent': 'Mozilla/5.0 (X11; Linux)' });
      await get('/stream/missing.ts');
      await edge.close();
      const files = await fsp.readdir(path.join(dir, 'edge-logs'));
      expect(files).toHaveLength(1);
      expect(files[0]).toMatch(/^ETEST\.2026-11-25-04\.[0-9a-f]{8}$/);
      const lines = (await fsp.readFile(path.join(dir, 'edge-logs', files[0]), 'utf8')).trimEnd().split('\n');
      expect(lines[0]).toBe('#Version: 1.0');
      expect(lines[1]).toBe(`#Fields: ${CLOUDFRONT_FIELDS.join(' ')}`);
      const rows = lines.slice(2).map((l) => Object.fromEntries(l.split('\t').map((v, i) => [CLOUDFRONT_FIELDS[i], v])));
      expect(lines.slice(2).every((l) => l.split('\t').length === CLOUDFRONT_FIELDS.length)).toBe(true);
      expect(rows.map((r) => [r['cs-method'], r['cs-uri-stem'], r['sc-status'], r['x-edge-result-type'], r['cs-uri-query']])).toEqual([
        ['GET', '/stream/index.m3u8', '200', 'Miss', '-'],
        ['GET', '/stream/index.m3u8', '200', 'Hit', 'v=1'],
        ['GET', '/stream/missing.ts', '404', 'Error', '-'],
      ]);
      expect(rows[0]).toMatchObject({
        date: '2026-11-25',
        time: '04:30:00',
        'c-ip': '127.0.0.1',
        'cs(User-Agent)': 'Mozilla/5.0%20(X11;%20Linux)',
        'cs(Referer)': 'http://127.0.0.1/player/',
        'cs-protocol': 'http',
        'cs-protocol-version': 'HTTP/1.1',
        'sc-content-type': 'application/vnd.apple.mpegurl',
        'sc-content-len': String(PLAYLIST.length),
      });
      expect(Number(rows[0]['sc-bytes'])).toBeGreaterThan(PLAYLIST.length);
      expect(rows[0]['time-taken']).toMatch(/^\d+\.\d{3}$/);
      expect(new Set(rows.map((r) => r['x-edge-request-id'])).size).toBe(3);
      edge = await startEdgeWith();
    });

    it('counts viewers, requests and segments', async () => {
      await get('/stream/index.m3u8', { 'user-agent': 'phone' });
      await get('/stream/index.m3u8', { 'user-agent': 'laptop' });
      await get('/stream/index.m3u8', { 'user-agent': 'laptop' });
      await get('/stream/index_1280x720_00001.ts', { 'user-agent': 'laptop' });
      await get('/stream/nope.ts');
      expect(edge.stats()).toEqual({
        viewers: 2,
        requests: 5,
        bytesSent: PLAYLIST.length * 3 + SEGMENT.length + (await get('/stream/nope.ts')).body.length,
        hits: 2,
        misses: 3,
        errors: 1,
        segmentsServed: 1,
      });
      clock += 31_000;
      expect(edge.stats().viewers).toBe(0);
    });

    it('serves Prometheus metrics', async () => {
      await get('/stream/index.m3u8');
      await get('/stream/index.m3u8');
      await get('/stream/nope.ts');
      clock += 400_000;
      await origin.expireNow();
      const r = await get('/metrics');
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toContain('text/plain');
      const text = r.body.toString();
      expect(text).toContain('livestream_edge_requests_total{status="200"} 2');
      expect(text).toContain('livestream_edge_requests_total{status="404"} 1');
      expect(text).toContain('livestream_edge_cache_hits_total 1');
      expect(text).toContain('livestream_edge_cache_misses_total 2'); // the playlist and the 404
      expect(text).toContain(`livestream_edge_bytes_sent_total ${PLAYLIST.length * 2 + '{"error":"ObjectNotFoundException"}\n'.length}`);
      expect(text).toMatch(/livestream_edge_origin_latency_seconds_count\{status="200"\} 1/);
      expect(text).toContain('livestream_origin_objects 1');
      expect(text).toContain('livestream_origin_expired_total 1');
      expect(text).toMatch(/livestream_origin_requests_total\{operation="PutObject",status="200"\} 2/);
    });
  });

  describe('edge with a misbehaving origin', () => {
    it('answers 502 when the origin hangs up mid-body and 504 when it never answers, then keeps serving', async () => {
      const net = await import('node:net');
      const sockets = new Set<import('node:net').Socket>();
      const fake = net.createServer((socket) => {
        sockets.add(socket);
        socket.once('data', (d) => {
          const target = d.toString('latin1').split(' ')[1];
          if (target === '/stream/cut.ts') {
            socket.write('HTTP/1.1 200 OK\r\nContent-Type: video/mp2t\r\nContent-Length: 1000\r\n\r\n0123456789');
            setTimeout(() => socket.destroy(), 20);
          } else if (target === '/stream/ok.ts') {
            socket.end('HTTP/1.1 200 OK\r\nContent-Type: video/mp2t\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok');
          }
          // anything else: never answer
        });
      });
      await new Promise<void>((r) => fake.listen(0, '127.0.0.1', () => r()));
      const port = (fake.address() as import('node:net').AddressInfo).port;
      const flaky = await startEdge({
        originUrl: `http://127.0.0.1:${port}`,
        credential: CREDENTIAL,
        segmentSeconds: 4,
        logDir: path.join(dir, 'flaky-logs'),
        originTimeoutMs: 300,
      });
      try {
        const cut = await Promise.all([request(flaky.url, '/stream/cut.ts'), request(flaky.url, '/stream/cut.ts')]);
        expect(cut.map((r) => r.status)).toEqual([502, 502]);
        expect((await request(flaky.url, '/stream/silent.ts')).status).toBe(504);
        const ok = await request(flaky.url, '/stream/ok.ts');
        expect(ok.status).toBe(200);
        expect(ok.body.toString()).toBe('ok');
      } finally {
        await flaky.close();
        for (const s of sockets) s.destroy();
        await new Promise((r) => fake.close(r));
      }
    });
  });
});

describe('edge, simple hits answered on the socket', () => {
  let dir: string;
  let origin: OriginServer;
  const edges: EdgeServer[] = [];

  beforeEach(async () => {
    dir = await makeTmpDir('edge-direct-');
    origin = await startOrigin({ root: path.join(dir, 'store'), containerName: 'teststack', credential: CREDENTIAL, accessLogDir: path.join(dir, 'origin-logs') });
    for (const [p, body] of [['/stream/index.m3u8', PLAYLIST], ['/stream/index_1280x720_00001.ts', SEGMENT]] as const) {
      expect((await request(origin.url, p, { method: 'PUT', headers: AUTH, body })).status).toBe(200);
    }
  });

  afterEach(async () => {
    await Promise.all(edges.splice(0).map((e) => e.close()));
    await origin.close();
  });

  async function startWith(directHits: boolean, extra: { keepAliveMs?: number } = {}): Promise<EdgeServer> {
    const e = await startEdge({ originUrl: origin.url, credential: CREDENTIAL, segmentSeconds: 4, logDir: path.join(dir, `logs-${directHits}`), distributionId: 'ETEST', directHits, ...extra });
    edges.push(e);
    return e;
  }

  /** Send raw request bytes on a new connection and read one whole response (by its Content-Length). */
  function exchange(e: EdgeServer, text: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(e.port, '127.0.0.1', () => socket.write(text));
      let got = Buffer.alloc(0);
      socket.on('data', (d: Buffer) => {
        got = Buffer.concat([got, d]);
        const end = got.indexOf('\r\n\r\n');
        if (end === -1) return;
        const length = text.startsWith('HEAD') ? 0 : Number(/\r\ncontent-length: (\d+)/i.exec(got.subarray(0, end).toString('latin1'))?.[1] ?? 0);
        if (got.length >= end + 4 + length) {
          socket.destroy();
          resolve(got.toString('latin1'));
        }
      });
      socket.on('error', reject);
    });
  }

  /** Status line and headers of a raw response, Date left out (it is the only header that may differ). */
  function headOf(text: string): string[] {
    return text.slice(0, text.indexOf('\r\n\r\n')).split('\r\n').filter((l) => !l.startsWith('Date: '));
  }

  it('answers exactly as node:http does, bytes for bytes apart from Date', async () => {
    const direct = await startWith(true);
    const viaHttp = await startWith(false);
    const requests = [
      'GET /stream/index_1280x720_00001.ts HTTP/1.1\r\nHost: x\r\n\r\n',
      'HEAD /stream/index_1280x720_00001.ts HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET /stream/index.m3u8 HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET /stream/index.m3u8 HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip, deflate\r\n\r\n',
    ];
    for (const e of [direct, viaHttp]) for (const r of requests) await exchange(e, r); // cache them (misses)
    for (const r of requests) {
      const [a, b] = await Promise.all([exchange(direct, r), exchange(viaHttp, r)]);
      expect(headOf(a)).toEqual(headOf(b));
      expect(headOf(a)).toContain('X-Cache: Hit');
      expect(a.slice(a.indexOf('\r\n\r\n'))).toBe(b.slice(b.indexOf('\r\n\r\n')));
    }
  });

  it('hands a keep-alive connection to node:http at the first request it cannot answer, then keeps serving it', async () => {
    const e = await startWith(true);
    await request(e.url, '/stream/index_1280x720_00001.ts'); // cached
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const sockets = new Set<unknown>();
    const ask = (p: string, headers: http.OutgoingHttpHeaders = {}) =>
      new Promise<{ status: number; body: string; cache: unknown }>((resolve, reject) => {
        // Options, not a URL: a URL would resolve the %2e%2e below before sending it.
        const r = http.get({ host: '127.0.0.1', port: e.port, path: p, agent, headers }, (res) => {
          sockets.add(res.socket);
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          // Bodies compared by digest: a deep equality over 200 KB takes vitest a second.
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: md5(Buffer.concat(chunks)), cache: res.headers['x-cache'] }));
        });
        r.on('error', reject);
      });
    expect(await ask('/stream/index_1280x720_00001.ts')).toMatchObject({ status: 200, body: md5(SEGMENT), cache: 'Hit' }); // direct
    expect(await ask('/stream/index_1280x720_00001.ts', { range: 'bytes=10-19' })).toMatchObject({ status: 206, body: md5(SEGMENT.subarray(10, 20)) });
    expect(await ask('/stream/index.m3u8')).toMatchObject({ status: 200, body: md5(PLAYLIST), cache: 'Miss' });
    expect(await ask('/stream/index_1280x720_00001.ts')).toMatchObject({ status: 200, body: md5(SEGMENT), cache: 'Hit' });
    expect(await ask('/stream/%2e%2e/etc/passwd')).toMatchObject({ status: 400 });
    expect(sockets.size).toBe(1);
    agent.destroy();
    await e.close();
    const files = await fsp.readdir(path.join(dir, 'logs-true'));
    const lines = (await fsp.readFile(path.join(dir, 'logs-true', files[0]), 'utf8')).trimEnd().split('\n').filter((l) => !l.startsWith('#'));
    // Every request is logged, whichever path answered it.
    expect(lines.map((l) => l.split('\t')[8])).toEqual(['200', '200', '206', '200', '200', '400']);
  });

  it('closes an idle connection after the keep-alive timeout, and every connection on close()', async () => {
    const e = await startWith(true, { keepAliveMs: 300 });
    await request(e.url, '/stream/index.m3u8');
    const idle = await rawRequest(e.url, 'GET /stream/index.m3u8 HTTP/1.1\r\nHost: x\r\n\r\n', 3000);
    expect(idle.status).toBe(200);
    expect(idle.closed).toBe(true); // by the edge, well before rawRequest's 3 s

    const open = await new Promise<net.Socket>((resolve) => {
      const s = net.connect(e.port, '127.0.0.1', () => s.write('GET /stream/index.m3u8 HTTP/1.1\r\nHost: x\r\n\r\n'));
      s.once('data', () => resolve(s));
    });
    const ended = new Promise<void>((resolve) => open.once('close', () => resolve()));
    open.on('error', () => undefined);
    open.resume();
    edges.splice(edges.indexOf(e), 1);
    await e.close();
    await ended;
  });
});
