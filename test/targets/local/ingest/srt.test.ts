/**
 * SRT inputs with real publishers nobody here wrote: ffmpeg (`-f mpegts srt://...`) and GStreamer
 * (`srtsink`), with the right passphrase, a wrong one (refused and counted) and from outside --cidr.
 * The decoder is started as the encoder supervisor starts it: ffmpeg with `inputArgs()`, its log
 * lines handed to `watchDecoderLine`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readdir, stat } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { startIngest } from '../../../../src/targets/local/ingest/start.js';
import type { Ingest } from '../../../../src/targets/local/ingest/types.js';
import type { LocalStackSpec } from '../../../../src/core/spec.js';
import { findFreeUdpPort } from '../../../../src/targets/local/ingest/ports.js';
import { makeTmpDir } from '../../../helpers/tmp-dir.js';
import { startPublisher } from '../../../helpers/publisher.js';
import { requireTool } from '../../../helpers/tools.js';
import { killAll, makeSpec, waitFor, FFMPEG } from './helpers.js';

const GST = await requireTool('gst-launch-1.0');
const PASSPHRASE = 'test-passphrase-0123';
const WRONG = 'wrong-passphrase-9876';

let ingest: Ingest | undefined;
const children = new Set<ChildProcess>();

afterEach(async () => {
  await killAll();
  await Promise.all([...children].map((c) => stopChild(c)));
  children.clear();
  await ingest?.close();
  ingest = undefined;
});

function stopChild(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
  c.kill('SIGKILL');
  return exited;
}

async function startSrt(over: Partial<LocalStackSpec>, passphrase: string | undefined, lines: string[] = []): Promise<Ingest> {
  const dir = await makeTmpDir('srt-ingest-');
  ingest = await startIngest({
    spec: makeSpec({ srt: { latencyMs: 120, passphrase: passphrase ? 'given' : 'none' }, ...over }),
    secrets: passphrase ? { srtPassphrase: passphrase } : {},
    ffmpegPath: FFMPEG, workDir: dir, log: (l) => lines.push(l),
  });
  return ingest;
}

/** The decoder as the supervisor runs it: frames counted from its progress, every log line to the ingest. */
function startDecoder(ing: Ingest, seconds: number): { frames: () => number; done: Promise<number | null>; child: ChildProcess } {
  const child = spawn(FFMPEG, ['-hide_banner', '-nostdin', ...ing.inputArgs(), '-t', String(seconds), '-map', '0:v:0', '-f', 'null', '-'], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.add(child);
  let frames = 0;
  let rest = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    const parts = (rest + chunk).split(/\r?\n|\r/);
    rest = parts.pop() ?? '';
    for (const line of parts) {
      ing.watchDecoderLine?.(line);
      const m = /frame=\s*(\d+)/.exec(line);
      if (m) frames = Number(m[1]);
    }
  });
  const done = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { frames: () => frames, done, child };
}

function portOf(endpoint: string): number {
  return Number(/:(\d+)\?/.exec(endpoint)![1]);
}

function ffmpegSrtUrl(port: number, passphrase: string, mode = 'caller'): string {
  return `srt://127.0.0.1:${port}?mode=${mode}&passphrase=${passphrase}&pbkeylen=16&streamid=teststack`;
}

