/** ffmpeg's playlists taken at the put relay, composed and published into the origin; segments forwarded as they are. */
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NULL_SINK } from '../../../../src/targets/local/encoder/log-file.js';
import { PlaylistComposer } from '../../../../src/targets/local/encoder/media-playlist.js';
import { PartFiles } from '../../../../src/targets/local/encoder/part-files.js';
import { createPlaylistWriter, type PlaylistWriter } from '../../../../src/targets/local/encoder/playlist-writer.js';
import { startPutRelay, type PutRelay } from '../../../../src/targets/local/encoder/put-relay.js';
import { startPutServer, type PutServer } from './put-server.js';
import { makeTmpDir } from '../../../helpers/tmp-dir.js';

const T0 = Date.parse('2026-12-01T05:00:00.000Z');
const FFMPEG_PLAYLIST = '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:1\n' +
  '#EXT-X-PROGRAM-DATE-TIME:2026-12-01T05:00:00.900+0000\n#EXTINF:2.000000,\nindex_480x270_00001.ts\n';

let dir: string;
let origin: PutServer;
let relay: PutRelay;
let writer: PlaylistWriter;
beforeEach(async () => {
  dir = await makeTmpDir('playlist-writer-');
  origin = await startPutServer(dir, 'tok-1');
  const composer = new PlaylistComposer({ windowSize: 5, targetDuration: 2 });
  composer.beginRun(1);
  composer.setRunStart(1, T0);
  writer = createPlaylistWriter({ originUrl: origin.url, token: () => 'tok-1', composer, now: () => T0 + 2500, log: NULL_SINK });
  relay = await startPutRelay({ originUrl: origin.url, token: () => 'tok-1', onPlaylist: (p, text) => writer.take(p, text) });
});
afterEach(async () => {
  await relay.close();
  await writer.close();
  await origin.close();
});

describe('the playlist writer behind the put relay', () => {
  it("publishes our playlist in place of ffmpeg's, and forwards the segments", async () => {
    expect((await fetch(`${relay.url}/stream/index_480x270_00001.ts`, { method: 'PUT', body: 'seg' })).status).toBe(201);
    expect((await fetch(`${relay.url}${writer.pathFor(1)}/index_480x270.m3u8`, { method: 'PUT', body: FFMPEG_PLAYLIST })).status).toBe(201);
    await writer.close(); // waits for the PUT in flight
    expect(await readFile(path.join(dir, 'stream', 'index_480x270_00001.ts'), 'utf8')).toBe('seg');
    const published = await readFile(path.join(dir, 'stream', 'index_480x270.m3u8'), 'utf8');
    expect(published).toContain('#EXT-X-DISCONTINUITY-SEQUENCE:0\n');
    expect(published).toContain('#EXT-X-PROGRAM-DATE-TIME:2026-12-01T05:00:00.000+00:00\n#EXTINF:2.000000,\nindex_480x270_00001.ts\n');
    // ffmpeg's own text never reached the origin, nor anything under the run's path.
    expect(origin.events.map((e) => e.path)).toEqual(['/stream/index_480x270_00001.ts', '/stream/index_480x270.m3u8']);
  });

  it('ignores the playlist of an encoder run that is over', async () => {
    await fetch(`${relay.url}${writer.pathFor(0)}/index_480x270.m3u8`, { method: 'PUT', body: FFMPEG_PLAYLIST });
    await writer.close();
    expect(origin.events).toEqual([]);
  });
});

