/**
 * The local recording: the writer (parts per encoder life, the disk filling), finalisation to one
 * MP4 (real ffmpeg, real files), a killed writer's recording finalised by whoever lists it, and the
 * download. Segments are made by ffmpeg as the encoder makes them: MPEG-TS, H.264 + AAC, each
 * encoder life starting its timestamps again.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { RecordingHost } from '../../../../src/core/host.js';
import { ChannelRecorder } from '../../../../src/targets/local/recording/channel-recorder.js';
import { finaliseRecording, buildRemuxArgs } from '../../../../src/targets/local/recording/finalise.js';
import { downloadLocalRecordings, listLocalRecordings } from '../../../../src/targets/local/recording/local-recordings.js';
import { readMeta, writeMeta, type RecordingMeta } from '../../../../src/targets/local/recording/recording-folder.js';
import { RecordingWriter, type RecordingFs } from '../../../../src/targets/local/recording/recording-writer.js';
import { probeStream } from '../../../helpers/ffprobe.js';
import { requireTool } from '../../../helpers/tools.js';
import { makeTmpDir } from '../../../helpers/tmp-dir.js';
import * as nodeFs from 'node:fs/promises';

const run = promisify(execFile);
let ffmpeg: string;
/** Two encoder lives' worth of 2 s segments: life A (3 segments), life B (2), each from timestamp zero. */
let lifeA: Buffer[];
let lifeB: Buffer[];

/** `count` 2-second MPEG-TS segments cut from one ffmpeg run, as the hls muxer cuts them. */
async function segments(dir: string, count: number, freq: number): Promise<Buffer[]> {
  await mkdir(dir, { recursive: true });
  await run(ffmpeg, [
    '-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc2=size=320x180:rate=15:duration=${count * 2}`,
    '-f', 'lavfi', '-i', `sine=frequency=${freq}:sample_rate=48000:duration=${count * 2}`,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '30', '-keyint_min', '30', '-sc_threshold', '0', '-c:a', 'aac', '-b:a', '64k',
    '-f', 'hls', '-hls_time', '2', '-hls_list_size', '0', '-hls_segment_filename', path.join(dir, 'seg_%03d.ts'), path.join(dir, 'index.m3u8'),
  ]);
  const names = (await readdir(dir)).filter((n) => n.endsWith('.ts')).sort();
  return Promise.all(names.map((n) => readFile(path.join(dir, n))));
}

beforeAll(async () => {
  ffmpeg = await requireTool('ffmpeg');
  const dir = await makeTmpDir('rec-segments-');
  lifeA = await segments(path.join(dir, 'a'), 3, 440);
  lifeB = await segments(path.join(dir, 'b'), 2, 880);
}, 60_000);

/** A recording written as the daemon writes it: life A, an encoder restart, life B. */
async function writeRun(root: string, opts: { pid?: number; end?: boolean; fs?: RecordingFs } = {}): Promise<RecordingWriter> {
  let t = Date.parse('2026-12-01T10:00:00Z');
  const writer = await RecordingWriter.begin({ root, rendition: '320x180', now: () => t, pid: opts.pid, fs: opts.fs });
  writer.newPart();
  for (const s of lifeA) writer.append(s);
  writer.addSegments(lifeA.map((_s, i) => ({ duration: 2, programDateTime: t + 1500 + i * 2000 })));
  writer.newPart();
  for (const s of lifeB) writer.append(s);
  writer.addSegments(lifeB.map(() => ({ duration: 2, programDateTime: 0 })));
  t += 12_000;
  // Either way what was appended is on disk before the test looks (or writes beside it, as a kill would).
  if (opts.end !== false) await writer.end(t);
  else await writer.drained();
  return writer;
}

