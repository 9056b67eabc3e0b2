/**
 * A local stack whose recordings folder fills (issue 13): the stream goes on, the recording stops
 * with a clear notice in `status`, and what was recorded is still saved. The folder is a real
 * 1 MB tmpfs mounted over the stack's recordings folder (mounting needs root or CAP_SYS_ADMIN; the
 * writer's own test injects ENOSPC where that is not possible).
 */
import { spawnSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { afterEach, expect, it, onTestFailed } from 'vitest';
import { RecordingHost } from '../../src/core/host.js';
import { summarizeLive } from '../../src/targets/local/daemon/live-status.js';
import { downloadLocalRecordings } from '../../src/targets/local/recording/local-recordings.js';
import { readMeta } from '../../src/targets/local/recording/recording-folder.js';
import { probeStream } from '../helpers/ffprobe.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';
import { requireTool } from '../helpers/tools.js';
import { waitUntil } from './helpers/hls-watch.js';
import { closeAll, startTestStack } from './helpers/test-stack.js';

const ffmpeg = await requireTool('ffmpeg');

afterEach(async () => {
  await closeAll();
});

it('a full disk stops the recording with a notice in status; the stream goes on; what was recorded is saved', async () => {
  const t = await startTestStack({ input: 'URL_PULL' });
  const first = await waitUntil('the first recording under way', () => {
    const r = t.stack.status().recording;
    return r && r.bytes > 0 ? r : undefined;
  }, 90_000);
  // The next run records onto a 1 MB disk: about 16 s of the tiny ladder's 480x270.
  await t.stack.stop();
  // Its MP4 made first: the disk mounted over the folder while the first run's finaliser works on it
  // would leave that finaliser working on a folder it cannot see (it fails; its recording is kept).
  await waitUntil('the first recording finalised', async () => (await readMeta(first.where))?.file, 60_000);
  await mkdir(t.layout.recordings, { recursive: true });
  const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', t.layout.recordings], { encoding: 'utf8' });
  if (mount.status !== 0) throw new Error(`this test mounts a 1 MB tmpfs, which needs root or CAP_SYS_ADMIN: ${mount.stderr || mount.error?.message}`);
  // Lazily (-l: detached now, even with the stack's files still open), before afterEach closes the
  // stack and removes its folder: onTestFinished runs after afterEach, which would find it busy.
  onTestFailed(() => void spawnSync('umount', ['-l', t.layout.recordings]));
  await t.stack.start();

  const stopped = await waitUntil('the recording stopped by the full disk', () => t.stack.status().recording?.notice, 120_000, 500);
  expect(stopped).toMatch(/^recording stopped: the disk is full \(.*\); the stream goes on/);
  const line = summarizeLive(t.stack.status()).find(([label]) => label === 'Recording')?.[1];
  expect(line).toMatch(/^STOPPED: recording stopped: the disk is full/);
  // The stream goes on: segments keep coming, the channel runs.
  const written = t.stack.status().segmentsWritten;
  await waitUntil('more segments after the disk filled', () => t.stack.status().segmentsWritten >= written + 4, 60_000, 500);
  expect(t.stack.status().channel).toBe('RUNNING');
  await t.stack.stop();

  // There is no room for an MP4 beside the parts: saved elsewhere, remuxed from them.
  const out = await makeTmpDir('e2e-full-out-');
  const saved = await downloadLocalRecordings({ root: t.layout.recordings, stack: t.spec.stack, ffmpegPath: async () => ffmpeg }, out, new RecordingHost());
  expect(saved).toHaveLength(1);
  expect(saved[0]!.recording.notice).toMatch(/disk is full/);
  const probed = await probeStream(saved[0]!.file);
  expect(probed).toMatchObject({ codec: 'h264', audioCodec: 'aac' });
  expect(probed.duration).toBeGreaterThan(4);
  expect(spawnSync('umount', ['-l', t.layout.recordings]).status).toBe(0);
}, 300_000);
