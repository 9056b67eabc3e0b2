/**
 * A local daemon that died is reported by `status` and cleaned up, ffmpeg children included, by
 * `down`; the recording it was writing is finalised by the next command that looks (one MP4).
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { livestream } from '../helpers/cli.js';
import { isAlive } from '../../src/core/state.js';
import { processGroupMembers } from '../../src/targets/local/resources.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';
import { probeStream } from '../helpers/ffprobe.js';

const ladder = new URL('../fixtures/ladders/tiny.json', import.meta.url).pathname;

describe('a local daemon killed with SIGKILL', { timeout: 180_000 }, () => {
  let dir: string;
  const common = () => ['--stack', 'dead', '--state-dir', path.join(dir, 'state'), '--json'];
  beforeAll(async () => (dir = await makeTmpDir('e2e-dead-')));
  afterAll(async () => {
    await livestream(['down', ...common(), '--delete-logs', '--yes']);
  });

  it('is reported by status and cleaned up by down', async () => {
    const up = await livestream(['up', '--input', 'URL_PULL', '--profile', ladder, '--yes', ...common()]);
    expect(up.code).toBe(0);
    const before = await livestream(['status', ...common()]);
    const pid = Number(before.json.resources.find((r: { id: string }) => r.id === 'daemon').physicalId);
    // The daemon leads a process group holding its ffmpeg processes.
    expect((await processGroupMembers(pid)).length).toBeGreaterThan(1);

    process.kill(pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 500));
    expect(isAlive(pid)).toBe(false);

    const status = await livestream(['status', ...common()]);
    expect(status.code).toBe(0);
    expect(status.json.channel.state).toBe('UNKNOWN');
    expect(status.json.channel.detail).toContain(`process ${pid} has exited`);
    expect(status.json.resources.find((r: { id: string }) => r.id === 'daemon')).toMatchObject({ exists: false, status: 'DEAD' });

    // Its ffmpeg children may outlive it for a moment (the demo is drawn in the decoder now, so no
    // generator writes files on its own for ever): down ends whatever is left of the group.

    // The recording it was writing (MPEG-TS parts, no end) is finalised by the next look at it.
    const recordings = await livestream(['recordings', ...common()]);
    expect(recordings.code).toBe(0);
    expect(recordings.json.recordings).toHaveLength(1);
    expect(recordings.json.recordings[0]).toMatchObject({ live: false, end: expect.any(String), where: expect.stringMatching(/\.mp4$/) });
    const probed = await probeStream(recordings.json.recordings[0].where);
    expect(probed).toMatchObject({ codec: 'h264', audioCodec: 'aac' });
    expect(probed.duration).toBeGreaterThan(1);

    const down = await livestream(['down', '--yes', ...common()]);
    expect(down.code).toBe(0);
    expect(down.json.complete).toBe(true);
    expect(down.json.recordings).toMatchObject({ action: 'kept', count: 1 });
    expect(await processGroupMembers(pid)).toEqual([]);
  });
});
