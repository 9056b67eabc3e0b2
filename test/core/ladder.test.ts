import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { describeH264Profile, validateLadder } from '../../src/core/ladder.js';
import { listBuiltinProfiles, loadProfile } from '../../src/core/profiles.js';
import { LivestreamError } from '../../src/core/errors.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

const base = () => JSON.parse(readFileSync(new URL('../../profiles/HD-720p.json', import.meta.url), 'utf8'));
const problemPaths = (json: unknown) => validateLadder(json).problems.map((p) => `${p.path}: ${p.message}`);

describe('built-in ladders', () => {
  it('match the reference: renditions, 288p at 15 fps, AAC 96k 48 kHz stereo, 4 s segments, 10 per playlist, 21 kept', async () => {
    const ladders = await listBuiltinProfiles();
    expect(ladders.map((l) => [l.name, l.renditions.map((r) => `${r.width}x${r.height}@${r.framerate}:${r.bitrate}`)])).toEqual([
      ['HD-1080p', ['1920x1080@30:4100000', '1280x720@30:2700000', '960x540@30:1800000', '768x432@30:1200000', '640x360@30:800000', '512x288@15:400000']],
      ['HD-720p', ['1280x720@30:2700000', '960x540@30:1800000', '768x432@30:1200000', '640x360@30:800000', '512x288@15:400000']],
      ['SD-540p', ['960x540@30:1800000', '768x432@30:1200000', '640x360@30:800000', '512x288@15:400000']],
    ]);
    for (const l of ladders) {
      expect(l.audio).toEqual({ codec: 'aac', bitrate: 96000, sampleRate: 48000, channels: 2 });
      expect(l.hls).toEqual({ segmentSeconds: 4, playlistSize: 10, keepSegments: 21 });
      expect(l.renditions.every((r) => r.profile === 'high' && r.gopSeconds === 2 && r.maxBitrate === r.bitrate)).toBe(true);
    }
  });
});

