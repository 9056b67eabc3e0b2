/**
 * The encoder supervisor end to end with real ffmpeg: lavfi sources in, HLS by PUT into a small
 * stand-in origin, checked with ffprobe.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EncoderSupervisor, type EncoderOptions, type EncoderStatus } from '../../../../src/targets/local/encoder/supervisor.js';
import { buildMasterPlaylist } from '../../../../src/targets/local/encoder/master-playlist.js';
import { probeStream } from '../../../helpers/ffprobe.js';
import { startPutServer, type PutServer } from './put-server.js';
import { TEST_LADDER } from './test-ladder.js';
import { makeTmpDir } from '../../../helpers/tmp-dir.js';
import { requireTool } from '../../../helpers/tools.js';

const FFMPEG = await requireTool('ffmpeg');
const TOKEN = 'test-write-token-5f2a9c';
const LIVE = ['-re', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'];

async function waitFor(what: string, cond: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Segment numbers PUT for a rendition, in order. */
function segmentNumbers(server: PutServer, rendition: string, since = 0): number[] {
  const re = new RegExp(`/stream/index${rendition}_(\\d+)\\.ts$`);
  return server.events
    .filter((e) => e.method === 'PUT' && e.status === 201 && e.at >= since)
    .map((e) => re.exec(e.path)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number);
}

/** A new folder, a put server in it standing in for the origin, and a supervisor sending the test ladder there. */
async function startOnPutServer(prefix: string, options: (dir: string) => Pick<EncoderOptions, 'inputArgs'> & Partial<EncoderOptions>) {
  const dir = await makeTmpDir(prefix);
  const server = await startPutServer(path.join(dir, 'origin'), TOKEN);
  const sup = new EncoderSupervisor({ ffmpegPath: FFMPEG, ladder: TEST_LADDER, originUrl: server.url, writeToken: () => TOKEN, ...options(dir) });
  return { dir, server, sup };
}

