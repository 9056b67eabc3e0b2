/**
 * The low mode's parts as ffmpeg 5.1 really writes them with the stack's settings (a keyframe forced
 * every part length, the hls muxer cutting there): each opens with a keyframe and its parameter
 * sets, and the TS read says so as ffprobe does; a segment joined from three parts decodes whole.
 * Beside them, parts cut from a stream with a keyframe a second: the read tells the two without
 * one from the one with; a tampered or cut file is never taken for a keyframe, and a segment is
 * never joined with a part missing.
 */
import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyLatency } from '../../../../src/core/latency.js';
import { buildVideoCodecArgs, buildX264Args } from '../../../../src/targets/local/encoder/ffmpeg-args.js';
import { PartFiles } from '../../../../src/targets/local/encoder/part-files.js';
import { planParts } from '../../../../src/targets/local/encoder/parts.js';
import { startsAtRandomAccess } from '../../../../src/targets/local/encoder/ts-random-access.js';
import { requireTool } from '../../../helpers/tools.js';
import { makeTmpDir } from '../../../helpers/tmp-dir.js';
import { TEST_LADDER } from './test-ladder.js';

const run = promisify(execFile);
// 25 fps: parts of 8 or 9 frames, the uneven case (30 fps gives 10, 10, 10).
const LADDER = applyLatency({ ...TEST_LADDER, renditions: [{ ...TEST_LADDER.renditions[0]!, framerate: 25 }] }, 'low');

let ffmpeg: string;
let ffprobe: string;
let dir: string;
/** Part files as the low mode writes them, and as they would be with a keyframe a second. */
let parts: string[];
let sparse: string[];

/** `splitByTime`: cut at every part length, keyframe or not (to get parts without one). */
async function writeParts(out: string, videoArgs: string[], splitByTime = false): Promise<string[]> {
  await mkdir(out, { recursive: true });
  await run(ffmpeg, [
    '-hide_banner', '-loglevel', 'error',
    '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-t', '4',
    ...buildX264Args('ultrafast', 'low'), ...videoArgs, '-c:a', 'aac',
    '-f', 'hls', '-hls_time', planParts(LADDER)!.cutSeconds.toFixed(6), ...(splitByTime ? ['-hls_flags', 'split_by_time'] : []), '-hls_list_size', '0',
    '-hls_segment_filename', path.join(out, 'index_320x180_%05d.ts'), path.join(out, 'index_320x180.m3u8'),
  ]);
  return (await readdir(out)).filter((f) => f.endsWith('.ts')).sort().map((f) => path.join(out, f));
}

beforeAll(async () => {
  ffmpeg = await requireTool('ffmpeg');
  ffprobe = await requireTool('ffprobe');
  dir = await makeTmpDir('part-files-');
  parts = await writeParts(path.join(dir, 'low'), buildVideoCodecArgs(LADDER, 0, ':v'));
  sparse = await writeParts(path.join(dir, 'sparse'), ['-g', '25', '-keyint_min', '25', '-force_key_frames', 'expr:gte(t,n_forced*1)'], true);
}, 60_000);

async function firstVideoFrameIsKey(file: string): Promise<boolean> {
  const { stdout } = await run(ffprobe, ['-v', 'quiet', '-select_streams', 'v', '-show_entries', 'frame=key_frame', '-of', 'csv=p=0', '-read_intervals', '%+#1', file]);
  return stdout.trim().startsWith('1');
}

const name = (file: string) => path.basename(file);

