/**
 * Latency modes, end to end through the pure kernel: the spec and ladder fields, the ladder low mode
 * encodes, and what each target makes of it (ffmpeg's segments and GOPs, the edges' playlist TTLs,
 * MediaLive's channel request, validated against AWS's model), and the plan's cost lines.
 */
import { describe, expect, it } from 'vitest';
import { applyLatency, describeFfplayCommand, describeLatencyCost, resolveLatency } from '../../src/core/latency.js';
import { validateLadder } from '../../src/core/ladder.js';
import { loadProfile } from '../../src/core/profiles.js';
import { validateSpec } from '../../src/core/spec.js';
import { buildEncoderArgs } from '../../src/targets/local/encoder/ffmpeg-args.js';
import { ttlSecondsFor } from '../../src/targets/local/edge/cache-policy.js';
import { cacheTtls } from '../../src/targets/aws/requests/cloudfront.js';
import { buildCreateChannelRequest } from '../../src/targets/aws/requests/channel.js';
import { resourceNames } from '../../src/targets/aws/requests/names.js';
import { checkRequest, loadServiceModel } from '../helpers/aws-model.js';

const argAfter = (args: string[], flag: string): string[] => args.flatMap((a, i) => (a === flag ? [args[i + 1]!] : []));

describe('spec.latency', () => {
  it.each([
    [{}, 'standard'],
    [{ latency: 'standard' }, 'standard'],
    [{ latency: 'low' }, 'low'],
    [{ target: 'aws', sourceUrl: 'https://example.com/a.m3u8', latency: 'low' }, 'low'],
  ])('%j -> %s', (raw, latency) => {
    expect(validateSpec(raw).spec?.latency).toBe(latency);
  });

  it('refuses an unknown mode, naming both modes', () => {
    const { problems } = validateSpec({ latency: 'ultra' });
    expect(problems).toEqual([expect.objectContaining({ path: 'latency', message: 'unknown latency "ultra"', fix: expect.stringContaining('--latency low') })]);
  });
});

describe('ladder hls.latency', async () => {
  const written = JSON.parse(JSON.stringify(await loadProfile('HD-720p')));
  it('accepts "low" and "standard", refuses anything else', () => {
    expect(validateLadder({ ...written, hls: { ...written.hls, latency: 'low' } }).ladder?.hls.latency).toBe('low');
    expect(validateLadder({ ...written, hls: { ...written.hls, latency: 'standard' } }).problems).toEqual([]);
    expect(validateLadder({ ...written, hls: { ...written.hls, latency: 'fast' } }).problems.map((p) => p.path)).toEqual(['hls.latency']);
  });

  it.each([
    [undefined, undefined, 'standard'],
    ['standard', undefined, 'standard'],
    ['low', undefined, 'low'],
    [undefined, 'low', 'low'],
    ['standard', 'low', 'low'],
  ] as const)('spec %s + ladder %s -> %s', (spec, ladder, expected) => {
    expect(resolveLatency(spec, { hls: { ...written.hls, ...(ladder ? { latency: ladder } : {}) } })).toBe(expected);
  });
});

describe('applyLatency', () => {
  it('standard leaves the ladder as written', async () => {
    const ladder = await loadProfile('HD-720p');
    expect(applyLatency(ladder, 'standard')).toBe(ladder);
  });

  it('low: 1 s segments and 1 s GOPs on every rendition, 8 segments listed and 17 kept', async () => {
    const ladder = await loadProfile('HD-1080p');
    const low = applyLatency(ladder, 'low');
    expect(low.hls).toEqual({ segmentSeconds: 1, playlistSize: 8, keepSegments: 17, latency: 'low' });
    expect(low.renditions.map((r) => r.gopSeconds)).toEqual(ladder.renditions.map(() => 1));
    expect(low.renditions.map((r) => r.bitrate)).toEqual(ladder.renditions.map((r) => r.bitrate));
    // Still a ladder MediaLive and the validator accept.
    expect(validateLadder(JSON.parse(JSON.stringify(low))).problems).toEqual([]);
  });
});

