/**
 * Main and High profile with a preset that uses B-frames and CABAC (the built-in ladders' profile
 * with the calibration's presets), encoded by our arguments with real ffmpeg: every segment of every
 * rendition still opens with an IDR picture, the renditions' segments stay aligned in time, and the
 * stream signals the profile. No speed is asserted.
 */
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { renditionName, type Ladder } from '../../../../src/core/ladder.js';
import { buildEncoderArgs } from '../../../../src/targets/local/encoder/ffmpeg-args.js';
import { findFfmpeg } from '../../../../src/targets/local/encoder/find-ffmpeg.js';
import { probeStream } from '../../../helpers/ffprobe.js';
import { makeTmpDir } from '../../../helpers/tmp-dir.js';
import { requireTool } from '../../../helpers/tools.js';
import { TEST_LADDER } from './test-ladder.js';

const run = promisify(execFile);

const LADDER: Ladder = {
  ...TEST_LADDER,
  renditions: [
    { ...TEST_LADDER.renditions[0]!, profile: 'high' },
    { ...TEST_LADDER.renditions[1]!, profile: 'main', level: 'auto' },
  ],
  local: { preset: 'veryfast', scaler: 'lanczos' },
};

/** Each video frame of a segment: its picture type and whether it is a keyframe, in decode order. */
async function framesOf(file: string): Promise<Array<{ type: string; key: boolean }>> {
  const { stdout } = await run(await requireTool('ffprobe'), [
    '-v', 'error', '-select_streams', 'v:0', '-show_entries', 'frame=pict_type,key_frame', '-of', 'csv=p=0', file,
  ]);
  // "1,I," (a trailing comma and blank lines where a frame has side data)
  return stdout.split('\n').filter((l) => /^[01],/.test(l)).map((l) => {
    const [key, type = ''] = l.split(',');
    return { key: key === '1', type: type.trim() };
  });
}

describe('Main and High profile segments (real ffmpeg, veryfast: B-frames and CABAC)', () => {
  it('open every segment with an IDR, keep the renditions aligned, use B-frames and signal the profile', async () => {
    const dir = await makeTmpDir('profile-segments-');
    const { ffmpeg } = await findFfmpeg();
    const args = buildEncoderArgs({
      ladder: LADDER,
      input: {
        args: ['-f', 'lavfi', '-i', 'testsrc2=s=320x180:r=30:d=8,noise=alls=8:allf=t', '-f', 'lavfi', '-i', 'sine=f=440:r=48000:d=8'],
        video: '0:v:0', audio: '1:a:0',
      },
      output: { kind: 'file', dir },
      inputFps: 30,
    });
    args[args.indexOf('-hls_list_size') + 1] = '100';
    await run(ffmpeg, args, { timeout: 120_000 });

    const durations: number[][] = [];
    for (const r of LADDER.renditions) {
      const name = renditionName(r);
      const playlist = await readFile(path.join(dir, `index${name}.m3u8`), 'utf8');
      durations.push([...playlist.matchAll(/#EXTINF:([\d.]+),/g)].map((m) => Number(m[1])));
      const segments = (await readdir(dir)).filter((f) => f.startsWith(`index${name}_`) && f.endsWith('.ts')).sort();
      expect(segments.length).toBe(4);
      const types = new Set<string>();
      for (const s of segments) {
        const frames = await framesOf(path.join(dir, s));
        expect(frames[0], `${s} opens with`).toEqual({ key: true, type: 'I' });
        frames.forEach((f) => types.add(f.type));
      }
      expect(types.has('B'), `${name} uses B-frames`).toBe(true);
      expect((await probeStream(path.join(dir, segments[0]!))).profile).toBe(r.profile === 'high' ? 'High' : 'Main');
    }
    // 2 s GOPs, 2 s segments: the same segment boundaries in both renditions.
    expect(durations[0]).toEqual([2, 2, 2, 2]);
    expect(durations[1]).toEqual(durations[0]);
  }, 180_000);
});
