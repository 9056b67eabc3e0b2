/** One real calibration with a tiny ladder: no speed is asserted (that is for bench/), only what it returns and keeps. */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildTrialArgs, chooseEncoderSettings, rememberChoice } from '../../../../src/targets/local/encoder/calibrate.js';
import { buildEncoderArgs } from '../../../../src/targets/local/encoder/ffmpeg-args.js';
import { readCalibration, calibrationKey, machineFacts } from '../../../../src/targets/local/encoder/calibration-cache.js';
import { PRESET_ORDER, SCALER_ORDER, TRIAL_BAR } from '../../../../src/targets/local/encoder/preset-search.js';
import { findFfmpeg } from '../../../../src/targets/local/encoder/find-ffmpeg.js';
import { makeTmpDir } from '../../../helpers/tmp-dir.js';
import { TEST_LADDER } from './test-ladder.js';

const AUTO = { ...TEST_LADDER, local: { preset: 'auto', scaler: 'auto' } };

describe('buildTrialArgs', () => {
  it('encodes with the encoder\'s own filter graph and x264 arguments, to the null muxer', () => {
    const trial = buildTrialArgs(AUTO, '/c/clip.mkv', 'veryfast', 'bicubic');
    const real = buildEncoderArgs({
      ladder: { ...AUTO, local: { preset: 'veryfast', scaler: 'bicubic' } },
      input: { args: ['-i', 'pipe:0'], video: '0:v:0', audio: '1:a:0' }, output: { kind: 'file', dir: '/o' }, inputFps: 30,
    });
    const after = (args: string[], flag: string) => args[args.indexOf(flag) + 1];
    expect(after(trial, '-filter_complex')).toBe(after(real, '-filter_complex'));
    // Every video option of the real encoder, in the same order: x264 and its preset, then each rendition's rate control and GOP.
    expect(trial.slice(trial.indexOf('-c:v'), trial.indexOf('-f'))).toEqual(real.slice(real.indexOf('-c:v'), real.indexOf('-c:a')));
    expect(trial.slice(-3)).toEqual(['-f', 'null', '-']);
  });
});

describe('chooseEncoderSettings with real ffmpeg', () => {
  it('calibrates a tiny "auto" ladder to a valid preset and scaler, writes the cache, and reads it the next time', async () => {
    const cacheDir = path.join(await makeTmpDir('calibrate-'), 'livestream');
    const ffmpeg = await findFfmpeg();
    const lines: string[] = [];
    const first = await chooseEncoderSettings({ ffmpeg, ladder: AUTO, cacheDir, now: () => new Date('2026-12-01T12:00:00Z'), log: (l) => lines.push(l) });
    expect(PRESET_ORDER).toContain(first.choice.preset);
    expect(SCALER_ORDER).toContain(first.choice.scaler);
    expect(first.choice).toMatchObject({ how: 'calibrated', calibratedAt: '2026-12-01T12:00:00.000Z', bar: TRIAL_BAR });
    expect(first.ladder.local).toEqual({ preset: first.choice.preset, scaler: first.choice.scaler });
    expect(first.choice.trials!.length).toBeGreaterThan(0);
    expect(lines.some((l) => l.startsWith('encoder calibration: ultrafast + fast_bilinear: '))).toBe(true);

    const key = calibrationKey(machineFacts(ffmpeg), AUTO, TRIAL_BAR);
    expect((await readCalibration(cacheDir, key))?.choice).toMatchObject({ preset: first.choice.preset, scaler: first.choice.scaler });
    const again = await chooseEncoderSettings({ ffmpeg, ladder: AUTO, cacheDir, now: () => new Date() });
    expect(again.choice).toMatchObject({ how: 'cached', preset: first.choice.preset, scaler: first.choice.scaler, calibratedAt: '2026-12-01T12:00:00.000Z' });
  }, 180_000);

  it('measures nothing for a ladder that pins both', async () => {
    const cacheDir = path.join(await makeTmpDir('calibrate-'), 'livestream');
    const r = await chooseEncoderSettings({ ffmpeg: { ffmpeg: '/nonexistent/ffmpeg', version: '0' }, ladder: TEST_LADDER, cacheDir, now: () => new Date() });
    expect(r).toEqual({ ladder: TEST_LADDER, choice: { preset: 'ultrafast', scaler: 'bilinear', how: 'pinned' } });
  });
});

