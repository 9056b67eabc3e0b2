import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MODERN_FFMPEG_CAPS, parseFfmpegCaps } from '../../../../src/targets/local/encoder/ffmpeg-caps.js';
import { buildRtmpInputArgs } from '../../../../src/targets/local/ingest/rtmp-push.js';
import { buildRtpInputArgs } from '../../../../src/targets/local/ingest/rtp-push.js';
import { buildPullInputArgs } from '../../../../src/targets/local/ingest/url-pull.js';
import { buildClockFilter, chooseFont, clockOffsetSeconds } from '../../../../src/targets/local/ingest/clock.js';
import { buildDeviceInputArgs, chooseDeviceStreams, parseDeviceId } from '../../../../src/targets/local/ingest/device-input.js';
import { RefusalTracker } from '../../../../src/targets/local/ingest/refusals.js';
import { LivestreamError } from '../../../../src/core/errors.js';

const FONT = '/fonts/Sans.ttf';
// 2026-11-25T12:34:56.789Z
const START = Date.UTC(2026, 10, 25, 12, 34, 56, 789);

describe('decoder input arguments', () => {
  it('RTMP: ffmpeg as a one-shot RTMP server on the internal port, MediaLive stream name', () => {
    expect(buildRtmpInputArgs(40123, 'show')).toEqual(['-listen', '1', '-i', 'rtmp://127.0.0.1:40123/show/stream']);
  });

  it('RTP: rtp:// input with a read timeout in microseconds', () => {
    expect(buildRtpInputArgs(40124)).toEqual(['-buffer_size', '8388608', '-i', 'rtp://127.0.0.1:40124?timeout=5000000&localaddr=127.0.0.1']);
  });

  it('URL_PULL: reconnect options, rw timeout, live start index and hold counters', () => {
    expect(buildPullInputArgs('http://127.0.0.1:9/live/index.m3u8', { liveStartIndex: -3 })).toEqual([
      '-reconnect', '1', '-reconnect_streamed', '1', '-reconnect_on_network_error', '1', '-reconnect_delay_max', '5',
      '-rw_timeout', '10000000', '-live_start_index', '-3', '-m3u8_hold_counters', '10',
      '-i', 'http://127.0.0.1:9/live/index.m3u8',
    ]);
  });

  it('URL_PULL with an old ffmpeg (2018 static build): leaves out the options it does not know', () => {
    const caps = parseFfmpegCaps(readFileSync(new URL('../../../fixtures/ffmpeg/help-full-npm-4.1-static.txt', import.meta.url), 'utf8'));
    expect(buildPullInputArgs('http://127.0.0.1:9/live/index.m3u8', { liveStartIndex: -1 }, caps)).toEqual([
      '-reconnect', '1', '-reconnect_streamed', '1', '-reconnect_delay_max', '5',
      '-rw_timeout', '10000000', '-live_start_index', '-1',
      '-i', 'http://127.0.0.1:9/live/index.m3u8',
    ]);
  });

  it('URL_PULL: each missing option is left out on its own', () => {
    const url = 'http://127.0.0.1:9/i.m3u8';
    const noHold = buildPullInputArgs(url, { liveStartIndex: -3 }, { ...MODERN_FFMPEG_CAPS, m3u8HoldCounters: false });
    expect(noHold).toContain('-reconnect_on_network_error');
    expect(noHold).not.toContain('-m3u8_hold_counters');
    const noReconnect = buildPullInputArgs(url, { liveStartIndex: -3 }, { ...MODERN_FFMPEG_CAPS, reconnectOnNetworkError: false });
    expect(noReconnect).toContain('-m3u8_hold_counters');
    expect(noReconnect).not.toContain('-reconnect_on_network_error');
  });
});