describe('the playlist writer with parts (the low mode)', () => {
  const third = 0.333333;
  /** ffmpeg's playlist listing parts 1..n (index_480x270_NNNNN.ts), a third of a second each. */
  const partsPlaylist = (n: number) =>
    '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:0\n#EXT-X-MEDIA-SEQUENCE:1\n' +
    Array.from({ length: n }, (_, i) => `#EXTINF:${third},\nindex_480x270_${String(i + 1).padStart(5, '0')}.ts\n`).join('');
  /** A one-packet TS file whose video PES starts at a keyframe or not (what startsAtRandomAccess reads). */
  const tsFile = (key: boolean, tag: number) => {
    const p = Buffer.alloc(188, 0xff);
    p.set([0x47, 0x41, 0x00, 0x30, 0x07, key ? 0x40 : 0x00]); // PUSI, adaptation + payload, 7 bytes of field
    p.set([0, 0, 1, 0xe0], 4 + 1 + 7);
    p[187] = tag;
    return p;
  };
  let partsWriter: PlaylistWriter;
  let partsRelay: PutRelay;
  let slowOrigin: PutServer;
  const logged: string[] = [];
  beforeEach(async () => {
    logged.length = 0;
    // Whole segments take the origin 50 ms to store: a playlist must not overtake them.
    slowOrigin = await startPutServer(dir, 'tok-1', (p) => (/_s\d+\.ts$/.test(p) ? 50 : 0));
    const composer = new PlaylistComposer({ windowSize: 2, targetDuration: 1, parts: { segmentSeconds: 1, targetSeconds: 0.333334, holdBackSeconds: 1.000002 } });
    composer.beginRun(1);
    composer.setRunStart(1, T0);
    const parts = new PartFiles();
    partsWriter = createPlaylistWriter({ originUrl: slowOrigin.url, token: () => 'tok-1', composer, now: () => T0 + 2500, log: { write: (l: string) => logged.push(l) } as typeof NULL_SINK, parts, keepAfterWindow: 1 });
    partsRelay = await startPutRelay({ originUrl: slowOrigin.url, token: () => 'tok-1', onPlaylist: (p, text) => partsWriter.take(p, text), taps: [parts] });
  });
  afterEach(async () => {
    await partsRelay.close();
    await partsWriter.close();
    await slowOrigin.close();
  });
  const putPart = (n: number) =>
    fetch(`${partsRelay.url}/stream/index_480x270_${String(n).padStart(5, '0')}.ts`, { method: 'PUT', body: tsFile(n % 3 === 1, n) });

  it('PUTs each whole segment, its parts joined, before the first playlist that lists it, and deletes it once out of the window for as long as ffmpeg keeps its files', async () => {
    for (let n = 1; n <= 12; n++) {
      expect((await putPart(n)).status).toBe(201);
      await fetch(`${partsRelay.url}${partsWriter.pathFor(1)}/index_480x270.m3u8`, { method: 'PUT', body: partsPlaylist(n) });
    }
    await partsWriter.close();
    const joined = await readFile(path.join(dir, 'stream', 'index_480x270_s00002.ts'));
    expect([...joined.subarray(0, 3 * 188)].filter((_, i) => i % 188 === 187)).toEqual([4, 5, 6]); // parts 4, 5, 6 end to end
    const events = slowOrigin.events.map((e) => `${e.method} ${e.path}`);
    // Each whole segment's PUT was answered before the first playlist that lists it was PUT.
    for (const n of [1, 2, 3, 4]) {
      const uri = `index_480x270_s0000${n}.ts`;
      const listedAt = slowOrigin.events.findIndex((e) => e.text?.includes(`\n${uri}\n`));
      expect(listedAt, uri).toBeGreaterThan(events.indexOf(`PUT /stream/${uri}`));
      expect(events.indexOf(`PUT /stream/${uri}`)).toBeGreaterThanOrEqual(0);
    }
    // Four whole segments, a window of two, one kept after it: segment 1 deleted, 2 kept.
    expect(events).toContain('DELETE /stream/index_480x270_s00001.ts');
    expect(events).not.toContain('DELETE /stream/index_480x270_s00002.ts');
  });

  it('still lists a segment whose part never came whole, with its parts, and says so in the log', async () => {
    for (let n = 1; n <= 4; n++) {
      // Part 2's upload is cut short: the relay never sees it whole.
      if (n === 2) {
        const url = new URL(`${partsRelay.url}/stream/index_480x270_00002.ts`);
        await new Promise<void>((resolve) => {
          const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'PUT', headers: { 'content-length': 188 } });
          req.on('error', () => resolve());
          req.write(tsFile(false, 2).subarray(0, 100), () => {
            req.destroy();
            setTimeout(resolve, 50);
          });
        });
      } else expect((await putPart(n)).status).toBe(201);
      await fetch(`${partsRelay.url}${partsWriter.pathFor(1)}/index_480x270.m3u8`, { method: 'PUT', body: partsPlaylist(n) });
    }
    await partsWriter.close();
    const playlist = await readFile(path.join(dir, 'stream', 'index_480x270.m3u8'), 'utf8');
    expect(playlist).toContain('URI="index_480x270_00003.ts"\n#EXTINF:0.999999,\nindex_480x270_s00001.ts\n');
    expect(slowOrigin.events.map((e) => e.path)).not.toContain('/stream/index_480x270_s00001.ts');
    expect(logged.join('\n')).toContain("index_480x270_s00001.ts: a part's file was not seen whole");
  });
});