describe('EncoderSupervisor: ladder output and input loss', () => {
  let dir: string;
  let server: PutServer;
  let sup: EncoderSupervisor;
  let lostAt = 0;
  let backAt = 0;
  let statusWhileLost: EncoderStatus;
  let statusAfter: EncoderStatus;
  const livePlaylists: Record<string, string> = {};

  beforeAll(async () => {
    let calls = 0;
    let goneUntil = 0;
    ({ dir, server, sup } = await startOnPutServer('encoder-loss-', (folder) => ({
      logFile: path.join(folder, 'logs', 'ffmpeg.log'),
      inputArgs: () => {
        calls++;
        // 1st attempt: a source that ends after 5 s. Then 6 s of a source that is not there. Then live again.
        if (calls === 1) return ['-re', '-f', 'lavfi', '-t', '5', '-i', 'testsrc2=size=640x360:rate=30', '-f', 'lavfi', '-t', '5', '-i', 'sine'];
        if (goneUntil === 0) goneUntil = Date.now() + 6_000;
        return Date.now() < goneUntil ? ['-i', path.join(dir, 'no-such-source.ts')] : LIVE;
      },
    })));
    await sup.start();
    await waitFor('the input to be lost', () => sup.status().input.losses === 1, 30_000);
    lostAt = Date.now();
    statusWhileLost = sup.status();
    await waitFor('the input to come back', () => sup.status().input.connected, 30_000);
    backAt = Date.now();
    await waitFor('two more segments after reconnection', () => segmentNumbers(server, '_320x180', backAt).length >= 2, 30_000);
    statusAfter = sup.status();
    // What a player sees while the channel runs (at stop ffmpeg adds a short final segment and ENDLIST).
    for (const r of ['_320x180', '_256x144']) livePlaylists[r] = await readFile(path.join(dir, 'origin', 'stream', `index${r}.m3u8`), 'utf8');
    await sup.stop();
  }, 120_000);

  afterAll(async () => {
    await sup?.stop();
    await server?.close();
  });

  it('slates "Waiting for the source" until a source first connects, "Source lost" after that', async () => {
    const log = await readFile(path.join(dir, 'logs', 'ffmpeg.log'), 'utf8');
    const at = (needle: string) => log.indexOf(needle);
    expect(at('[slate] "Waiting for the source"')).toBeGreaterThanOrEqual(0);
    expect(at('[slate] "Waiting for the source"')).toBeLessThan(at('[channel] input connected'));
    expect(at('[slate] "Source lost - reconnecting"')).toBeGreaterThan(at('[channel] input connected'));
    expect(at('[slate] "Source lost - reconnecting"')).toBeLessThan(at('[channel] input lost'));
  });

  it('keeps writing segments for every rendition while the source is gone', () => {
    for (const r of ['_320x180', '_256x144']) {
      const during = segmentNumbers(server, r, lostAt).filter((n) => n > 0);
      const beforeBack = server.events.filter((e) => e.at >= lostAt && e.at <= backAt && e.path.includes(`index${r}_`));
      expect(during.length).toBeGreaterThan(0);
      expect(beforeBack.length).toBeGreaterThan(0);
    }
  });

  it('keeps the media sequence continuous through the loss (no restart, no discontinuity)', async () => {
    for (const r of ['_320x180', '_256x144']) {
      const nums = segmentNumbers(server, r);
      expect(nums[0]).toBe(1);
      expect(nums).toEqual(nums.map((_, i) => i + 1));
      expect(livePlaylists[r]).not.toMatch(/^#EXT-X-DISCONTINUITY$/m);
      expect(livePlaylists[r]).toContain('#EXT-X-DISCONTINUITY-SEQUENCE:0\n');
    }
  });

  it('shows the loss in status and picks the source up again', () => {
    expect(statusWhileLost.input.connected).toBe(false);
    expect(statusWhileLost.input.lossSince).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(statusWhileLost.state).toBe('RUNNING');
    expect(statusAfter.input.losses).toBe(1);
    expect(statusAfter.input.connected).toBe(true);
    expect(statusAfter.input.lossSince).toBeUndefined();
    expect(statusAfter.encoder.restarts).toBe(0);
    expect(statusAfter.state).toBe('RUNNING');
    expect(statusAfter.segmentsWritten).toBeGreaterThanOrEqual(segmentNumbers(server, '_320x180').length);
  });

  it('produces every rendition at its resolution, frame rate, codec and segment length', async () => {
    const expected = {
      _320x180: { width: 320, height: 180, fps: 30, profile: 'Constrained Baseline', level: 13 },
      // "main" in the ladder, but ultrafast needs no main-profile tools, so x264 signals Constrained Baseline.
      _256x144: { width: 256, height: 144, fps: 15, profile: 'Constrained Baseline', level: 30 },
    };
    for (const [r, want] of Object.entries(expected)) {
      const playlist = livePlaylists[r]!;
      expect(playlist, playlist).toContain('#EXT-X-TARGETDURATION:2');
      const durations = [...playlist.matchAll(/#EXTINF:([\d.]+),/g)].map((m) => Number(m[1]));
      expect(durations.length, playlist).toBeGreaterThan(1);
      for (const d of durations) expect(d, playlist).toBeCloseTo(2, 1);
      const lastSeg = [...playlist.matchAll(/^(index\S+\.ts)$/gm)].map((m) => m[1]!).at(-1)!;
      const probe = await probeStream(path.join(dir, 'origin', 'stream', lastSeg));
      expect(probe).toMatchObject({ ...want, codec: 'h264', audioCodec: 'aac', audioSampleRate: 48000, audioChannels: 2 });
      expect(probe.duration).toBeGreaterThan(1.8);
      expect(probe.duration).toBeLessThan(2.2);
    }
  });

  it('writes a master playlist with BANDWIDTH, AVERAGE-BANDWIDTH, RESOLUTION, CODECS and FRAME-RATE', async () => {
    const master = await readFile(path.join(dir, 'origin', 'stream', 'index.m3u8'), 'utf8');
    expect(master).toBe(buildMasterPlaylist(TEST_LADDER));
    // The CODECS match what ffprobe found in the segments (profile 0x42 constrained, levels 1.3 and 3).
    expect(master).toContain('CODECS="avc1.42c00d,mp4a.40.2"');
    expect(master).toContain('CODECS="avc1.42c01e,mp4a.40.2"');
  });

  it('never writes the write token to the log, nor puts it on the encoder\'s command line (the relay adds it)', async () => {
    const log = await readFile(path.join(dir, 'logs', 'ffmpeg.log'), 'utf8');
    expect(log).toContain('-method PUT');
    expect(log).not.toContain('Authorization');
    expect(log).not.toContain(TOKEN);
  });
});

describe('EncoderSupervisor: crash restart', () => {
  let dir: string;
  let server: PutServer;
  let sup: EncoderSupervisor;

  beforeAll(async () => {
    ({ dir, server, sup } = await startOnPutServer('encoder-crash-', () => ({
      inputArgs: () => LIVE,
      backoff: { initialMs: 300, maxMs: 2_000, healthyMs: 60_000 },
    })));
  });

  afterAll(async () => {
    await sup?.stop();
    await server?.close();
  });

  it('restarts a killed encoder, counts it, and continues the playlist (window kept) after a discontinuity', async () => {
    await sup.start();
    await waitFor('two segments', () => segmentNumbers(server, '_320x180').length >= 2, 30_000);
    const before = sup.status();
    expect(before.encoder.pid).toBeDefined();
    process.kill(before.encoder.pid!, 'SIGKILL');
    await waitFor('the restart', () => sup.status().encoder.restarts === 1 && sup.status().state === 'RUNNING', 20_000);
    const after = sup.status();
    expect(after.encoder.pid).not.toBe(before.encoder.pid);
    expect(after.encoder.lastError).toContain('SIGKILL');
    const file = path.join(dir, 'origin', 'stream', 'index_320x180.m3u8');
    const listedBefore = (await readFile(file, 'utf8')).split('\n').filter((l) => l.endsWith('.ts'));
    let playlist = await readFile(file, 'utf8');
    for (const end = Date.now() + 30_000; !/^#EXT-X-DISCONTINUITY$/m.test(playlist); playlist = await readFile(file, 'utf8')) {
      if (Date.now() > end) throw new Error('timed out waiting for a segment from the new encoder in the playlist');
      await new Promise((r) => setTimeout(r, 200));
    }
    // The old segments stay listed before the discontinuity; the new encoder's files continue the numbers.
    const listed = playlist.split('\n').filter((l) => l.endsWith('.ts'));
    expect(listed.slice(0, listedBefore.length)).toEqual(listedBefore);
    const [before1, after1] = playlist.split('#EXT-X-DISCONTINUITY\n');
    expect(before1).toContain(listedBefore.at(-1));
    expect(Number(/index_320x180_(\d+)\.ts/.exec(after1!)?.[1])).toBeGreaterThan(Number(/_(\d+)\.ts$/.exec(listedBefore.at(-1)!)?.[1]));
    await sup.stop();
    expect(sup.status().state).toBe('IDLE');
  }, 90_000);
});

describe('EncoderSupervisor: a channel of its own per test', () => {
  let dir: string;
  let server: PutServer;
  let sup: EncoderSupervisor;

  afterEach(async () => {
    await sup?.stop();
    await server?.close();
  });

  it('takes a source that has no sound, and the output carries silent AAC', async () => {
    ({ dir, server, sup } = await startOnPutServer('encoder-mute-', () => ({
      inputArgs: () => ['-re', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=30'],
    })));
    await sup.start();
    await waitFor('a segment', () => segmentNumbers(server, '_256x144').length >= 1, 30_000);
    expect(sup.status().input.connected).toBe(true);
    const probe = await probeStream(path.join(dir, 'origin', 'stream', 'index_256x144_00001.ts'));
    expect(probe).toMatchObject({ width: 256, height: 144, audioCodec: 'aac', audioChannels: 2 });
    await sup.stop();
  }, 60_000);

  /** Each listed segment's program date time (epoch ms) and duration (s). */
  const datedSegments = (playlist: string) =>
    [...playlist.matchAll(/#EXT-X-PROGRAM-DATE-TIME:(\S+)\n#EXTINF:([\d.]+),/g)].map((m) => ({ pdt: Date.parse(m[1]!), duration: Number(m[2]) }));

  it('dates the segments after a step of the wall clock on the stepped clock, without a restart or a discontinuity, and says so in its log', async () => {
    // The supervisor's wall clock: a host clock corrected 7 s forward (or a laptop that slept 7 s) while the channel runs.
    let shiftMs = 0;
    ({ dir, server, sup } = await startOnPutServer('encoder-clock-step-', (folder) => ({
      logFile: path.join(folder, 'ffmpeg.log'),
      inputArgs: () => LIVE,
      now: () => Date.now() + shiftMs,
    })));
    await sup.start();
    await waitFor('two segments', () => segmentNumbers(server, '_320x180').length >= 2, 30_000);
    shiftMs = 7_000;
    const steppedAt = Date.now();
    await waitFor('three segments after the step', () => segmentNumbers(server, '_320x180', steppedAt).length >= 3, 30_000);
    const playlist = await readFile(path.join(dir, 'origin', 'stream', 'index_320x180.m3u8'), 'utf8');
    const status = sup.status();
    await sup.stop();
    expect(playlist).not.toContain('#EXT-X-DISCONTINUITY\n');
    expect(status.encoder.restarts).toBe(0);
    const segs = datedSegments(playlist);
    // Each date is the previous one plus its duration, but for one: that one also moved by the step.
    const moves = segs.slice(1).map((s, i) => s.pdt - segs[i]!.pdt - segs[i]!.duration * 1000);
    expect(moves.filter((m) => Math.abs(m) > 2)).toHaveLength(1);
    expect(moves.find((m) => Math.abs(m) > 2)).toBeCloseTo(7_000, -2);
    // The newest segment ended on the stepped clock: a second or two before it, not seven.
    const newest = segs.at(-1)!;
    expect(status.encoder.pdtDriftSeconds).toBeGreaterThan(0);
    expect(status.encoder.pdtDriftSeconds).toBeLessThan(4);
    expect(newest.pdt).toBeGreaterThan(steppedAt);
    expect(await readFile(path.join(dir, 'ffmpeg.log'), 'utf8')).toMatch(/the wall clock stepped forward 7\.0 s/);
  }, 60_000);
});
