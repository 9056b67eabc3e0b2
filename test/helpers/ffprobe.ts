/**
 * ffprobe for tests: what a stream or file really contains. By default the ffprobe the product
 * would use (beside its ffmpeg, else on PATH).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { requireTool } from './tools.js';

const run = promisify(execFile);

export interface ProbedStream {
  width?: number;
  height?: number;
  /** Frames per second from avg_frame_rate (falling back to r_frame_rate). */
  fps?: number;
  codec?: string;
  /** e.g. "Constrained Baseline". */
  profile?: string;
  /** e.g. 31 for level 3.1. */
  level?: number;
  audioCodec?: string;
  audioSampleRate?: number;
  audioChannels?: number;
  /** Container duration in seconds. */
  duration?: number;
  /** Number of video frames, counted (only when countFrames is set). */
  frames?: number;
}

interface FfprobeJson {
  streams?: Array<Record<string, string | number | undefined>>;
  format?: { duration?: string };
}

export async function probeStream(target: string, opts: { ffprobe?: string; countFrames?: boolean } = {}): Promise<ProbedStream> {
  const args = ['-v', 'error', '-show_streams', '-show_format', '-of', 'json'];
  if (opts.countFrames) args.push('-count_frames');
  const { stdout } = await run(opts.ffprobe ?? (await requireTool('ffprobe')), [...args, target], { timeout: 30_000 });
  const json = JSON.parse(stdout) as FfprobeJson;
  const v = json.streams?.find((s) => s.codec_type === 'video');
  const a = json.streams?.find((s) => s.codec_type === 'audio');
  const out: ProbedStream = {};
  if (v) {
    out.width = Number(v.width);
    out.height = Number(v.height);
    out.fps = parseRate(String(v.avg_frame_rate)) ?? parseRate(String(v.r_frame_rate));
    out.codec = String(v.codec_name);
    out.profile = String(v.profile);
    out.level = Number(v.level);
    if (v.nb_read_frames !== undefined) out.frames = Number(v.nb_read_frames);
  }
  if (a) {
    out.audioCodec = String(a.codec_name);
    out.audioSampleRate = Number(a.sample_rate);
    out.audioChannels = Number(a.channels);
  }
  if (json.format?.duration !== undefined) out.duration = Number(json.format.duration);
  return out;
}

function parseRate(rate: string): number | undefined {
  const [n, d] = rate.split('/').map(Number);
  if (!n || !d) return undefined;
  return Math.round((n / d) * 1000) / 1000;
}
