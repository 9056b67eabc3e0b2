/** What the plan says of the local encoder's preset (it never calibrates: that takes seconds), and --recalibrate's refusals. */
import { access } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { loadProfile } from '../../src/core/profiles.js';
import { calibrationKey, ladderShape, writeCalibration } from '../../src/targets/local/encoder/calibration-cache.js';
import { livestream } from '../helpers/cli.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

describe('the local encoder in the plan', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  beforeEach(async () => {
    dir = await makeTmpDir('encoder-plan-');
    env = { XDG_CACHE_HOME: path.join(dir, 'cache') };
  });
  const common = () => ['--target', 'local', '--input', 'URL_PULL', '--state-dir', path.join(dir, 'state')];

  it('says "auto", calibrated at start, with no calibration here yet', async () => {
    const r = await livestream(['plan', ...common()], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Encoder x264 preset auto, scaler auto (calibrated at start, a few seconds, then cached; not calibrated on this machine yet)');
    expect(r.stdout).toContain('profile HD-720p: 720p30, 540p30, 432p30, 360p30, 288p15, H.264 High;');
  });

  it('says when the running encoder fell behind and stepped down (kept in the cache a day)', async () => {
    const ladder = await loadProfile('HD-720p');
    const machine = { cpuModel: os.cpus()[0]!.model.trim(), cores: os.cpus().length, ffmpegPath: '/usr/bin/ffmpeg', ffmpegVersion: '5.1' };
    // An hour ago, to the minute (the plan runs now, and a step-down is kept a day from then).
    const at = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 3_600_000);
    const until = new Date(at.getTime() + 86_400_000).toISOString();
    const downgradedFrom = { preset: 'veryfast', scaler: 'lanczos', dropped: 41, windowSeconds: 30, at: at.toISOString() };
    const choice = { preset: 'superfast', scaler: 'lanczos', how: 'calibrated' as const, speed: 2.4, meetsBar: true, bar: 2, calibratedAt: '2026-12-01T10:00:00.000Z', downgradedFrom };
    await writeCalibration(path.join(dir, 'cache', 'livestream'), calibrationKey(machine, ladder, 2), { machine, ladder: ladderShape(ladder), choice });
    const human = await livestream(['plan', ...common()], { env });
    expect(human.stdout).toContain(`encoder fell behind at veryfast + lanczos (dropped 41 frames in 30 s) on ${at.toISOString().slice(0, 10)}; now superfast + lanczos, used by starts here until ${until.slice(0, 10)} ${until.slice(11, 16)} UTC)`);
  });

  it('names the last calibration on this machine, from the cache, in words and in --json', async () => {
    const ladder = await loadProfile('HD-720p');
    const machine = { cpuModel: os.cpus()[0]!.model.trim(), cores: os.cpus().length, ffmpegPath: '/usr/bin/ffmpeg', ffmpegVersion: '5.1' };
    const choice = { preset: 'veryfast', scaler: 'bicubic', how: 'calibrated' as const, speed: 1.318, meetsBar: true, bar: 1.15, calibratedAt: '2026-12-01T10:00:00.000Z' };
    await writeCalibration(path.join(dir, 'cache', 'livestream'), calibrationKey(machine, ladder, 1.15), { machine, ladder: ladderShape(ladder), choice });
    const human = await livestream(['plan', ...common()], { env });
    expect(human.stdout).toContain('last here: veryfast + bicubic: 1.32x real time encoding alone here, calibrated 2026-12-01)');
    const json = await livestream(['plan', '--json', ...common()], { env });
    expect(json.json.encoder).toMatchObject({ preset: 'auto', scaler: 'auto', lastCalibration: { preset: 'veryfast', scaler: 'bicubic', speed: 1.318 } });
  });

  it('says a ladder file that names them pins them', async () => {
    const r = await livestream(['plan', ...common(), '--profile', path.resolve(import.meta.dirname, '../fixtures/ladders/tiny.json')], { env });
    expect(r.stdout).toContain('Encoder x264 ultrafast + fast_bilinear: pinned by the ladder file');
  });

  it('refuses --recalibrate for an AWS stack, and a dry run forgets nothing', async () => {
    const aws = await livestream(['up', '--recalibrate', '--target', 'aws', '--source-url', 'https://example.com/live/index.m3u8', '--yes', '--state-dir', path.join(dir, 'state')], { env: { ...env, AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'x' } });
    expect(aws.code).toBe(2);
    expect(aws.stderr).toContain('--recalibrate measures the local encoder on this machine');
    const ladder = await loadProfile('HD-720p');
    const machine = { cpuModel: 'cpu', cores: 2, ffmpegPath: '/usr/bin/ffmpeg', ffmpegVersion: '5.1' };
    const cache = path.join(dir, 'cache', 'livestream');
    await writeCalibration(cache, calibrationKey(machine, ladder, 1.15), { machine, ladder: ladderShape(ladder), choice: { preset: 'veryfast', scaler: 'bicubic', how: 'calibrated' } });
    const dry = await livestream(['up', '--recalibrate', '--dry-run', ...common()], { env });
    expect(dry.code).toBe(0);
    await access(path.join(cache, 'encoder-calibration.json'));
  });
});
