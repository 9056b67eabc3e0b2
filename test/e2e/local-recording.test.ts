/**
 * Recording on the local target, end to end (issue 13): a stack with the built-in demo source runs
 * its channel for 60 s and stops; its recording, saved with the code `livestream recordings
 * --download` runs, is one MP4 whose duration is the run's within one segment, with the demo's
 * burned-in clock advancing through it. In a second stack the encoder is killed in the middle of
 * the run, and in a third a pushed source is cut for 20 s: each still leaves one playable file for
 * its run (the restart and the slate inside it).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { RecordingHost } from '../../src/core/host.js';
import { readMeta } from '../../src/targets/local/recording/recording-folder.js';
import { downloadLocalRecordings, listLocalRecordings } from '../../src/targets/local/recording/local-recordings.js';
import { probeStream } from '../helpers/ffprobe.js';
import { startPublisher, stopPublishers } from '../helpers/publisher.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';
import { requireTool } from '../helpers/tools.js';
import { waitUntil } from './helpers/hls-watch.js';
import { closeAll, killChild, startTestStack, type TestStack } from './helpers/test-stack.js';

const run = promisify(execFile);
const ffmpeg = await requireTool('ffmpeg');
const SEGMENT = 2;

const optionsOf = (t: TestStack) => ({ root: t.layout.recordings, stack: t.spec.stack, ffmpegPath: async () => ffmpeg });

/** The recording being written, once it has `seconds` of segments. */
function waitForRecorded(t: TestStack, seconds: number, timeoutMs = 90_000) {
  return waitUntil(`${seconds} s recorded`, () => {
    const rec = t.stack.status().recording;
    return rec && rec.seconds >= seconds ? rec : undefined;
  }, timeoutMs, 500);
}

/** The picture's clock area (the demo draws it centred near the top) at `at` seconds, as grey bytes. */
async function clockArea(file: string, at: number): Promise<Buffer> {
  const { stdout } = await run(ffmpeg, [
    '-hide_banner', '-loglevel', 'error', '-ss', at.toFixed(2), '-i', file, '-frames:v', '1',
    '-vf', 'crop=iw*0.6:ih/6:iw*0.2:ih/24,format=gray', '-f', 'rawvideo', 'pipe:1',
  ], { encoding: 'buffer', maxBuffer: 16 << 20 });
  return stdout as unknown as Buffer;
}

function meanDifference(a: Buffer, b: Buffer): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

// Each test's stack ends with it (its folder goes when the test finishes).
afterEach(async () => {
  await stopPublishers();
  await closeAll();
});

