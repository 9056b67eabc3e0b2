import cluster, { type Worker } from 'node:cluster';
import { promises as fsp } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import type { AccessLogEntry } from '../../../../src/targets/local/origin/access-log.js';
import { defaultEdgeWorkers, startEdgeCluster, ViewerWindow } from '../../../../src/targets/local/edge/cluster.js';
import { startEdge, type EdgeServer, type RequestHandler } from '../../../../src/targets/local/edge/server.js';
import { createLocalMetrics, type LocalMetrics } from '../../../../src/targets/local/plumbing/metrics.js';
import { startOrigin, type OriginServer } from '../../../../src/targets/local/origin/server.js';
import { request } from '../origin/http-helpers.js';
import { makeTmpDir } from '../../../helpers/tmp-dir.js';

const CREDENTIAL = 'edge-cluster-test-credential-0123456789';
const AUTH = { authorization: `Bearer ${CREDENTIAL}` };
const PLAYLIST_PATH = '/stream/index_640x360.m3u8';
const SEGMENT_PATH = '/stream/index_640x360_00001.ts';
const PLAYLIST = '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:1\n' + '#EXTINF:1.000000,\nindex_640x360_00001.ts\n'.repeat(5);
const SEGMENT = Buffer.from(Array.from({ length: 100 * 1024 }, (_, i) => (i * 31 + 7) & 0xff));

let dir: string;
let origin: OriginServer;
let edge: EdgeServer | undefined;
let originLog: AccessLogEntry[];
let metrics: LocalMetrics;
let apiCalls: number;

/** Answers /api/ping with how many times it was called: a cached copy would repeat a number. */
const api: RequestHandler = (req, res) => {
  if (req.url !== '/api/ping') return false;
  apiCalls++;
  res.writeHead(200, { 'content-type': 'application/json', 'x-handler': 'api' });
  res.end(JSON.stringify({ calls: apiCalls }));
  return true;
};

async function startCluster(): Promise<EdgeServer> {
  edge = await startEdgeCluster({
    originUrl: origin.url,
    credential: CREDENTIAL,
    segmentSeconds: 1, // playlists live 0.25 s in each tier
    logDir: path.join(dir, 'edge-logs'),
    distributionId: 'ETEST',
    handlers: [api],
    metrics,
    workers: 2,
  });
  return edge;
}

beforeEach(async () => {
  dir = await makeTmpDir('edge-cluster-test-');
  originLog = [];
  apiCalls = 0;
  metrics = createLocalMetrics();
  origin = await startOrigin({
    root: path.join(dir, 'store'),
    containerName: 'teststack',
    credential: CREDENTIAL,
    accessLogDir: path.join(dir, 'origin-logs'),
    onAccess: (e) => originLog.push(e),
  });
  for (const [p, body] of [[PLAYLIST_PATH, PLAYLIST], [SEGMENT_PATH, SEGMENT]] as const) {
    expect((await request(origin.url, p, { method: 'PUT', headers: AUTH, body })).status).toBe(200);
  }
});

afterEach(async () => {
  await edge?.close();
  edge = undefined;
  await origin.close();
});

/** Origin GETs so far for a path (the origin writes its access entry when the response closes). */
async function originGets(p: string): Promise<number> {
  await new Promise((r) => setTimeout(r, 100));
  return originLog.filter((e) => e.Operation === 'GetObject' && e.Path === p).length;
}

/** Poll until `check` holds or 10 s pass (worker reports arrive every second). */
async function eventually(check: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 100));
}

