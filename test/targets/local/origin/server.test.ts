import { createHash } from 'node:crypto';
import { promises as fsp, existsSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AccessLogEntry } from '../../../../src/targets/local/origin/access-log.js';
import { formatHourKey } from '../../../../src/targets/local/origin/access-log.js';
import { createLocalMetrics } from '../../../../src/targets/local/plumbing/metrics.js';
import { startOrigin, type OriginServer } from '../../../../src/targets/local/origin/server.js';
import { rawRequest, request } from './http-helpers.js';
import { makeTmpDir } from '../../../helpers/tmp-dir.js';

const CREDENTIAL = 'test-credential-0123456789abcdef';
const AUTH = { authorization: `Bearer ${CREDENTIAL}` };
const MAX = 64 * 1024;

let dir: string;
let origin: OriginServer;
let clock: number;
let entries: AccessLogEntry[];

beforeEach(async () => {
  dir = await makeTmpDir('origin-test-');
  clock = Date.UTC(2026, 10, 25, 4, 0, 0);
  entries = [];
  origin = await startOrigin({
    root: path.join(dir, 'store'),
    containerName: 'teststack',
    credential: CREDENTIAL,
    accessLogDir: path.join(dir, 'logs'),
    maxObjectBytes: MAX,
    now: () => clock,
    onAccess: (e) => entries.push(e),
    headersTimeoutMs: 500,
    metrics: createLocalMetrics(),
  });
});

afterEach(async () => {
  await origin.close();
});

const md5 = (b: string | Buffer): string => `"${createHash('md5').update(b).digest('hex')}"`;

/** Wait (bounded) until the origin has logged `n` requests: the log line is written when the response closes. */
async function waitForEntries(n: number): Promise<void> {
  for (let i = 0; i < 200 && entries.length < n; i++) await new Promise((r) => setTimeout(r, 10));
  expect(entries.length).toBeGreaterThanOrEqual(n);
}

async function expectStillServing(): Promise<void> {
  const put = await request(origin.url, '/stream/alive.m3u8', { method: 'PUT', headers: AUTH, body: '#EXTM3U\n' });
  expect(put.status).toBe(200);
  const get = await request(origin.url, '/stream/alive.m3u8', { headers: AUTH });
  expect(get.status).toBe(200);
  expect(get.body.toString()).toBe('#EXTM3U\n');
}