describe('validateLadder', () => {
  it.each<[string, (j: any) => void, string[]]>([
    ['odd width', (j) => (j.renditions[0].width = 1279), ['renditions[0].width: must be even (got 1279)']],
    ['zero height', (j) => (j.renditions[1].height = 0), ['renditions[1].height: must be at least 32 (got 0)']],
    ['zero bitrate', (j) => (j.renditions[2].bitrate = 0), ['renditions[2].bitrate: must be at least 1000 (got 0)']],
    ['string bitrate', (j) => (j.renditions[2].bitrate = '1M'), ['renditions[2].bitrate: expected a whole number']],
    ['max below bitrate', (j) => (j.renditions[0].maxBitrate = 1000), ['renditions[0].maxBitrate: must be at least bitrate (2700000)']],
    ['duplicate rendition', (j) => (j.renditions[1] = { ...j.renditions[0] }), ['renditions[1]: duplicate rendition 1280x720']],
    ['out of order', (j) => j.renditions.reverse(), [
      'renditions[1]: out of order: 640x360 is larger than 512x288 before it',
      'renditions[2]: out of order: 768x432 is larger than 640x360 before it',
      'renditions[3]: out of order: 960x540 is larger than 768x432 before it',
      'renditions[4]: out of order: 1280x720 is larger than 960x540 before it',
    ]],
    ['unknown field', (j) => (j.renditions[0].crf = 23), ['renditions[0].crf: unknown field']],
    ['unknown top-level field', (j) => (j.extra = 1), ['extra: unknown field']],
    ['GOP that does not divide the segment', (j) => (j.renditions[0].gopSeconds = 3), ['renditions[0].gopSeconds: must divide hls.segmentSeconds (4) so segments start on a keyframe']],
    ['bad profile', (j) => (j.renditions[0].profile = 'extended'), ['renditions[0].profile: expected "baseline", "main" or "high"']],
    ['bad sample rate', (j) => (j.audio.sampleRate = 22050), ['audio.sampleRate: expected 32000, 44100 or 48000']],
    ['missing hls field', (j) => delete j.hls.keepSegments, ['hls.keepSegments: missing', 'hls.keepSegments: expected a whole number']],
    ['keep fewer than listed', (j) => (j.hls.keepSegments = 5), ['hls.keepSegments: must be more than hls.playlistSize (10)']],
    ['bad preset', (j) => (j.local.preset = 'warp'), ['local.preset: expected "auto" or one of ultrafast, superfast, veryfast, faster, fast, medium, slow, slower, veryslow']],
    ['empty renditions', (j) => (j.renditions = []), ['renditions: expected a non-empty array of renditions']],
  ])('rejects %s with dot paths', (_name, mutate, expected) => {
    const json = base();
    mutate(json);
    expect(problemPaths(json)).toEqual(expected);
  });

  // What MediaLive's API model (medialive-2017-10-14) and user guide allow; each failed on the old validator.
  it.each<[string, (j: any) => void, string[]]>([
    ['a bitrate of 1 b/s (H264Settings.Bitrate: min 1000)', (j) => (j.renditions[2].bitrate = 1), ['renditions[2].bitrate: must be at least 1000 (got 1)']],
    ['a bitrate of 10^12 b/s (32-bit, and BufSize = 2 x bitrate)', (j) => { j.renditions[0].bitrate = 1e12; j.renditions[0].maxBitrate = 1e12; }, [
      'renditions[0].bitrate: must be at most 1073741823 (got 1000000000000)',
      'renditions[0].maxBitrate: must be at most 1073741823 (got 1000000000000)',
    ]],
    ['a maxBitrate of 999 (H264Settings.MaxBitrate: min 1000)', (j) => { j.renditions[4].bitrate = 999; j.renditions[4].maxBitrate = 999; }, [
      'renditions[4].bitrate: must be at least 1000 (got 999)',
      'renditions[4].maxBitrate: must be at least 1000 (got 999)',
    ]],
    ['a 100000x60000 rendition (beyond UHD)', (j) => { j.renditions[0].width = 100000; j.renditions[0].height = 60000; }, [
      'renditions[0].width: must be at most 4096 (got 100000)',
      'renditions[0].height: must be at most 4096 (got 60000)',
    ]],
    ['a 4096x4096 rendition (UHD is 4096x2160)', (j) => { j.renditions[0].width = 4096; j.renditions[0].height = 4096; }, ['renditions[0]: 4096x4096 is beyond UHD (4096x2160, or 2160x4096 upright)']],
    ['60 renditions', (j) => (j.renditions = Array.from({ length: 60 }, (_, i) => ({ ...j.renditions[0], width: 1280 - 2 * i, height: 720 - 2 * i }))), [
      'renditions: 60 renditions; at most 10 are allowed',
    ]],
    ['a playlist of 1 segment (HlsGroupSettings.IndexNSegments: min 3)', (j) => (j.hls.playlistSize = 1), ['hls.playlistSize: must be at least 3 (got 1)']],
    ['keeping as many segments as listed (IndexNSegments < KeepSegments)', (j) => (j.hls.keepSegments = 10), ['hls.keepSegments: must be more than hls.playlistSize (10)']],
    ['a frame rate below 1 fps (FramerateNumerator: min 1)', (j) => (j.renditions[0].framerate = 0.0004), ['renditions[0].framerate: expected a number of frames per second between 1 and 120']],
    ['a GOP of 0 s (GopSize > 0)', (j) => (j.renditions[1].gopSeconds = 0), ['renditions[1].gopSeconds: expected a positive number of seconds, at most 60']],
    ['segments of an hour', (j) => (j.hls.segmentSeconds = 3600), ['hls.segmentSeconds: must be at most 60 (got 3600)']],
    ['AAC stereo at 16 kb/s (48 kHz LC stereo: 64000 to 576000)', (j) => (j.audio.bitrate = 16000), ['audio.bitrate: 16000 b/s is outside what AAC-LC stereo at 48000 Hz allows (64000 to 576000)']],
    ['AAC mono at 320 kb/s (48 kHz LC mono: 56000 to 288000)', (j) => { j.audio.channels = 1; j.audio.bitrate = 320000; }, ['audio.bitrate: 320000 b/s is outside what AAC-LC mono at 48000 Hz allows (56000 to 288000)']],
  ])('rejects %s', (_name, mutate, expected) => {
    const json = base();
    mutate(json);
    expect(problemPaths(json)).toEqual(expected);
  });

  it('accepts the limits themselves', () => {
    const json = base();
    json.renditions[4].bitrate = 1000;
    json.renditions[4].maxBitrate = 1000;
    json.renditions[0] = { ...json.renditions[0], width: 2160, height: 4096, bitrate: 1073741823, maxBitrate: 1073741823 };
    json.hls = { segmentSeconds: 4, playlistSize: 3, keepSegments: 4 };
    json.audio.bitrate = 64000;
    expect(validateLadder(json).problems).toEqual([]);
  });

  it('accepts the built-in file and a ladder without local settings (the machine chooses: auto)', () => {
    expect(validateLadder(base()).problems).toEqual([]);
    expect(validateLadder(base()).ladder?.local).toEqual({ preset: 'auto', scaler: 'auto' });
    const json = base();
    delete json.local;
    expect(validateLadder(json).ladder?.local).toEqual({ preset: 'auto', scaler: 'auto' });
  });

  it('keeps a preset and scaler the ladder file pins', () => {
    const json = base();
    json.local = { preset: 'superfast', scaler: 'bicubic' };
    expect(validateLadder(json).ladder?.local).toEqual({ preset: 'superfast', scaler: 'bicubic' });
  });

  it('rejects something that is not an object', () => {
    expect(problemPaths([1, 2])).toEqual(['(root): expected a JSON object']);
  });
});

