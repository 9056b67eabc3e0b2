/**
 * Quality per CPU, for `npm run bench:encoder` (encoder-bench.ts calls runQualityBench):
 *
 * 1. A source with motion and detail at the ladder's top size: the calibration's own (a zooming
 *    mandelbrot, testsrc2 in a corner, light luma noise; calibrate.ts), with a tone, stored
 *    near-losslessly (x264 CRF 10) so its own artefacts are small against the ladder's.
 * 2. This machine's calibration, fresh (not the user's cache).
 * 3. For each variant (the fixed ultrafast + fast_bilinear ladder, the calibrated one, any --try
 *    pair; with --cascade each again scaled flat, every rendition from the input, instead of in
 *    the cascade the encoder now uses): our encoder's own arguments
 *    (buildEncoderArgs, HLS to files, AAC included) reading the file as fast as they can: speed
 *    (x real time, wall) and CPU seconds (ffmpeg -benchmark, steadier on a shared machine).
 * 4. Per rendition, PSNR and SSIM (ffmpeg's psnr and ssim filters, luma and chroma averaged as
 *    ffmpeg reports them) against the source scaled to the rendition's size and rate with lanczos:
 *    the reference is what a perfect encoder of that rendition would show.
 */
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { H264Profile, Ladder } from '../src/core/ladder.js';
import { renditionName } from '../src/core/ladder.js';
import { calibrationSourceArgs, chooseEncoderSettings } from '../src/targets/local/encoder/calibrate.js';
import { buildEncoderArgs, selectRawFormat } from '../src/targets/local/encoder/ffmpeg-args.js';
import { withChoice } from '../src/targets/local/encoder/preset-search.js';

export interface QualityOptions {
  ffmpeg: string;
  ffmpegVersion: string;
  ladder: Ladder;
  dir: string;
  seconds: number;
  cascade: boolean;
  /** More preset/scaler pairs to measure beside the two (`--try veryfast/bicubic`), e.g. what a quiet machine would choose. */
  extra: Array<{ preset: string; scaler: string }>;
  /** More H.264 profiles to encode the calibrated pair and each tried pair at, beside the ladder's own (`--profiles baseline,main,high`). */
  profiles: H264Profile[];
}

interface Variant {
  label: string;
  preset: string;
  scaler: string;
  cascade: boolean;
  /** Every rendition at this profile instead of the ladder's. */
  profile?: H264Profile;
}

/** The fixed ladder as shipped before the calibration and the profile change: the goal is judged against it. */
export const OLD_FIXED_LABEL = 'old fixed';

export interface VariantResult extends Variant {
  profile: H264Profile;
  speed: number;
  cpuSeconds: number;
  renditions: Array<{ name: string; bitrate: number; psnr: number; ssim: number }>;
}

/** ffmpeg to completion with -benchmark: wall seconds, CPU seconds (user + system, steadier on a shared machine), stderr. */
export function ffmpegRun(ffmpeg: string, args: string[]): Promise<{ wall: number; cpu: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(ffmpeg, ['-benchmark', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-20_000)));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`ffmpeg exited ${code}: ${err.slice(-2000)}`));
      const m = /bench: utime=([\d.]+)s stime=([\d.]+)s/.exec(err);
      resolve({ wall: (performance.now() - t0) / 1000, cpu: m ? Number(m[1]) + Number(m[2]) : NaN, stderr: err });
    });
  });
}

async function makeSource(o: QualityOptions): Promise<string> {
  const raw = selectRawFormat(o.ladder);
  const file = path.join(o.dir, `quality-source-${raw.width}x${raw.height}.mkv`);
  // Picture only: with AAC beside it, Matroska starts the video 21 ms after the audio (the AAC
  // priming), the encoder's constant-rate output then opens with a duplicated frame, and every
  // encoded frame was compared with the source frame after it (2026-12-01 runs: ~27 dB for every
  // variant, where aligned they score 33-36 dB). The tone is a lavfi input of the encode instead.
  await ffmpegRun(o.ffmpeg, [
    '-hide_banner', '-nostdin', '-loglevel', 'error', ...calibrationSourceArgs(raw, o.seconds),
    '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '10', '-g', String(2 * raw.fps), '-y', file,
  ]);
  return file;
}

const variantDir = (o: QualityOptions, label: string): string => path.join(o.dir, label.replace(/[^a-z0-9]+/gi, '-'));

