import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  buildDecoderArgs,
  buildEncoderArgs,
  buildFilterGraph,
  buildRawInputArgs,
  buildSlateArgs,
  selectRawFormat,
} from '../../../../src/targets/local/encoder/ffmpeg-args.js';
import { parseFfmpegCaps } from '../../../../src/targets/local/encoder/ffmpeg-caps.js';
import { planParts } from '../../../../src/targets/local/encoder/parts.js';
import { applyLatency } from '../../../../src/core/latency.js';
import { TEST_LADDER } from './test-ladder.js';

const RAW = { width: 320, height: 180, fps: 30, sampleRate: 48000, channels: 2 };

describe('selectRawFormat', () => {
  it('takes the top resolution and the highest frame rate', () => {
    expect(selectRawFormat(TEST_LADDER)).toEqual(RAW);
  });
});

describe('buildRawInputArgs', () => {
  it('reads timestamped video from stdin, keeping its gaps, and raw audio from fd 3, without probing', () => {
    expect(buildRawInputArgs(RAW)).toEqual([
      '-vsync', 'vfr',
      '-probesize', '32', '-analyzeduration', '0', '-f', 'matroska', '-thread_queue_size', '1', '-i', 'pipe:0',
      '-probesize', '32', '-analyzeduration', '0', '-f', 's16le', '-ar', '48000', '-ac', '2',
      '-thread_queue_size', '1024', '-i', 'pipe:3',
    ]);
  });
});

describe('buildFilterGraph', () => {
  it('without a cascade, splits one decode into a frame rate and scale chain per rendition with the ladder scaler', () => {
    expect(buildFilterGraph(TEST_LADDER, '0:v:0', undefined, { cascade: false })).toBe(
      '[0:v:0]split=2[s0][s1];[s0]fps=30,scale=320:180:flags=bilinear[v0];[s1]fps=15,scale=256:144:flags=bilinear[v1]',
    );
  });
  it('leaves out the fps filter where the input already runs at the rendition rate', () => {
    expect(buildFilterGraph(TEST_LADDER, '0:v:0', 30, { cascade: false })).toBe(
      '[0:v:0]split=2[s0][s1];[s0]scale=320:180:flags=bilinear[v0];[s1]fps=15,scale=256:144:flags=bilinear[v1]',
    );
  });
  it('uses another scaler when asked (the calibration tries them)', () => {
    expect(buildFilterGraph(TEST_LADDER, '0:v:0', 30, { scaler: 'lanczos' })).toBe(
      '[0:v:0]split=1[s0];[s0]scale=320:180:flags=lanczos,split=2[v0][s1];[s1]fps=15,scale=256:144:flags=lanczos[v1]',
    );
  });
  it('by default scales in a cascade: each rendition from the next larger one, at a frame rate at least its own', () => {
    const three = { ...TEST_LADDER, renditions: [...TEST_LADDER.renditions, { ...TEST_LADDER.renditions[1]!, width: 192, height: 108 }] };
    expect(buildFilterGraph(three, '0:v:0', 30)).toBe(
      '[0:v:0]split=1[s0];[s0]scale=320:180:flags=bilinear,split=2[v0][s1];' +
      '[s1]fps=15,scale=256:144:flags=bilinear,split=2[v1][s2];[s2]scale=192:108:flags=bilinear[v2]',
    );
    // A rendition at a higher rate than the one above it cannot be made from it: it comes from the input.
    const faster = { ...TEST_LADDER, renditions: [TEST_LADDER.renditions[1]!, { ...TEST_LADDER.renditions[0]!, width: 192, height: 108 }] };
    expect(buildFilterGraph(faster, '0:v:0', 30, { cascade: true })).toBe(
      '[0:v:0]split=2[s0][s1];[s0]fps=15,scale=256:144:flags=bilinear[v0];[s1]scale=192:108:flags=bilinear[v1]',
    );
  });
});

