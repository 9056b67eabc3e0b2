/**
 * The encoder picks its preset: a short calibration on this machine, at the stack process's start
 * (local-stack.ts), finds the slowest x264 preset and the best scaler that keep the whole ladder at
 * >= 1.15x real time (preset-search.ts), cached per machine and ffmpeg build (calibration-cache.ts).
 *
 * Each trial encodes the ladder as the encoder does (the same filter graph and x264 arguments, from
 * ffmpeg-args.ts) to ffmpeg's null muxer, from a clip with motion and detail (a zooming mandelbrot,
 * testsrc2 in a corner, light noise; calibrationSourceArgs) at the ladder's top size and rate. The clip is H.264
 * and decoded in the trial: the decoder process's share of the real pipeline is counted too.
 * The stack process calibrates once its origin, ingest (a demo source runs then) and edge are up,
 * so their share is in the measurement; the 15 % above real time is the headroom for the rest.
 */
import { spawn } from 'node:child_process';
import { access, mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import type { Ladder } from '../../../core/ladder.js';
import { buildFilterGraph, buildVideoCodecArgs, buildX264Args, selectRawFormat, type RawFormat } from './ffmpeg-args.js';
import { calibrationKey, ladderShape, machineFacts, readCalibration, writeCalibration } from './calibration-cache.js';
import { isStepDownOver, needsCalibration, TRIAL_BAR, searchEncoderSettings, searchSpace, stepDownEndsAt, withChoice, type EncoderChoice } from './preset-search.js';
import { createProgressParser, parseProgress } from './progress.js';
import { runFfmpeg } from './spawn-ffmpeg.js';

/** Seconds of video per trial: long enough for x264's lookahead and threads to settle, short enough to search in seconds. */
export const TRIAL_SECONDS = 3;

/**
 * The calibration source, as lavfi inputs and a filter: a zooming mandelbrot (motion and fine detail
 * everywhere; drawn at half size, as it is slow to draw, and scaled up), testsrc2 as a picture in
 * the picture (a moving pattern, sharp edges, a counter) and light temporal noise on luma, as a camera
 * has. Both the encoder's speed and the gain from a slower preset depend on content: a flat test
 * pattern would flatter both.
 */
export function calibrationSourceArgs(raw: Pick<RawFormat, 'width' | 'height' | 'fps'>, seconds: number): string[] {
  const { width: w, height: h, fps } = raw;
  return [
    '-f', 'lavfi', '-i', `testsrc2=s=${even(w / 3)}x${even(h / 3)}:r=${fps}:d=${seconds}`,
    '-f', 'lavfi', '-i', `mandelbrot=s=${even(w / 2)}x${even(h / 2)}:r=${fps},scale=${w}:${h}`,
    '-filter_complex', `[1:v][0:v]overlay=x=W-w-${even(w / 40)}:y=${even(h / 22)},noise=c0s=3:c0f=t,format=yuv420p`,
    '-t', String(seconds),
  ];
}

const even = (n: number): number => Math.max(2, 2 * Math.round(n / 2));

/** The clip, made once per size and rate into the cache folder (a few MB). */
export async function ensureCalibrationClip(ffmpeg: string, dir: string, raw: RawFormat): Promise<string> {
  const file = path.join(dir, `calibration-${raw.width}x${raw.height}@${raw.fps}.mkv`);
  if (await access(file).then(() => true, () => false)) return file;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp.mkv`;
  // A camera-like bitrate for the size, so decoding it costs what decoding a real source does.
  const bitrate = Math.round((raw.width * raw.height * raw.fps) / 11);
  const r = await runFfmpeg(ffmpeg, [
    '-hide_banner', '-nostdin', '-loglevel', 'error', ...calibrationSourceArgs(raw, TRIAL_SECONDS),
    '-c:v', 'libx264', '-preset', 'ultrafast', '-b:v', String(bitrate), '-maxrate', String(bitrate), '-bufsize', String(bitrate),
    '-g', String(2 * raw.fps), '-y', tmp,
  ], 120_000);
  if (r.code !== 0) throw new Error(`could not make the calibration clip: ${r.stderr.trim().split('\n').at(-1) ?? `ffmpeg exited ${r.code}`}`);
  await rename(tmp, file);
  return file;
}

/** The trial's arguments: the clip, the encoder's graph and x264 settings with this preset and scaler, the null muxer. */
export function buildTrialArgs(ladder: Ladder, clip: string, preset: string, scaler: string): string[] {
  const raw = selectRawFormat(ladder);
  const args = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error', '-progress', 'pipe:1', '-i', clip];
  args.push('-filter_complex', buildFilterGraph(ladder, '0:v:0', raw.fps, { scaler }));
  ladder.renditions.forEach((_, i) => args.push('-map', `[v${i}]`));
  args.push(...buildX264Args(preset, ladder.hls.latency));
  ladder.renditions.forEach((_, i) => args.push(...buildVideoCodecArgs(ladder, i, `:v:${i}`)));
  args.push('-f', 'null', '-');
  return args;
}

/**
 * Real-time factor of one trial, from ffmpeg's -progress: media seconds out over wall seconds,
 * counted from its first report (startup and the lookahead filling are not speed). A trial still
 * running when a pass at `bar` would have finished is below the bar: it is stopped there.
 */
export function measureTrial(ffmpeg: string, args: string[], seconds: number, bar: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpeg, args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    const parser = createProgressParser();
    let first: { wall: number; out: number } | undefined;
    let last: { wall: number; out: number } | undefined;
    let err = '';
    let cut = false;
    const started = performance.now();
    // Startup allowance plus the time a pass at the bar takes.
    const limit = setTimeout(() => {
      cut = true;
      child.kill('SIGKILL');
    }, 2_000 + (seconds / bar) * 1000);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (text: string) => {
      for (const s of parseProgress(parser, text)) {
        const point = { wall: performance.now(), out: s.outTimeSeconds ?? 0 };
        if (!first && point.out > 0) first = point;
        else if (first) last = point;
      }
    });
    child.stderr.on('data', (c: Buffer) => (err = (err + c.toString('utf8')).slice(-2000)));
    child.on('error', (e) => {
      clearTimeout(limit);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(limit);
      if (!cut && code !== 0) return reject(new Error(`calibration encode failed: ${err.trim().split('\n').at(-1) ?? `ffmpeg exited ${code}`}`));
      // No second report (a very fast machine): the whole run's wall time, startup included, is the safe side.
      const speed = first && last && last.out > first.out
        ? (last.out - first.out) / ((last.wall - first.wall) / 1000)
        : (last ?? first)?.out ? ((last ?? first)!.out / ((performance.now() - started) / 1000)) : 0;
      resolve(cut ? Math.min(speed, bar * 0.99) : speed);
    });
  });
}

export interface ChooseOptions {
  ffmpeg: { ffmpeg: string; version: string };
  ladder: Ladder;
  /** The cache folder (calibration-cache.ts); the clip is kept there too. */
  cacheDir: string;
  now: () => Date;
  log?: (line: string) => void;
  bar?: number;
}

/**
 * The preset and scaler the encoder runs with: the ladder's when it pins both; else this machine's
 * cached calibration, or a new one (about 3 to 20 s), written to the cache.
 */
export async function chooseEncoderSettings(o: ChooseOptions): Promise<{ ladder: Ladder; choice: EncoderChoice }> {
  const { ladder, log = () => {} } = o;
  const bar = o.bar ?? TRIAL_BAR;
  if (!needsCalibration(ladder)) {
    const choice: EncoderChoice = { preset: ladder.local.preset, scaler: ladder.local.scaler, how: 'pinned' };
    return { ladder, choice };
  }
  const machine = machineFacts(o.ffmpeg);
  const key = calibrationKey(machine, ladder, bar);
  const cached = await readCalibration(o.cacheDir, key);
  // A runtime step-down is kept a day only (STEP_DOWN_KEPT_HOURS): past that, measure again.
  if (cached && isStepDownOver(cached.choice, o.now())) {
    const { preset, scaler } = cached.choice;
    log(`encoder: the step down to ${preset} + ${scaler} was for starts until ${stepDownEndsAt(cached.choice) ?? 'an unreadable time'}; calibrating again`);
  } else if (cached) {
    const choice: EncoderChoice = { ...cached.choice, how: 'cached' };
    log(`encoder: ${choice.preset} + ${choice.scaler} from the calibration of ${choice.calibratedAt} (${o.cacheDir})`);
    return { ladder: withChoice(ladder, choice), choice };
  }
  const clip = await ensureCalibrationClip(o.ffmpeg.ffmpeg, o.cacheDir, selectRawFormat(ladder));
  const measure = async (preset: string, scaler: string): Promise<number> => {
    const speed = await measureTrial(o.ffmpeg.ffmpeg, buildTrialArgs(ladder, clip, preset, scaler), TRIAL_SECONDS, bar);
    log(`encoder calibration: ${preset} + ${scaler}: ${speed.toFixed(2)}x real time`);
    return speed;
  };
  const found = await searchEncoderSettings(measure, searchSpace(ladder), bar);
  const choice: EncoderChoice = { ...found, how: 'calibrated', calibratedAt: o.now().toISOString() };
  await writeCalibration(o.cacheDir, key, { machine, ladder: ladderShape(ladder), choice });
  return { ladder: withChoice(ladder, choice), choice };
}

/**
 * A runtime step down (the supervisor's pace check), kept in the cache under this ladder's key so a
 * start of a stack here within STEP_DOWN_KEPT_HOURS of it (choice.downgradedFrom.at) begins at the
 * cheaper pair, and a later one calibrates again; `up --recalibrate` forgets it with the rest.
 * `ladder` is the file's, with its "auto"s; a pinned ladder has nothing to remember.
 */
export async function rememberChoice(o: Pick<ChooseOptions, 'ffmpeg' | 'ladder' | 'cacheDir' | 'bar'>, choice: EncoderChoice): Promise<void> {
  if (!needsCalibration(o.ladder)) return;
  const machine = machineFacts(o.ffmpeg);
  const key = calibrationKey(machine, o.ladder, o.bar ?? TRIAL_BAR);
  const { behind: _seenNow, ...kept } = choice;
  await writeCalibration(o.cacheDir, key, { machine, ladder: ladderShape(o.ladder), choice: { ...kept, how: 'calibrated' } });
}
