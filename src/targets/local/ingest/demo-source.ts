/**
 * The built-in demo stream: an ffmpeg process makes live HLS (test pattern, a tone that beeps once a
 * second, a burned-in UTC clock) into <workDir>/demo, and a tiny loopback HTTP server serves it, so the
 * default stack pulls it through the real URL_PULL path. No internet needed. The generator is kept
 * cheap (ultrafast, zerolatency) because it shares the CPU with the ladder encoder.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { buildClockFilter, chooseFont } from './clock.js';
import { startStaticServer } from './static-server.js';
import { spawnFfmpeg } from '../encoder/spawn-ffmpeg.js';
import { stopProcess } from '../plumbing/stop-process.js';

export interface DemoSourceSettings {
  outDir: string;
  /** Font for the clock; without one there is no clock. */
  fontFile?: string;
  startMs: number;
  width: number;
  height: number;
  fps: number;
  segmentSeconds: number;
  listSize: number;
  videoKbps: number;
}

export const DEMO_DEFAULTS = { width: 1280, height: 720, fps: 30, segmentSeconds: 2, listSize: 6, videoKbps: 2000 };

/** The generator's arguments. Pure. */
export function buildDemoSourceArgs(s: DemoSourceSettings): string[] {
  const gop = s.fps * s.segmentSeconds;
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'warning', '-nostats',
    // -re paces lavfi (which otherwise generates as fast as it can) to real time.
    '-re', '-f', 'lavfi', '-i', `testsrc2=size=${s.width}x${s.height}:rate=${s.fps}`,
    '-re', '-f', 'lavfi', '-i', 'sine=frequency=440:beep_factor=4:sample_rate=48000',
    ...(s.fontFile ? ['-vf', buildClockFilter(s.fontFile, s.startMs, Math.round(s.height / 12))] : []),
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p',
    '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0',
    '-b:v', `${s.videoKbps}k`, '-maxrate', `${s.videoKbps}k`, '-bufsize', `${s.videoKbps}k`,
    '-c:a', 'aac', '-b:a', '96k', '-ac', '2', '-ar', '48000',
    '-f', 'hls', '-hls_time', String(s.segmentSeconds), '-hls_list_size', String(s.listSize),
    // epoch numbering keeps the media sequence increasing across generator restarts, so a reader
    // never sees it go backwards.
    '-hls_flags', 'delete_segments+temp_file+program_date_time', '-hls_start_number_source', 'epoch',
    '-hls_segment_filename', join(s.outDir, 'seg_%d.ts'),
    join(s.outDir, 'index.m3u8'),
  ];
}

export interface DemoSource {
  /** http URL of the demo's live playlist on loopback. */
  url: string;
  /** The generator's process id (for status and tests); undefined while it restarts. */
  pid(): number | undefined;
  close(): Promise<void>;
}

export interface DemoSourceOptions {
  ffmpegPath: string;
  workDir: string;
  log: (line: string) => void;
  now: () => number;
  /** Overrides for tests (smaller pictures); defaults are 1280x720 30 fps, 2 s segments. */
  settings?: Partial<Omit<DemoSourceSettings, 'outDir' | 'startMs' | 'fontFile'>>;
  readyTimeoutMs?: number;
}

export async function startDemoSource(opts: DemoSourceOptions): Promise<DemoSource> {
  const outDir = join(opts.workDir, 'demo');
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const fontFile = chooseFont(existsSync);
  if (!fontFile) opts.log('demo: no font found (looked for DejaVu Sans, Liberation Sans); the demo has no burned-in clock. Install fonts-dejavu-core to get it.');

  let child: ChildProcess | undefined;
  let closed = false;
  let restarts = 0;
  let stderrTail: string[] = [];
  let restartTimer: NodeJS.Timeout | undefined;

  const launch = (): void => {
    const args = buildDemoSourceArgs({ ...DEMO_DEFAULTS, ...opts.settings, outDir, fontFile, startMs: opts.now() });
    const proc = spawnFfmpeg({
      ffmpegPath: opts.ffmpegPath,
      args,
      label: 'demo',
      onStderrLine: (line) => {
        stderrTail = [...stderrTail, line].slice(-10);
      },
    });
    child = proc;
    stderrTail = [];
    proc.once('error', (err) => opts.log(`demo: cannot run ${opts.ffmpegPath}: ${err.message}`));
    proc.once('exit', (code, signal) => {
      if (child === proc) child = undefined;
      if (closed) return;
      const delay = Math.min(1_000 * 2 ** restarts, 10_000);
      restarts++;
      opts.log(`demo: generator exited (${signal ?? `code ${code}`}): ${stderrTail.slice(-2).join(' | ')}; restarting in ${delay / 1000} s`);
      restartTimer = setTimeout(launch, delay);
    });
  };

  const server = await startStaticServer(outDir);
  const stop = async (): Promise<void> => {
    closed = true;
    clearTimeout(restartTimer);
    await stopProcess(child, { graceMs: 2_000 });
    await server.close();
  };
  launch();

  const playlist = join(outDir, 'index.m3u8');
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 20_000);
  while (!(await hasSegment(playlist))) {
    if (Date.now() > deadline) {
      const tail = stderrTail.join('\n');
      await stop();
      throw new Error(`the demo source made no HLS segment within ${(opts.readyTimeoutMs ?? 20_000) / 1000} s${tail ? `; ffmpeg said:\n${tail}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  // A generator that runs again resets the backoff.
  restarts = 0;
  return { url: `${server.origin}/index.m3u8`, pid: () => child?.pid, close: stop };
}

async function hasSegment(playlist: string): Promise<boolean> {
  const text = await readFile(playlist, 'utf8').catch(() => '');
  return /^[^#\s].*\.ts\s*$/m.test(text);
}