async function encodeVariant(o: QualityOptions, src: string, v: Variant): Promise<VariantResult> {
  const out = variantDir(o, v.label);
  await mkdir(out, { recursive: true });
  const chosen = withChoice(o.ladder, v);
  const ladder = v.profile ? { ...chosen, renditions: chosen.renditions.map((r) => ({ ...r, profile: v.profile! })) } : chosen;
  const raw = selectRawFormat(ladder);
  const args = buildEncoderArgs({
    ladder,
    input: { args: ['-i', src, '-f', 'lavfi', '-t', String(o.seconds), '-i', 'sine=frequency=440:sample_rate=48000'], video: '0:v:0', audio: '1:a:0' },
    output: { kind: 'file', dir: out },
    inputFps: raw.fps,
    cascade: v.cascade,
  });
  // A playlist long enough to list every segment, none deleted: the comparison reads them all.
  const listed = args.indexOf('-hls_list_size');
  args[listed + 1] = '1000';
  const run = await ffmpegRun(o.ffmpeg, args);
  const renditions = [];
  for (const r of ladder.renditions) {
    const playlist = path.join(out, `index${renditionName(r)}.m3u8`);
    renditions.push({ name: `${r.width}x${r.height}@${r.framerate}`, bitrate: r.bitrate, ...(await compare(o, playlist, src, r)) });
  }
  return { ...v, profile: v.profile ?? ladder.renditions[0]!.profile, speed: o.seconds / run.wall, cpuSeconds: run.cpu, renditions };
}

/**
 * PSNR and SSIM of one rendition against the source scaled to it with lanczos, both from their first
 * frame; `shift` frames dropped from the start of the encoded (> 0) or of the source (< 0), to check the alignment.
 */
async function compare(o: QualityOptions, encoded: string, src: string, r: Ladder['renditions'][number], shift = 0): Promise<{ psnr: number; ssim: number }> {
  const trim = (n: number) => (n > 0 ? `trim=start_frame=${n},` : '');
  const graph = [
    `[0:v]${trim(shift)}setpts=PTS-STARTPTS,split[d1][d2]`,
    `[1:v]fps=${r.framerate},scale=${r.width}:${r.height}:flags=lanczos,${trim(-shift)}setpts=PTS-STARTPTS,split[r1][r2]`,
    `[d1][r1]psnr=shortest=1`,
    `[d2][r2]ssim=shortest=1`,
  ].join(';');
  const { stderr } = await ffmpegRun(o.ffmpeg, ['-hide_banner', '-nostdin', '-loglevel', 'info', '-i', encoded, '-i', src, '-filter_complex', graph, '-f', 'null', '-']);
  // "PSNR y:38.1 u:41.2 v:41.9 average:39.0 min:35.2 max:44.0" and "SSIM Y:0.95 (13.1) U:... All:0.961 (14.1)"
  const psnr = /PSNR y:[\d.inf]+ u:[\d.inf]+ v:[\d.inf]+ average:([\d.]+)/.exec(stderr);
  const ssim = /SSIM Y:[\d.]+ .*All:([\d.]+)/.exec(stderr);
  if (!psnr || !ssim) throw new Error(`no PSNR/SSIM in ffmpeg's output for ${encoded}: ${stderr.slice(-800)}`);
  return { psnr: Number(psnr[1]), ssim: Number(ssim[1]) };
}

export async function runQualityBench(o: QualityOptions, say: (text: string) => void): Promise<VariantResult[]> {
  say(`${o.ladder.name}: quality source (${o.seconds} s)... `);
  const src = await makeSource(o);
  say('calibrating... ');
  const { choice } = await chooseEncoderSettings({
    ffmpeg: { ffmpeg: o.ffmpeg, version: o.ffmpegVersion }, ladder: o.ladder, cacheDir: path.join(o.dir, 'calibration'), now: () => new Date(),
  });
  say(`${choice.preset} + ${choice.scaler} (${choice.trials?.map((t) => `${t.preset}+${t.scaler} ${t.speed.toFixed(2)}x`).join(', ')}); encoding... `);
  // All with the encoder's default graph (a cascade, see buildFilterGraph); --cascade adds each without it.
  // The old fixed ladder is the one shipped before: baseline, ultrafast, fast_bilinear. Ultrafast at
  // the ladder's own profile is printed beside it, so a gain is not mistaken for the profile's alone
  // (x264 ultrafast uses none of Main's or High's tools, so the two should come out alike).
  const profile = o.ladder.renditions[0]!.profile;
  const variants: Variant[] = [
    { label: OLD_FIXED_LABEL, preset: 'ultrafast', scaler: 'fast_bilinear', cascade: true, profile: 'baseline' },
    { label: `ultrafast, ${profile}`, preset: 'ultrafast', scaler: 'fast_bilinear', cascade: true },
    { label: 'calibrated', preset: choice.preset, scaler: choice.scaler, cascade: true },
    ...o.profiles.filter((p) => p !== profile).map((p) => ({ label: `calibrated pair, ${p}`, preset: choice.preset, scaler: choice.scaler, cascade: true, profile: p })),
    ...o.extra.flatMap((e) => [
      { label: `tried ${e.preset}/${e.scaler}`, ...e, cascade: true },
      ...o.profiles.filter((p) => p !== profile).map((p) => ({ label: `tried ${e.preset}/${e.scaler}, ${p}`, ...e, cascade: true, profile: p })),
    ]),
  ];
  if (o.cascade) variants.push(...variants.map((v) => ({ ...v, label: `${v.label}, flat`, cascade: false })));
  const results: VariantResult[] = [];
  for (const v of variants) results.push(await encodeVariant(o, src, v));
  await checkAlignment(o, src, results[0]!);
  return results;
}

