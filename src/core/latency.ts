/**
 * Latency modes: how far behind real life a viewer is. Pure: a ladder and a mode in, a ladder out.
 *
 * `standard` is the ladder as written (the reference's 4 s segments, 2 s GOPs: 12-30 s glass to
 * glass, as HLS usually is). `low` is AWS's MediaLive low-latency recipe for HLS: 1 s segments and
 * 1 s GOPs ("Reducing latency in HLS outputs", MediaLive User Guide: segment length 1, GOP size 1 s,
 * a short playlist), and x264 handing out each frame as soon as it is coded (-tune zerolatency);
 * players still sit three segments behind the newest (player/live-sync.js), now 3 s. The playlist then changes every second:
 * the local edge keeps playlists a quarter of a second in either mode (PLAYLIST_TTL_SECONDS), CloudFront for its smallest
 * whole TTL, 1 s (cacheTtls, cloudfront.ts).
 */
import { renditionName, type Ladder } from './ladder.js';

export const LATENCY_MODES = ['standard', 'low'] as const;
export type LatencyMode = (typeof LATENCY_MODES)[number];

/** The low-latency HLS settings: 1 s segments, 8 listed (an 8 s window), as many again kept for late readers. */
export const LOW_LATENCY_HLS = { segmentSeconds: 1, gopSeconds: 1, playlistSize: 8, keepSegments: 17 } as const;

/**
 * Low mode on the local target also lists each segment's parts as they are written (LL-HLS partial
 * segments, RFC 8216bis 4.4.4.9): three a segment, a third of a second each, so a player that reads
 * parts starts about a second from the newest picture instead of three segments
 * (src/targets/local/encoder/parts.ts). The AWS target keeps whole segments (MediaLive writes no parts).
 */
export const LOW_LATENCY_PARTS_PER_SEGMENT = 3;

/**
 * The mode the stack runs in: the spec's `--latency`, or the ladder's `hls.latency` when the ladder
 * asks for low (a ladder written for low latency keeps it whatever the default).
 */
export function resolveLatency(specLatency: LatencyMode | undefined, ladder: Pick<Ladder, 'hls'>): LatencyMode {
  if (specLatency === 'low' || ladder.hls.latency === 'low') return 'low';
  return 'standard';
}

/** The ladder as the mode encodes it: `low` shortens segments and GOPs to 1 s and the playlist to 8 segments. */
export function applyLatency(ladder: Ladder, mode: LatencyMode): Ladder {
  if (mode === 'standard') return ladder;
  const { gopSeconds, ...hls } = LOW_LATENCY_HLS;
  return {
    ...ladder,
    renditions: ladder.renditions.map((r) => ({ ...r, gopSeconds })),
    hls: { ...ladder.hls, ...hls, latency: 'low' },
  };
}

/** The mode as status names it: "low (1 s segments)". */
export function describeLatencyMode(mode: LatencyMode, segmentSeconds: number): string {
  return `${mode} (${segmentSeconds} s segments)`;
}

/** AWS's status line: the delay is measured in each viewer's player (nothing reports it back to us). */
export function describeAwsLatency(ladder: Pick<Ladder, 'hls'>): string {
  return `${describeLatencyMode(ladder.hls.latency ?? 'standard', ladder.hls.segmentSeconds)}; each viewer's delay behind real time is shown in the player ("Behind real time")`;
}

/**
 * How to watch a low-mode local stack in ffplay. ffmpeg's HLS demuxer reads whole segments (no
 * parts) and starts three from the playlist's end (`live_start_index` -3); it reads EXT-X-START only
 * when told to (`-prefer_x_start`), so nothing the playlist says brings it nearer: with 1 s segments
 * it sits 5-6 s behind. Started two from the end it sits nearer (README, Performance: bench:latency
 * plays ffplay with these options). RFC 8216 asks a player reading whole segments to start three
 * target durations from the end, so two is offered as a command to copy, not made anyone's default.
 * `-fflags nobuffer` plays from where ffplay's probe of the streams ended instead of everything the
 * probe read (4 s further behind).
 */
const FFPLAY_LOW_LATENCY_OPTIONS = ['-fflags', 'nobuffer', '-live_start_index', '-2'];

/**
 * The ffplay command `up` prints for a low-mode local stack (undefined where it was not measured),
 * on the top rendition's media playlist: ffplay does not switch renditions (it plays the best it
 * finds), and given the multivariant playlist ffmpeg first opens and probes every rendition, which
 * took 1.1-1.9 s before the first picture against 0.6-0.9 s for the one playlist (load 2.5), every
 * second of it a second further behind for the whole event.
 */
export function describeFfplayCommand(ladder: Pick<Ladder, 'hls' | 'renditions'>, target: 'local' | 'aws', playbackUrl: string | undefined): string | undefined {
  if (target !== 'local' || ladder.hls.latency !== 'low' || !playbackUrl) return undefined;
  const top = ladder.renditions.reduce((best, r) => (r.bitrate > best.bitrate ? r : best));
  return ['ffplay', ...FFPLAY_LOW_LATENCY_OPTIONS, new URL(`index${renditionName(top)}.m3u8`, playbackUrl).href].join(' ');
}

