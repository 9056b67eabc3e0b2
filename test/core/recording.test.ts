/** Which rendition a stack records, what an hour of it takes, and how lengths and sizes read. */
import { describe, expect, it } from 'vitest';
import { loadProfile } from '../../src/core/profiles.js';
import { describeRecording, formatBytes, formatDuration, recordedRendition, recordingBytesPerHour } from '../../src/core/recording.js';
import { validateSpec } from '../../src/core/spec.js';

const ladder = await loadProfile('HD-720p');

describe('recordedRendition', () => {
  it.each([
    [{ target: 'local', record: 'top' }, '1280x720'],
    [{ target: 'local', record: '640x360' }, '640x360'],
    [{ target: 'local', record: undefined }, '1280x720'],
    [{ target: 'aws', record: undefined }, undefined],
    [{ target: 'aws', record: 'none' }, undefined],
  ] as const)('%o records %s', (spec, expected) => {
    const r = recordedRendition(spec, ladder);
    expect(r ? `${r.width}x${r.height}` : undefined).toBe(expected);
  });

  it('refuses a rendition the ladder lacks, naming the ladder\'s and the fix', () => {
    expect(() => recordedRendition({ target: 'local', record: '1920x1080' }, ladder)).toThrow(expect.objectContaining({
      code: 'SPEC_INVALID',
      message: '--record 1920x1080: the ladder HD-720p has no rendition "1920x1080" (it has 1280x720, 960x540, 768x432, 640x360, 512x288).',
      hint: 'Use --record top (the highest, 1280x720), one of 1280x720, 960x540, 768x432, 640x360, 512x288, or --record none.',
    }));
  });
});

describe('what recording takes', () => {
  it('is the rendition\'s bitrate and the audio, per hour', () => {
    // (2 700 000 + 96 000) b/s / 8 * 3600 s
    expect(recordingBytesPerHour(ladder.renditions[0]!, ladder)).toBe(1_258_200_000);
  });

  it('is one line of the plan', () => {
    expect(describeRecording(validateSpec({ stack: 'ev' }).spec!, ladder)).toBe(
      'Recording: 1280x720 as encoded (2.7 Mb/s video + 96 kb/s audio), ≈ 1.26 GB of disk in the stack\'s recordings folder per hour; kept by "down" (--record none turns it off)',
    );
    expect(describeRecording(validateSpec({ target: 'aws', sourceUrl: 'https://example.com/a.m3u8' }).spec!, ladder)).toBe(
      'Recording: off (--record top or --record 1280x720 records each run)',
    );
  });

  it('reads as people read sizes and lengths', () => {
    expect([formatBytes(999), formatBytes(123_456), formatBytes(6_311_917), formatBytes(1_258_200_000)]).toEqual(['999 B', '123 kB', '6.31 MB', '1.26 GB']);
    expect([formatDuration(39.2), formatDuration(3600), formatDuration(3725)]).toEqual(['0:39', '1:00:00', '1:02:05']);
  });
});