describe('a local stack records each run of its channel', { timeout: 400_000 }, () => {
  it('60 s of the demo: one MP4 as long as the run (within a segment), the burned-in clock advancing through it', async () => {
    const t = await startTestStack({ input: 'URL_PULL' });
    const first = await waitForRecorded(t, SEGMENT);
    await new Promise((r) => setTimeout(r, 60_000));
    const stoppedAt = Date.now();
    await t.stack.stop();
    expect(t.stack.status().recording).toBeNull();

    const out = await makeTmpDir('e2e-recording-out-');
    const host = new RecordingHost();
    const saved = await downloadLocalRecordings(optionsOf(t), out, host);
    expect(saved).toHaveLength(1);
    const { recording, file } = saved[0]!;
    expect(recording).toMatchObject({ id: first.id, rendition: '480x270', live: false });
    expect(path.dirname(file)).toBe(out);
    expect(host.progressLog.some((l) => l.startsWith('succeed: Saved'))).toBe(true);

    const probed = await probeStream(file);
    expect(probed).toMatchObject({ codec: 'h264', width: 480, height: 270, audioCodec: 'aac' });
    // The run: from its first recorded frame (on the wall clock) to the stop.
    const runSeconds = (stoppedAt - Date.parse(recording.start)) / 1000;
    expect(runSeconds).toBeGreaterThan(60);
    expect(Math.abs(probed.duration! - runSeconds)).toBeLessThanOrEqual(SEGMENT);
    expect(Math.abs(recording.seconds - probed.duration!)).toBeLessThan(0.5);

    // The clock changes between any two moments 10 s apart, from the first second to the last.
    const times = [1, 11, 21, 31, 41, 51, Math.floor(probed.duration!) - 1];
    const areas = await Promise.all(times.map((s) => clockArea(file, s)));
    for (const a of areas) expect(a.length).toBe(areas[0]!.length);
    const steps = areas.slice(1).map((a, i) => meanDifference(a, areas[i]!));
    for (const d of steps) expect(d).toBeGreaterThan(1);
    // ... and only the clock does: the same frame decoded twice is the same.
    expect(meanDifference(await clockArea(file, 31), areas[3]!)).toBe(0);
  }, 200_000);

  it('an encoder killed in the middle of a run still leaves one playable file for the run', async () => {
    const t = await startTestStack({ input: 'URL_PULL' });
    await waitForRecorded(t, 3 * SEGMENT);
    const pid = t.stack.status().encoder.pid!;
    process.kill(pid, 'SIGKILL');
    await waitUntil('the encoder restarted', () => t.stack.status().encoder.restarts === 1 && t.stack.status().channel === 'RUNNING', 60_000);
    const before = t.stack.status().recording!.seconds;
    await waitUntil('segments after the restart', () => (t.stack.status().recording?.seconds ?? 0) >= before + 2 * SEGMENT, 60_000, 500);
    await t.stack.stop();

    const list = await listLocalRecordings(optionsOf(t));
    expect(list).toHaveLength(1);
    const second = list[0]!;
    expect(second.where).toMatch(/\.mp4$/);
    expect(await readMeta(path.dirname(second.where))).toMatchObject({ parts: 2 });
    const probed = await probeStream(second.where);
    expect(probed).toMatchObject({ codec: 'h264', audioCodec: 'aac' });
    expect(probed.duration).toBeGreaterThan(5 * SEGMENT - 1);
    expect(Math.abs(second.seconds - probed.duration!)).toBeLessThan(0.5);
  }, 200_000);

  it('a pushed source cut for 20 s: one file for the run, the slate inside it, as long as the run', async () => {
    const pushed = await startTestStack({ input: 'RTMP_PUSH', rtmpPort: 0, cidr: ['127.0.0.1/32'] });
    const endpoint = pushed.stack.info.pushEndpoint!;
    const publisher = startPublisher('flv', endpoint);
    await waitUntil('the source connected', () => pushed.stack.status().input.connected, 60_000);
    const first = await waitForRecorded(pushed, 2 * SEGMENT);
    await killChild(publisher);
    await waitUntil('the input lost', () => !pushed.stack.status().input.connected, 30_000);
    await new Promise((r) => setTimeout(r, 20_000));
    startPublisher('flv', endpoint);
    await waitUntil('the source back', () => pushed.stack.status().input.connected, 60_000);
    const back = pushed.stack.status().recording!.seconds;
    await waitUntil('segments after the source came back', () => (pushed.stack.status().recording?.seconds ?? 0) >= back + 2 * SEGMENT, 60_000, 500);
    const stoppedAt = Date.now();
    await pushed.stack.stop();

    const list = await listLocalRecordings(optionsOf(pushed));
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ id: first.id, live: false });
    expect(await readMeta(path.dirname(list[0]!.where))).toMatchObject({ parts: 1 });
    const probed = await probeStream(list[0]!.where);
    expect(probed).toMatchObject({ codec: 'h264', audioCodec: 'aac' });
    // The slate filled the cut: nothing is missing from the run.
    expect(probed.duration).toBeGreaterThan(20 + 4 * SEGMENT);
    expect(Math.abs(probed.duration! - (stoppedAt - Date.parse(list[0]!.start)) / 1000)).toBeLessThanOrEqual(SEGMENT);
  }, 200_000);
});
