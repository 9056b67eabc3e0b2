/**
 * URL_PULL: ffmpeg reads an HLS source through the loopback source proxy (which adds basic auth when
 * --source-user is given, and tells whether the source answers). With no --source-url, the source is
 * the built-in demo: drawn by lavfi inside the decoder itself (test pattern, beeping tone, burned-in
 * UTC clock), as the synthetic device is. It used to be a live HLS stream of its own pulled through
 * the proxy, and that hop added 8-12 s to every viewer's delay (a 2 s segment to finish, the hls
 * demuxer's start one segment back, its playlist reloads): more than the whole low-latency path.
 */
import { MODERN_FFMPEG_CAPS, type FfmpegCaps } from '../encoder/ffmpeg-caps.js';
import type { Ingest, IngestOptions } from './types.js';
import { SINGLE_INPUT_STREAMS } from './types.js';
import { startSourceProxy } from './source-proxy.js';
import { startDeviceIngest } from './device-input.js';

export interface PullInputSettings {
  /** Segments back from the live edge to start at (hls demuxer; negative = from the end). */
  liveStartIndex: number;
}

/**
 * The decoder's input arguments. -reconnect* are ffmpeg 5.1 http protocol options (they apply to the
 * playlist connection; the hls demuxer only passes headers, user agent, cookies, rw_timeout and icy on to
 * its segment requests). -rw_timeout (µs) makes a stalled request fail instead of hanging, and
 * -m3u8_hold_counters (default 1000) makes a playlist that stopped growing end the input after ten reloads,
 * so the supervisor sees the source drop.
 * An older ffmpeg (the 2018 static build of @ffmpeg-installer/ffmpeg) stops at the first unknown one:
 * "Unrecognized option 'reconnect_on_network_error'." / "Error splitting the argument list: Option not found",
 * so each is left out when `caps` says it is missing. Without -m3u8_hold_counters a playlist that stops
 * growing is reloaded for ever; the supervisor then kills the decoder once no frame came for 15 s.
 */
export function buildPullInputArgs(url: string, s: PullInputSettings, caps: FfmpegCaps = MODERN_FFMPEG_CAPS): string[] {
  return [
    '-reconnect', '1', '-reconnect_streamed', '1',
    ...(caps.reconnectOnNetworkError ? ['-reconnect_on_network_error', '1'] : []),
    '-reconnect_delay_max', '5',
    '-rw_timeout', '10000000',
    '-live_start_index', String(s.liveStartIndex),
    ...(caps.m3u8HoldCounters ? ['-m3u8_hold_counters', '10'] : []),
    '-i', url,
  ];
}

export async function startUrlPullIngest(opts: IngestOptions): Promise<Ingest> {
  const log = opts.log ?? (() => {});
  const { spec } = opts;
  const sourceUrl = spec.sourceUrl;
  if (sourceUrl === undefined) {
    log('demo: built-in demo source, drawn by ffmpeg lavfi in the decoder (no HLS hop)');
    const demo = await startDeviceIngest({ ...opts, spec: { ...spec, deviceId: 'demo' } });
    return { ...demo, state: () => ({ ...demo.state(), source: DEMO_SOURCE }) };
  }
  const proxy = await startSourceProxy({
    sourceUrl,
    ...(spec.sourceUser !== undefined ? { user: spec.sourceUser, password: opts.secrets.sourcePassword ?? '' } : {}),
    log,
  });
  // A remote source keeps three segments of safety, the hls demuxer's default.
  const settings: PullInputSettings = { liveStartIndex: -3 };
  return {
    inputArgs: () => buildPullInputArgs(proxy.url, settings, opts.caps),
    streams: SINGLE_INPUT_STREAMS,
    state: () => {
      const health = proxy.health();
      return {
        connected: health.ok,
        refused: 0,
        bytesIn: proxy.bytesIn(),
        ...(health.unauthorized ? { unauthorized: true } : {}),
        ...(health.lastError ? { lastError: health.lastError } : {}),
      };
    },
    close: () => proxy.close(),
  };
}

/** What status says the demo is (it has no compressed bitrate: its pictures are drawn in the decoder). */
export const DEMO_SOURCE = 'built-in demo drawn in the decoder (no HLS hop: adds no delay)';