describe('rememberChoice (a runtime step down)', () => {
  it('keeps the cheaper pair under the ladder\'s key, so the next start begins there and says why; a pinned ladder keeps nothing', async () => {
    const cacheDir = path.join(await makeTmpDir('calibrate-'), 'livestream');
    const ffmpeg = { ffmpeg: '/opt/ffmpeg/bin/ffmpeg', version: '5.1.9' };
    const downgradedFrom = { preset: 'veryfast', scaler: 'lanczos', dropped: 41, windowSeconds: 30, at: '2026-12-01T15:00:00.000Z' };
    const behind = { dropped: 3, windowSeconds: 30, at: '2026-12-01T15:01:00.000Z' };
    await rememberChoice({ ffmpeg, ladder: AUTO, cacheDir }, {
      preset: 'superfast', scaler: 'lanczos', how: 'cached', speed: 2.4, calibratedAt: '2026-12-01T12:00:00.000Z', downgradedFrom, behind,
    });
    // Read back without measuring: the ffmpeg path does not exist, so a calibration would fail.
    const next = await chooseEncoderSettings({ ffmpeg, ladder: AUTO, cacheDir, now: () => new Date('2026-12-01T16:00:00.000Z') });
    expect(next.choice).toEqual({ preset: 'superfast', scaler: 'lanczos', how: 'cached', speed: 2.4, calibratedAt: '2026-12-01T12:00:00.000Z', downgradedFrom });
    expect(next.ladder.local).toEqual({ preset: 'superfast', scaler: 'lanczos' });

    // 23 h 59 min after the step: still the cheaper pair.
    const later = await chooseEncoderSettings({ ffmpeg, ladder: AUTO, cacheDir, now: () => new Date('2026-12-02T14:59:00.000Z') });
    expect(later.choice).toMatchObject({ preset: 'superfast', scaler: 'lanczos', how: 'cached' });

    const pinnedDir = path.join(await makeTmpDir('calibrate-'), 'livestream');
    await rememberChoice({ ffmpeg, ladder: TEST_LADDER, cacheDir: pinnedDir }, { preset: 'ultrafast', scaler: 'bilinear', how: 'pinned', behind });
    expect(await readCalibration(pinnedDir, calibrationKey(machineFacts(ffmpeg), TEST_LADDER, TRIAL_BAR))).toBeUndefined();
  });

  it('is ignored a day after the step: the next start calibrates again instead of keeping the cheaper pair for good', async () => {
    const cacheDir = path.join(await makeTmpDir('calibrate-'), 'livestream');
    const ffmpeg = { ffmpeg: '/nonexistent/ffmpeg', version: '5.1.9' };
    const downgradedFrom = { preset: 'veryfast', scaler: 'lanczos', dropped: 41, windowSeconds: 30, at: '2026-12-01T15:00:00.000Z' };
    await rememberChoice({ ffmpeg, ladder: AUTO, cacheDir }, { preset: 'superfast', scaler: 'lanczos', how: 'calibrated', calibratedAt: '2026-12-01T12:00:00.000Z', downgradedFrom });
    const lines: string[] = [];
    // Calibrating needs ffmpeg, which this path is not: the failure shows it measured rather than took the cache.
    await expect(chooseEncoderSettings({ ffmpeg, ladder: AUTO, cacheDir, now: () => new Date('2026-12-02T15:00:00.000Z'), log: (l) => lines.push(l) }))
      .rejects.toThrow();
    expect(lines).toEqual(['encoder: the step down to superfast + lanczos was for starts until 2026-12-02T15:00:00.000Z; calibrating again']);
  });
});
