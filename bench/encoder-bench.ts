/**
 * Encoder benchmark: `npx tsx bench/encoder-bench.ts [--seconds 12] [--latency-seconds 30] [--latency-all]
 *   [--only HD-720p] [--no-latency] [--quality-only | --no-quality] [--cascade] [--try PRESET/SCALER]`
 *
 * 1. Generates a 1080p30 source with sound once (testsrc2 with light temporal noise, so x264 has
 *    camera-like work to do), so source generation is not measured.
 * 2. For each built-in ladder: the encoder's speed (real-time factor) with OUR argument builder
 *    next to an equivalent hand-written ffmpeg command, both reading the file as fast as possible
 *    and writing HLS to files, in the same run (ratio = ours / hand-written).
 * 3. Glass-to-glass latency through the full path (decoder -> frame synchronizer -> encoder -> HLS
 *    PUT to a local HTTP origin), paced at real time: for each segment of the top rendition, the
 *    time its PUT completed minus the time its first frame reached the synchronizer.
 *
 * 4. Quality per CPU (encoder-quality.ts): per rendition PSNR and SSIM against the source, and the
 *    speed, of the old fixed ladder (baseline + ultrafast + fast_bilinear, as shipped before), ultrafast at
 *    the ladder's profile, and this machine's calibrated one (HD-720p, or --only's); `--profiles main,high`
 *    adds the calibrated pair at those profiles;
 *    `--cascade` adds each scaled flat (the encoder scales in a cascade); `--try veryfast/bicubic` adds a pair (repeatable);
 *    `--quality-only` runs this part alone, `--quality-seconds N` sets its source length, `--no-quality` skips it.
 *
 * Other processes share the CPU: figures are indicative, not a specification.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, readFile, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadProfile } from '../src/core/profiles.js';
import type { H264Profile, Ladder } from '../src/core/ladder.js';
import { buildEncoderArgs } from '../src/targets/local/encoder/ffmpeg-args.js';
import { EncoderSupervisor } from '../src/targets/local/encoder/supervisor.js';
import { startPutServer } from '../test/targets/local/encoder/put-server.js';
import { ChannelRecorder } from '../src/targets/local/recording/channel-recorder.js';
import { ffmpegRun, qualityRows, runQualityBench } from './encoder-quality.js';
import { chooseEncoderSettings } from '../src/targets/local/encoder/calibrate.js';
import { defaultCalibrationCacheDir } from '../src/targets/local/encoder/calibration-cache.js';
import { findFfmpeg } from '../src/targets/local/encoder/find-ffmpeg.js';

const LADDERS = ['HD-1080p', 'HD-720p', 'SD-540p'] as const;
const argv = process.argv.slice(2);
const opt = (name: string, def: number): number => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : def;
};
const SOURCE_SECONDS = opt('seconds', 12);
const LATENCY_SECONDS = opt('latency-seconds', 30);
const LATENCY_ALL = argv.includes('--latency-all');
const NO_LATENCY = argv.includes('--no-latency');
const ONLY = argv.includes('--only') ? argv[argv.indexOf('--only') + 1] : undefined;
const FFMPEG = process.env.LIVESTREAM_FFMPEG ?? 'ffmpeg';
/** Also run the full path recording the top rendition, to compare with and without (issue 13). */
const RECORDING = argv.includes('--recording');
const QUALITY_ONLY = argv.includes('--quality-only');
const NO_QUALITY = argv.includes('--no-quality');
const CASCADE = argv.includes('--cascade');
/** `--try veryfast/bicubic` (repeatable): a preset and scaler measured beside the fixed and calibrated ones. */
/** `--profiles baseline,main,high`: the calibrated pair encoded at these H.264 profiles too. */
const PROFILES = (argv.includes('--profiles') ? argv[argv.indexOf('--profiles') + 1]!.split(',') : []) as H264Profile[];
const TRY = argv.flatMap((a, i) => (a === '--try' && argv[i + 1] ? [argv[i + 1]!] : [])).map((t) => {
  const [preset = '', scaler = 'bicubic'] = t.split('/');
  return { preset, scaler };
});

/**
 * The hand-written commands, typed as someone would for each ladder (sizes, bitrates in kb/s, fps),
 * independent of our builder: split + scale, one x264 per rendition, aligned 2 s GOPs, AAC, HLS.
 */
const HAND: Record<(typeof LADDERS)[number], Array<[number, number, number, number]>> = {
  'HD-1080p': [[1920, 1080, 4100, 30], [1280, 720, 2700, 30], [960, 540, 1800, 30], [768, 432, 1200, 30], [640, 360, 800, 30], [512, 288, 400, 15]],
  'HD-720p': [[1280, 720, 2700, 30], [960, 540, 1800, 30], [768, 432, 1200, 30], [640, 360, 800, 30], [512, 288, 400, 15]],
  'SD-540p': [[960, 540, 1800, 30], [768, 432, 1200, 30], [640, 360, 800, 30], [512, 288, 400, 15]],
};

