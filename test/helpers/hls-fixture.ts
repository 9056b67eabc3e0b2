/**
 * A small pre-made multi-rendition HLS stream, made by real ffmpeg (the one the product would use):
 * dir/stream/index.m3u8 (master) + one media playlist per rendition, named as MediaLive names
 * them (index_480x270.m3u8), 2 s MPEG-TS segments, test pattern and a tone.
 */
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { requireTool } from './tools.js';

export interface FixtureRendition {
  width: number;
  height: number;
  bitrate: number;
}

const DEFAULT_RENDITIONS: FixtureRendition[] = [
  { width: 480, height: 270, bitrate: 400_000 },
  { width: 320, height: 180, bitrate: 200_000 },
];

export async function makeHlsFixture(dir: string, opts: { seconds?: number; renditions?: FixtureRendition[] } = {}): Promise<void> {
  const seconds = opts.seconds ?? 10;
  const renditions = opts.renditions ?? DEFAULT_RENDITIONS;
  const out = path.join(dir, 'stream');
  await mkdir(out, { recursive: true });
  const [top] = renditions;
  const n = renditions.length;
  const fps = 25;
  const filter =
    `[0:v]split=${n}${renditions.map((_, i) => `[s${i}]`).join('')};` +
    renditions.map((r, i) => `[s${i}]scale=${r.width}:${r.height}[v${i}]`).join(';') +
    `;[1:a]asplit=${n}${renditions.map((_, i) => `[a${i}]`).join('')}`;
  const args = [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc=size=${top.width}x${top.height}:rate=${fps}:duration=${seconds}`,
    '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`,
    '-filter_complex', filter,
    ...renditions.flatMap((r, i) => ['-map', `[v${i}]`, '-map', `[a${i}]`, `-b:v:${i}`, String(r.bitrate), `-maxrate:v:${i}`, String(r.bitrate), `-bufsize:v:${i}`, String(2 * r.bitrate)]),
    '-c:v', 'libx264', '-preset', 'ultrafast', '-profile:v', 'baseline', '-pix_fmt', 'yuv420p',
    // Keyframes every 2 s in every rendition, so each 2 s segment starts on one.
    '-g', String(2 * fps), '-keyint_min', String(2 * fps), '-sc_threshold', '0',
    '-c:a', 'aac', '-b:a', '64k', '-ac', '2',
    '-f', 'hls', '-hls_time', '2', '-hls_playlist_type', 'vod',
    '-hls_segment_filename', path.join(out, 'index_%v_%05d.ts'),
    '-master_pl_name', 'index.m3u8',
    '-var_stream_map', renditions.map((r, i) => `v:${i},a:${i},name:${r.width}x${r.height}`).join(' '),
    path.join(out, 'index_%v.m3u8'),
  ];
  await run(await requireTool('ffmpeg'), args, 60_000);
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => { clearTimeout(timer); reject(new Error(`cannot run ${cmd}: ${err.message}`)); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`${cmd} failed (${signal ?? `exit ${code}`}): ${stderr.trim()}`));
    });
  });
}
