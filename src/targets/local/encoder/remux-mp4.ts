/**
 * An MPEG-TS recording to one MP4 that plays anywhere (a browser, ffprobe's full duration):
 * remuxed, not re-encoded. The AWS target's `recordings --download` uses it through the CLI
 * (src/cli/drivers.ts), as it uses the player page: the CLI is where the two targets meet.
 */
import { LivestreamError } from '../../../core/errors.js';
import { findFfmpeg } from './find-ffmpeg.js';
import { runFfmpeg } from './spawn-ffmpeg.js';

/** Copy is disk-bound (hundreds of MB/s); an hour of 1080p is a few GB. */
const REMUX_TIMEOUT_MS = 30 * 60_000;

/**
 * `-fflags +genpts` fills timestamps a cut input left out; ADTS AAC in TS becomes MP4's raw AAC
 * (aac_adtstoasc); `+faststart` puts the index first so a browser plays before it has it all.
 */
export function buildRemuxArgs(input: string, output: string): string[] {
  return [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-fflags', '+genpts',
    '-i', input,
    '-map', '0:v:0', '-map', '0:a:0?',
    '-c', 'copy',
    '-bsf:a', 'aac_adtstoasc',
    '-movflags', '+faststart',
    '-f', 'mp4', output,
  ];
}

export async function remuxToMp4(input: string, output: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const { ffmpeg } = await findFfmpeg(env);
  const out = await runFfmpeg(ffmpeg, buildRemuxArgs(input, output), REMUX_TIMEOUT_MS);
  if (out.code !== 0) {
    throw new LivestreamError('RESOURCE_FAILED', `ffmpeg could not remux ${input} to MP4 (exit ${String(out.code)}): ${out.stderr.trim().split('\n').slice(-3).join(' ')}`, {
      hint: `The downloaded MPEG-TS is kept at ${input}; it plays in VLC or mpv as it is.`,
    });
  }
}