describe('origin objects', () => {
  it('stores, serves, lists and deletes objects with content types and MD5 ETags', async () => {
    const playlist = '#EXTM3U\n#EXT-X-VERSION:3\n';
    const segment = Buffer.alloc(1000, 7);
    expect((await request(origin.url, '/stream/index.m3u8', { method: 'PUT', headers: AUTH, body: playlist })).status).toBe(200);
    expect((await request(origin.url, '/stream/index_00001.ts', { method: 'PUT', headers: AUTH, body: segment })).status).toBe(200);

    const get = await request(origin.url, '/stream/index.m3u8', { headers: AUTH });
    expect(get.status).toBe(200);
    expect(get.body.toString()).toBe(playlist);
    expect(get.headers['content-type']).toBe('application/vnd.apple.mpegurl');
    expect(get.headers.etag).toBe(md5(playlist));

    const head = await request(origin.url, '/stream/index_00001.ts', { method: 'HEAD', headers: AUTH });
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toBe('video/mp2t');
    expect(head.headers['content-length']).toBe('1000');
    expect(head.body.length).toBe(0);

    const notModified = await request(origin.url, '/stream/index_00001.ts', { headers: { ...AUTH, 'if-none-match': md5(segment) } });
    expect(notModified.status).toBe(304);

    const list = await request(origin.url, '/?prefix=stream/', { headers: AUTH });
    expect(list.status).toBe(200);
    const items = (JSON.parse(list.body.toString()) as { Items: { Name: string; ContentLength: number }[] }).Items;
    expect(items.map((i) => [i.Name, i.ContentLength]).sort()).toEqual([
      ['stream/index.m3u8', playlist.length],
      ['stream/index_00001.ts', 1000],
    ]);

    expect((await request(origin.url, '/stream/index.m3u8', { method: 'DELETE', headers: AUTH })).status).toBe(204);
    expect((await request(origin.url, '/stream/index.m3u8', { headers: AUTH })).status).toBe(404);
    expect((await request(origin.url, '/stream/index.m3u8', { method: 'DELETE', headers: AUTH })).status).toBe(404);
    expect(origin.stats()).toMatchObject({ objects: 1, bytes: 1000, puts: 2 });
  });

  it('accepts chunked uploads (as ffmpeg sends with -method PUT)', async () => {
    const url = new URL(origin.url);
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: url.hostname, port: url.port, path: '/stream/chunked.ts', method: 'PUT', headers: AUTH, agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write(Buffer.alloc(3000, 1));
      setTimeout(() => req.end(Buffer.alloc(2000, 2)), 20);
    });
    expect(status).toBe(200);
    const get = await request(origin.url, '/stream/chunked.ts', { headers: AUTH });
    expect(get.body).toEqual(Buffer.concat([Buffer.alloc(3000, 1), Buffer.alloc(2000, 2)]));
    await waitForEntries(2);
    expect(entries[0]).toMatchObject({ Operation: 'PutObject', HTTPStatus: 200, BytesReceived: 5000, ObjectSize: 5000, Requester: 'ingest' });
  });

  it('keeps the previous version when an upload is aborted', async () => {
    expect((await request(origin.url, '/stream/index.m3u8', { method: 'PUT', headers: AUTH, body: 'v1' })).status).toBe(200);
    // Declared 1000 bytes, sends 10, hangs up.
    await rawRequest(
      origin.url,
      `PUT /stream/index.m3u8 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${CREDENTIAL}\r\nContent-Length: 1000\r\n\r\n0123456789`,
      100,
    );
    // Chunked, never terminated, hangs up.
    await rawRequest(
      origin.url,
      `PUT /stream/index.m3u8 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${CREDENTIAL}\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n`,
      100,
    );
    await waitForEntries(3);
    expect(entries.slice(1).map((e) => e.ErrorCode)).toEqual(['IncompleteBody', 'IncompleteBody']);
    const get = await request(origin.url, '/stream/index.m3u8', { headers: AUTH });
    expect(get.body.toString()).toBe('v1');
    expect(await fsp.readdir(path.join(dir, 'store', '.tmp'))).toEqual([]);
  });

  it('serves one whole version to readers while the object is replaced again and again', async () => {
    // A live playlist is rewritten every segment while players poll it. Each GET must carry one
    // version whole: a Content-Length, body and ETag of the same upload (a reader that opened the
    // new file with the old size broke the keep-alive stream: "Data after Connection: close").
    const versions = Array.from({ length: 150 }, (_, i) => Buffer.alloc(1000 + ((i * 7919) % 30_000), i % 251));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    let writing = true;
    const writer = (async () => {
      for (const body of versions) {
        expect((await request(origin.url, '/stream/live.m3u8', { method: 'PUT', headers: AUTH, body })).status).toBe(200);
      }
      writing = false;
    })();
    const known = new Set(versions.map((v) => md5(v)));
    const reader = async (): Promise<number> => {
      let whole = 0;
      while (writing) {
        const get = await request(origin.url, '/stream/live.m3u8', { headers: AUTH, agent });
        if (get.status === 404) continue; // before the first upload
        expect(get.status).toBe(200);
        expect(Number(get.headers['content-length'])).toBe(get.body.length);
        expect(get.headers.etag).toBe(md5(get.body));
        expect(known.has(md5(get.body))).toBe(true);
        whole++;
      }
      return whole;
    };
    const [a, b, c] = await Promise.all([reader(), reader(), reader()]);
    await writer;
    agent.destroy();
    expect(a + b + c).toBeGreaterThan(versions.length);
    await expectStillServing();
  });
  it('keeps the index true to the file when uploads of one object finish together', async () => {
    // ffmpeg may PUT a playlist again on another connection before the last upload was committed.
    // Commits of one key must not interleave: the index would keep one version's size and ETag for
    // another version's file, and every GET would then break (a short or long body).
    for (let round = 0; round < 20; round++) {
      const versions = Array.from({ length: 6 }, (_, i) => Buffer.alloc(100 + round * 13 + i * 997, round * 6 + i));
      const puts = await Promise.all(versions.map((body) => request(origin.url, '/stream/race.m3u8', { method: 'PUT', headers: AUTH, body })));
      expect(puts.map((p) => p.status)).toEqual(versions.map(() => 200));
      const get = await request(origin.url, '/stream/race.m3u8', { headers: AUTH });
      expect(get.status).toBe(200);
      expect(Number(get.headers['content-length'])).toBe(get.body.length);
      expect(get.headers.etag).toBe(md5(get.body));
      expect(versions.some((v) => v.equals(get.body))).toBe(true);
    }
  });
});

