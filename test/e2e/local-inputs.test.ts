/**
 * The local stack end to end for every input type, in process (origin, edge, ingest and encoder as
 * the daemon runs them) with real ffmpeg: a source behind basic auth pulled by URL_PULL, RTMP, RTP and
 * SRT pushes from ffmpeg publishers, SRT_LISTENER fed by GStreamer (right and wrong passphrase), SRT_CALLER to an ffmpeg
 * listener, a push from outside the CIDR allow-list, the synthetic capture device, and a source cut
 * (6 s, and 20 s for SRT) then restored. Output is read through the edge, as a viewer
 * would, and checked with ffprobe against the tiny ladder. (The real CLI and Chromium: local-up.test.ts.)
 *
 * The channel emits output on a slate while it has no source (EMIT_OUTPUT), so "output plays" alone
 * proves nothing about the input: every case also asserts that source frames reached the encoder
 * (status().input.fps > 0, reported only while the encoder is fed by the source).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { probeStream } from '../helpers/ffprobe.js';
import { makeHlsFixture } from '../helpers/hls-fixture.js';
import { startPublisher } from '../helpers/publisher.js';
import { findFreeUdpPort } from '../../src/targets/local/ingest/ports.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';
import { requireTool } from '../helpers/tools.js';
import { findTimelineProblems, parseMediaPlaylist, waitUntil, watchPlaylists } from './helpers/hls-watch.js';
import {
  closeAll, killChild, readAllFiles, serveWithBasicAuth, startTestStack, waitForExit, type TestStack,
} from './helpers/test-stack.js';

interface InputStatus {
  type: string;
  connected: boolean;
  fps?: number;
  losses: number;
  refused: number;
  refusedPassphrase?: number;
  remote?: string;
  /** Set while the slate is on air for want of a source (status prints "slate on air"). */
  lossSince?: string;
}

const GST_LAUNCH = await requireTool('gst-launch-1.0');
const gstPublishers = new Set<ChildProcess>();

/**
 * A GStreamer publisher (a publisher nobody here wrote) calling the stack's SRT_LISTENER: 640x360@30
 * test pattern + tone, x264 with a 1 s GOP and AAC in MPEG-TS, AES-128 with `passphrase`. The muxer
 * hands srtsink 7 TS packets (1316 bytes) at a time, one SRT message each, as SRT live mode expects:
 * without alignment=7 its larger buffers reach the listener broken (the decoder never finds a PPS).
 */
