/**
 * The edge against an origin that closes pooled connections (issue 9, defect 2): the keep-alive race
 * reproduced deterministically, the retry on a fresh connection, and which errors the edge caches.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startEdge, type EdgeServer } from '../../../../src/targets/local/edge/server.js';
import { createKeepAliveAgent, requestWithRetry, SERVER_KEEP_ALIVE_TIMEOUT_MS } from '../../../../src/targets/local/plumbing/http-agent.js';
import { startOrigin } from '../../../../src/targets/local/origin/server.js';
import { makeTmpDir } from '../../../helpers/tmp-dir.js';

const PLAYLIST = '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\nseg1.ts\n';

interface FakeOrigin {
  url: string;
  port: number;
  /** Paths of the requests it answered, in order. */
  answered: string[];
  /** Connections it accepted. */
  connections: number;
  /** What to do with a request: answer it (default) or drop its connection unanswered. */
  decide: (req: IncomingMessage, requestsOnSocket: number) => 'answer' | 'drop' | number;
  close(): Promise<void>;
}

/**
 * An origin that can do what a server closing an idle keep-alive connection does to a client that
 * sends on it at that moment: the request arrives on a reused connection, which is closed unanswered.
 */
async function startFakeOrigin(): Promise<FakeOrigin> {
  const perSocket = new WeakMap<Socket, number>();
  const fake: FakeOrigin = {
    url: '', port: 0, answered: [], connections: 0,
    decide: () => 'answer',
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = http.createServer({ keepAliveTimeout: 60_000 }, (req: IncomingMessage, res: ServerResponse) => {
    const n = (perSocket.get(req.socket) ?? 0) + 1;
    perSocket.set(req.socket, n);
    const verdict = fake.decide(req, n);
    if (verdict === 'drop') return void req.socket.destroy();
    fake.answered.push(req.url ?? '');
    const status = verdict === 'answer' ? 200 : verdict;
    res.writeHead(status, { 'content-type': 'application/vnd.apple.mpegurl' }).end(status === 200 ? PLAYLIST : '');
  });
  server.on('connection', () => fake.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  fake.port = (server.address() as AddressInfo).port;
  fake.url = `http://127.0.0.1:${fake.port}`;
  return fake;
}

async function get(edge: EdgeServer, key: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`${edge.url}/${key}`);
  return { status: res.status, body: await res.text() };
}

let dir: string;
let origin: FakeOrigin;
let edge: EdgeServer;
let clock: number;

beforeEach(async () => {
  dir = await makeTmpDir('edge-keepalive-');
  clock = Date.UTC(2026, 11, 1, 5, 0, 0);
  origin = await startFakeOrigin();
  edge = await startEdge({
    originUrl: origin.url, credential: 'c', segmentSeconds: 2, logDir: path.join(dir, 'logs'), accessLog: false, now: () => clock,
  });
});

afterEach(async () => {
  await edge.close();
  await origin.close();
});

describe('edge → origin keep-alive race', () => {
  it('a request that meets a pooled connection closed under it is sent again on a fresh one: the viewer gets 200', async () => {
    // The second request on any connection is dropped unanswered, as by a server closing it that moment.
    origin.decide = (_req, onSocket) => (onSocket >= 2 ? 'drop' : 'answer');
    expect((await get(edge, 'stream/index_1.m3u8')).status).toBe(200);
    const second = await get(edge, 'stream/index_2.m3u8');
    expect(second).toEqual({ status: 200, body: PLAYLIST });
    expect(origin.answered).toEqual(['/stream/index_1.m3u8', '/stream/index_2.m3u8']);
    // The pooled connection, then a fresh one for the retry.
    expect(origin.connections).toBe(2);
  });

  it('a failure on a fresh connection is not retried, answers 502 OriginUnreachable and is not cached', async () => {
    origin.decide = () => 'drop';
    const first = await get(edge, 'stream/index_1.m3u8');
    expect(first.status).toBe(502);
    expect(JSON.parse(first.body)).toEqual({ error: 'OriginUnreachable' });
    expect(origin.connections).toBe(1);
    // The origin is fine again: the very next viewer (same instant, well within the 1 s error TTL) gets the playlist.
    origin.decide = () => 'answer';
    expect(await get(edge, 'stream/index_1.m3u8')).toEqual({ status: 200, body: PLAYLIST });
  });

  it('an error the origin answered (404) is cached for a second; a 502 of ours never is', async () => {
    origin.decide = () => 404;
    expect((await get(edge, 'stream/missing.m3u8')).status).toBe(404);
    expect((await get(edge, 'stream/missing.m3u8')).status).toBe(404);
    expect(origin.answered).toEqual(['/stream/missing.m3u8']);
    clock += 1_001;
    expect((await get(edge, 'stream/missing.m3u8')).status).toBe(404);
    expect(origin.answered).toHaveLength(2);
  });

  it('a 502/504 from upstream (the shield failing to reach the origin) is passed on, not cached', async () => {
    origin.decide = () => 502;
    expect((await get(edge, 'stream/index_1.m3u8')).status).toBe(502);
    origin.decide = () => 'answer';
    expect(await get(edge, 'stream/index_1.m3u8')).toEqual({ status: 200, body: PLAYLIST });
    expect(origin.answered).toEqual(['/stream/index_1.m3u8', '/stream/index_1.m3u8']);
  });

  it('with nothing listening the edge answers 502 each time and asks again each time', async () => {
    await origin.close();
    const down = await startEdge({
      originUrl: origin.url, credential: 'c', segmentSeconds: 2, logDir: path.join(dir, 'logs2'), accessLog: false, now: () => clock,
    });
    try {
      expect((await get(down, 'stream/index.m3u8')).status).toBe(502);
      // Back at the same port: no cached 502 stands between the viewer and the origin.
      const again = http.createServer((_req, res) => res.writeHead(200).end(PLAYLIST));
      await new Promise<void>((resolve) => again.listen(origin.port, '127.0.0.1', () => resolve()));
      try {
        expect(await get(down, 'stream/index.m3u8')).toEqual({ status: 200, body: PLAYLIST });
      } finally {
        again.closeAllConnections();
        await new Promise<void>((resolve) => again.close(() => resolve()));
      }
    } finally {
      await down.close();
    }
  });
});

describe('requestWithRetry', () => {
  it('retries once, on a fresh connection, only a body-less request that failed on a reused socket', async () => {
    const agent = createKeepAliveAgent();
    try {
      const send = (pathName: string, retry = true) =>
        requestWithRetry({ host: '127.0.0.1', port: origin.port, path: pathName, agent }, { timeoutMs: 5_000, retry });
      const first = await send('/a');
      first.res.resume();
      await new Promise((r) => first.res.once('end', r));
      expect(first.retried).toBe(false);

      origin.decide = (_req, onSocket) => (onSocket >= 2 ? 'drop' : 'answer');
      const second = await send('/b');
      second.res.resume();
      expect(second.retried).toBe(true);
      expect(second.res.statusCode).toBe(200);

      // A pooled socket again (the first one is gone): this time without retry, the race surfaces.
      const third = await send('/c');
      third.res.resume();
      await new Promise((r) => third.res.once('end', r));
      await expect(send('/d', false)).rejects.toMatchObject({ code: 'ECONNRESET' });
      expect(origin.answered).toEqual(['/a', '/b', '/c']);
    } finally {
      agent.destroy();
    }
  });
});

describe('keep-alive settings', () => {
  it('the origin keeps idle connections longer than agents do, and says so', async () => {
    const store = await startOrigin({ root: path.join(dir, 'store'), containerName: 't', credential: 'origin-credential-0123456789', accessLogDir: path.join(dir, 'origin-logs') });
    const agent = createKeepAliveAgent();
    try {
      const res = await new Promise<IncomingMessage>((resolve, reject) => {
        http.get(`${store.url}/stream/none.m3u8`, { agent }, resolve).on('error', reject);
      });
      res.resume();
      expect(res.headers['keep-alive']).toBe(`timeout=${SERVER_KEEP_ALIVE_TIMEOUT_MS / 1000}`);
      // Node's default server keepAliveTimeout is 5 s: agents let go of an idle socket before that.
      expect((agent as http.Agent & { options: { timeout?: number } }).options.timeout).toBeLessThan(5_000);
    } finally {
      agent.destroy();
      await store.close();
    }
  });
});