describe('origin access control', () => {
  it('needs the credential or a write token within its prefix', async () => {
    const put = (p: string, headers: http.OutgoingHttpHeaders) => request(origin.url, p, { method: 'PUT', headers, body: 'x' });
    const { token, revoke } = origin.issueWriteToken({ prefix: 'stream/' });
    expect((await put('/stream/a.ts', {})).status).toBe(401);
    expect((await put('/stream/a.ts', { authorization: 'Bearer wrong-credential-wrong' })).status).toBe(403);
    expect((await put('/stream/a.ts', { authorization: 'Digest abc' })).status).toBe(403);
    expect((await put('/stream/a.ts', { authorization: `Bearer ${token}` })).status).toBe(200);
    // ffmpeg turns http://user:token@host/ into Basic authentication.
    const basic = 'Basic ' + Buffer.from(`ingest:${token}`).toString('base64');
    expect((await put('/stream/b.ts', { authorization: basic })).status).toBe(200);
    expect((await put('/other/a.ts', { authorization: `Bearer ${token}` })).status).toBe(403);
    expect((await request(origin.url, '/stream/a.ts', { headers: { authorization: `Bearer ${token}` } })).status).toBe(403);
    expect((await request(origin.url, '/stream/a.ts')).status).toBe(401);
    expect((await request(origin.url, '/stream/a.ts', { method: 'DELETE', headers: { authorization: `Bearer ${token}` } })).status).toBe(204);
    revoke();
    expect((await put('/stream/c.ts', { authorization: `Bearer ${token}` })).status).toBe(403);
    await expectStillServing();
  });
});

