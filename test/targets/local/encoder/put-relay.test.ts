import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startPutRelay, type PutRelay } from '../../../../src/targets/local/encoder/put-relay.js';
import { uidOfConnection } from '../../../../src/targets/local/plumbing/peer-uid.js';
import { startPutServer, type PutServer } from './put-server.js';
import { makeTmpDir } from '../../../helpers/tmp-dir.js';

/** Sockets' owners are listed in /proc/net/tcp on Linux; elsewhere the relay falls back to a key in its URL. */
const LINUX_PROC = existsSync('/proc/net/tcp');

let dir: string;
let origin: PutServer;
let relay: PutRelay;
beforeEach(async () => {
  dir = await makeTmpDir('put-relay-');
  origin = await startPutServer(dir, 'tok-1');
  relay = await startPutRelay({ originUrl: `${origin.url}/`, token: () => 'tok-1' });
});
afterEach(async () => {
  await relay.close();
  await origin.close();
});

describe('startPutRelay (for an ffmpeg whose hls muxer cannot send the token)', () => {
  it('forwards a bare PUT to the origin with the bearer token, body and status intact', async () => {
    const res = await fetch(`${relay.url}/stream/index_480x270_00001.ts`, { method: 'PUT', body: 'segment bytes' });
    expect(res.status).toBe(201);
    expect(await readFile(path.join(dir, 'stream', 'index_480x270_00001.ts'), 'utf8')).toBe('segment bytes');
    expect(origin.events).toEqual([expect.objectContaining({ method: 'PUT', path: '/stream/index_480x270_00001.ts', status: 201 })]);
  });

  it('forwards DELETE (ffmpeg removes old segments that way)', async () => {
    await fetch(`${relay.url}/stream/a.ts`, { method: 'PUT', body: 'x' });
    const res = await fetch(`${relay.url}/stream/a.ts`, { method: 'DELETE' });
    expect(res.status).toBe(204);
    await expect(readFile(path.join(dir, 'stream', 'a.ts'))).rejects.toThrow();
  });

  it.skipIf(!LINUX_PROC)('has no secret in its URL where it can tell callers apart by uid (Linux)', () => {
    expect(relay.key).toBeUndefined();
    expect(new URL(relay.url).pathname).toBe('/');
  });

  it('refuses reads and other methods without reaching the origin', async () => {
    expect((await fetch(`${relay.url}/stream/a.ts`)).status).toBe(404);
    expect((await fetch(`${relay.url}/stream/a.ts`, { method: 'POST', body: 'x' })).status).toBe(404);
    expect(origin.events).toEqual([]);
  });
});

describe('who may write through the relay', () => {
  it.skipIf(!LINUX_PROC)('refuses a connection from a process of another uid, without reaching the origin (Linux)', async () => {
    // This process plays the stranger: the relay admits only a uid that is not ours.
    const strangersOnly = await startPutRelay({ originUrl: `${origin.url}/`, token: () => 'tok-1', allowedUid: process.getuid!() + 1 });
    try {
      const res = await fetch(`${strangersOnly.url}/stream/a.ts`, { method: 'PUT', body: 'x' });
      expect(res.status).toBe(404);
      expect(origin.events).toEqual([]);
    } finally {
      await strangersOnly.close();
    }
  });

  it('where owners cannot be read (macOS), admits only requests with its random key', async () => {
    const keyed = await startPutRelay({ originUrl: `${origin.url}/`, token: () => 'tok-1', checkPeerUid: false });
    try {
      const base = new URL(keyed.url);
      expect(keyed.key).toMatch(/^[0-9a-f]{32}$/);
      expect(base.pathname).toBe(`/${keyed.key}`);
      expect((await fetch(`${base.origin}/stream/a.ts`, { method: 'PUT', body: 'x' })).status).toBe(404);
      expect((await fetch(`${base.origin}/wrongkey/stream/a.ts`, { method: 'PUT', body: 'x' })).status).toBe(404);
      expect(origin.events).toEqual([]);
      expect((await fetch(`${keyed.url}/stream/a.ts`, { method: 'PUT', body: 'x' })).status).toBe(201);
    } finally {
      await keyed.close();
    }
  });

  it('reads the owner of the peer\'s socket from a /proc/net/tcp table', () => {
    const table = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1067 1 0 100 0 0 10 0',
      '   1: 0100007F:8BB0 0100007F:99ED 01 00000000:00000000 00:00000000 00000000  1000        0 2201 1 0 20 4 30 10 -1',
      '   2: 0100007F:99ED 0100007F:8BB0 01 00000000:00000000 00:00000000 00000000     0        0 2202 1 0 20 4 30 10 -1',
    ].join('\n');
    // The peer (port 0x8BB0 = 35760) connected to us (port 0x99ED = 39405): its row is local 35760, remote 39405.
    expect(uidOfConnection(table, 35760, 39405)).toBe(1000);
    expect(uidOfConnection(table, 39405, 35760)).toBe(0);
    expect(uidOfConnection(table, 1, 2)).toBeUndefined();
  });
});

describe('a playlist and the segments it lists', () => {
  it('hands a playlist on only after every upload begun before it reached the origin (no 404 for a listed segment)', async () => {
    const taken: Array<{ path: string; segmentThere: boolean }> = [];
    const withPlaylists = await startPutRelay({
      originUrl: `${origin.url}/`,
      token: () => 'tok-1',
      onPlaylist: (p) => {
        taken.push({ path: p, segmentThere: origin.events.some((e) => e.path === '/stream/index_480x270_00007.ts' && e.status === 201) });
      },
    });
    try {
      // The segment streams slowly, as ffmpeg uploads it while it encodes; the playlist arrives meanwhile.
      const { request } = await import('node:http');
      const url = new URL(`${withPlaylists.url}/stream/index_480x270_00007.ts`);
      const segment = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'PUT', headers: { 'transfer-encoding': 'chunked' } });
      const answered = new Promise<number>((resolve) => segment.on('response', (r) => { r.resume(); resolve(r.statusCode ?? 0); }));
      segment.write('first half of the segment ');
      await new Promise((r) => setTimeout(r, 50));
      const playlist = await fetch(`${withPlaylists.url}/1/stream/index_480x270.m3u8`, { method: 'PUT', body: '#EXTM3U\n' });
      expect(playlist.status).toBe(201);
      await new Promise((r) => setTimeout(r, 200));
      expect(taken).toEqual([]);
      segment.end('and the rest');
      expect(await answered).toBe(201);
      await new Promise((r) => setTimeout(r, 50));
      expect(taken).toEqual([{ path: '/1/stream/index_480x270.m3u8', segmentThere: true }]);
    } finally {
      await withPlaylists.close();
    }
  });
});