/** The built-in ladders' segment length: what low mode is compared with. */
export const STANDARD_SEGMENT_SECONDS = 4;

/** Published list prices the cost lines use (us-east-1, as src/targets/aws/requests/pricing.ts lists them). */
const CLOUDFRONT_USD_PER_10K_HTTPS = 0.01;
const S3_USD_PER_1K_PUT = 0.005;

/**
 * What low latency costs, for the plan, with the numbers: a player fetches the playlist and a
 * segment once per segment length, so 4 s -> 1 s is 4x the requests per viewer (CloudFront bills per
 * 10,000 HTTPS requests); on AWS MediaLive PUTs a segment and two playlists per rendition per segment
 * into S3, 4x as many too. A keyframe every second instead of every two costs bits: measured with x264
 * at a fixed quality (CRF 23, 720p30, 20 s): +1.1 % on testsrc2, +3.9 % with film-grain noise; the
 * bitrates stay as the ladder says, so the picture is that much softer instead. Locally each segment
 * is also listed in parts, each opening with a keyframe (src/targets/local/encoder/parts.ts), which
 * costs more (measured in ffmpeg-args.ts buildVideoCodecArgs).
 * `ladder` is the ladder as low mode encodes it (applyLatency).
 */
export function describeLatencyCost(ladder: Ladder, target: 'local' | 'aws'): string[] {
  if (ladder.hls.latency !== 'low') return [];
  const seg = ladder.hls.segmentSeconds;
  const perViewer = (s: number) => Math.round((3600 / s) * 2);
  const usd = (n: number, per: number, price: number) => `$${((n / per) * price).toFixed(4)}`;
  const factor = STANDARD_SEGMENT_SECONDS / seg;
  const parts = LOW_LATENCY_PARTS_PER_SEGMENT;
  const lines = [
    target === 'aws'
      ? `Latency low: ${seg} s segments and ${seg} s GOPs (the built-in ladders: ${STANDARD_SEGMENT_SECONDS} s), ${ladder.hls.playlistSize} segments per playlist; viewers about 4 s behind real time in the built-in player and 4.5-7 s in others, instead of 14-20 s (measured locally with whole segments, five players).`
      : `Latency low: ${seg} s segments, each also listed as ${parts} parts of ${(seg / parts).toFixed(2)} s (LL-HLS) with a keyframe each (the built-in ladders: ${STANDARD_SEGMENT_SECONDS} s segments), ${ladder.hls.playlistSize} segments per playlist; viewers 2.3-3.8 s behind real time in the built-in player and 3-5.5 s in Shaka (both read the parts), 3-5.4 s in ffplay started as up prints it (two whole segments from the end; 5-6 s as ffplay starts by itself), 5-8 s in GStreamer 1.22 (four whole segments from the end) and 5-12 s in video.js (it keeps whatever its start cost), instead of 14-20 s (measured with five players at load 5-8; README, Performance).`,
    `  costs ${factor}x the requests per viewer: ${perViewer(seg)} playlist + segment requests a viewer-hour instead of ${perViewer(STANDARD_SEGMENT_SECONDS)}` +
      (target === 'aws'
        ? ` (CloudFront: ${usd(perViewer(seg), 10_000, CLOUDFRONT_USD_PER_10K_HTTPS)} instead of ${usd(perViewer(STANDARD_SEGMENT_SECONDS), 10_000, CLOUDFRONT_USD_PER_10K_HTTPS)} a viewer-hour)`
        : `; a player that reads parts asks for the playlist and each part once a part (${(seg / parts).toFixed(2)} s; the origin holds each until it exists): ${parts}x that`),
  ];
  if (target === 'aws') {
    const puts = (s: number) => Math.round((3600 / s) * 3 * ladder.renditions.length);
    lines.push(`  MediaLive's S3 PUTs: ${puts(seg)} an hour instead of ${puts(STANDARD_SEGMENT_SECONDS)} (${usd(puts(seg), 1000, S3_USD_PER_1K_PUT)}/h instead of ${usd(puts(STANDARD_SEGMENT_SECONDS), 1000, S3_USD_PER_1K_PUT)}/h)`);
    lines.push('  and a keyframe every second takes 1-4 % of each bitrate from the picture (measured with x264 at a fixed quality).');
  } else {
    lines.push('  and a keyframe every part takes 0.02-0.2 dB PSNR from a 720p picture and 1-1.6 dB from a 288p one at the ladders\' bitrates (measured with x264 ultrafast).');
    lines.push('  x264 hands out each frame as it is coded (-tune zerolatency: no lookahead, no B-frames); at these bitrates it measured no loss of picture.');
  }
  return lines;
}