describe('origin bad requests', () => {
  const auth = `Authorization: Bearer ${CREDENTIAL}\r\n`;
  const traversal = [
    '/../evil.txt',
    '/stream/../../evil.txt',
    '/stream/%2e%2e/%2e%2e/evil.txt',
    '/stream/%2E%2E%2F%2E%2E%2Fevil.txt',
    '/stream/..%2f..%2fevil.txt',
    '/stream/..\\..\\evil.txt',
    '/stream/..%5c..%5cevil.txt',
    '//evil.txt',
    '/.tmp/evil.txt',
    '/stream/evil%00.txt',
  ];
  it.each(traversal)('refuses PUT %s with 400 and writes nothing outside the store', async (p) => {
    const r = await rawRequest(origin.url, `PUT ${p} HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: 4\r\nConnection: close\r\n\r\nevil`);
    expect(r.status).toBe(400);
    expect(existsSync(path.join(dir, 'evil.txt'))).toBe(false);
    expect(existsSync(path.join(os.tmpdir(), 'evil.txt'))).toBe(false);
    await expectStillServing();
  });

  const cases: [string, number, string][] = [
    ['absolute-form target', 400, `GET http://127.0.0.1/etc/passwd HTTP/1.1\r\nHost: x\r\n${auth}Connection: close\r\n\r\n`],
    ['path over 1024', 414, `GET /${'a'.repeat(1100)} HTTP/1.1\r\nHost: x\r\n${auth}Connection: close\r\n\r\n`],
    ['huge headers', 431, `GET /stream/a.ts HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`],
    ['declared body over the limit', 413, `PUT /stream/big.ts HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: ${MAX + 1}\r\n\r\n`],
    ['unknown method', 405, `POST /stream/a.ts HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: 0\r\nConnection: close\r\n\r\n`],
    ['PUT to the root', 400, `PUT / HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: 1\r\n\r\nx`],
    ['malformed request line', 400, `GARBAGE\r\n\r\n`],
  ];
  it.each(cases)('answers %s with %i', async (_name, status, raw) => {
    expect((await rawRequest(origin.url, raw)).status).toBe(status);
    await expectStillServing();
  });

  it('answers a chunked body over the limit with 413 and keeps nothing', async () => {
    const url = new URL(origin.url);
    const status = await new Promise<number>((resolve) => {
      const req = http.request({ host: url.hostname, port: url.port, path: '/stream/big.ts', method: 'PUT', headers: AUTH, agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', () => resolve(-1));
      for (let i = 0; i < 5; i++) req.write(Buffer.alloc(MAX / 2));
      req.end();
    });
    expect(status).toBe(413);
    expect((await request(origin.url, '/stream/big.ts', { headers: AUTH })).status).toBe(404);
    await expectStillServing();
  });

  it('closes the connection of a client that sends its headers too slowly', async () => {
    const r = await rawRequest(origin.url, 'GET /stream/a.ts HTTP/1.1\r\nHost: x\r\n', 5000);
    expect(r.closed).toBe(true);
    expect([0, 408]).toContain(r.status);
    await expectStillServing();
  });

  it('refuses a PUT below an existing object with 409', async () => {
    expect((await request(origin.url, '/stream/a', { method: 'PUT', headers: AUTH, body: 'x' })).status).toBe(200);
    expect((await request(origin.url, '/stream/a/b.ts', { method: 'PUT', headers: AUTH, body: 'x' })).status).toBe(409);
    await expectStillServing();
  });
});

describe('origin lifecycle', () => {
  it('expires stream/*.ts 300 s after creation, by the injected clock', async () => {
    for (const p of ['/stream/old.ts', '/stream/index.m3u8']) {
      expect((await request(origin.url, p, { method: 'PUT', headers: AUTH, body: 'x' })).status).toBe(200);
    }
    clock += 200_000;
    expect((await request(origin.url, '/stream/new.ts', { method: 'PUT', headers: AUTH, body: 'y' })).status).toBe(200);
    clock += 100_000; // old.ts is exactly 300 s old: the rule is "> 300"
    expect(await origin.expireNow()).toEqual([]);
    clock += 1_000;
    expect(await origin.expireNow()).toEqual(['/stream/old.ts']);
    expect((await request(origin.url, '/stream/old.ts', { headers: AUTH })).status).toBe(404);
    expect(existsSync(path.join(dir, 'store', 'stream', 'old.ts'))).toBe(false);
    expect((await request(origin.url, '/stream/new.ts', { headers: AUTH })).status).toBe(200);
    expect((await request(origin.url, '/stream/index.m3u8', { headers: AUTH })).status).toBe(200);
    clock += 200_000;
    expect(await origin.expireNow()).toEqual(['/stream/new.ts']);
    expect(origin.stats()).toMatchObject({ objects: 1, expired: 2 });
  });

  it('indexes objects already in the store when it starts', async () => {
    expect((await request(origin.url, '/stream/kept.m3u8', { method: 'PUT', headers: AUTH, body: 'kept' })).status).toBe(200);
    await origin.close();
    origin = await startOrigin({ root: path.join(dir, 'store'), containerName: 't', credential: CREDENTIAL, accessLogDir: path.join(dir, 'logs') });
    const get = await request(origin.url, '/stream/kept.m3u8', { headers: AUTH });
    expect(get.body.toString()).toBe('kept');
    expect(get.headers.etag).toBe(md5('kept'));
  });
});

describe('origin access log', () => {
  it('writes one MediaStore-style JSON line per request to the hourly file', async () => {
    await request(origin.url, '/stream/a.ts', { method: 'PUT', headers: { ...AUTH, 'user-agent': 'Lavf/59' }, body: 'abc' });
    await request(origin.url, '/stream/a.ts', { headers: AUTH });
    await request(origin.url, '/stream/missing.ts', { headers: AUTH });
    await request(origin.url, '/?prefix=stream/', { headers: AUTH });
    await waitForEntries(4);
    await origin.close();
    const file = path.join(dir, 'logs', `origin-access-${formatHourKey(clock)}.jsonl`);
    expect(formatHourKey(clock)).toBe('20261125T04');
    // Lines are written when each response closes, which need not be the order the requests were made in.
    const order = ['PutObject', 'GetObject', 'ListItems'];
    const lines = (await fsp.readFile(file, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as AccessLogEntry)
      .sort((a, b) => order.indexOf(a.Operation) - order.indexOf(b.Operation) || a.Path.localeCompare(b.Path));
    expect(lines.map((l) => [l.Operation, l.Path, l.HTTPStatus, l.ErrorCode])).toEqual([
      ['PutObject', '/stream/a.ts', 200, undefined],
      ['GetObject', '/stream/a.ts', 200, undefined],
      ['GetObject', '/stream/missing.ts', 404, 'ObjectNotFoundException'],
      ['ListItems', '/', 200, undefined],
    ]);
    expect(lines[0]).toMatchObject({
      RequestTime: '2026-11-25T04:00:00.000Z',
      ObjectSize: 3,
      BytesReceived: 3,
      RemoteIP: '127.0.0.1',
      UserAgent: 'Lavf/59',
      Requester: 'ingest',
      ContainerName: 'teststack',
    });
    expect(lines[1]).toMatchObject({ BytesSent: 3, ObjectSize: 3, Requester: 'edge' });
    for (const l of lines) {
      expect(l.TotalTime).toBeGreaterThanOrEqual(l.TurnAroundTime);
      expect(l.RequestID).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(JSON.stringify(lines)).not.toContain(CREDENTIAL);
    origin = await startOrigin({ root: path.join(dir, 'store'), containerName: 't', credential: CREDENTIAL, accessLogDir: path.join(dir, 'logs') });
  });
});