function handWrittenArgs(src: string, out: string, rungs: Array<[number, number, number, number]>, preset: string, scaler: string, profile: string): string[] {
  const n = rungs.length;
  const graph =
    `[0:v]split=${n}${rungs.map((_, i) => `[s${i}]`).join('')};` +
    rungs.map(([w, h, , fps], i) => `[s${i}]scale=${w}:${h}:flags=${scaler}${fps !== 30 ? `,fps=${fps}` : ''}[v${i}]`).join(';');
  const args = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'info', '-i', src, '-filter_complex', graph];
  rungs.forEach((_, i) => args.push('-map', `[v${i}]`));
  rungs.forEach(() => args.push('-map', '0:a'));
  args.push('-c:v', 'libx264', '-preset', preset, '-profile:v', profile, '-sc_threshold', '0');
  rungs.forEach(([, , kbps, fps], i) => {
    args.push(`-b:v:${i}`, `${kbps}k`, `-maxrate:v:${i}`, `${kbps}k`, `-bufsize:v:${i}`, `${2 * kbps}k`, `-g:v:${i}`, String(2 * fps));
  });
  args.push('-c:a', 'aac', '-b:a', '96k', '-ar', '48000', '-ac', '2');
  args.push('-f', 'hls', '-hls_time', '4', '-hls_list_size', '10', '-hls_flags', 'delete_segments');
  args.push('-var_stream_map', rungs.map(([w, h], i) => `v:${i},a:${i},name:_${w}x${h}`).join(' '));
  args.push('-hls_segment_filename', `${out}/index%v_%05d.ts`, `${out}/index%v.m3u8`);
  return args;
}

interface RunTimes {
  /** Wall-clock seconds. */
  wall: number;
  /** CPU seconds (user + system) as ffmpeg's -benchmark reports them: steadier than wall time on a shared machine. */
  cpu: number;
}

function run(args: string[]): Promise<RunTimes> {
  return ffmpegRun(FFMPEG, args);
}

async function generateSource(dir: string): Promise<string> {
  const file = path.join(dir, 'source-1080p30.mp4');
  process.stdout.write(`Generating a ${SOURCE_SECONDS} s 1080p30 source... `);
  const { wall: secs } = await run([
    '-hide_banner', '-nostdin', '-loglevel', 'error',
    '-f', 'lavfi', '-i', `testsrc2=size=1920x1080:rate=30:duration=${SOURCE_SECONDS}`,
    '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${SOURCE_SECONDS}`,
    '-vf', 'noise=alls=6:allf=t',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-b:v', '8M', '-g', '60', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-b:a', '128k', '-ac', '2', '-shortest', '-y', file,
  ]);
  console.log(`done in ${secs.toFixed(1)} s (${((await stat(file)).size / 1e6).toFixed(1)} MB)`);
  return file;
}

interface SpeedResult {
  /** Best real-time factor of two runs. */
  ours: number;
  raw: number;
  /** Hand-written CPU seconds / ours (>1: ours uses less CPU). */
  cpuRatio: number;
}

async function measureSpeed(ladder: Ladder, name: (typeof LADDERS)[number], src: string, dir: string): Promise<SpeedResult> {
  const oursDir = path.join(dir, `${name}-ours`);
  const rawDir = path.join(dir, `${name}-raw`);
  await mkdir(oursDir, { recursive: true });
  await mkdir(rawDir, { recursive: true });
  const ours = buildEncoderArgs({
    ladder,
    input: { args: ['-i', src], video: '0:v:0', audio: '0:a:0' },
    output: { kind: 'file', dir: oursDir },
    inputFps: 30, // as the supervisor passes its raw rate (the source here is 30 fps)
  });
  const raw = handWrittenArgs(src, rawDir, HAND[name], ladder.local.preset, ladder.local.scaler, ladder.renditions[0]!.profile);
  // Two runs each, in the order raw, ours, ours, raw, so drifting load from other processes hits both alike.
  const r1 = await run(raw);
  const o1 = await run(ours);
  const o2 = await run(ours);
  const r2 = await run(raw);
  return {
    ours: SOURCE_SECONDS / Math.min(o1.wall, o2.wall),
    raw: SOURCE_SECONDS / Math.min(r1.wall, r2.wall),
    cpuRatio: (r1.cpu + r2.cpu) / (o1.cpu + o2.cpu),
  };
}