describe('burned-in clock', () => {
  it.each([
    [START, '45296.789'],
    [Date.UTC(2026, 0, 1, 0, 0, 0, 5), '0.005'],
    [Date.UTC(2026, 0, 1, 23, 59, 59, 999), '86399.999'],
  ])('offset of %d is %s s after UTC midnight', (ms, expected) => {
    expect(clockOffsetSeconds(ms)).toBe(expected);
  });

  it('drawtext escapes the colons of %{pts:hms:offset}', () => {
    expect(buildClockFilter(FONT, START, 60)).toBe(
      "drawtext=fontfile='/fonts/Sans.ttf':text='UTC %{pts\\:hms\\:45296.789}':x=(w-text_w)/2:y=h/12:fontsize=60:fontcolor=white:box=1:boxcolor=black@0.6:boxborderw=12",
    );
  });

  it('picks the first font that exists, or none', () => {
    expect(chooseFont((p) => p === '/b', ['/a', '/b', '/c'])).toBe('/b');
    expect(chooseFont(() => false, ['/a'])).toBeUndefined();
  });
});

describe('device ids', () => {
  it.each([
    ['demo', { kind: 'demo' }],
    ['/dev/video0', { kind: 'v4l2', video: '/dev/video0' }],
    ['/dev/video2+hw:1', { kind: 'v4l2', video: '/dev/video2', audio: 'hw:1' }],
    ['/dev/video2+hw:1,0', { kind: 'v4l2', video: '/dev/video2', audio: 'hw:1,0' }],
    ['/dev/v4l/by-id/usb-cam-video-index0+plughw:CARD=USB,DEV=0', { kind: 'v4l2', video: '/dev/v4l/by-id/usb-cam-video-index0', audio: 'plughw:CARD=USB,DEV=0' }],
  ])('%s', (id, expected) => {
    expect(parseDeviceId(id)).toEqual(expected);
  });

  it.each(['', 'video0', 'hd-1234567890abcdef', '/dev/video0+', '/dev/video0+hw:1+hw:2', '/dev/video0+hw 1'])('rejects %j with SPEC_INVALID', (id) => {
    let error: unknown;
    try {
      parseDeviceId(id);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(LivestreamError);
    expect((error as LivestreamError).code).toBe('SPEC_INVALID');
  });

  const settings = { startMs: START, width: 640, height: 360, fps: 25 };

  it('demo: one lavfi input with video (clock burned in) and stereo audio', () => {
    expect(buildDeviceInputArgs({ kind: 'demo' }, { ...settings, fontFile: FONT })).toEqual([
      '-re', '-f', 'lavfi', '-i',
      `testsrc2=size=640x360:rate=25,${buildClockFilter(FONT, START, 30)}[out0];sine=frequency=440:beep_factor=4:sample_rate=48000,aformat=channel_layouts=stereo[out1]`,
    ]);
    expect(chooseDeviceStreams({ kind: 'demo' })).toEqual({ video: '0:v:0', audio: '0:a:0' });
  });

  it('V4L2 + ALSA', () => {
    expect(buildDeviceInputArgs({ kind: 'v4l2', video: '/dev/video0', audio: 'hw:1' }, settings)).toEqual([
      '-f', 'v4l2', '-thread_queue_size', '1024', '-i', '/dev/video0',
      '-f', 'alsa', '-thread_queue_size', '1024', '-i', 'hw:1',
    ]);
  });

  it('V4L2 alone gets silence as its audio input', () => {
    expect(buildDeviceInputArgs({ kind: 'v4l2', video: '/dev/video0' }, settings)).toEqual([
      '-f', 'v4l2', '-thread_queue_size', '1024', '-i', '/dev/video0',
      '-f', 'lavfi', '-i', 'anullsrc=channel_layout=stereo:sample_rate=48000',
    ]);
    expect(chooseDeviceStreams({ kind: 'v4l2', video: '/dev/video0' })).toEqual({ video: '0:v:0', audio: '1:a:0' });
  });
});

describe('RefusalTracker', () => {
  it('counts every refusal, logs an address once per window', () => {
    const t = new RefusalTracker(60_000);
    expect(t.record('::ffff:10.0.0.1', 0)).toBe(true);
    expect(t.record('10.0.0.1', 1_000)).toBe(false);
    expect(t.record('10.0.0.2', 2_000)).toBe(true);
    expect(t.record('10.0.0.1', 61_000)).toBe(true);
    expect(t.count).toBe(4);
    expect(t.last).toEqual({ address: '10.0.0.1', time: new Date(61_000).toISOString() });
  });
});
