/**
 * The whole local stack with the ffmpeg shipped by the npm package @ffmpeg-installer/ffmpeg (issue #4's
 * third fallback, what a fresh machine without ffmpeg gets): a 2018 static build (~4.1-dev) without
 * -reconnect_on_network_error, -m3u8_hold_counters, var_stream_map's name: key or the hls muxer's
 * -headers. In process, as the daemon runs it: the demo source pulled by URL_PULL, the tiny ladder,
 * output read through the edge and checked with Debian's ffprobe.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeStream } from '../helpers/ffprobe.js';
import { findFfmpeg } from '../../src/targets/local/encoder/find-ffmpeg.js';
import { requireTool } from '../helpers/tools.js';
import { parseMediaPlaylist, waitUntil } from './helpers/hls-watch.js';
import { closeAll, startTestStack, type TestStack } from './helpers/test-stack.js';

const NPM_FFMPEG = await requireTool('npm-ffmpeg');

describe('the local stack with the npm-shipped ffmpeg (URL_PULL demo, tiny ladder)', { timeout: 120_000 }, () => {
  const saved = process.env.LIVESTREAM_FFMPEG;
  let t: TestStack;

  beforeAll(async () => {
    // startLocalStack calls findFfmpeg(), which reads LIVESTREAM_FFMPEG from process.env.
    process.env.LIVESTREAM_FFMPEG = NPM_FFMPEG;
    t = await startTestStack({ input: 'URL_PULL' });
  }, 60_000);

  afterAll(async () => {
    await closeAll();
    if (saved === undefined) delete process.env.LIVESTREAM_FFMPEG;
    else process.env.LIVESTREAM_FFMPEG = saved;
  });

  it('runs the npm binary, detected as the old kind', async () => {
    expect(t.stack.status().ffmpeg).toMatchObject({ path: NPM_FFMPEG, source: 'env' });
    const found = await findFfmpeg({ LIVESTREAM_FFMPEG: NPM_FFMPEG, PATH: '' });
    expect(found.caps).toMatchObject({ varStreamMapNames: false, hlsHeaders: false, reconnectOnNetworkError: false });
  });

  it('decodes the source: frames reach the encoder', async () => {
    const input = await waitUntil('source frames at the encoder (status input fps > 0)', () => {
      const s = t.stack.status().input as { connected: boolean; fps?: number };
      return (s.fps ?? 0) > 0 ? s : undefined;
    });
    expect(input.connected).toBe(true);
  });

  it('serves a master playlist through the edge listing every rendition with BANDWIDTH and RESOLUTION', async () => {
    const master = await waitUntil('the master playlist through the edge', async () => {
      const res = await fetch(`${t.edge}/stream/index.m3u8`, { signal: AbortSignal.timeout(5_000) });
      const text = await res.text();
      return res.ok && text.includes('#EXT-X-STREAM-INF') ? text : undefined;
    });
    const lines = master.trim().split('\n');
    const variants = lines.flatMap((line, i) => (line.startsWith('#EXT-X-STREAM-INF:') ? [{ attrs: line, uri: lines[i + 1] }] : []));
    expect(variants.map((v) => v.uri)).toEqual(t.ladder.renditions.map((r) => `index_${r.width}x${r.height}.m3u8`));
    variants.forEach((v, i) => {
      const r = t.ladder.renditions[i]!;
      expect(v.attrs).toMatch(/BANDWIDTH=\d+/);
      expect(v.attrs).toContain(`RESOLUTION=${r.width}x${r.height}`);
    });
  });

  it("writes segments for each rendition at the ladder's size and codec, and counts them", async () => {
    for (const r of t.ladder.renditions) {
      const url = `${t.edge}/stream/index_${r.width}x${r.height}.m3u8`;
      const playlist = await waitUntil(`two segments in ${url}`, async () => {
        const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
        const p = res.ok ? parseMediaPlaylist(await res.text()) : undefined;
        return p && p.segments.length >= 2 ? p : undefined;
      });
      const newest = playlist.segments[playlist.segments.length - 1]!;
      expect(newest.uri).toMatch(new RegExp(`^index_${r.width}x${r.height}_\\d{5}\\.ts$`));
      const probed = await probeStream(new URL(newest.uri, url).href);
      expect({ width: probed.width, height: probed.height, codec: probed.codec, audio: probed.audioCodec })
        .toEqual({ width: r.width, height: r.height, codec: 'h264', audio: 'aac' });
    }
    // The supervisor counts segments from the npm ffmpeg's "Opening ... for writing" lines.
    expect(t.stack.status().segmentsWritten).toBeGreaterThan(0);
  });
});