describe('edge cluster (2 workers and a shield)', () => {
  it('serves 25 concurrent misses for one segment on many connections with one origin request, from both workers', async () => {
    const e = await startCluster();
    // agent: false is one connection per request, which the cluster spreads over the workers.
    const replies = await Promise.all(Array.from({ length: 25 }, () => request(e.url, SEGMENT_PATH)));
    for (const r of replies) {
      expect(r.status).toBe(200);
      expect(r.body.equals(SEGMENT)).toBe(true);
    }
    expect(await originGets(SEGMENT_PATH)).toBe(1);

    // Each worker writes its own CloudFront log file; together they hold the 25 requests.
    await e.close();
    edge = undefined;
    const files = await fsp.readdir(path.join(dir, 'edge-logs'));
    expect(files).toHaveLength(2);
    let lines = 0;
    for (const f of files) {
      expect(f).toMatch(/^ETEST\.\d{4}-\d{2}-\d{2}-\d{2}\.[0-9a-f]{8}$/);
      const text = await fsp.readFile(path.join(dir, 'edge-logs', f), 'utf8');
      lines += text.split('\n').filter((l) => l.includes(`\t${SEGMENT_PATH}\t200\t`)).length;
    }
    expect(lines).toBe(25);
  });

  it('fetches a playlist from the origin at most once per time-to-live through both tiers', async () => {
    const e = await startCluster();
    const started = Date.now();
    // Four viewers on their own connections, for about 2.5 s (10 TTLs of 0.25 s). How many requests
    // they make in that time is a figure of speed: the bench prints it (viewer requests per origin
    // request, bench/edge-bench.mjs).
    await Promise.all(Array.from({ length: 4 }, async () => {
      while (Date.now() - started < 2500) {
        const r = await request(e.url, PLAYLIST_PATH);
        expect(r.status).toBe(200);
        expect(r.body.toString()).toBe(PLAYLIST);
      }
    }));
    const windows = Math.ceil((Date.now() - started) / 250);
    const fetched = await originGets(PLAYLIST_PATH);
    expect(fetched).toBeGreaterThanOrEqual(2); // the playlist expired and was fetched again
    expect(fetched).toBeLessThanOrEqual(windows);
  });

  it('forwards handler paths to the shield uncached, with the handler\'s headers', async () => {
    const e = await startCluster();
    const first = await request(e.url, '/api/ping');
    const second = await request(e.url, '/api/ping');
    expect(first.status).toBe(200);
    expect(first.headers['x-handler']).toBe('api');
    expect(first.headers['x-cache']).toBeUndefined();
    expect(JSON.parse(first.body.toString())).toEqual({ calls: 1 });
    expect(JSON.parse(second.body.toString())).toEqual({ calls: 2 });
    expect(apiCalls).toBe(2);
  });

  it('sums the workers\' counters in stats() and /metrics', async () => {
    const e = await startCluster();
    await Promise.all(Array.from({ length: 10 }, () => request(e.url, SEGMENT_PATH)));
    await eventually(() => e.stats().requests >= 10);
    const s = e.stats();
    expect(s).toMatchObject({ requests: 10, segmentsServed: 10, bytesSent: 10 * SEGMENT.length, errors: 0 });
    // Requests that joined a fetch on its way count as misses, as in one process.
    expect(s.misses).toBeGreaterThanOrEqual(1);
    expect(s.hits + s.misses).toBe(10);

    const text = (await request(e.url, '/metrics')).body.toString();
    expect(text).toContain('livestream_edge_requests_total{status="200"} 10');
    expect(text).toContain(`livestream_edge_bytes_sent_total ${10 * SEGMENT.length}`);
    expect(text).toContain(`livestream_edge_cache_misses_total ${s.misses}`);
    expect(text).toContain('livestream_edge_origin_requests_total 1');
  });

  it('counts one player once although its requests land on both workers (it counted once per worker)', async () => {
    const e = await startCluster();
    // A new connection per request: the cluster hands them to the workers in turn.
    for (let i = 0; i < 10; i++) {
      expect((await request(e.url, PLAYLIST_PATH, { headers: { 'user-agent': 'one-player' } })).status).toBe(200);
    }
    await new Promise((r) => setTimeout(r, 1_500)); // every worker has reported since
    expect(e.stats().viewers).toBe(1);
    expect((await request(e.url, '/metrics')).body.toString()).toContain('livestream_edge_viewers 1');
    await request(e.url, PLAYLIST_PATH, { headers: { 'user-agent': 'another-player' } });
    await eventually(() => e.stats().viewers === 2);
    expect(e.stats().viewers).toBe(2);

    // Both workers served the first player: each has its lines in its own log.
    await e.close();
    edge = undefined;
    const files = await fsp.readdir(path.join(dir, 'edge-logs'));
    const perWorker = await Promise.all(files.map(async (f) => (await fsp.readFile(path.join(dir, 'edge-logs', f), 'utf8')).split('one-player').length - 1));
    expect(perWorker).toHaveLength(2);
    for (const n of perWorker) expect(n).toBeGreaterThan(0);
  });

  it('leaves up\'s readiness probe out of the viewer errors and the viewer count, but logs it', async () => {
    const e = await startCluster();
    const probe = { 'x-livestream-probe': 'readiness', 'user-agent': 'probe' };
    expect((await request(e.url, '/stream/missing.m3u8', { headers: probe })).status).toBe(404);
    expect((await request(e.url, PLAYLIST_PATH, { headers: probe })).status).toBe(200);
    expect((await request(e.url, '/stream/other-missing.m3u8', { headers: { 'user-agent': 'viewer' } })).status).toBe(404);
    await eventually(() => e.stats().requests >= 3);
    await new Promise((r) => setTimeout(r, 1_200));
    expect(e.stats()).toMatchObject({ requests: 3, errors: 1, viewers: 0 });
    const text = (await request(e.url, '/metrics')).body.toString();
    expect(text).toContain('livestream_edge_requests_total{status="404"} 1');
    expect(text).toContain('livestream_edge_requests_total{status="200"} 1');

    await e.close();
    edge = undefined;
    const files = await fsp.readdir(path.join(dir, 'edge-logs'));
    const logged = (await Promise.all(files.map((f) => fsp.readFile(path.join(dir, 'edge-logs', f), 'utf8')))).join('');
    expect(logged).toMatch(/\t\/stream\/missing\.m3u8\t404\t/);
    expect(logged).toMatch(/\t\/stream\/other-missing\.m3u8\t404\t/);
  });

  it('replaces a worker that dies, on the same port, and keeps its counts', async () => {
    const e = await startCluster();
    const listening = new Set<Worker>();
    const onListening = (w: Worker): void => void listening.add(w);
    cluster.on('listening', onListening);
    onTestFinished(() => void cluster.off('listening', onListening));
    await Promise.all(Array.from({ length: 6 }, () => request(e.url, SEGMENT_PATH)));
    await eventually(() => e.stats().requests >= 6); // every request reported
    const [victim, survivor] = Object.values(cluster.workers ?? {});
    victim!.process.kill('SIGKILL');
    await eventually(() => listening.size === 1);
    const [replacement] = listening;
    expect([victim, survivor]).not.toContain(replacement);
    // With both originals gone, only the replacement can answer on the cluster's port.
    survivor!.process.kill('SIGKILL');
    await eventually(() => survivor!.isDead());
    const replies = await Promise.all(Array.from({ length: 6 }, () => request(e.url, SEGMENT_PATH)));
    expect(replies.map((r) => r.status)).toEqual(Array(6).fill(200));
    // The dead workers' last reports still count.
    await eventually(() => e.stats().requests >= 12);
    expect(e.stats().requests).toBe(12);
  });

  it('fails with PORT_IN_USE when the port is taken, leaving no worker behind', async () => {
    const squatter = net.createServer();
    await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', r));
    try {
      const port = (squatter.address() as AddressInfo).port;
      const started = startEdgeCluster({ originUrl: origin.url, credential: CREDENTIAL, segmentSeconds: 1, logDir: path.join(dir, 'edge-logs'), port, workers: 2 });
      await expect(started).rejects.toMatchObject({ code: 'PORT_IN_USE' });
      expect(Object.keys(cluster.workers ?? {})).toHaveLength(0);
    } finally {
      await new Promise((r) => squatter.close(r));
    }
  });

  it('stops every worker process on close()', async () => {
    const e = await startCluster();
    const pids = Object.values(cluster.workers ?? {}).map((w) => w?.process.pid);
    expect(pids).toHaveLength(2);
    await e.close();
    edge = undefined;
    for (const pid of pids) expect(() => process.kill(pid!, 0)).toThrow(/ESRCH/);
    expect(Object.keys(cluster.workers ?? {})).toHaveLength(0);
  });
});