const LADDER_ARGS = [
  '-filter_complex', '[0:v:0]split=1[s0];[s0]fps=30,scale=320:180:flags=bilinear,split=2[v0][s1];[s1]fps=15,scale=256:144:flags=bilinear[v1]',
  '-map', '[v0]', '-map', '[v1]', '-map', '1:a:0', '-map', '1:a:0',
  '-c:v', 'libx264', '-preset', 'ultrafast', '-sc_threshold', '0', '-pix_fmt', 'yuv420p',
  '-profile:v:0', 'baseline', '-level:v:0', '1.3', '-b:v:0', '300000', '-maxrate:v:0', '330000', '-bufsize:v:0', '82500',
  '-g:v:0', '60', '-keyint_min:v:0', '60', '-force_key_frames:v:0', 'expr:gte(t,n_forced*2)',
  '-profile:v:1', 'main', '-level:v:1', '3', '-b:v:1', '150000', '-maxrate:v:1', '150000', '-bufsize:v:1', '37500',
  '-g:v:1', '30', '-keyint_min:v:1', '30', '-force_key_frames:v:1', 'expr:gte(t,n_forced*2)',
  '-c:a', 'aac', '-b:a', '64000', '-ar', '48000', '-ac', '2',
  '-f', 'hls', '-hls_time', '2', '-hls_list_size', '4', '-hls_delete_threshold', '2',
];

describe('buildEncoderArgs', () => {
  it('encodes the whole ladder in one process and PUTs HLS to the origin, with no header: no secret on the command line (the relay adds the token)', () => {
    const args = buildEncoderArgs({
      ladder: TEST_LADDER,
      input: { args: ['-i', 'pipe:0', '-i', 'pipe:3'], video: '0:v:0', audio: '1:a:0' },
      output: { kind: 'http', originUrl: 'http://127.0.0.1:8080/' },
      inputFps: 30,
    });
    expect(args).toEqual([
      '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'info', '-progress', 'pipe:1',
      '-i', 'pipe:0', '-i', 'pipe:3',
      ...LADDER_ARGS.map((a) => a.replace('[s0]fps=30,', '[s0]')),
      '-hls_flags', 'delete_segments+independent_segments+program_date_time',
      '-hls_segment_type', 'mpegts', '-start_number', '1',
      '-var_stream_map', 'v:0,a:0,name:_320x180 v:1,a:1,name:_256x144',
      '-method', 'PUT', '-http_persistent', '1', '-ignore_io_errors', '1',
      '-hls_segment_filename', 'http://127.0.0.1:8080/stream/index%v_%05d.ts', 'http://127.0.0.1:8080/stream/index%v.m3u8',
    ]);
  });

  it('after a crash continues the segment numbers', () => {
    const args = buildEncoderArgs({
      ladder: TEST_LADDER,
      input: { args: [], video: '0:v:0', audio: '1:a:0' },
      output: { kind: 'http', originUrl: 'http://o' },
      startNumber: 42,
    });
    expect(args.slice(args.indexOf('-hls_flags'), args.indexOf('-var_stream_map'))).toEqual([
      '-hls_flags', 'delete_segments+independent_segments+program_date_time',
      '-hls_segment_type', 'mpegts', '-start_number', '42',
    ]);
  });

  it('writes to a folder, with no HTTP options, for the benchmark', () => {
    const args = buildEncoderArgs({
      ladder: TEST_LADDER,
      input: { args: ['-i', 'src.ts'], video: '0:v:0', audio: '0:a:0' },
      output: { kind: 'file', dir: '/tmp/out/' },
      progress: 'pipe:2',
    });
    expect(args).toEqual([
      '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'info', '-progress', 'pipe:2',
      '-i', 'src.ts',
      ...LADDER_ARGS.map((a) => (a === '1:a:0' ? '0:a:0' : a)),
      '-hls_flags', 'delete_segments+independent_segments+program_date_time',
      '-hls_segment_type', 'mpegts', '-start_number', '1',
      '-var_stream_map', 'v:0,a:0,name:_320x180 v:1,a:1,name:_256x144',
      '-hls_segment_filename', '/tmp/out/index%v_%05d.ts', '/tmp/out/index%v.m3u8',
    ]);
  });

  it('sends the media playlists to the playlist writer when given one, the segments to the origin', () => {
    const args = buildEncoderArgs({
      ladder: TEST_LADDER,
      input: { args: [], video: '0:v:0', audio: '1:a:0' },
      output: { kind: 'http', originUrl: 'http://o' },
      playlistBase: 'http://127.0.0.1:9001/key/3/stream/',
    });
    expect(args.slice(-3)).toEqual(['-hls_segment_filename', 'http://o/stream/index%v_%05d.ts', 'http://127.0.0.1:9001/key/3/stream/index%v.m3u8']);
    const old = buildEncoderArgs({
      ladder: TEST_LADDER,
      input: { args: [], video: '0:v:0', audio: '1:a:0' },
      output: { kind: 'http', originUrl: 'http://o' },
      playlistBase: 'http://127.0.0.1:9001/key/3/stream',
      caps: NPM_CAPS,
    });
    expect(old.filter((a, i) => old[i - 1] === '-hls_segment_filename' || a.endsWith('.m3u8'))).toEqual([
      'http://o/stream/index_320x180_%05d.ts', 'http://127.0.0.1:9001/key/3/stream/index_320x180.m3u8',
      'http://o/stream/index_256x144_%05d.ts', 'http://127.0.0.1:9001/key/3/stream/index_256x144.m3u8',
    ]);
  });

  it('keeps at least one old segment when keepSegments equals playlistSize (ffmpeg minimum)', () => {
    const ladder = { ...TEST_LADDER, hls: { segmentSeconds: 2, playlistSize: 4, keepSegments: 4 } };
    const args = buildEncoderArgs({ ladder, input: { args: [], video: '0:v', audio: '0:a' }, output: { kind: 'file', dir: 'd' } });
    expect(args[args.indexOf('-hls_delete_threshold') + 1]).toBe('1');
  });

  it('in low mode writes parts: a keyframe and a cut every third of a second, listed and kept three times as many files', () => {
    const ladder = applyLatency(TEST_LADDER, 'low');
    const args = buildEncoderArgs({ ladder, input: { args: [], video: '0:v', audio: '0:a' }, output: { kind: 'file', dir: 'd' } });
    const value = (flag: string) => args[args.indexOf(flag) + 1];
    expect(value('-hls_time')).toBe('0.333333');
    // Cut at keyframes as segments are (not split_by_time: its clock is not the encoder's).
    expect(value('-hls_flags')).toBe('delete_segments+independent_segments+program_date_time');
    expect(value('-hls_list_size')).toBe(String(8 * 3));
    expect(value('-hls_delete_threshold')).toBe(String((17 - 8) * 3));
    // A keyframe opens every part (the browser players drop a part without one): forced at each cut, the GOP at most a part.
    expect(value('-g:v:0')).toBe('10');
    expect(value('-force_key_frames:v:0')).toBe('expr:gte(t,n_forced*0.333333)');
    expect(value('-g:v:1')).toBe('5'); // the 15 fps rendition
    const standard = buildEncoderArgs({ ladder: TEST_LADDER, input: { args: [], video: '0:v', audio: '0:a' }, output: { kind: 'file', dir: 'd' } });
    expect(standard[standard.indexOf('-force_key_frames:v:0') + 1]).toBe('expr:gte(t,n_forced*2)');
  });
});