/**
 * The comparison is frame against frame: one frame off and every figure drops by several dB and the
 * variants look alike. So the top rendition of the first variant must score best unshifted, against
 * one frame either way; else the bench stops instead of printing misleading figures.
 */
async function checkAlignment(o: QualityOptions, src: string, v: VariantResult): Promise<void> {
  const r = o.ladder.renditions[0]!;
  const playlist = path.join(variantDir(o, v.label), `index${renditionName(r)}.m3u8`);
  const [early, late] = [await compare(o, playlist, src, r, -1), await compare(o, playlist, src, r, 1)];
  const at = v.renditions[0]!.psnr;
  if (early.psnr > at || late.psnr > at) {
    throw new Error(`the comparison is misaligned: ${v.label} ${r.width}x${r.height} scores ${at.toFixed(2)} dB, ${early.psnr.toFixed(2)} dB a frame earlier, ${late.psnr.toFixed(2)} dB a frame later`);
  }
}

/** The table rows: one per variant and rendition, and the goal on the top rendition. */
export function qualityRows(results: VariantResult[]): { rows: string[][]; verdict: string } {
  const rows: string[][] = [];
  for (const v of results) {
    v.renditions.forEach((r, i) => rows.push([
      i === 0 ? v.label : '', i === 0 ? `${v.profile}/${v.preset}/${v.scaler}` : '', i === 0 ? `${v.speed.toFixed(2)}x` : '', i === 0 ? v.cpuSeconds.toFixed(1) : '',
      r.name, `${Math.round(r.bitrate / 1000)}k`, r.psnr.toFixed(2), r.ssim.toFixed(4),
    ]));
  }
  const fixed = results.find((r) => r.label === OLD_FIXED_LABEL)!;
  const cal = results.find((r) => r.label === 'calibrated')!;
  const gainOver = (v: VariantResult, base: VariantResult): string => {
    const g = v.renditions[0]!.psnr - base.renditions[0]!.psnr;
    const s = v.renditions[0]!.ssim - base.renditions[0]!.ssim;
    return `${g >= 0 ? '+' : ''}${g.toFixed(2)} dB PSNR, ${s >= 0 ? '+' : ''}${s.toFixed(4)} SSIM at ${v.speed.toFixed(2)}x real time`;
  };
  const gain = cal.renditions[0]!.psnr - fixed.renditions[0]!.psnr;
  const ok = cal.speed >= 1.15 && gain >= 1;
  let verdict = `Calibrated (${cal.profile}/${cal.preset}/${cal.scaler}) vs the old fixed ladder (baseline/ultrafast/fast_bilinear), top rendition: ${gainOver(cal, fixed)} (goal: >= +1 dB at >= 1.15x): ${ok ? 'ok' : 'BELOW GOAL'}`;
  for (const v of results.filter((r) => r !== fixed && r !== cal && r.cascade)) verdict += `\n${v.label} (${v.profile}/${v.preset}/${v.scaler}) vs the old fixed ladder, top rendition: ${gainOver(v, fixed)}`;
  for (const flat of results.filter((r) => !r.cascade)) {
    const casc = results.find((r) => r.label === flat.label.replace(/, flat$/, ''))!;
    const dPsnr = casc.renditions.map((r, i) => r.psnr - flat.renditions[i]!.psnr);
    verdict += `\nCascade vs flat (${casc.label}, ${casc.preset}/${casc.scaler}): CPU ${casc.cpuSeconds.toFixed(1)} s vs ${flat.cpuSeconds.toFixed(1)} s (${(100 * (casc.cpuSeconds / flat.cpuSeconds - 1)).toFixed(1)} %), PSNR per rendition ${dPsnr.map((d) => `${d >= 0 ? '+' : ''}${d.toFixed(2)}`).join(' / ')} dB`;
  }
  return { rows, verdict };
}