function startGstSrtPublisher(endpoint: string, passphrase: string): ChildProcess {
  const uri = `${endpoint}&mode=caller&passphrase=${passphrase}&pbkeylen=16&latency=200`;
  const child = spawn(GST_LAUNCH, [
    '-q', 'videotestsrc', 'is-live=true', '!', 'video/x-raw,width=640,height=360,framerate=30/1',
    '!', 'x264enc', 'tune=zerolatency', 'key-int-max=30', 'bitrate=800', '!', 'h264parse',
    '!', 'mpegtsmux', 'name=m', 'alignment=7', '!', 'srtsink', `uri=${uri}`,
    'audiotestsrc', 'is-live=true', '!', 'audioconvert', '!', 'avenc_aac', '!', 'aacparse', '!', 'm.',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.resume();
  gstPublishers.add(child);
  child.once('exit', () => gstPublishers.delete(child));
  return child;
}

/** The passphrase the stack made, from its owner-only file (as a user reads it to set up an encoder). */
async function readStackPassphrase(t: TestStack): Promise<string> {
  return (await readFile(t.layout.srtPassphrase, 'utf8')).trim();
}

function inputOf(t: TestStack): InputStatus {
  return t.stack.status().input as InputStatus;
}

function mediaUrls(t: TestStack): string[] {
  return t.ladder.renditions.map((r) => `${t.edge}/stream/index_${r.width}x${r.height}.m3u8`);
}

async function fetchPlaylist(url: string) {
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  const text = await res.text();
  return res.ok ? parseMediaPlaylist(text) : undefined;
}

/** Waits until the source feeds the encoder: the status reports an input frame rate. */
async function waitForSourceFrames(t: TestStack, timeoutMs = 45_000): Promise<InputStatus> {
  return waitUntil('source frames at the encoder (status input fps > 0)', () => {
    const input = inputOf(t);
    return (input.fps ?? 0) > 0 ? input : undefined;
  }, timeoutMs);
}

/**
 * The master playlist plays through the edge and every rendition is what the ladder says:
 * resolution, frame rate, codecs and audio by ffprobe, segment length by EXTINF.
 */
async function expectLadderOutput(t: TestStack): Promise<void> {
  const master = await waitUntil('the master playlist through the edge', async () => {
    const res = await fetch(`${t.edge}/stream/index.m3u8`, { signal: AbortSignal.timeout(5_000) });
    const text = await res.text();
    return res.ok && text.includes('#EXT-X-STREAM-INF') ? text : undefined;
  });
  expect(master.match(/#EXT-X-STREAM-INF/g)).toHaveLength(t.ladder.renditions.length);
  for (const r of t.ladder.renditions) {
    const url = `${t.edge}/stream/index_${r.width}x${r.height}.m3u8`;
    expect(master).toContain(`index_${r.width}x${r.height}.m3u8`);
    // Three segments: enough for ffprobe to start where a player would (three from the live edge).
    const playlist = await waitUntil(`three segments in ${url}`, async () => {
      const p = await fetchPlaylist(url);
      return p && p.segments.length >= 3 ? p : undefined;
    });
    for (const s of playlist.segments) expect(s.duration).toBeCloseTo(t.ladder.hls.segmentSeconds, 1);
    const probed = await probeStream(url);
    expect({ width: probed.width, height: probed.height, codec: probed.codec }).toEqual({ width: r.width, height: r.height, codec: 'h264' });
    expect(probed.fps).toBeCloseTo(r.framerate, 1);
    const { audio } = t.ladder;
    expect({ codec: probed.audioCodec, rate: probed.audioSampleRate, channels: probed.audioChannels })
      .toEqual({ codec: audio.codec, rate: audio.sampleRate, channels: audio.channels });
  }
}

afterEach(async () => {
  await Promise.all([...gstPublishers].map((child) => killChild(child)));
  await closeAll();
});

describe('local stack end to end, every input type (tiny ladder)', { timeout: 120_000 }, () => {
  it('URL_PULL from a source behind basic auth plays through the edge, and the password is never shown', async () => {
    const fixture = await makeTmpDir('e2e-source-');
    await makeHlsFixture(fixture, { seconds: 20 });
    const password = `pw-${Math.random().toString(36).slice(2)}-Secret`;
    const source = await serveWithBasicAuth(fixture, 'viewer', password);
    const t = await startTestStack(
      { input: 'URL_PULL', sourceUrl: source.url, sourceUser: 'viewer', sourcePassword: true },
      { sourcePassword: password },
    );
    const input = await waitForSourceFrames(t);
    expect(input).toMatchObject({ type: 'URL_PULL', connected: true });
    // The source refuses anything without the credentials, so the frames came through authorized requests.
    expect(source.requests.some((r) => r.authorized && r.path.endsWith('.ts'))).toBe(true);
    await expectLadderOutput(t);

    const basic = Buffer.from(`viewer:${password}`).toString('base64');
    const files = await readAllFiles(t.layout.logs);
    expect(files.map((f) => path.relative(t.layout.logs, f.file))).toEqual(expect.arrayContaining(['ffmpeg.log', 'daemon.log']));
    for (const f of files) {
      expect(f.text, f.file).not.toContain(password);
      expect(f.text, f.file).not.toContain(basic);
    }
    expect(t.logLines.join('\n')).not.toContain(password);
    const shown = JSON.stringify({ info: t.stack.info, status: t.stack.status() });
    expect(shown).not.toContain(password);
    expect(shown).not.toContain(basic);

    // `ps` shows every process's command line to every user: no password, token or key on ours.
    const credential = (await readFile(t.layout.credential, 'utf8')).trim();
    const lines = await descendantCommandLines(process.pid);
    expect(lines.some((l) => l.startsWith('ffmpeg ') || l.includes('/ffmpeg '))).toBe(true);
    for (const line of lines) {
      for (const secret of [password, basic, credential, 'Authorization', 'Bearer']) expect(line).not.toContain(secret);
      // The put relay's URL carries no random key on Linux (it checks who connects instead).
      expect(line).not.toMatch(/[0-9a-f]{32}/);
    }
  });

  it('RTMP_PUSH from an ffmpeg publisher: the ladder plays and status shows the input connected', async () => {
    const t = await startTestStack({ input: 'RTMP_PUSH', rtmpPort: 0, cidr: ['127.0.0.1/32'] });
    const endpoint = t.stack.info.pushEndpoint!;
    expect(endpoint).toMatch(/^rtmp:\/\/127\.0\.0\.1:\d+\/e2e\/stream$/);
    startPublisher('flv', endpoint);
    const input = await waitForSourceFrames(t);
    expect(input).toMatchObject({ type: 'RTMP_PUSH', connected: true, remote: '127.0.0.1', refused: 0 });
    await expectLadderOutput(t);
    // The bitrate comes from the bytes the gate admitted, sampled every 2 s.
    await waitUntil('an input bitrate', () => ((t.stack.status().input as { bitrate?: number }).bitrate ?? 0) > 0);
  });

  it('a push from outside the CIDR allow-list is refused, and the channel keeps emitting the slate', async () => {
    const t = await startTestStack({ input: 'RTMP_PUSH', rtmpPort: 0, cidr: ['127.0.0.2/32'] });
    const publisher = startPublisher('flv', t.stack.info.pushEndpoint!);
    const code = await waitForExit(publisher, 30_000);
    expect(code).not.toBe('running');
    expect(code).not.toBe(0);
    const input = inputOf(t);
    expect(input.refused).toBeGreaterThanOrEqual(1);
    expect(input.connected).toBe(false);
    expect(input.fps).toBeUndefined();

    // Output during input loss: segments keep coming, numbered on.
    const [url] = mediaUrls(t) as [string];
    const first = await waitUntil('a first slate segment', async () => (await fetchPlaylist(url))?.segments.at(-1)?.number);
    await waitUntil('two more slate segments', async () => ((await fetchPlaylist(url))?.segments.at(-1)?.number ?? 0) >= first + 2);
    expect(inputOf(t)).toMatchObject({ connected: false, losses: 0 });
    expect(inputOf(t).fps).toBeUndefined();
  });

  it('RTP_PUSH from an ffmpeg publisher: the ladder plays', async () => {
    const t = await startTestStack({ input: 'RTP_PUSH', rtpPort: 0, cidr: ['127.0.0.1/32'] });
    const endpoint = t.stack.info.pushEndpoint!;
    expect(endpoint).toMatch(/^rtp:\/\/127\.0\.0\.1:\d+$/);
    startPublisher('rtp_mpegts', endpoint);
    const input = await waitForSourceFrames(t);
    expect(input).toMatchObject({ type: 'RTP_PUSH', connected: true, refused: 0 });
    await waitUntil('an input bitrate', () => ((t.stack.status().input as { bitrate?: number }).bitrate ?? 0) > 0);
    await expectLadderOutput(t);
  });

  it('SRT_LISTENER from an ffmpeg publisher with the passphrase: the ladder plays, and the passphrase is on no command line but the publisher\'s, in no log or status', async () => {
    const passphrase = `pp-${Math.random().toString(36).slice(2)}-Secret`;
    const t = await startTestStack({ input: 'SRT_LISTENER', srtPort: 0, cidr: ['127.0.0.1/32'], srtPassphrase: true }, { srtPassphrase: passphrase });
    const endpoint = t.stack.info.pushEndpoint!;
    expect(endpoint).toMatch(/^srt:\/\/127\.0\.0\.1:\d+\?streamid=e2e$/);
    const publisher = startPublisher('mpegts', `${endpoint}&mode=caller&passphrase=${passphrase}&pbkeylen=16`);
    const input = await waitForSourceFrames(t);
    expect(input).toMatchObject({ type: 'SRT_LISTENER', connected: true, remote: '127.0.0.1', refused: 0, refusedPassphrase: 0 });
    await waitUntil('an input bitrate', () => ((t.stack.status().input as { bitrate?: number }).bitrate ?? 0) > 0);
    await expectLadderOutput(t);

    const lines = await descendantCommandLines(process.pid, [publisher.pid!]);
    expect(lines.some((l) => l.includes('srt-input.ffconcat'))).toBe(true);
    for (const line of lines) expect(line).not.toContain(passphrase);
    for (const f of await readAllFiles(t.layout.logs)) expect(f.text, f.file).not.toContain(passphrase);
    expect(t.logLines.join('\n')).not.toContain(passphrase);
    expect(JSON.stringify({ info: t.stack.info, status: t.stack.status() })).not.toContain(passphrase);
  });

  it('SRT_CALLER to an ffmpeg listener with the passphrase: the ladder plays', async () => {
    const passphrase = `pp-${Math.random().toString(36).slice(2)}-Caller`;
    const port = await findFreeUdpPort();
    startPublisher('mpegts', `srt://127.0.0.1:${port}?mode=listener&passphrase=${passphrase}&pbkeylen=16`);
    const t = await startTestStack({ input: 'SRT_CALLER', sourceUrl: `srt://127.0.0.1:${port}?streamid=studio`, srtPassphrase: true }, { srtPassphrase: passphrase });
    expect(t.stack.info.pushEndpoint).toBeUndefined();
    const input = await waitForSourceFrames(t);
    expect(input).toMatchObject({ type: 'SRT_CALLER', connected: true, remote: `127.0.0.1:${port}`, refusedPassphrase: 0 });
    await expectLadderOutput(t);
  });

  it('SRT_LISTENER from a GStreamer publisher with the stack\'s passphrase: the ladder plays through the edge', async () => {
    const t = await startTestStack({ input: 'SRT_LISTENER', srtPort: 0, cidr: ['127.0.0.1/32'], srtPassphrase: true });
    const passphrase = await readStackPassphrase(t);
    const publisher = startGstSrtPublisher(t.stack.info.pushEndpoint!, passphrase);
    const input = await waitForSourceFrames(t);
    expect(input).toMatchObject({ type: 'SRT_LISTENER', connected: true, remote: '127.0.0.1', refused: 0, refusedPassphrase: 0 });
    await expectLadderOutput(t);
    // One segment as a player fetches it: the newest of the top rendition, probed on its own.
    const playlist = (await fetchPlaylist(mediaUrls(t)[0]!))!;
    const segment = new URL(playlist.segments.at(-1)!.uri, mediaUrls(t)[0]!).toString();
    const probed = await probeStream(segment);
    const top = t.ladder.renditions[0]!;
    expect({ width: probed.width, height: probed.height, codec: probed.codec, audio: probed.audioCodec })
      .toEqual({ width: top.width, height: top.height, codec: 'h264', audio: t.ladder.audio.codec });
    expect(publisher.exitCode).toBeNull();
  });

  it('SRT_LISTENER: a GStreamer publisher with a wrong passphrase is refused and counted, and feeds nothing', async () => {
    const t = await startTestStack({ input: 'SRT_LISTENER', srtPort: 0, cidr: ['127.0.0.1/32'], srtPassphrase: true });
    startGstSrtPublisher(t.stack.info.pushEndpoint!, 'not-the-stack-passphrase');
    const input = await waitUntil('a passphrase refusal in status', () => {
      const i = inputOf(t);
      return (i.refusedPassphrase ?? 0) >= 1 ? i : undefined;
    }, 30_000);
    expect(input).toMatchObject({ type: 'SRT_LISTENER', connected: false });
    expect(input.fps).toBeUndefined();
  });

  it('INPUT_DEVICE demo: the ladder plays', async () => {
    const t = await startTestStack({ input: 'INPUT_DEVICE', deviceId: 'demo' });
    const input = await waitForSourceFrames(t);
    expect(input).toMatchObject({ type: 'INPUT_DEVICE', connected: true });
    await expectLadderOutput(t);
  });

  const SRT_TEST_PASSPHRASE = 'cut-and-restore-passphrase';
  const srtListenerCut = {
    input: 'SRT_LISTENER', raw: { input: 'SRT_LISTENER', srtPort: 0, srtPassphrase: true }, secrets: { srtPassphrase: SRT_TEST_PASSPHRASE },
    publish: (endpoint: string) => startPublisher('mpegts', `${endpoint}&mode=caller&passphrase=${SRT_TEST_PASSPHRASE}&pbkeylen=16`),
  } as const;
  it.each([
    { input: 'RTMP_PUSH', raw: { input: 'RTMP_PUSH', rtmpPort: 0 }, secrets: {}, publish: (endpoint: string) => startPublisher('flv', endpoint), gapSeconds: 6 },
    // The SRT publisher comes back with the very same URL; the stack takes it without a restart.
    { ...srtListenerCut, gapSeconds: 6 },
    // Issue 11's cut: 20 s, long past SRT's own timeouts, so the caller's session is surely gone.
    { ...srtListenerCut, gapSeconds: 20 },
  ] as const)('$input: a source cut for $gapSeconds s then restored: output continues on the slate, the timeline never breaks, the source comes back', async ({ raw, secrets, publish, gapSeconds }) => {
    const t = await startTestStack({ ...raw, cidr: ['127.0.0.1/32'] }, secrets);
    const endpoint = t.stack.info.pushEndpoint!;
    const urls = mediaUrls(t);
    const first = publish(endpoint);
    await waitForSourceFrames(t);
    // Watch from the first playlists on: a 404 before the encoder's first segment is not a player error.
    for (const url of urls) await waitUntil(`a first segment in ${url}`, async () => ((await fetchPlaylist(url))?.segments.length ?? 0) > 0);
    const watch = watchPlaylists(urls, 1_000);
    try {
      await waitUntil('two segments of the source', () => watch.newest(urls[0]!) >= 2);

      await killChild(first);
      const cutAt = watch.newest(urls[0]!);
      const lost = await waitUntil('status to show the input lost', () => {
        const input = inputOf(t);
        return !input.connected && input.losses >= 1 && input.fps === undefined ? input : undefined;
      }, 30_000);
      expect(lost.losses).toBeGreaterThanOrEqual(1);
      // The gap with no source, during which the slate keeps the segments coming.
      await new Promise((r) => setTimeout(r, gapSeconds * 1_000));
      expect(inputOf(t)).toMatchObject({ connected: false, lossSince: expect.any(String) });
      await waitUntil('new segments during the gap', () => urls.every((u) => watch.newest(u) >= cutAt + 2), 30_000);
      const slateSequences = urls.map((u) => watch.samples.filter((x) => x.url === u).at(-1)?.playlist?.mediaSequence ?? 0);

      const second = publish(endpoint);
      const back = await waitForSourceFrames(t);
      expect(back.connected).toBe(true);
      expect(back.losses).toBeGreaterThanOrEqual(lost.losses);
      expect(second.exitCode).toBeNull();
      const restoredAt = watch.newest(urls[0]!);
      await waitUntil('two segments after the restore', () => urls.every((u) => watch.newest(u) >= restoredAt + 2), 30_000);
      // The media sequence goes on from where the slate left it: no reset to 0 when the source returns.
      urls.forEach((u, i) => {
        expect(watch.samples.filter((x) => x.url === u).at(-1)?.playlist?.mediaSequence).toBeGreaterThan(slateSequences[i]!);
      });
    } finally {
      await watch.stop();
    }
    for (const url of urls) {
      const samples = watch.samples.filter((s) => s.url === url);
      expect(samples.length).toBeGreaterThan(5);
      expect(findTimelineProblems(samples)).toEqual([]);
      // The encoder ran through: no restart, so no discontinuity for players to handle.
      expect(samples.every((s) => s.playlist?.discontinuities === 0)).toBe(true);
    }
    expect(t.stack.status()).toMatchObject({ channel: 'RUNNING', encoder: { restarts: 0 } });
  }, 150_000);
});

/** The command lines of every process below `pid` (ffmpeg children and theirs) but `exclude`, as `ps` shows them. */
async function descendantCommandLines(pid: number, exclude: readonly number[] = []): Promise<string[]> {
  const parents = new Map<number, number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // pid (comm) state ppid ...: comm may hold spaces, so read after its closing parenthesis.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid) parents.set(Number(entry), ppid);
  }
  const isBelow = (p: number): boolean => {
    for (let q = parents.get(p); q; q = parents.get(q)) if (q === pid) return true;
    return false;
  };
  const lines: string[] = [];
  for (const p of parents.keys()) {
    if (!isBelow(p) || exclude.includes(p)) continue;
    const cmdline = await readFile(`/proc/${p}/cmdline`, 'utf8').catch(() => '');
    if (cmdline) lines.push(cmdline.split('\0').join(' ').trim());
  }
  return lines;
}