describe('planParts', () => {
  it('promises a part target of the longest part any rendition writes, in whole frames, and a hold back of five', () => {
    expect(planParts(TEST_LADDER)).toBeUndefined(); // standard: whole segments only
    expect(planParts(applyLatency(TEST_LADDER, 'low'))).toEqual({ perSegment: 3, cutSeconds: 1 / 3, targetSeconds: 0.333334, holdBackSeconds: 1.66667 });
    const at25 = applyLatency({ ...TEST_LADDER, renditions: [{ ...TEST_LADDER.renditions[0]!, framerate: 25 }, TEST_LADDER.renditions[1]!] }, 'low');
    expect(planParts(at25)).toMatchObject({ targetSeconds: 0.36, holdBackSeconds: 1.8 });
  });
});

/** The 2018 static build of @ffmpeg-installer/ffmpeg, as its own help text describes it. */
const NPM_CAPS = parseFfmpegCaps(readFileSync(new URL('../../../fixtures/ffmpeg/help-full-npm-4.1-static.txt', import.meta.url), 'utf8'));

describe('buildEncoderArgs for an old ffmpeg (no var_stream_map name:, no hls -headers)', () => {
  const common = ['-c:a', 'aac', '-b:a', '64000', '-ar', '48000', '-ac', '2', '-f', 'hls', '-hls_time', '2', '-hls_list_size', '4', '-hls_delete_threshold', '2'];
  const flags = ['-hls_flags', 'delete_segments+independent_segments+program_date_time', '-hls_segment_type', 'mpegts', '-start_number', '1'];
  const video0 = [
    '-c:v', 'libx264', '-preset', 'ultrafast', '-sc_threshold', '0', '-pix_fmt', 'yuv420p',
    '-profile:v', 'baseline', '-level:v', '1.3', '-b:v', '300000', '-maxrate:v', '330000', '-bufsize:v', '82500',
    '-g:v', '60', '-keyint_min:v', '60', '-force_key_frames:v', 'expr:gte(t,n_forced*2)',
  ];
  const video1 = [
    '-c:v', 'libx264', '-preset', 'ultrafast', '-sc_threshold', '0', '-pix_fmt', 'yuv420p',
    '-profile:v', 'main', '-level:v', '3', '-b:v', '150000', '-maxrate:v', '150000', '-bufsize:v', '37500',
    '-g:v', '30', '-keyint_min:v', '30', '-force_key_frames:v', 'expr:gte(t,n_forced*2)',
  ];

  it('makes one HLS output per rendition with the usual file names, and PUTs without a header', () => {
    const args = buildEncoderArgs({
      ladder: TEST_LADDER,
      input: { args: ['-i', 'pipe:0', '-i', 'pipe:3'], video: '0:v:0', audio: '1:a:0' },
      output: { kind: 'http', originUrl: 'http://127.0.0.1:9000/relaykey/' },
      inputFps: 30,
      caps: NPM_CAPS,
    });
    const http = ['-method', 'PUT', '-http_persistent', '1', '-ignore_io_errors', '1'];
    expect(args).toEqual([
      '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'info', '-progress', 'pipe:1',
      '-i', 'pipe:0', '-i', 'pipe:3',
      '-filter_complex', '[0:v:0]split=1[s0];[s0]scale=320:180:flags=bilinear,split=2[v0][s1];[s1]fps=15,scale=256:144:flags=bilinear[v1]',
      '-map', '[v0]', '-map', '1:a:0', ...video0, ...common, ...flags, ...http,
      '-hls_segment_filename', 'http://127.0.0.1:9000/relaykey/stream/index_320x180_%05d.ts', 'http://127.0.0.1:9000/relaykey/stream/index_320x180.m3u8',
      '-map', '[v1]', '-map', '1:a:0', ...video1, ...common, ...flags, ...http,
      '-hls_segment_filename', 'http://127.0.0.1:9000/relaykey/stream/index_256x144_%05d.ts', 'http://127.0.0.1:9000/relaykey/stream/index_256x144.m3u8',
    ]);
  });

  it('continues numbering in every output, and leaves out the options ffmpeg lacks', () => {
    const args = buildEncoderArgs({
      ladder: TEST_LADDER,
      input: { args: ['-i', 'src.ts'], video: '0:v:0', audio: '0:a:0' },
      output: { kind: 'file', dir: '/tmp/out' },
      startNumber: 7,
      caps: { ...NPM_CAPS, hlsDeleteThreshold: false, ignoreIoErrors: false },
    });
    const hls = [
      '-c:a', 'aac', '-b:a', '64000', '-ar', '48000', '-ac', '2', '-f', 'hls', '-hls_time', '2', '-hls_list_size', '4',
      '-hls_flags', 'delete_segments+independent_segments+program_date_time', '-hls_segment_type', 'mpegts', '-start_number', '7',
    ];
    expect(args).toEqual([
      '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'info', '-progress', 'pipe:1',
      '-i', 'src.ts',
      '-filter_complex', '[0:v:0]split=1[s0];[s0]fps=30,scale=320:180:flags=bilinear,split=2[v0][s1];[s1]fps=15,scale=256:144:flags=bilinear[v1]',
      '-map', '[v0]', '-map', '0:a:0', ...video0, ...hls, '-hls_segment_filename', '/tmp/out/index_320x180_%05d.ts', '/tmp/out/index_320x180.m3u8',
      '-map', '[v1]', '-map', '0:a:0', ...video1, ...hls, '-hls_segment_filename', '/tmp/out/index_256x144_%05d.ts', '/tmp/out/index_256x144.m3u8',
    ]);
  });

  it('with names but no hls -headers keeps the variant map', () => {
    const args = buildEncoderArgs({
      ladder: TEST_LADDER,
      input: { args: [], video: '0:v:0', audio: '1:a:0' },
      output: { kind: 'http', originUrl: 'http://o' },
      caps: { ...NPM_CAPS, varStreamMapNames: true },
    });
    expect(args.slice(args.indexOf('-var_stream_map'))).toEqual([
      '-var_stream_map', 'v:0,a:0,name:_320x180 v:1,a:1,name:_256x144',
      '-method', 'PUT', '-http_persistent', '1', '-ignore_io_errors', '1',
      '-hls_segment_filename', 'http://o/stream/index%v_%05d.ts', 'http://o/stream/index%v.m3u8',
    ]);
  });
});