describe('local target per mode', () => {
  const encoderArgs = async (mode: 'standard' | 'low') =>
    buildEncoderArgs({
      ladder: applyLatency(await loadProfile('HD-720p'), mode),
      input: { args: ['-i', 'in'], video: '0:v:0', audio: '0:a:0' },
      output: { kind: 'file', dir: '/tmp/out' },
    });

  it.each([
    ['standard', '4', '10'],
    ['low', '0.333333', '24'],
  ] as const)('%s: -hls_time %s, -hls_list_size %s (low: in parts, a keyframe opening each), GOPs of the mode in frames', async (mode, hlsTime, listSize) => {
    const args = await encoderArgs(mode);
    expect(argAfter(args, '-hls_time')).toEqual([hlsTime]);
    expect(argAfter(args, '-hls_list_size')).toEqual([listSize]);
    const ladder = await loadProfile('HD-720p');
    expect(ladder.renditions.map((_, i) => argAfter(args, `-g:v:${i}`)[0])).toEqual(
      mode === 'low' ? ladder.renditions.map((r) => String(Math.ceil(r.framerate / 3))) : ladder.renditions.map((r) => String(r.framerate * r.gopSeconds)),
    );
    expect(ladder.renditions.map((_, i) => argAfter(args, `-force_key_frames:v:${i}`)[0])).toEqual(
      ladder.renditions.map((r) => `expr:gte(t,n_forced*${mode === 'low' ? '0.333333' : r.gopSeconds})`),
    );
    // Low: x264 without lookahead, B-frames or frame threads (for every rendition); standard keeps the preset's.
    expect(argAfter(args, '-tune')).toEqual(mode === 'low' ? ['zerolatency'] : []);
  });

  it('the local edge caches playlists a quarter second in either mode, segments a day', () => {
    expect(ttlSecondsFor('playlist', 4)).toBe(0.25);
    expect(ttlSecondsFor('playlist', 1)).toBe(0.25);
    expect(ttlSecondsFor('segment', 1)).toBe(ttlSecondsFor('segment', 4));
  });
});

describe('AWS target per mode', () => {
  const medialive = loadServiceModel('medialive');
  const names = resourceNames('demo', 'us-east-1', '123456789012');

  it('CloudFront caches playlists 2 s standard, 1 s low (its smallest whole TTL above 0)', () => {
    expect(cacheTtls(4).playlists).toEqual({ min: 0, default: 2, max: 2 });
    expect(cacheTtls(1).playlists).toEqual({ min: 0, default: 1, max: 1 });
  });

  it.each(['standard', 'low'] as const)('%s: the channel request carries PDT on every segment and the mode\'s segments and GOPs, and conforms to the model', async (mode) => {
    const ladder = applyLatency(await loadProfile('HD-720p'), mode);
    const spec = validateSpec({ target: 'aws', sourceUrl: 'https://example.com/live/index.m3u8', latency: mode }).spec!;
    const request = buildCreateChannelRequest({
      names, ladder, spec, inputId: '1234567', inputAttachmentName: 'demo-input',
      roleArn: 'arn:aws:iam::123456789012:role/demo-medialive-us-east-1', destinationUrl: 's3ssl://demo-origin/stream/index', requestId: 'req-1',
    });
    expect(checkRequest(medialive, 'CreateChannel', request)).toEqual([]);
    const seconds = mode === 'low' ? 1 : 4;
    const group = request.EncoderSettings!.OutputGroups![0]!.OutputGroupSettings!.HlsGroupSettings!;
    expect(group).toMatchObject({
      ProgramDateTime: 'INCLUDE',
      ProgramDateTimeClock: 'SYSTEM_CLOCK',
      ProgramDateTimePeriod: seconds,
      SegmentLength: seconds,
      IndexNSegments: mode === 'low' ? 8 : 10,
    });
    expect(request.EncoderSettings!.VideoDescriptions!.map((v) => v.CodecSettings!.H264Settings!.GopSize)).toEqual(ladder.renditions.map(() => (mode === 'low' ? 1 : 2)));
  });
});

