import { afterEach, describe, expect, it } from 'vitest';
import { startIngest } from '../../../../src/targets/local/ingest/start.js';
import type { Ingest } from '../../../../src/targets/local/ingest/types.js';
import { LivestreamError } from '../../../../src/core/errors.js';
import { makeTmpDir } from '../../../helpers/tmp-dir.js';
import { decodeFrames, killAll, makeSpec, FFMPEG } from './helpers.js';

let ingest: Ingest | undefined;

afterEach(async () => {
  await killAll();
  await ingest?.close();
  ingest = undefined;
});

async function startDevice(deviceId: string): Promise<Ingest> {
  const dir = await makeTmpDir('ingest-test-');
  ingest = await startIngest({ spec: makeSpec({ input: 'INPUT_DEVICE', deviceId }), secrets: {}, ffmpegPath: FFMPEG, workDir: dir });
  return ingest;
}

describe('INPUT_DEVICE', () => {
  it('demo: a synthetic device ffmpeg decodes, with video and audio in one input', async () => {
    const ing = await startDevice('demo');
    expect(ing.state()).toEqual({ connected: true, refused: 0 });
    expect(ing.streams).toEqual({ video: '0:v:0', audio: '0:a:0' });
    expect(ing.pushEndpoint).toBeUndefined();
    const { frames, stderr } = await decodeFrames([...ing.inputArgs(), '-map', '0:a:0'], 1);
    expect(frames, stderr.slice(-500)).toBeGreaterThanOrEqual(20);
    expect(stderr).toMatch(/Stream #0:0: Video: rawvideo .*1280x720/);
    expect(stderr).toMatch(/Stream #0:1: Audio: pcm_\w+, 48000 Hz, stereo/);
  });

  it('a missing /dev/videoN fails with SPEC_INVALID naming how to list devices', async () => {
    const error = await startDevice('/dev/video97').catch((err: unknown) => err);
    expect(error).toBeInstanceOf(LivestreamError);
    expect((error as LivestreamError).code).toBe('SPEC_INVALID');
    expect((error as LivestreamError).message).toBe('capture device /dev/video97 does not exist');
    expect((error as LivestreamError).hint).toContain('v4l2-ctl --list-devices');
  });

  it('a path that is not a character device is refused', async () => {
    const error = await startDevice('/dev/shm').catch((err: unknown) => err);
    expect((error as LivestreamError).code).toBe('SPEC_INVALID');
    expect((error as LivestreamError).message).toBe('/dev/shm is not a capture device');
  });
});