describe('buildDecoderArgs', () => {
  const input = ['-re', '-f', 'lavfi', '-i', 'testsrc2', '-f', 'lavfi', '-i', 'sine'];
  it('turns any source into raw frames on pipe:1 and PCM on pipe:3', () => {
    expect(buildDecoderArgs(input, RAW, 'bilinear', true)).toEqual([
      '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'warning', ...input,
      '-an', '-sn', '-dn',
      '-vf', 'fps=30,scale=320:180:flags=bilinear:force_original_aspect_ratio=decrease,pad=320:180:(ow-iw)/2:(oh-ih)/2,setsar=1,format=yuv420p',
      '-f', 'rawvideo', 'pipe:1',
      '-vn', '-sn', '-dn', '-af', 'aresample=async=1000', '-ar', '48000', '-ac', '2', '-f', 's16le', 'pipe:3',
    ]);
  });
  it('maps the streams the ingest names (a capture device has its sound as a second input)', () => {
    const args = buildDecoderArgs(['-f', 'v4l2', '-i', '/dev/video0', '-f', 'alsa', '-i', 'hw:1'], RAW, 'bilinear', true, { video: '0:v:0', audio: '1:a:0' });
    expect(args.filter((a, i) => a === '-map' || args[i - 1] === '-map')).toEqual(['-map', '0:v:0', '-map', '1:a:0']);
    expect(args).not.toContain('-an');
    expect(args).not.toContain('-vn');
  });
  it('leaves out the audio output for a source without sound', () => {
    expect(buildDecoderArgs(input, RAW, 'bicubic', false)).toEqual([
      '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'warning', ...input,
      '-an', '-sn', '-dn',
      '-vf', 'fps=30,scale=320:180:flags=bicubic:force_original_aspect_ratio=decrease,pad=320:180:(ow-iw)/2:(oh-ih)/2,setsar=1,format=yuv420p',
      '-f', 'rawvideo', 'pipe:1',
    ]);
  });
});

describe('buildSlateArgs', () => {
  it('renders one frame with the text, stripping characters drawtext would interpret', () => {
    expect(buildSlateArgs(RAW, "Source lost: it's gone", true)).toEqual([
      '-hide_banner', '-nostdin', '-loglevel', 'error', '-f', 'lavfi',
      '-i', "color=c=0x1e2a38:s=320x180:d=1,drawtext=text='Source lost its gone':fontcolor=white:fontsize=12:x=(w-tw)/2:y=(h-th)/2",
      '-frames:v', '1', '-pix_fmt', 'yuv420p', '-f', 'rawvideo', 'pipe:1',
    ]);
  });
  it('falls back to colour bars without drawtext', () => {
    expect(buildSlateArgs(RAW, 'x', false)).toEqual([
      '-hide_banner', '-nostdin', '-loglevel', 'error', '-f', 'lavfi', '-i', 'smptebars=s=320x180:d=1',
      '-frames:v', '1', '-pix_fmt', 'yuv420p', '-f', 'rawvideo', 'pipe:1',
    ]);
  });
});
