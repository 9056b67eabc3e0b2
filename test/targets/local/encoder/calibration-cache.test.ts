import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  calibrationCacheDir, calibrationKey, clearCalibrations, latestCalibration, ladderShape, readCalibration, writeCalibration, type MachineFacts,
} from '../../../../src/targets/local/encoder/calibration-cache.js';
import { makeTmpDir } from '../../../helpers/tmp-dir.js';
import { TEST_LADDER } from './test-ladder.js';

const MACHINE: MachineFacts = { cpuModel: 'AMD EPYC 7B13', cores: 2, ffmpegPath: '/usr/bin/ffmpeg', ffmpegVersion: '5.1.9-0+deb12u1' };
const AUTO = { ...TEST_LADDER, local: { preset: 'auto', scaler: 'auto' } };
const KEY = calibrationKey(MACHINE, AUTO, 1.15);

describe('calibrationKey', () => {
  it.each<[string, () => string]>([
    ['another CPU model', () => calibrationKey({ ...MACHINE, cpuModel: 'Intel Xeon' }, AUTO, 1.15)],
    ['another core count', () => calibrationKey({ ...MACHINE, cores: 8 }, AUTO, 1.15)],
    ['another ffmpeg binary', () => calibrationKey({ ...MACHINE, ffmpegPath: '/opt/ffmpeg/ffmpeg' }, AUTO, 1.15)],
    ['another ffmpeg version', () => calibrationKey({ ...MACHINE, ffmpegVersion: '6.1' }, AUTO, 1.15)],
    ['another rendition size', () => calibrationKey(MACHINE, { ...AUTO, renditions: [{ ...AUTO.renditions[0]!, width: 640, height: 360 }, AUTO.renditions[1]!] }, 1.15)],
    ['another bitrate', () => calibrationKey(MACHINE, { ...AUTO, renditions: [{ ...AUTO.renditions[0]!, bitrate: 1 }, AUTO.renditions[1]!] }, 1.15)],
    ['one rendition fewer', () => calibrationKey(MACHINE, { ...AUTO, renditions: [AUTO.renditions[0]!] }, 1.15)],
    ['a pinned preset', () => calibrationKey(MACHINE, { ...AUTO, local: { preset: 'veryfast', scaler: 'auto' } }, 1.15)],
    ['another bar', () => calibrationKey(MACHINE, AUTO, 1.3)],
    ['the low latency mode (x264 -tune zerolatency)', () => calibrationKey(MACHINE, { ...AUTO, hls: { ...AUTO.hls, latency: 'low' } }, 1.15)],
  ])('is invalidated by %s', (_name, other) => {
    expect(other()).not.toBe(KEY);
  });

  it('does not change with what the encode does not feel: the ladder name and its other HLS settings', () => {
    expect(calibrationKey(MACHINE, { ...AUTO, name: 'renamed', hls: { segmentSeconds: 6, playlistSize: 5, keepSegments: 11 } }, 1.15)).toBe(KEY);
  });
});

describe('calibrationCacheDir', () => {
  it('is $XDG_CACHE_HOME/livestream, else ~/.cache/livestream (a relative XDG path is ignored, as the spec says)', () => {
    expect(calibrationCacheDir({ XDG_CACHE_HOME: '/var/cache/me' }, '/home/me')).toBe('/var/cache/me/livestream');
    expect(calibrationCacheDir({}, '/home/me')).toBe('/home/me/.cache/livestream');
    expect(calibrationCacheDir({ XDG_CACHE_HOME: 'rel' }, '/home/me')).toBe('/home/me/.cache/livestream');
  });
});

describe('the cache file', () => {
  const choice = { preset: 'veryfast', scaler: 'bicubic', how: 'calibrated' as const, speed: 1.4, meetsBar: true, calibratedAt: '2026-12-01T10:00:00.000Z' };

  it('keeps each key, reads it back, lists the newest for the plan, and forgets them all on --recalibrate', async () => {
    const dir = path.join(await makeTmpDir('calib-'), 'livestream');
    expect(await readCalibration(dir, KEY)).toBeUndefined();
    await writeCalibration(dir, KEY, { machine: MACHINE, ladder: ladderShape(AUTO), choice });
    const newer = { ...choice, preset: 'faster', calibratedAt: '2026-12-02T10:00:00.000Z' };
    const otherFfmpeg = { ...MACHINE, ffmpegVersion: '6.1' };
    await writeCalibration(dir, calibrationKey(otherFfmpeg, AUTO, 1.15), { machine: otherFfmpeg, ladder: ladderShape(AUTO), choice: newer });
    expect((await readCalibration(dir, KEY))?.choice).toEqual(choice);
    // The plan knows no ffmpeg version: the newest of this ladder on this CPU.
    expect((await latestCalibration(dir, AUTO, { model: MACHINE.cpuModel, cores: 2 }))?.choice).toEqual(newer);
    expect(await latestCalibration(dir, AUTO, { model: 'Intel Xeon', cores: 2 })).toBeUndefined();
    expect(JSON.parse(await readFile(path.join(dir, 'encoder-calibration.json'), 'utf8')).version).toBe(1);
    expect(await clearCalibrations(dir)).toBe(2);
    expect(await readCalibration(dir, KEY)).toBeUndefined();
  });

  it('treats a damaged file as an empty cache', async () => {
    const dir = await makeTmpDir('calib-');
    const { writeFile } = await import('node:fs/promises');
    await writeFile(path.join(dir, 'encoder-calibration.json'), '{ not json');
    expect(await readCalibration(dir, KEY)).toBeUndefined();
    await writeCalibration(dir, KEY, { machine: MACHINE, ladder: ladderShape(AUTO), choice });
    expect((await readCalibration(dir, KEY))?.choice).toEqual(choice);
  });
});