/** GStreamer as an SRT encoder: test pattern, x264, MPEG-TS, srtsink calling the stack. */
function startGstPublisher(port: number, passphrase: string): ChildProcess {
  const child = spawn(GST, [
    '-q', 'videotestsrc', 'is-live=true', '!', 'video/x-raw,width=640,height=360,framerate=30/1', '!',
    'x264enc', 'tune=zerolatency', 'speed-preset=ultrafast', 'key-int-max=30', '!', 'mpegtsmux', '!',
    'srtsink', `uri=srt://127.0.0.1:${port}?mode=caller&passphrase=${passphrase}&pbkeylen=16&streamid=teststack`,
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.resume();
  children.add(child);
  return child;
}

describe('SRT_LISTENER', () => {
  it('takes an ffmpeg publisher with the passphrase; the passphrase is in no argument, only in an owner-only list', async () => {
    const lines: string[] = [];
    const ing = await startSrt({ input: 'SRT_LISTENER', cidrs: ['127.0.0.1/32'] }, PASSPHRASE, lines);
    expect(ing.pushEndpoint).toMatch(/^srt:\/\/127\.0\.0\.1:\d+\?streamid=teststack$/);
    const args = ing.inputArgs();
    expect(args.join(' ')).not.toContain(PASSPHRASE);
    expect((await stat(args.at(-1)!)).mode & 0o777).toBe(0o600);
    expect(ing.state()).toMatchObject({ connected: false, refused: 0, refusedPassphrase: 0, bytesIn: 0 });

    const decoder = startDecoder(ing, 2);
    startPublisher('mpegts', ffmpegSrtUrl(portOf(ing.pushEndpoint!), PASSPHRASE));
    expect(await waitFor(() => ing.state().connected, 10_000)).toBe(true);
    expect(ing.state()).toMatchObject({ connected: true, remote: '127.0.0.1', refused: 0, refusedPassphrase: 0 });
    expect(await decoder.done).toBe(0);
    expect(decoder.frames()).toBeGreaterThanOrEqual(20);
    expect(ing.state().bytesIn).toBeGreaterThan(0);
  });

  it('refuses an ffmpeg publisher with a wrong passphrase, and counts it', async () => {
    const lines: string[] = [];
    const ing = await startSrt({ input: 'SRT_LISTENER', cidrs: ['127.0.0.1/32'] }, PASSPHRASE, lines);
    const decoder = startDecoder(ing, 2);
    const publisher = startPublisher('mpegts', ffmpegSrtUrl(portOf(ing.pushEndpoint!), WRONG));
    const exited = new Promise<number | null>((resolve) => publisher.once('exit', (code) => resolve(code)));
    expect(await waitFor(() => (ing.state().refusedPassphrase ?? 0) >= 1, 15_000)).toBe(true);
    expect(await exited).not.toBe(0);
    expect(decoder.frames()).toBe(0);
    expect(ing.state()).toMatchObject({ refused: 0, refusedPassphrase: 1 });
    expect(ing.state().lastRefusedPassphrase).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(lines.some((l) => l.includes('refused for its passphrase'))).toBe(true);
  });

  it('takes a GStreamer srtsink publisher with the passphrase and refuses one with a wrong passphrase', async () => {
    const ing = await startSrt({ input: 'SRT_LISTENER', cidrs: ['127.0.0.1/32'] }, PASSPHRASE);
    const port = portOf(ing.pushEndpoint!);
    const decoder = startDecoder(ing, 2);
    const wrong = startGstPublisher(port, WRONG);
    expect(await waitFor(() => (ing.state().refusedPassphrase ?? 0) >= 1, 15_000)).toBe(true);
    await stopChild(wrong);
    expect(decoder.frames()).toBe(0);
    // The listener is still waiting: the right publisher is taken by the same decoder.
    startGstPublisher(port, PASSPHRASE);
    expect(await decoder.done).toBe(0);
    expect(decoder.frames()).toBeGreaterThanOrEqual(20);
  });

  it('a --srt-port in use is a clear error that names the flag, and leaves no list behind', async () => {
    const taken = createSocket('udp4');
    await new Promise<void>((resolve) => taken.bind(0, '127.0.0.1', () => resolve()));
    try {
      const port = taken.address().port;
      const dir = await makeTmpDir('srt-ingest-');
      const err = await startIngest({
        spec: makeSpec({ input: 'SRT_LISTENER', cidrs: ['127.0.0.1/32'], srt: { latencyMs: 120, passphrase: 'given' }, local: { ...makeSpec({}).local, srtPort: port } }),
        secrets: { srtPassphrase: PASSPHRASE }, ffmpegPath: FFMPEG, workDir: dir,
      }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'PORT_IN_USE', message: expect.stringContaining(`127.0.0.1:${port}`), hint: expect.stringContaining('--srt-port') });
      expect(await readdir(dir)).toEqual([]);
    } finally {
      await new Promise<void>((resolve) => taken.close(() => resolve()));
    }
  });

  it('refuses a publisher outside --cidr at the gate: counted, nothing decoded', async () => {
    const ing = await startSrt({ input: 'SRT_LISTENER', cidrs: ['10.0.0.0/8'] }, PASSPHRASE);
    const decoder = startDecoder(ing, 2);
    startPublisher('mpegts', ffmpegSrtUrl(portOf(ing.pushEndpoint!), PASSPHRASE));
    expect(await waitFor(() => ing.state().refused >= 3, 15_000)).toBe(true);
    expect(ing.state()).toMatchObject({ connected: false, refusedPassphrase: 0, bytesIn: 0, lastRefused: { address: '127.0.0.1' } });
    expect(decoder.frames()).toBe(0);
  });

  it('takes a publisher that left and came back with the same URL, with a new decoder (as the supervisor restarts it)', async () => {
    const ing = await startSrt({ input: 'SRT_LISTENER', cidrs: ['127.0.0.1/32'] }, PASSPHRASE);
    const url = ffmpegSrtUrl(portOf(ing.pushEndpoint!), PASSPHRASE);
    const first = startDecoder(ing, 60);
    const publisher = startPublisher('mpegts', url);
    expect(await waitFor(() => first.frames() >= 20, 15_000)).toBe(true);
    await stopChild(publisher);
    // The decoder's input ends when the publisher is gone (SRT's peer idle timeout at the latest).
    expect(await Promise.race([first.done.then(() => true), new Promise((r) => setTimeout(() => r(false), 20_000))])).toBe(true);
    const second = startDecoder(ing, 2);
    startPublisher('mpegts', url);
    expect(await second.done).toBe(0);
    expect(second.frames()).toBeGreaterThanOrEqual(20);
  });
});

describe('SRT_CALLER', () => {
  it('calls an ffmpeg listener with the passphrase (the URL\'s stream id sent along)', async () => {
    const port = await findFreeUdpPort();
    startPublisher('mpegts', ffmpegSrtUrl(port, PASSPHRASE, 'listener'));
    const ing = await startSrt({ input: 'SRT_CALLER', sourceUrl: `srt://127.0.0.1:${port}?streamid=studio` }, PASSPHRASE);
    expect(ing.pushEndpoint).toBeUndefined();
    expect(ing.inputArgs().join(' ')).not.toContain(PASSPHRASE);
    // The listener may not be up yet: call again, as the supervisor does, until frames come.
    let frames = 0;
    for (let attempt = 0; attempt < 10 && frames < 20; attempt++) {
      const decoder = startDecoder(ing, 2);
      await decoder.done;
      frames = decoder.frames();
      if (frames < 20) await new Promise((r) => setTimeout(r, 500));
    }
    expect(frames).toBeGreaterThanOrEqual(20);
    expect(ing.state()).toMatchObject({ remote: `127.0.0.1:${port}`, refusedPassphrase: 0 });
  });

  it('counts a listener refusing its passphrase', async () => {
    const port = await findFreeUdpPort();
    startPublisher('mpegts', ffmpegSrtUrl(port, PASSPHRASE, 'listener'));
    const ing = await startSrt({ input: 'SRT_CALLER', sourceUrl: `srt://127.0.0.1:${port}` }, WRONG);
    for (let attempt = 0; attempt < 10 && !ing.state().refusedPassphrase; attempt++) {
      const decoder = startDecoder(ing, 2);
      await decoder.done;
      if (!ing.state().refusedPassphrase) await new Promise((r) => setTimeout(r, 500));
    }
    expect(ing.state().refusedPassphrase).toBeGreaterThanOrEqual(1);
    expect(ing.state().lastError).toMatch(/^calling 127\.0\.0\.1:\d+ failed/);
  });
});
