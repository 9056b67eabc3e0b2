import { describe, expect, it } from 'vitest';
import { buildMasterPlaylist, resolveLevel, videoCodecString } from '../../../../src/targets/local/encoder/master-playlist.js';
import type { H264Profile } from '../../../../src/core/ladder.js';
import { TEST_LADDER } from './test-ladder.js';

describe('resolveLevel', () => {
  const cases: Array<[string, number, number, number, string]> = [
    ['1080p30', 1920, 1080, 30, '4'],
    ['720p30', 1280, 720, 30, '3.1'],
    ['720p60', 1280, 720, 60, '3.2'],
    ['540p30', 960, 540, 30, '3.1'],
    ['432p30', 768, 432, 30, '3'],
    ['360p30', 640, 360, 30, '3'],
    ['288p15', 512, 288, 15, '2.1'],
    ['1080p60', 1920, 1080, 60, '4.2'],
    ['4K30', 3840, 2160, 30, '5.1'],
  ];
  it.each(cases)('%s gets the lowest level that fits', (_n, width, height, framerate, level) => {
    expect(resolveLevel({ width, height, framerate, maxBitrate: 1_000_000, profile: 'baseline', level: 'auto' })).toBe(level);
  });
  it('raises the level when the bitrate needs it', () => {
    expect(resolveLevel({ width: 640, height: 360, framerate: 30, maxBitrate: 12_000_000, profile: 'baseline', level: 'auto' })).toBe('3.1');
  });
  it('keeps a level written in the ladder', () => {
    expect(resolveLevel({ width: 640, height: 360, framerate: 30, maxBitrate: 800_000, profile: 'main', level: '4.1' })).toBe('4.1');
  });
});

describe('videoCodecString', () => {
  const cases: Array<[H264Profile, string, string]> = [
    ['baseline', '3.1', 'avc1.42c01f'],
    ['main', '4', 'avc1.4d4028'],
    ['high', '4.1', 'avc1.640029'],
  ];
  it.each(cases)('%s level %s is %s', (profile, level, codec) => {
    expect(videoCodecString({ width: 1280, height: 720, framerate: 30, maxBitrate: 1, profile, level }, 'veryfast')).toBe(codec);
  });
  it('says Constrained Baseline for any profile encoded with ultrafast, as x264 signals it', () => {
    expect(videoCodecString({ width: 1280, height: 720, framerate: 30, maxBitrate: 1, profile: 'high', level: '4' }, 'ultrafast')).toBe('avc1.42c028');
  });
});

describe('buildMasterPlaylist', () => {
  it('lists every rendition (ultrafast: the main rendition is signalled as baseline) with BANDWIDTH, AVERAGE-BANDWIDTH, RESOLUTION, CODECS and FRAME-RATE', () => {
    expect(buildMasterPlaylist(TEST_LADDER)).toBe(
      [
        '#EXTM3U',
        '#EXT-X-VERSION:3',
        '#EXT-X-INDEPENDENT-SEGMENTS',
        '#EXT-X-STREAM-INF:BANDWIDTH=433400,AVERAGE-BANDWIDTH=364000,RESOLUTION=320x180,CODECS="avc1.42c00d,mp4a.40.2",FRAME-RATE=30.000',
        'index_320x180.m3u8',
        '#EXT-X-STREAM-INF:BANDWIDTH=235400,AVERAGE-BANDWIDTH=214000,RESOLUTION=256x144,CODECS="avc1.42c01e,mp4a.40.2",FRAME-RATE=15.000',
        'index_256x144.m3u8',
        '',
      ].join('\n'),
    );
  });
});