/** CPU clock ticks (1/100 s on Linux) used so far by each ffmpeg child of this process, from /proc. */
async function sampleChildCpu(): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  let entries: string[] = [];
  try {
    entries = await readdir('/proc');
  } catch {
    return out; // not Linux
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const text = await readFile(`/proc/${e}/stat`, 'utf8');
      const comm = text.slice(text.indexOf('(') + 1, text.lastIndexOf(')'));
      const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
      if (comm === 'ffmpeg' && Number(f[1]) === process.pid) out.set(Number(e), Number(f[11]) + Number(f[12]));
    } catch {
      // the process ended meanwhile
    }
  }
  return out;
}

interface LatencyResult {
  segments: number;
  median: number;
  max: number;
  segmentSeconds: number;
  speed?: number;
  losses: number;
  /** Share of one core used by each part of the full path during the run, in per cent. */
  cpu: { decoder: number; sync: number; encoder: number };
  /** Frames per second actually fed to the encoder (the ladder's top rate when nothing is dropped). */
  fedFps: number;
}

async function measureLatency(ladder: Ladder, src: string, dir: string, recorder?: ChannelRecorder): Promise<LatencyResult> {
  const originDir = path.join(dir, `origin-${ladder.name}${recorder ? '-rec' : ''}`);
  const token = 'bench-token';
  const server = await startPutServer(originDir, token);
  const firstFrameArrival = new Map<number, number>();
  const fps = Math.max(...ladder.renditions.map((r) => r.framerate));
  const framesPerSegment = ladder.hls.segmentSeconds * fps;
  let fedCount = 0;
  let firstFedAt = 0;
  let lastFedAt = 0;
  const sup = new EncoderSupervisor({
    ffmpegPath: FFMPEG,
    ladder,
    originUrl: server.url,
    writeToken: () => token,
    inputArgs: () => ['-re', '-stream_loop', '-1', '-i', src],
    ...(recorder ? { recorder } : {}),
    onFrameFed: (n, fedAt, arrivedAt) => {
      fedCount++;
      if (firstFedAt === 0) firstFedAt = fedAt;
      lastFedAt = fedAt;
      // n is the frame's place in the timeline: a segment starts with the first frame fed at or after its start.
      const segment = Math.floor(n / framesPerSegment) + 1;
      if (!firstFrameArrival.has(segment)) firstFrameArrival.set(segment, arrivedAt ?? fedAt);
    },
  });
  await sup.start();
  const speeds: number[] = [];
  const end = Date.now() + LATENCY_SECONDS * 1000;
  // CPU is sampled after a warm-up, over the steady part of the run.
  await new Promise((r) => setTimeout(r, 4000));
  const cpu0 = await sampleChildCpu();
  const node0 = process.cpuUsage();
  const wall0 = performance.now();
  while (Date.now() < end) {
    await new Promise((r) => setTimeout(r, 1000));
    const s = sup.status().encoder.speed;
    if (s !== undefined) speeds.push(s);
  }
  const cpu1 = await sampleChildCpu();
  const node1 = process.cpuUsage(node0);
  const wallSeconds = (performance.now() - wall0) / 1000;
  const status = sup.status();
  const share = (pidFilter: (pid: number) => boolean): number => {
    let ticks = 0;
    for (const [pid, t] of cpu1) if (pidFilter(pid) && cpu0.has(pid)) ticks += t - cpu0.get(pid)!;
    return Math.round(ticks / wallSeconds);
  };
  const fedFps = fedCount / ((lastFedAt - firstFedAt) / 1000);
  await sup.stop();
  await server.close();
  const top = ladder.renditions[0]!;
  const re = new RegExp(`/stream/index_${top.width}x${top.height}_(\\d+)\\.ts$`);
  const latencies: number[] = [];
  for (const e of server.events) {
    const m = re.exec(e.path);
    if (!m || e.method !== 'PUT' || e.status !== 201) continue;
    const fed = firstFrameArrival.get(Number(m[1]));
    if (fed !== undefined) latencies.push((e.at - fed) / 1000);
  }
  latencies.sort((a, b) => a - b);
  return {
    segments: latencies.length,
    median: latencies[Math.floor(latencies.length / 2)] ?? NaN,
    max: latencies.at(-1) ?? NaN,
    segmentSeconds: ladder.hls.segmentSeconds,
    speed: speeds.at(-1),
    losses: status.input.losses,
    cpu: {
      decoder: share((pid) => pid !== status.encoder.pid),
      sync: Math.round((node1.user + node1.system) / 1e4 / wallSeconds),
      encoder: share((pid) => pid === status.encoder.pid),
    },
    fedFps,
  };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'encoder-bench-'));
  const t0 = performance.now();
  try {
    console.log(`CPU: ${os.cpus().length} x ${os.cpus()[0]?.model ?? '?'}; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (other work shares these cores)`);
    if (!NO_QUALITY) await printQuality(dir);
    if (QUALITY_ONLY) return;
    const src = await generateSource(dir);
    const rows: string[][] = [];
    const latencyRows: string[][] = [];
    for (const name of LADDERS.filter((l) => !ONLY || l === ONLY)) {
      const ladder = await withMachineSettings(await loadProfile(name));
      process.stdout.write(`${name}: speed... `);
      const { ours, raw, cpuRatio } = await measureSpeed(ladder, name, src, dir);
      const ratio = ours / raw;
      const ok = ours >= 1.2 && (ratio >= 0.95 || cpuRatio >= 0.95);
      rows.push([name, `${ladder.local.preset}/${ladder.local.scaler}`, `${ours.toFixed(2)}x`, `${raw.toFixed(2)}x`, ratio.toFixed(2), cpuRatio.toFixed(2), ok ? 'ok' : 'BELOW GOAL']);
      console.log(`ours ${ours.toFixed(2)}x, hand-written ${raw.toFixed(2)}x`);
      if (!NO_LATENCY && (name === 'HD-720p' || LATENCY_ALL || ONLY)) {
        process.stdout.write(`${name}: glass-to-glass latency over ${LATENCY_SECONDS} s at real time... `);
        const top = ladder.renditions[0]!;
        const recorder = new ChannelRecorder({ root: path.join(dir, 'recordings'), stack: 'bench', rendition: `${top.width}x${top.height}`, ffmpegPath: FFMPEG });
        for (const rec of RECORDING ? [undefined, recorder] : [undefined]) {
          const l = await measureLatency(ladder, src, dir, rec);
          if (rec) await rec.close();
          const goal = 3 * l.segmentSeconds + 2;
          latencyRows.push([
            rec ? `${name} + recording` : name, String(l.segments), `${l.median.toFixed(2)} s`, `${l.max.toFixed(2)} s`, `${goal} s`,
            l.speed === undefined ? '-' : `${l.speed.toFixed(2)}x`, l.fedFps.toFixed(1),
            `${l.cpu.decoder}/${l.cpu.sync}/${l.cpu.encoder}`, l.max <= goal ? 'ok' : 'ABOVE GOAL',
          ]);
        }
        console.log('done');
      }
    }
    console.log('\nEncoder speed, 1080p30 source, real-time factor, best of 2 (goal: ours >= 1.2x, ours/hand-written >= 0.95); preset/scaler as the stack would run here (calibration cache)');
    console.log('cpu ratio = hand-written CPU seconds / ours: the same comparison, less disturbed by other load');
    printTable(['ladder', 'preset/scaler', 'ours', 'hand-written', 'ratio', 'cpu ratio', ''], rows);
    console.log('\nGlass-to-glass latency: top rendition segment PUT complete - its first frame reaching the synchronizer (goal <= 3 segments + 2 s)');
    console.log('fed fps = frames per second the synchronizer fed the encoder; cpu % of one core: decoder ffmpeg / node synchronizer / encoder ffmpeg');
    if (RECORDING) console.log('"+ recording": the same run recording the top rendition (the relay appends its segments to a file; nothing is encoded twice)');
    printTable(['ladder', 'segments', 'median', 'max', 'goal', 'encoder speed', 'fed fps', 'cpu % dec/sync/enc', ''], latencyRows);
    console.log(`\nTotal ${((performance.now() - t0) / 1000).toFixed(0)} s. Load average now ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}.`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A ladder whose preset or scaler is "auto" gets what the stack would run with here (its calibration cache, or a new calibration). */
async function withMachineSettings(ladder: Ladder): Promise<Ladder> {
  // The ffmpeg as the stack finds it (LIVESTREAM_FFMPEG, then PATH): its path and version are part of the cache key.
  const found = await findFfmpeg();
  const { ladder: chosen } = await chooseEncoderSettings({ ffmpeg: found, ladder, cacheDir: defaultCalibrationCacheDir(), now: () => new Date() });
  return chosen;
}

async function printQuality(dir: string): Promise<void> {
  const ladder = await loadProfile(ONLY ?? 'HD-720p');
  const { version } = await findFfmpeg();
  const results = await runQualityBench({ ffmpeg: FFMPEG, ffmpegVersion: version, ladder, dir, seconds: opt('quality-seconds', 8), cascade: CASCADE, extra: TRY, profiles: PROFILES }, (t) => process.stdout.write(t));
  console.log('done');
  const { rows, verdict } = qualityRows(results);
  console.log(`\nQuality per CPU, ${ladder.name}, source with motion and detail (testsrc2 + mandelbrot + noise) at its top size, our encoder's arguments at the ladder's bitrates`);
  console.log('PSNR (dB, average of Y/U/V as ffmpeg reports) and SSIM (All) against the source scaled to each rendition with lanczos; speed = x real time (wall), cpu = CPU seconds');
  printTable(['variant', 'profile/preset/scaler', 'speed', 'cpu s', 'rendition', 'bitrate', 'PSNR', 'SSIM'], rows);
  console.log(verdict);
}

function printTable(head: string[], rows: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

await main();