describe('two edges in a row (what the cluster runs)', () => {
  it('counts an object\'s time-to-live from the upstream edge\'s fetch, through the age it reports', async () => {
    let clock = Date.UTC(2026, 10, 25, 4, 30, 0);
    const common = { credential: CREDENTIAL, segmentSeconds: 8, logDir: path.join(dir, 'edge-logs'), accessLog: false, now: () => clock }; // a poster lives half a segment: 4 s
    const posterPath = '/stream/poster.jpg';
    expect((await request(origin.url, posterPath, { method: 'PUT', headers: AUTH, body: 'jpeg' })).status).toBe(200);
    const shield = await startEdge({ ...common, originUrl: origin.url, sendAge: true });
    const worker = await startEdge({ ...common, originUrl: shield.url });
    try {
      const t0 = clock;
      expect((await request(shield.url, posterPath)).status).toBe(200); // the shield fetches it at t0 (TTL 4 s)
      clock = t0 + 1500;
      const viaWorker = await request(worker.url, posterPath); // a hit in the shield, 1.5 s old
      expect(viaWorker.status).toBe(200);
      expect(viaWorker.headers.age).toBeUndefined(); // viewers of a worker get no Age
      expect(await originGets(posterPath)).toBe(1);
      // Fresh in the worker until t0 + 4 s (4 s less the 1.5 s of age), not t0 + 5.5 s.
      clock = t0 + 3900;
      expect((await request(worker.url, posterPath)).headers['x-cache']).toBe('Hit');
      clock = t0 + 4100;
      expect((await request(worker.url, posterPath)).status).toBe(200);
      expect(await originGets(posterPath)).toBe(2);
    } finally {
      await worker.close();
      await shield.close();
    }
  });

  it('never serves a playlist longer than its time-to-live after the shield fetched it, even under a second', async () => {
    let clock = Date.UTC(2026, 10, 25, 4, 30, 0);
    const common = { credential: CREDENTIAL, segmentSeconds: 1, logDir: path.join(dir, 'edge-logs'), accessLog: false, now: () => clock }; // playlists live 0.25 s
    const shield = await startEdge({ ...common, originUrl: origin.url, sendAge: true });
    const worker = await startEdge({ ...common, originUrl: shield.url });
    try {
      const t0 = clock;
      expect((await request(shield.url, PLAYLIST_PATH)).status).toBe(200); // the shield fetches it from the origin at t0
      clock = t0 + 240;
      const viaWorker = await request(worker.url, PLAYLIST_PATH); // a hit in the shield, 240 ms old: "Age: 0"
      expect(viaWorker.status).toBe(200);
      expect(viaWorker.headers['x-cache']).toBe('Miss');
      // The exact age is between the tiers only: a viewer gets neither it nor the shield's Age.
      expect(viaWorker.headers['x-livestream-age-ms']).toBeUndefined();
      expect(viaWorker.headers.age).toBeUndefined();
      clock = t0 + 249;
      const hit = await request(worker.url, PLAYLIST_PATH);
      expect(hit.headers['x-cache']).toBe('Hit');
      expect(hit.headers['x-livestream-age-ms']).toBeUndefined();
      expect(await originGets(PLAYLIST_PATH)).toBe(1);
      // 0.25 s after the origin fetch the worker's copy is stale too (a whole-second Age kept it until
      // t0 + 0.49 s): the worker asks the shield, whose copy is stale as well, so the origin is asked.
      clock = t0 + 260;
      expect((await request(worker.url, PLAYLIST_PATH)).status).toBe(200);
      expect(await originGets(PLAYLIST_PATH)).toBe(2);
    } finally {
      await worker.close();
      await shield.close();
    }
  });
});

it('defaults to one edge process per core, at most four', () => {
  expect([1, 2, 3, 4, 16].map((cores) => defaultEdgeWorkers(cores))).toEqual([1, 2, 3, 4, 4]);
});

it('forgets a viewer no worker has reported for the viewer window', () => {
  const w = new ViewerWindow(30_000);
  w.note(['a', 'b'], 1_000);
  w.note(['a'], 20_000);
  expect(w.count(30_000)).toBe(2);
  expect(w.count(31_001)).toBe(1); // b last seen at 1 s
  expect(w.count(50_001)).toBe(0);
});