describe('parts written by ffmpeg with the low mode settings', () => {
  it('each open with a keyframe, as read from the TS and as ffprobe decodes it', async () => {
    expect(parts.length).toBeGreaterThanOrEqual(12);
    for (const f of parts) {
      expect(startsAtRandomAccess(await readFile(f)), name(f)).toBe(true);
      expect(await firstVideoFrameIsKey(f), name(f)).toBe(true);
    }
  });

  it('each carry the H.264 parameter sets (a player that remuxes a part reads its picture size from it)', async () => {
    const SPS = Buffer.from([0, 0, 1, 0x67]);
    for (const f of parts) expect((await readFile(f)).includes(SPS), name(f)).toBe(true);
  });

  it('are never longer than the part target the playlist promises, nor under 85 % of it', async () => {
    const text = await readFile(path.join(dir, 'low', 'index_320x180.m3u8'), 'utf8');
    const durations = [...text.matchAll(/#EXTINF:([\d.]+),/g)].map((m) => Number(m[1]));
    const { targetSeconds } = planParts(LADDER)!;
    expect(targetSeconds).toBe(0.36);
    for (const d of durations.slice(0, -1)) {
      expect(d).toBeLessThanOrEqual(targetSeconds);
      expect(d).toBeGreaterThanOrEqual(0.85 * targetSeconds);
    }
  });

  it('join into a segment that decodes whole: 25 frames, no decoder error', async () => {
    const store = new PartFiles();
    for (const f of parts.slice(3, 6)) store.take(await readFile(f), `/stream/${name(f)}`);
    const joined = store.join(parts.slice(3, 6).map(name))!;
    const whole = path.join(dir, 'joined.ts');
    await writeFile(whole, joined);
    const { stderr } = await run(ffmpeg, ['-v', 'error', '-i', whole, '-f', 'null', '-']);
    expect(stderr).toBe('');
    const { stdout } = await run(ffprobe, ['-v', 'error', '-count_frames', '-select_streams', 'v', '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', whole]);
    expect(stdout.trim().split(/\s+/)[0]).toBe('25'); // (ffprobe lists the stream again under its program)
    // Joined once: the bytes are let go.
    expect(store.join(parts.slice(3, 6).map(name))).toBeUndefined();
  });
});

describe('telling a part without a keyframe', () => {
  it('agrees with ffprobe on parts cut from a stream with a keyframe a second: every third has one', async () => {
    const read = await Promise.all(sparse.map(async (f) => startsAtRandomAccess(await readFile(f))));
    const probed = await Promise.all(sparse.map(firstVideoFrameIsKey));
    expect(read).toEqual(probed);
    expect(read.map((k, i) => (k ? i : -1)).filter((i) => i >= 0)).toEqual(sparse.map((_, i) => i).filter((i) => i % 3 === 0));
    const store = new PartFiles();
    store.take(await readFile(sparse[1]!), `/stream/${name(sparse[1]!)}`);
    expect(store.independent(name(sparse[1]!))).toBe(false);
  });

  it('takes no tampered or cut file for a keyframe, and joins no segment with a part missing', async () => {
    const key = await readFile(parts[0]!);
    const flipped = Buffer.from(key);
    // The random access flag of the first video PES cleared: the file no longer says it starts at one.
    for (let at = 0; at < flipped.length; at += 188) {
      if (flipped[at + 1]! & 0x40 && flipped[at + 3]! & 0x20 && flipped[at + 5]! & 0x40) {
        flipped[at + 5]! &= ~0x40;
        break;
      }
    }
    expect(startsAtRandomAccess(flipped)).toBe(false);
    expect(startsAtRandomAccess(key.subarray(1))).toBe(false); // out of sync
    expect(startsAtRandomAccess(Buffer.alloc(0))).toBe(false);
    const store = new PartFiles();
    store.take(key, `/stream/${name(parts[0]!)}`);
    store.take(await readFile(parts[2]!), `/stream/${name(parts[2]!)}`);
    expect(store.join(parts.slice(0, 3).map(name))).toBeUndefined(); // parts[1] never came whole
    expect(store.independent(name(parts[1]!))).toBe(false);
    expect(store.wants('/stream/index_320x180.m3u8')).toBe(false);
    expect(store.wants(`/stream/${name(parts[0]!)}`)).toBe(true);
  });
});