/** The pid of a process that has exited: a writer killed with SIGKILL. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((r) => child.on('close', r));
  return child.pid!;
}

describe('RecordingWriter', () => {
  it('appends each encoder life\'s segments, in order, to a part of its own, and keeps its record on disk', async () => {
    const root = await makeTmpDir('rec-writer-');
    const writer = await writeRun(root);
    const files = (await readdir(writer.dir)).sort();
    expect(files).toEqual(['part-0001.ts', 'part-0002.ts', 'recording.json']);
    expect(await readFile(path.join(writer.dir, 'part-0001.ts'))).toEqual(Buffer.concat(lifeA));
    expect(await readFile(path.join(writer.dir, 'part-0002.ts'))).toEqual(Buffer.concat(lifeB));
    const meta = await readMeta(writer.dir);
    expect(meta).toMatchObject({
      id: '2026-12-01T10-00-00Z', rendition: '320x180', parts: 2, seconds: 10, pid: process.pid,
      // The first segment's first frame, not the moment the run was asked for.
      start: '2026-12-01T10:00:01.500Z', end: '2026-12-01T10:00:12.000Z',
      bytes: Buffer.concat([...lifeA, ...lifeB]).length,
    });
  });

  it('a full disk stops the recording with a notice, never the caller: later segments are dropped quietly', async () => {
    const root = await makeTmpDir('rec-enospc-');
    let appends = 0;
    const full: RecordingFs = {
      ...nodeFs,
      appendFile: (async (...args: Parameters<typeof nodeFs.appendFile>) => {
        if (++appends > 2) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        return nodeFs.appendFile(...args);
      }) as typeof nodeFs.appendFile,
    };
    const writer = await writeRun(root, { fs: full });
    const meta = await readMeta(writer.dir);
    expect(appends).toBe(3);
    expect(meta!.notice).toMatch(/recording stopped: the disk is full .*the stream goes on/);
    expect(writer.status().notice).toBe(meta!.notice);
    expect(meta!.bytes).toBe(lifeA[0]!.length + lifeA[1]!.length);
    expect(await readFile(path.join(writer.dir, 'part-0001.ts'))).toEqual(Buffer.concat(lifeA.slice(0, 2)));
  });

  it('a folder removed under the writer stops the recording with a notice that says so, never the caller', async () => {
    const root = await makeTmpDir('rec-gone-');
    const writer = await RecordingWriter.begin({ root, rendition: '320x180', now: () => Date.parse('2026-12-01T10:00:00Z') });
    await rm(writer.dir, { recursive: true });
    writer.append(lifeA[0]!);
    await writer.end(Date.parse('2026-12-01T10:00:10Z'));
    expect(writer.status().notice).toBe(`recording stopped: its folder ${writer.dir} is gone (removed, or its disk unmounted); the stream goes on. "livestream stop" and "livestream start" record a new run`);
  });

  it('an id taken by a folder, or by an earlier run of the same writer (its folder gone), is not taken again', async () => {
    const root = await makeTmpDir('rec-ids-');
    const now = () => Date.parse('2026-12-01T10:00:00Z');
    const first = await RecordingWriter.begin({ root, rendition: '320x180', now });
    const second = await RecordingWriter.begin({ root, rendition: '320x180', now });
    const third = await RecordingWriter.begin({ root: await makeTmpDir('rec-ids-swapped-'), rendition: '320x180', now, avoid: new Set(['2026-12-01T10-00-00Z']) });
    expect([first.status().id, second.status().id, third.status().id]).toEqual(['2026-12-01T10-00-00Z', '2026-12-01T10-00-00Z-2', '2026-12-01T10-00-00Z-2']);
    expect(second.dir).toBe(path.join(root, '2026-12-01T10-00-00Z-2'));
  });
});

describe('ChannelRecorder', () => {
  it('a run that begins in the second the last one began records into a folder of its own, which that run\'s finaliser leaves alone', async () => {
    const root = await makeTmpDir('rec-runs-');
    const recorder = new ChannelRecorder({ root, stack: 'demo', rendition: '320x180', ffmpegPath: ffmpeg, now: () => Date.parse('2026-12-01T10:00:00Z') });
    // A run with no segment (stopped at once): its finaliser removes its folder, by name, in the background.
    await recorder.beginRun();
    await recorder.endRun();
    await recorder.beginRun();
    recorder.encoderStarted();
    for (const s of lifeA) recorder.take(s);
    const live = recorder.status()!;
    expect(live.id).toBe('2026-12-01T10-00-00Z-2');
    await recorder.close();
    expect(await readdir(root)).toEqual(['2026-12-01T10-00-00Z-2']);
    expect(await readMeta(live.where)).toMatchObject({ file: 'demo-2026-12-01T10-00-00Z-2.mp4' });
    expect(await readdir(live.where)).toEqual(expect.arrayContaining(['demo-2026-12-01T10-00-00Z-2.mp4']));
  });
});

describe('finalising', () => {
  it('remuxes the parts into one MP4 (copied, not encoded) whose timestamps run on across the encoder restart', async () => {
    const root = await makeTmpDir('rec-final-');
    const writer = await writeRun(root);
    const done = await finaliseRecording(writer.dir, 'demo', { ffmpegPath: ffmpeg });
    expect(done).toMatchObject({ file: 'demo-2026-12-01T10-00-00Z.mp4', end: '2026-12-01T10:00:12.000Z' });
    const mp4 = path.join(writer.dir, 'demo-2026-12-01T10-00-00Z.mp4');
    expect((await readdir(writer.dir)).sort()).toEqual(['demo-2026-12-01T10-00-00Z.mp4', 'recording.json']);
    const probed = await probeStream(mp4);
    expect(probed).toMatchObject({ codec: 'h264', width: 320, height: 180, audioCodec: 'aac' });
    // 5 segments of 2 s: within a frame or two of 10 s, and the recorded seconds are the MP4's.
    expect(probed.duration).toBeGreaterThan(9.8);
    expect(probed.duration).toBeLessThan(10.3);
    expect(Math.abs((done as RecordingMeta).seconds - probed.duration!)).toBeLessThan(0.1);
    // The video's timestamps only grow, with no jump at the restart (frames are 1/15 s apart).
    const { stdout } = await run(await requireTool('ffprobe'), ['-v', 'error', '-select_streams', 'v', '-show_entries', 'packet=pts_time', '-of', 'csv=p=0', mp4]);
    const pts = stdout.trim().split('\n').map(Number).sort((a, b) => a - b);
    expect(pts).toHaveLength(150);
    const steps = pts.slice(1).map((p, i) => p - pts[i]!);
    expect(Math.max(...steps)).toBeLessThan(0.1);
    // Finalised is finalised: again is a no-op.
    expect(await finaliseRecording(writer.dir, 'demo', { ffmpegPath: ffmpeg })).toEqual(await readMeta(writer.dir));
  }, 60_000);

  it('builds the remux as a copy with the index first', () => {
    expect(buildRemuxArgs('/r/list.txt', '/r/out.mp4')).toEqual([
      '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error', '-progress', 'pipe:1',
      '-f', 'concat', '-safe', '0', '-i', '/r/list.txt',
      '-map', '0:v', '-map', '0:a?', '-c', 'copy', '-bsf:a', 'aac_adtstoasc',
      '-movflags', '+faststart', '-f', 'mp4', '-y', '/r/out.mp4',
    ]);
  });

  it('a killed writer\'s recording (no end, its process gone, a segment cut short) is finalised by whoever lists it', async () => {
    const root = await makeTmpDir('rec-killed-');
    const writer = await writeRun(root, { pid: await deadPid(), end: false });
    // SIGKILL in the middle of a write: half a segment at the end of the last part.
    await nodeFs.appendFile(path.join(writer.dir, 'part-0002.ts'), lifeB[0]!.subarray(0, 50_000));
    const lastWrite = (await stat(path.join(writer.dir, 'part-0002.ts'))).mtime.toISOString();
    const list = await listLocalRecordings({ root, stack: 'demo', ffmpegPath: async () => ffmpeg });
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ id: '2026-12-01T10-00-00Z', live: false, rendition: '320x180', where: path.join(writer.dir, 'demo-2026-12-01T10-00-00Z.mp4') });
    // Its end: when its last part was last written.
    expect(list[0]!.end).toBe(lastWrite);
    expect(list[0]!.seconds).toBeGreaterThan(9.8);
    expect((await probeStream(list[0]!.where)).duration).toBeGreaterThan(9.8);
  }, 60_000);

  it('a recording still being written is listed as live and left alone; one with no segment is dropped', async () => {
    const root = await makeTmpDir('rec-live-');
    const writer = await writeRun(root, { end: false });
    const empty = path.join(root, '2026-12-01T09-00-00Z');
    await mkdir(empty);
    await writeMeta(empty, { id: '2026-12-01T09-00-00Z', rendition: '320x180', start: '2026-12-01T09:00:00.000Z', seconds: 0, bytes: 0, parts: 1, pid: await deadPid() });
    const list = await listLocalRecordings({ root, stack: 'demo', ffmpegPath: async () => ffmpeg });
    expect(list).toEqual([{ id: '2026-12-01T10-00-00Z', start: '2026-12-01T10:00:01.500Z', seconds: 10, bytes: Buffer.concat([...lifeA, ...lifeB]).length, where: writer.dir, live: true, rendition: '320x180' }]);
    expect(await readdir(root)).toEqual(['2026-12-01T10-00-00Z']);
    expect((await readdir(writer.dir)).sort()).toEqual(['part-0001.ts', 'part-0002.ts', 'recording.json']);
  });
});

describe('downloading', () => {
  it('writes one MP4 per run into the folder: a finalised one copied, a live one remuxed as it is so far', async () => {
    const root = await makeTmpDir('rec-dl-');
    const first = await writeRun(root);
    await finaliseRecording(first.dir, 'demo', { ffmpegPath: ffmpeg });
    // A second run, later, still being written.
    const later = await RecordingWriter.begin({ root, rendition: '320x180', now: () => Date.parse('2026-12-01T11:00:00Z') });
    later.newPart();
    for (const s of lifeA) later.append(s);
    await later.end(Date.parse('2026-12-01T11:00:07Z'));
    await writeMeta(later.dir, { ...(await readMeta(later.dir))!, end: undefined });
    const out = await makeTmpDir('rec-dl-out-');
    const host = new RecordingHost();
    const saved = await downloadLocalRecordings({ root, stack: 'demo', ffmpegPath: async () => ffmpeg }, out, host);
    expect(saved.map((s) => path.basename(s.file))).toEqual(['demo-2026-12-01T10-00-00Z.mp4', 'demo-2026-12-01T11-00-00Z.mp4']);
    expect((await readdir(out)).sort()).toEqual(['demo-2026-12-01T10-00-00Z.mp4', 'demo-2026-12-01T11-00-00Z.mp4']);
    expect(await readFile(saved[0]!.file)).toEqual(await readFile(path.join(first.dir, 'demo-2026-12-01T10-00-00Z.mp4')));
    expect((await probeStream(saved[1]!.file)).duration).toBeGreaterThan(5.8);
    expect(saved[1]!.recording.live).toBe(true);
    expect(host.progressLog.filter((l) => l.startsWith('succeed:'))).toHaveLength(2);
    // The live one is untouched: still its parts.
    expect((await readdir(later.dir)).sort()).toEqual(['part-0001.ts', 'recording.json']);
  }, 60_000);
});
