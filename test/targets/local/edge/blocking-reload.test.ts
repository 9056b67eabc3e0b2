/**
 * LL-HLS blocking playlist reload (RFC 8216bis §6.2.5.2) through the edge: the directives reach the
 * origin, which holds the request until the playlist has the part; N viewers held on the same part
 * make one origin request; a held answer and the plain playlist never stand in for each other.
 * The origin here is a fake that holds every request with directives until the test releases it.
 */
import { promises as fsp } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import net, { type AddressInfo, type Socket } from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLOUDFRONT_FIELDS } from '../../../../src/targets/local/edge/cloudfront-log.js';
import { startEdgeCluster } from '../../../../src/targets/local/edge/cluster.js';
import { startEdge, type EdgeOptions, type EdgeServer } from '../../../../src/targets/local/edge/server.js';
import { createLocalMetrics } from '../../../../src/targets/local/plumbing/metrics.js';
import { request, type Reply } from '../origin/http-helpers.js';
import { makeTmpDir } from '../../../helpers/tmp-dir.js';

const PLAYLIST_PATH = '/stream/index_1280x720.m3u8';

interface HeldRequest {
  release(status?: number): void;
}

interface HoldingOrigin {
  url: string;
  /** The request target of every GET it received, in order. */
  gets: string[];
  /** Requests with directives, waiting for the test. */
  held: HeldRequest[];
  /** Answer requests with directives by themselves after this many ms instead (0: at once). */
  holdMs: number | undefined;
  /** Cut the connection of a request with directives that comes on a reused connection, unanswered. */
  dropReused: boolean;
  close(): Promise<void>;
}

/** The playlist the fake answers: which answer it is, and to what request, so a viewer's copy says where it came from. */
const answerBody = (n: number, url: string): string => `#EXTM3U\n#EXT-X-TARGETDURATION:4\n#ANSWER:${n} ${url}\n`;

async function startHoldingOrigin(): Promise<HoldingOrigin> {
  let answers = 0;
  const perSocket = new WeakMap<Socket, number>();
  const fake: HoldingOrigin = {
    url: '', gets: [], held: [], holdMs: undefined, dropReused: false,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const answer = (req: IncomingMessage, res: ServerResponse, status = 200): void => {
    if (res.destroyed) return;
    const body = status === 200 ? answerBody(++answers, req.url ?? '') : JSON.stringify({ error: `status ${status}` });
    res.writeHead(status, { 'content-type': status === 200 ? 'application/vnd.apple.mpegurl' : 'application/json' }).end(body);
  };
  const server = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    const onSocket = (perSocket.get(req.socket) ?? 0) + 1;
    perSocket.set(req.socket, onSocket);
    fake.gets.push(req.url ?? '');
    if (!(req.url ?? '').includes('_HLS_')) return answer(req, res);
    if (fake.dropReused && onSocket >= 2) return void req.socket.destroy();
    if (fake.holdMs !== undefined) return void setTimeout(() => answer(req, res), fake.holdMs);
    fake.held.push({ release: (status) => answer(req, res, status) });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}

/** Poll until `check` holds; fails the test after 10 s. */
async function eventually(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`never happened: ${what}`);
}

/** Starts `n` GETs of `target`, each on its own connection, and resolves once all were sent. */
async function sendViewers(base: string, target: string, n: number): Promise<Array<Promise<Reply>>> {
  const agent = new http.Agent({ keepAlive: false });
  const replies = Array.from({ length: n }, () => request(base, target, { agent }));
  // request() gives no hook for "sent": each request has its socket once the agent holds n.
  await eventually('all viewers connected', () => Object.values(agent.sockets).reduce((k, list) => k + (list?.length ?? 0), 0) === n);
  return replies;
}

/**
 * A plain keep-alive GET with Host, sent raw: the shape direct-hits.ts answers on the socket when
 * the object is in the cache. Resolves with the first response once its body is complete.
 */