describe('loadProfile', () => {
  let dir: string;
  beforeEach(async () => (dir = await makeTmpDir('ladder-')));

  it('loads a built-in profile by name and a user file by path', async () => {
    expect((await loadProfile('SD-540p')).renditions).toHaveLength(4);
    const json = base();
    json.name = 'mine';
    json.renditions = json.renditions.slice(3);
    await writeFile(path.join(dir, 'mine.json'), JSON.stringify(json));
    expect((await loadProfile('mine.json', dir)).name).toBe('mine');
  });

  it('names a missing profile and a broken file with codes', async () => {
    await expect(loadProfile('HD-4k', dir)).rejects.toMatchObject({ code: 'PROFILE_NOT_FOUND' });
    await writeFile(path.join(dir, 'broken.json'), '{ "name": ');
    await expect(loadProfile('broken.json', dir)).rejects.toMatchObject({ code: 'LADDER_INVALID' });
    const json = base();
    json.renditions[0].width = 1279;
    await writeFile(path.join(dir, 'odd.json'), JSON.stringify(json));
    const err = (await loadProfile('odd.json', dir).catch((e) => e)) as LivestreamError;
    expect(err.message).toContain('renditions[0].width: must be even (got 1279)');
  });
});

describe('describeH264Profile', () => {
  const r = (height: number, framerate: number, profile: 'baseline' | 'main' | 'high') => ({ width: 16, height, framerate, profile });
  it.each([
    [[r(720, 30, 'high'), r(288, 15, 'high')], 'H.264 High'],
    [[r(720, 30, 'high'), r(540, 30, 'high'), r(288, 15, 'baseline')], 'H.264 High (288p15 Baseline)'],
    [[r(360, 30, 'main')], 'H.264 Main'],
  ])('%j is %s', (renditions, text) => {
    expect(describeH264Profile({ renditions: renditions as never })).toBe(text);
  });
});
