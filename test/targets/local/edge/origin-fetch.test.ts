/** origin-fetch.ts against a real HTTP server on port 0 that answers as each test says. */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { EdgeCache, type CachedObject } from '../../../../src/targets/local/edge/cache.js';
import { createOriginFetch } from '../../../../src/targets/local/edge/origin-fetch.js';
import { createKeepAliveAgent } from '../../../../src/targets/local/plumbing/http-agent.js';
import { createLocalMetrics, type LocalMetrics } from '../../../../src/targets/local/plumbing/metrics.js';

const T0 = Date.UTC(2026, 10, 25, 4, 30, 0);
const PLAYLIST = '#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4.0,\nseg1.ts\n';

let server: http.Server;
let answer: (req: IncomingMessage, res: ServerResponse) => void;
let seen: Array<{ url?: string; authorization?: string; ifNoneMatch?: string }>;
let clock: number;
let cache: EdgeCache;
let metrics: LocalMetrics;
let fetchObject: ReturnType<typeof createOriginFetch>;
let agent: http.Agent;

beforeEach(async () => {
  seen = [];
  clock = T0;
  server = http.createServer((req, res) => {
    seen.push({ url: req.url, authorization: req.headers.authorization, ifNoneMatch: req.headers['if-none-match'] });
    answer(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  agent = createKeepAliveAgent();
  cache = new EdgeCache(1024 * 1024);
  metrics = createLocalMetrics();
  fetchObject = createOriginFetch({
    upstream: { origin: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`), agent, holdAgent: agent, timeoutMs: 300 },
    credential: 'secret', segmentSeconds: 8, maxObjectBytes: 1000, now: () => clock, metrics, cache,
  });
});

afterEach(async () => {
  agent.destroy();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const ok = (body: string, headers: http.OutgoingHttpHeaders = {}) => (_req: IncomingMessage, res: ServerResponse): void => {
  res.writeHead(200, { 'content-type': 'application/vnd.apple.mpegurl', etag: '"v1"', ...headers });
  res.end(body);
};

it('fetches an object with the credential, encoding its key, and caches it', async () => {
  answer = ok(PLAYLIST);
  const { entry, result } = await fetchObject('stream/a b.m3u8', undefined);
  expect(result).toBe('Miss');
  expect(seen).toEqual([{ url: '/stream/a%20b.m3u8', authorization: 'Bearer secret', ifNoneMatch: undefined }]);
  expect(entry).toMatchObject({ status: 200, kind: 'playlist', etag: '"v1"', expiresAt: T0 + 250 });
  expect(entry.body.toString()).toBe(PLAYLIST);
  expect(cache.peek('stream/a b.m3u8')).toBe(entry);
  expect(metrics.edge.originFetches).toBe(1);
  expect(await metrics.registry.getSingleMetricAsString('livestream_edge_origin_latency_seconds')).toMatch(/_count\{status="200"\} 1/);
});

it('revalidates a stale copy with its ETag and keeps it on a 304', async () => {
  answer = ok(PLAYLIST);
  const first = (await fetchObject('stream/index.m3u8', undefined)).entry;
  clock = T0 + 5000;
  answer = (_req, res) => void res.writeHead(304).end();
  const again = await fetchObject('stream/index.m3u8', first);
  expect(again).toEqual({ entry: first, result: 'RefreshHit' });
  expect(seen[1].ifNoneMatch).toBe('"v1"');
  expect(first.expiresAt).toBe(T0 + 5000 + 250); // fresh again for a playlist's quarter second
});

it('counts its upstream\'s age in ms against the time to live, on a fetch and on a 304', async () => {
  // A shield's playlist 100 ms into its 250: "Age: 0" alone would leave all 250 ms here, the ms leave 150.
  answer = ok(PLAYLIST, { age: '0', 'x-livestream-age-ms': '100' });
  const first = (await fetchObject('stream/index.m3u8', undefined)).entry;
  expect(first.expiresAt).toBe(T0 + 150);
  clock = T0 + 3000;
  answer = (_req, res) => void res.writeHead(304, { age: '0', 'x-livestream-age-ms': '249' }).end();
  await fetchObject('stream/index.m3u8', first);
  expect(first.expiresAt).toBe(T0 + 3000 + 1);
});

it('asks afresh for a copy it cannot revalidate', async () => {
  answer = ok(PLAYLIST);
  const stale = { status: 404, etag: '"e"' } as CachedObject;
  await fetchObject('stream/gone.ts', stale);
  expect(seen[0].ifNoneMatch).toBeUndefined();
});

it('caches what the origin answered, errors included, but not a 502 or 504 from upstream', async () => {
  answer = (_req, res) => void res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"ObjectNotFoundException"}\n');
  expect((await fetchObject('stream/missing.m3u8', undefined)).entry).toMatchObject({ status: 404, kind: 'error', expiresAt: T0 + 1000 });
  expect(cache.peek('stream/missing.m3u8')).toBeDefined();
  // ...but not a segment's or part's 404: LL-HLS part names exist a third of a second after anyone can guess them.
  expect((await fetchObject('stream/index_320x180_00042.ts', undefined)).entry).toMatchObject({ status: 404 });
  expect(cache.peek('stream/index_320x180_00042.ts')).toBeUndefined();
  answer = (_req, res) => void res.writeHead(502).end('{"error":"OriginUnreachable"}\n');
  expect(await fetchObject('stream/shield-failed.ts', undefined)).toMatchObject({ result: 'Miss', entry: { status: 502 } });
  expect(cache.peek('stream/shield-failed.ts')).toBeUndefined();
  answer = (_req, res) => void res.writeHead(301, { location: '/elsewhere' }).end();
  expect((await fetchObject('stream/moved.ts', undefined)).entry.status).toBe(502);
  expect(cache.peek('stream/moved.ts')).toBeDefined();
});

it('answers 504 when the origin is silent and 502 when it is too large or cut, caching neither', async () => {
  answer = () => undefined; // never answers
  expect(await fetchObject('stream/silent.ts', undefined)).toMatchObject({ result: 'Error', entry: { status: 504 } });
  answer = ok('x'.repeat(2000));
  const big = await fetchObject('stream/big.ts', undefined);
  expect(big).toMatchObject({ result: 'Error', entry: { status: 502 } });
  expect(big.entry.body.toString()).toBe('{"error":"OriginUnreachable"}\n');
  answer = (_req, res) => {
    res.writeHead(200, { 'content-length': 100 });
    res.write('0123456789');
    setTimeout(() => res.socket?.destroy(), 20);
  };
  expect(await fetchObject('stream/cut.ts', undefined)).toMatchObject({ result: 'Error', entry: { status: 502 } });
  expect(cache.stats().objects).toBe(0);
  expect(metrics.edge.originFetches).toBe(3);
});
