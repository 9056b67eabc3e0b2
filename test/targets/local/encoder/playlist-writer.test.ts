/** ffmpeg's playlists taken at the put relay, composed and published into the origin; segments forwarded as they are. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NULL_SINK } from '../../../../src/targets/local/encoder/log-file.js';
import { PlaylistComposer } from '../../../../src/targets/local/encoder/media-playlist.js';
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
