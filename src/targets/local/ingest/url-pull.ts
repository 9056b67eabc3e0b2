/**
 * URL_PULL: ffmpeg reads an HLS source through the loopback source proxy (which adds basic auth when
 * --source-user is given, and tells whether the source answers). With no --source-url, the source is
 * the built-in demo stream, served by the stack itself and read the same way.
 */
import { MODERN_FFMPEG_CAPS, type FfmpegCaps } from '../encoder/ffmpeg-caps.js';
import type { Ingest, IngestOptions } from './types.js';
import { SINGLE_INPUT_STREAMS } from './types.js';
import { startSourceProxy } from './source-proxy.js';
import { startDemoSource, type DemoSource } from './demo-source.js';

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
  let demo: DemoSource | undefined;
  let sourceUrl = spec.sourceUrl;
  if (sourceUrl === undefined) {
    demo = await startDemoSource({ ffmpegPath: opts.ffmpegPath, workDir: opts.workDir, log, now: opts.now ?? Date.now });
    sourceUrl = demo.url;
    log(`demo: built-in demo source at ${sourceUrl}`);
  }
  const proxy = await startSourceProxy({
    sourceUrl,
    ...(spec.sourceUser !== undefined ? { user: spec.sourceUser, password: opts.secrets.sourcePassword ?? '' } : {}),
    log,
  }).catch(async (err: unknown) => {
    await demo?.close();
    throw err;
  });
  // The demo is local and steady: start at its newest segment for the lowest latency. A remote
  // source keeps three segments of safety, the hls demuxer's default.
  const settings: PullInputSettings = { liveStartIndex: demo ? -1 : -3 };
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
    close: async () => {
      await proxy.close();
      await demo?.close();
    },
  };
}