describe('describeLatencyCost', () => {
  it('says nothing in standard mode', async () => {
    expect(describeLatencyCost(await loadProfile('HD-720p'), 'aws')).toEqual([]);
  });

  it('low on aws: 4x the requests per viewer and MediaLive\'s PUTs, with their prices', async () => {
    const low = applyLatency(await loadProfile('HD-720p'), 'low');
    expect(describeLatencyCost(low, 'aws')).toEqual([
      'Latency low: 1 s segments and 1 s GOPs (the built-in ladders: 4 s), 8 segments per playlist; viewers about 4 s behind real time in the built-in player and 4.5-7 s in others, instead of 14-20 s (measured locally with whole segments, five players).',
      '  costs 4x the requests per viewer: 7200 playlist + segment requests a viewer-hour instead of 1800 (CloudFront: $0.0072 instead of $0.0018 a viewer-hour)',
      `  MediaLive's S3 PUTs: ${3600 * 3 * low.renditions.length} an hour instead of ${900 * 3 * low.renditions.length} ($${((3600 * 3 * low.renditions.length) / 1000 * 0.005).toFixed(4)}/h instead of $${((900 * 3 * low.renditions.length) / 1000 * 0.005).toFixed(4)}/h)`,
      '  and a keyframe every second takes 1-4 % of each bitrate from the picture (measured with x264 at a fixed quality).',
    ]);
  });

  it('low on local: parts, the request count without prices, and what a keyframe every part costs', async () => {
    const lines = describeLatencyCost(applyLatency(await loadProfile('HD-720p'), 'low'), 'local');
    expect(lines[0]).toMatch(/^Latency low: 1 s segments, each also listed as 3 parts of 0\.33 s \(LL-HLS\) with a keyframe each/);
    expect(lines[1]).toBe('  costs 4x the requests per viewer: 7200 playlist + segment requests a viewer-hour instead of 1800; a player that reads parts asks for the playlist and each part once a part (0.33 s; the origin holds each until it exists): 3x that');
    expect(lines[2]).toContain('a keyframe every part takes 0.02-0.2 dB PSNR');
    // Only the local encoder is ours to tune: x264's zerolatency is said there, not on AWS.
    expect(lines.at(-1)).toContain('-tune zerolatency');
    expect(lines).toHaveLength(4);
  });
});

describe('describeFfplayCommand', () => {
  const url = 'http://127.0.0.1:8080/live/index.m3u8';

  it('low on local: ffplay on the top rendition, two whole segments from the end, playing from where its probe ended', async () => {
    const low = applyLatency(await loadProfile('HD-720p'), 'low');
    expect(describeFfplayCommand(low, 'local', url)).toBe('ffplay -fflags nobuffer -live_start_index -2 http://127.0.0.1:8080/live/index_1280x720.m3u8');
    // The top by bitrate, wherever the ladder lists it.
    const reversed = { ...low, renditions: [...low.renditions].reverse() };
    expect(describeFfplayCommand(reversed, 'local', url)).toMatch(/index_1280x720\.m3u8$/);
  });

  it('offers nothing where it was not measured: standard mode, AWS, or no playback URL yet', async () => {
    const hd = await loadProfile('HD-720p');
    expect(describeFfplayCommand(hd, 'local', url)).toBeUndefined();
    expect(describeFfplayCommand(applyLatency(hd, 'low'), 'aws', url)).toBeUndefined();
    expect(describeFfplayCommand(applyLatency(hd, 'low'), 'local', undefined)).toBeUndefined();
  });
});

describe('status lines', () => {
  it('AWS says the delay is in the player, with the mode', async () => {
    const { describeAwsLatency } = await import('../../src/core/latency.js');
    expect(describeAwsLatency(applyLatency(await loadProfile('HD-720p'), 'low'))).toBe('low (1 s segments); each viewer\'s delay behind real time is shown in the player ("Behind real time")');
    expect(describeAwsLatency(await loadProfile('HD-720p'))).toBe('standard (4 s segments); each viewer\'s delay behind real time is shown in the player ("Behind real time")');
  });
});