function rawGet(base: string, target: string): Promise<{ status: number; head: string; body: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname);
    let data = Buffer.alloc(0);
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      const end = data.indexOf('\r\n\r\n');
      if (end === -1) return;
      const head = data.subarray(0, end).toString('latin1');
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
      if (data.length < end + 4 + length) return;
      socket.destroy();
      resolve({ status: Number(head.slice(9, 12)), head, body: data.subarray(end + 4, end + 4 + length).toString() });
    });
    socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: test\r\nConnection: keep-alive\r\n\r\n`);
  });
}

/** Sends a request the origin holds, waits until it does, answers it with `status`, and returns the viewer's reply. */
async function releaseNext<T>(send: () => Promise<T>, status?: number): Promise<T> {
  const n = origin.held.length;
  const reply = send();
  await eventually(`request ${n + 1} held`, () => origin.held.length === n + 1);
  origin.held[n].release(status);
  return reply;
}

let dir: string;
let origin: HoldingOrigin;
let edge: EdgeServer | undefined;

beforeEach(async () => {
  dir = await makeTmpDir('edge-blocking-');
  origin = await startHoldingOrigin();
});

afterEach(async () => {
  // Held requests the test left: answered, so nothing waits on a closed origin.
  for (const h of origin.held) h.release();
  await edge?.close();
  edge = undefined;
  await origin.close();
});

function edgeOptions(extra: Partial<EdgeOptions> = {}): EdgeOptions {
  // A clock that stands still: nothing cached expires during a test, however slow the machine
  // (playlists live a quarter second; what these tests count is what is cached, not for how long).
  const standing = Date.now();
  return { originUrl: origin.url, credential: 'c', segmentSeconds: 4, logDir: path.join(dir, 'edge-logs'), distributionId: 'ETEST', now: () => standing, ...extra };
}

const directivesOf = (gets: string[]): string[] => gets.filter((g) => g.includes('_HLS_'));

describe('blocking playlist reload through one edge', () => {
  it('sends the directives to the origin (canonical, without other parameters), waits for its answer, and logs the query as asked', async () => {
    const metrics = createLocalMetrics();
    edge = await startEdge(edgeOptions({ metrics }));
    const r = await releaseNext(() => request(edge!.url, `${PLAYLIST_PATH}?_HLS_part=1&t=123&_HLS_msn=042`));
    expect(origin.gets).toEqual([`${PLAYLIST_PATH}?_HLS_msn=42&_HLS_part=1`]);
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe(answerBody(1, `${PLAYLIST_PATH}?_HLS_msn=42&_HLS_part=1`));
    expect(r.headers['cache-control']).toBe('no-cache'); // as the plain playlist's (kept a quarter second)
    // Counted as an origin fetch, but its hold is no origin latency; a plain fetch is timed.
    await request(edge.url, PLAYLIST_PATH);
    expect(metrics.edge.originFetches).toBe(2);
    const timed = (await metrics.edgeOriginLatency.get()).values.find((v) => v.metricName === 'livestream_edge_origin_latency_seconds_count');
    expect(timed?.value).toBe(1);

    await edge.close();
    edge = undefined;
    const [file] = await fsp.readdir(path.join(dir, 'edge-logs'));
    const lines = (await fsp.readFile(path.join(dir, 'edge-logs', file), 'utf8')).trimEnd().split('\n').slice(2);
    const row = Object.fromEntries(lines[0].split('\t').map((v, i) => [CLOUDFRONT_FIELDS[i], v]));
    expect([row['cs-uri-stem'], row['cs-uri-query'], row['sc-status'], row['x-edge-result-type']])
      .toEqual([PLAYLIST_PATH, '_HLS_part=1&t=123&_HLS_msn=042', '200', 'Miss']);
    expect(lines).toHaveLength(2);
  });

  it('five viewers held on the same part make one origin request and all get its answer', async () => {
    edge = await startEdge(edgeOptions());
    const replies = await sendViewers(edge.url, `${PLAYLIST_PATH}?_HLS_msn=42&_HLS_part=1`, 5);
    await eventually('the origin holds a request', () => origin.held.length === 1);
    await new Promise((r) => setTimeout(r, 300)); // the edge reads all five (a late one would be a hit: still one request)
    origin.held[0].release();
    for (const r of await Promise.all(replies)) {
      expect(r.status).toBe(200);
      expect(r.body.toString()).toBe(answerBody(1, `${PLAYLIST_PATH}?_HLS_msn=42&_HLS_part=1`));
    }
    expect(origin.gets).toEqual([`${PLAYLIST_PATH}?_HLS_msn=42&_HLS_part=1`]);
  });

  it('a blocking reload is never answered with the cached plain playlist, on either path, nor the reverse', async () => {
    edge = await startEdge(edgeOptions());
    // The plain playlist, cached.
    const plain = await request(edge.url, PLAYLIST_PATH);
    expect(plain.body.toString()).toBe(answerBody(1, PLAYLIST_PATH));
    expect((await rawGet(edge.url, PLAYLIST_PATH)).head).toContain('X-Cache: Hit');

    // Through node:http.
    const viaHttp = await releaseNext(() => request(edge!.url, `${PLAYLIST_PATH}?_HLS_msn=42`));
    expect(viaHttp.body.toString()).toBe(answerBody(2, `${PLAYLIST_PATH}?_HLS_msn=42`));

    // A plain keep-alive GET with Host, the request direct-hits.ts answers on the socket.
    const direct = await releaseNext(() => rawGet(edge!.url, `${PLAYLIST_PATH}?_HLS_msn=43&_HLS_part=0`));
    expect(direct.body).toBe(answerBody(3, `${PLAYLIST_PATH}?_HLS_msn=43&_HLS_part=0`));
    // Once cached, the same directives are a hit on that path, with that answer.
    const again = await rawGet(edge.url, `${PLAYLIST_PATH}?_HLS_part=0&_HLS_msn=43`);
    expect([again.status, again.body]).toEqual([200, answerBody(3, `${PLAYLIST_PATH}?_HLS_msn=43&_HLS_part=0`)]);
    expect(again.head).toContain('X-Cache: Hit');

    // The reverse: a directive answer cached, then the plain playlist of another rendition asked on both paths.
    const other = '/stream/index_640x360.m3u8';
    const held = await releaseNext(() => rawGet(edge!.url, `${other}?_HLS_msn=7`));
    expect(held.body).toBe(answerBody(4, `${other}?_HLS_msn=7`));
    expect((await rawGet(edge.url, other)).body).toBe(answerBody(5, other));
    expect((await request(edge.url, `${other}?t=1`)).body.toString()).toBe(answerBody(5, other));
    expect(origin.gets).toEqual([
      PLAYLIST_PATH, `${PLAYLIST_PATH}?_HLS_msn=42`, `${PLAYLIST_PATH}?_HLS_msn=43&_HLS_part=0`, `${other}?_HLS_msn=7`, other,
    ]);
  });

  it('a hold longer than originTimeoutMs still gets the origin\'s 200', async () => {
    edge = await startEdge(edgeOptions({ originTimeoutMs: 300 }));
    origin.holdMs = 800;
    const r = await request(edge.url, `${PLAYLIST_PATH}?_HLS_msn=42&_HLS_part=1`);
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe(answerBody(1, `${PLAYLIST_PATH}?_HLS_msn=42&_HLS_part=1`));
  });

  it('the origin\'s 503 (held too long) is passed on and not cached: the next viewer is held again', async () => {
    edge = await startEdge(edgeOptions());
    const target = `${PLAYLIST_PATH}?_HLS_msn=42&_HLS_part=1`;
    expect((await releaseNext(() => request(edge!.url, target), 503)).status).toBe(503);
    expect((await releaseNext(() => rawGet(edge!.url, target))).status).toBe(200);
    expect(directivesOf(origin.gets)).toEqual([target, target]);
  });

  it('a held request whose connection is cut is not sent again: the viewer gets 502', async () => {
    edge = await startEdge(edgeOptions());
    origin.holdMs = 0;
    origin.dropReused = true;
    // The first goes on a new connection and leaves it pooled; the second reuses it and is cut
    // before any answer: the keep-alive race's signature, which a plain request would retry.
    expect((await request(edge.url, `${PLAYLIST_PATH}?_HLS_msn=41`)).status).toBe(200);
    const cut = await request(edge.url, `${PLAYLIST_PATH}?_HLS_msn=42`);
    expect(cut.status).toBe(502);
    expect(JSON.parse(cut.body.toString())).toEqual({ error: 'OriginUnreachable' });
    expect(directivesOf(origin.gets)).toEqual([`${PLAYLIST_PATH}?_HLS_msn=41`, `${PLAYLIST_PATH}?_HLS_msn=42`]);
  });

  it('held requests have their own connections: 64 of them held, a segment is still fetched', async () => {
    edge = await startEdge(edgeOptions());
    // Each a different part: 64 origin requests held, as many as the edge's pool for the rest has connections.
    const agent = new http.Agent({ keepAlive: false });
    const held = Array.from({ length: 64 }, (_, i) => request(edge!.url, `${PLAYLIST_PATH}?_HLS_msn=${100 + i}`, { agent }));
    await eventually('64 requests held', () => origin.held.length === 64);
    const segment = await request(edge.url, '/stream/index_1280x720_00001.ts');
    expect(segment.status).toBe(200);
    for (const h of origin.held) h.release();
    expect((await Promise.all(held)).map((r) => r.status)).toEqual(Array(64).fill(200));
  });
});

describe('blocking playlist reload through a cluster (worker → shield → origin)', () => {
  it('the shield forwards the directives; five viewers make one origin request; a hold past originTimeoutMs is answered; a 503 is not cached', async () => {
    edge = await startEdgeCluster({ ...edgeOptions({ originTimeoutMs: 300 }), workers: 1 });
    const target = `${PLAYLIST_PATH}?_HLS_msn=42&_HLS_part=1`;
    const replies = await sendViewers(edge.url, `${PLAYLIST_PATH}?_HLS_part=01&_HLS_msn=42&t=9`, 5);
    await eventually('the origin holds a request', () => origin.held.length === 1);
    expect(origin.gets).toEqual([target]);
    await new Promise((r) => setTimeout(r, 800)); // longer than originTimeoutMs, in both tiers
    origin.held[0].release();
    for (const r of await Promise.all(replies)) {
      expect(r.status).toBe(200);
      expect(r.body.toString()).toBe(answerBody(1, target));
    }

    const next = `${PLAYLIST_PATH}?_HLS_msn=42&_HLS_part=2`;
    expect((await releaseNext(() => request(edge!.url, next), 503)).status).toBe(503);
    expect((await releaseNext(() => request(edge!.url, next))).body.toString()).toBe(answerBody(2, next));
    expect(origin.gets).toEqual([target, next, next]);
  });
});
