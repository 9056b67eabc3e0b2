/**
 * ffmpeg arguments, as pure functions of the ladder: data in, `string[]` out; no env, clock or fs.
 *
 * Three processes take part in a channel (see supervisor.ts for why):
 *   decoder  (one per source attempt): source -> raw yuv420p video on pipe:1, s16le audio on pipe:3
 *   encoder  (one for the whole ladder): raw video on stdin + raw audio on pipe:3 -> ladder -> HLS PUT
 *   slate    (once): one raw "Source lost" frame
 */
import { renditionName, type Ladder, type Rendition } from '../../../core/ladder.js';
import type { LatencyMode } from '../../../core/latency.js';
import { planParts } from './parts.js';
import { MODERN_FFMPEG_CAPS, type FfmpegCaps } from './ffmpeg-caps.js';
import { resolveLevel } from './master-playlist.js';

/** Raw picture and sound passed between the decoder, the frame synchronizer and the encoder. */
export interface RawFormat {
  width: number;
  height: number;
  fps: number;
  sampleRate: number;
  channels: number;
}

/** Which streams of the source to use, as ffmpeg -map specifiers ("0:v:0", "1:a:0", "0:a:0?"). */
export interface SourceStreams {
  video: string;
  audio: string;
}

/** Where the HLS goes: the origin by HTTP PUT (as MediaLive writes to MediaStore), or a folder (bench). */
export type HlsOutput =
  | { kind: 'http'; originUrl: string }
  | { kind: 'file'; dir: string };

export interface EncoderArgsOptions {
  ladder: Ladder;
  /** Input arguments, and the stream specifiers of the video and audio to encode. */
  input: { args: string[]; video: string; audio: string };
  output: HlsOutput;
  /** First segment number; a restarted encoder continues where the crashed one stopped. Default 1 (as MediaLive). */
  startNumber?: number;
  /**
   * Where the media playlists go, when not beside the segments: the supervisor's playlist writer
   * (playlist-writer.ts), which keeps the window and the timeline across encoder restarts.
   */
  playlistBase?: string;
  /** Where `-progress` key=value lines go; default pipe:1. */
  progress?: string;
  /** The input's constant frame rate when known (the synchronizer's): renditions at that rate need no fps filter. */
  inputFps?: number;
  /** What the ffmpeg can do; default a modern one (5.1). */
  caps?: FfmpegCaps;
  /** Scale each rendition from the next larger one (buildFilterGraph; default true); the bench compares both. */
  cascade?: boolean;
}

/** The raw format for a ladder: its top resolution and its highest frame rate, audio as the ladder says. */
export function selectRawFormat(ladder: Ladder): RawFormat {
  const top = ladder.renditions.reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a));
  return {
    width: top.width,
    height: top.height,
    fps: Math.max(...ladder.renditions.map((r) => r.framerate)),
    sampleRate: ladder.audio.sampleRate,
    channels: ladder.audio.channels,
  };
}

/**
 * The encoder's input when fed by the frame synchronizer: timestamped frames (Matroska, see
 * raw-video-mkv.ts) on stdin, audio on fd 3. `-vsync vfr` keeps the frames at their timestamps: a
 * picture the synchronizer dropped stays a gap instead of being filled with a duplicate that the
 * busy encoder would have to encode after all. (`-vsync` rather than 5.1's `-fps_mode`: the 2018
 * static build knows only `-vsync`; 5.1 logs "-vsync is deprecated. Use -fps_mode" and obeys.)
 */
export function buildRawInputArgs(raw: RawFormat): string[] {
  // No probing: the format is fully described, and ffmpeg opens its inputs one after the other, so
  // probing stdin for seconds while pipe:3 fills up would stall the frame synchronizer at start.
  const noProbe = ['-probesize', '32', '-analyzeduration', '0'];
  return [
    '-vsync', 'vfr',
    // One frame queued in ffmpeg (its default is 8): when the encoder is behind, every frame queued
    // here adds its interval to the latency, and the synchronizer, which bounds how long a picture
    // waits (frame-sync.ts MAX_WAIT_S), sees only what waits in the pipe. Its input thread still
    // has the next frame ready while the encoder codes this one.
    ...noProbe, '-f', 'matroska', '-thread_queue_size', '1', '-i', 'pipe:0',
    ...noProbe, '-f', 's16le', '-ar', String(raw.sampleRate), '-ac', String(raw.channels),
    '-thread_queue_size', '1024', '-i', 'pipe:3',
  ];
}

/**
 * The filter graph: one decode, then frame rate and scale per rendition.
 * The fps filter comes first (a 15 fps rendition scales half the frames) and is left out where the
 * input already runs at the rendition's rate.
 *
 * In a cascade (the default) each lower rendition is scaled from the next larger one (at a frame
 * rate at least its own) instead of from the input: smaller scaler inputs, so less encoder CPU; and
 * small steps alias less than one big one, which matters most with the cheap scalers (fast_bilinear,
 * bilinear) on the lower renditions. `npm run bench:encoder -- --cascade` compares it with
 * scaling each rendition from the input; its figures are in the README (Performance, "Cascade
 * scaling"), kept there only, so they are corrected in one place.
 */
export function buildFilterGraph(ladder: Ladder, video: string, inputFps?: number, opts: { cascade?: boolean; scaler?: string } = {}): string {
  const { renditions } = ladder;
  const scaler = opts.scaler ?? ladder.local.scaler;
  const cascade = opts.cascade ?? true;
  // Where each rendition's chain starts: -1 the input, else the rendition it is scaled from.
  const parents = renditions.map((r, i) => {
    if (!cascade || i === 0) return -1;
    const prev = renditions[i - 1]!;
    return prev.framerate >= r.framerate ? i - 1 : -1;
  });
  // Each node feeds the chains scaled from it, through a split (the input's always has one, as before).
  const children = (p: number): string[] => parents.flatMap((q, i) => (q === p ? [`[s${i}]`] : []));
  const fromInput = children(-1);
  const parts = [`[${video}]split=${fromInput.length}${fromInput.join('')}`];
  renditions.forEach((r, i) => {
    const parentFps = parents[i] === -1 ? inputFps : renditions[parents[i]!]!.framerate;
    const fps = r.framerate === parentFps ? '' : `fps=${r.framerate},`;
    const chain = `[s${i}]${fps}scale=${r.width}:${r.height}:flags=${scaler}`;
    const next = children(i);
    parts.push(next.length === 0 ? `${chain}[v${i}]` : `${chain},split=${next.length + 1}[v${i}]${next.join('')}`);
  });
  return parts.join(';');
}

/**
 * x264 options per latency mode: the one place for them (the calibration's trials use them too, so
 * a mode's CPU cost is measured). With Main or High profile x264 uses the preset's B-frames (3 from
 * superfast up; MediaLive's GopNumBFrames is 2): better pictures at the bitrate, a few frame intervals
 * of reordering delay in the encoder. The forced keyframe at each GOP boundary is still an IDR that
 * opens each segment (x264's GOPs are closed by default).
 *
 * Low mode: x264 hands each frame out as soon as it is coded (-tune zerolatency: no lookahead, no
 * B-frames, no macroblock tree, threads that split a frame instead of coding several at once). With
 * the presets' lookahead and frame threads a frame left x264 10-40 frames (0.3-1.3 s) after it went
 * in: a third of a second or more of the low mode's whole delay behind real time. Its cost in picture
 * is in the plan (core/latency.ts).
 */
export const X264_LATENCY_ARGS: Record<LatencyMode, readonly string[]> = { standard: [], low: ['-tune', 'zerolatency'] };

/** The x264 settings common to every rendition (the calibration tries other presets with them). */
export function buildX264Args(preset: string, latency: LatencyMode = 'standard'): string[] {
  return ['-c:v', 'libx264', '-preset', preset, '-sc_threshold', '0', '-pix_fmt', 'yuv420p', ...X264_LATENCY_ARGS[latency]];
}

/** The whole ladder in one ffmpeg process. */
export function buildEncoderArgs(opts: EncoderArgsOptions): string[] {
  const { ladder, input } = opts;
  const caps = opts.caps ?? MODERN_FFMPEG_CAPS;
  const args = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'info', '-progress', opts.progress ?? 'pipe:1'];
  args.push(...input.args);
  args.push('-filter_complex', buildFilterGraph(ladder, input.video, opts.inputFps, { cascade: opts.cascade }));
  if (!caps.varStreamMapNames) return [...args, ...ladder.renditions.flatMap((_, i) => buildRenditionOutputArgs(opts, caps, i))];
  ladder.renditions.forEach((_, i) => args.push('-map', `[v${i}]`));
  ladder.renditions.forEach(() => args.push('-map', input.audio));

  // Keyframes aligned across renditions: forced at every GOP boundary in time (the same instants
  // whatever the frame rate), a matching fixed GOP in frames, and no extra scene-cut keyframes.
  args.push(...buildX264Args(ladder.local.preset, ladder.hls.latency));
  ladder.renditions.forEach((_, i) => args.push(...buildVideoCodecArgs(ladder, i, `:v:${i}`)));
  args.push(...buildAudioCodecArgs(ladder));
  args.push(
    ...buildHlsArgs(opts, caps),
    '-var_stream_map', ladder.renditions.map((r, i) => `v:${i},a:${i},name:${renditionName(r)}`).join(' '),
  );
  const base = outputBase(opts.output);
  args.push(...buildHttpArgs(opts.output, caps));
  args.push('-hls_segment_filename', `${base}/index%v_%05d.ts`, `${playlistBase(opts)}/index%v.m3u8`);
  return args;
}

/**
 * Without the `name:` key of -var_stream_map ("[hls] Invalid keyval name:_480x270" from the 2018
 * static build), %v would be the variant's index and the files index0.m3u8 and so on. Instead each
 * rendition is an HLS output of its own, named as with the map (index_480x270.m3u8,
 * index_480x270_00001.ts), so the master, the origin and the edge see the same files. Keyframes stay
 * aligned: the forced keyframe times are the same expression in every output.
 */
function buildRenditionOutputArgs(opts: EncoderArgsOptions, caps: FfmpegCaps, i: number): string[] {
  const { ladder } = opts;
  const name = renditionName(ladder.renditions[i]!);
  const base = outputBase(opts.output);
  return [
    '-map', `[v${i}]`, '-map', opts.input.audio,
    ...buildX264Args(ladder.local.preset, ladder.hls.latency),
    ...buildVideoCodecArgs(ladder, i, ':v'),
    ...buildAudioCodecArgs(ladder),
    ...buildHlsArgs(opts, caps),
    ...buildHttpArgs(opts.output, caps),
    '-hls_segment_filename', `${base}/index${name}_%05d.ts`, `${playlistBase(opts)}/index${name}.m3u8`,
  ];
}

/**
 * The VBV buffer: an eighth of a segment at the peak rate. Over any stretch, x264 spends at most the
 * buffer plus maxrate x time, so no segment exceeds maxrate x (1 + 1/8): with MPEG-TS overhead that
 * stays within Apple's 10 % over the declared BANDWIDTH ((maxrate + audio) x 1.1, master-playlist.ts).
 * The old buffer of two seconds at the average rate let the first segment after an encoder restart,
 * or after the slate (the buffer fills on still pictures), come out 11-15 % over BANDWIDTH.
 */
function vbvBufferBits(ladder: Ladder, i: number): number {
  return Math.round((ladder.renditions[i]!.maxBitrate * ladder.hls.segmentSeconds) / 8);
}

/**
 * Rate control and keyframes of rendition i; `spec` is the stream specifier (":v:0", or ":v" in an output of its own).
 *
 * With parts (the low mode, parts.ts) every part opens with a keyframe: the browser players that
 * remux TS (Shaka 5.2, video.js 8) drop a part that does not (Shaka calls SourceBuffer.abort() before
 * each part it appends, and the browser then waits for a keyframe; video.js loses the last part of
 * each segment), measured: 54 and 40 stalls a minute with a keyframe a segment, none with one a part.
 * The GOP is then at most a part long in whole frames (9 at 25 fps: forced cuts fall 9, 8, 8 frames apart).
 * Measured cost at the ladders' bitrates (x264 ultrafast, 10 s): -0.02 to -0.19 dB PSNR at 720p
 * 2.7 Mb/s, -1.0 to -1.6 dB at 288p15 0.4 Mb/s (testsrc2, mandelbrot); the plan says so.
 */
export function buildVideoCodecArgs(ladder: Ladder, i: number, spec: string): string[] {
  const r = ladder.renditions[i]!;
  const parts = planParts(ladder);
  const keyframeSeconds = forcedKeyframeSeconds(ladder, r);
  const gopFrames = String(parts ? Math.ceil(parts.cutSeconds * r.framerate - 1e-9) : Math.round(r.gopSeconds * r.framerate));
  return [
    `-profile${spec}`, r.profile,
    `-level${spec}`, resolveLevel(r),
    `-b${spec}`, String(r.bitrate),
    `-maxrate${spec}`, String(r.maxBitrate),
    `-bufsize${spec}`, String(vbvBufferBits(ladder, i)),
    `-g${spec}`, gopFrames,
    `-keyint_min${spec}`, gopFrames,
    `-force_key_frames${spec}`, `expr:gte(t,n_forced*${keyframeSeconds})`,
  ];
}

/** How far apart ffmpeg forces a rendition's keyframes, as it is told (-force_key_frames): a part in the low mode, else the GOP. */
export function forcedKeyframeSeconds(ladder: Ladder, r: Rendition): string {
  const parts = planParts(ladder);
  return parts ? parts.cutSeconds.toFixed(6) : String(r.gopSeconds);
}

function buildAudioCodecArgs(ladder: Ladder): string[] {
  return ['-c:a', 'aac', '-b:a', String(ladder.audio.bitrate), '-ar', String(ladder.audio.sampleRate), '-ac', String(ladder.audio.channels)];
}

function buildHlsArgs(opts: EncoderArgsOptions, caps: FfmpegCaps): string[] {
  const { hls } = opts.ladder;
  // In low mode ffmpeg writes parts (parts.ts): a keyframe opens each (buildVideoCodecArgs), where it
  // cuts, as it cuts segments, and it counts its list and deletions in parts. Its playlist only tells
  // the supervisor which parts are done; the one players read is composed (media-playlist.ts).
  // (Not split_by_time, which cuts on any picture: its clock starts at the first packet, audio's
  // too, so at 25 fps it cut a frame before the keyframes forced on the encoder's clock.)
  const parts = planParts(opts.ladder);
  const files = parts?.perSegment ?? 1;
  // No discont_start after a restart: the playlists players read are ours (media-playlist.ts), which mark it.
  const flags = ['delete_segments', 'independent_segments', 'program_date_time'];
  return [
    '-f', 'hls',
    '-hls_time', parts ? parts.cutSeconds.toFixed(6) : String(hls.segmentSeconds),
    '-hls_list_size', String(hls.playlistSize * files),
    // Segments kept = listed + threshold (ffmpeg's minimum threshold is 1). Without the option ffmpeg keeps listed + 1.
    ...(caps.hlsDeleteThreshold ? ['-hls_delete_threshold', String(Math.max(1, (hls.keepSegments - hls.playlistSize) * files))] : []),
    '-hls_flags', flags.join('+'),
    '-hls_segment_type', 'mpegts',
    '-start_number', String(opts.startNumber ?? 1),
  ];
}

/**
 * PUT into the origin through the supervisor's loopback relay (put-relay.ts), which adds the write
 * token: a token here would be on ffmpeg's command line for every user's `ps` to read, and an old
 * hls muxer has no `-headers` to send it with anyway (and ignores `-auth_type basic`).
 */
function buildHttpArgs(output: HlsOutput, caps: FfmpegCaps): string[] {
  if (output.kind !== 'http') return [];
  return [
    '-method', 'PUT',
    '-http_persistent', '1',
    // Keep encoding through a brief origin outage instead of exiting on the first failed PUT.
    ...(caps.ignoreIoErrors ? ['-ignore_io_errors', '1'] : []),
  ];
}

function playlistBase(opts: EncoderArgsOptions): string {
  return opts.playlistBase?.replace(/\/+$/, '') ?? outputBase(opts.output);
}

function outputBase(output: HlsOutput): string {
  return output.kind === 'http' ? `${output.originUrl.replace(/\/+$/, '')}/stream` : output.dir.replace(/\/+$/, '');
}

/**
 * One source attempt: whatever the source, raw frames at the ladder's top resolution and highest
 * frame rate (letterboxed if the aspect differs) on pipe:1, and PCM on pipe:3 unless the source has
 * no audio (then `withAudio` is false and the synchronizer sends silence).
 */
export function buildDecoderArgs(inputArgs: string[], raw: RawFormat, scaler: string, withAudio: boolean, streams?: SourceStreams): string[] {
  const { width: w, height: h } = raw;
  const args = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'warning', ...inputArgs];
  // Without stream specifiers ffmpeg chooses (the best video for rawvideo, the best audio for s16le)
  // from all inputs, which suits several inputs (lavfi picture + lavfi tone); -an/-vn keep each pipe to one kind.
  args.push(
    ...(streams ? ['-map', streams.video] : ['-an', '-sn', '-dn']),
    '-vf', `fps=${raw.fps},scale=${w}:${h}:flags=${scaler}:force_original_aspect_ratio=decrease,pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2,setsar=1,format=yuv420p`,
    '-f', 'rawvideo', 'pipe:1',
  );
  if (withAudio) {
    args.push(
      ...(streams ? ['-map', streams.audio] : ['-vn', '-sn', '-dn']),
      // async resampling fills small gaps and trims overlaps so audio stays in step with video.
      '-af', 'aresample=async=1000',
      '-ar', String(raw.sampleRate), '-ac', String(raw.channels),
      '-f', 's16le', 'pipe:3',
    );
  }
  return args;
}

/** One raw slate frame; `withText` false gives plain colour bars (drawtext needs a font). */
export function buildSlateArgs(raw: RawFormat, text: string, withText: boolean): string[] {
  const size = `${raw.width}x${raw.height}`;
  // drawtext treats ':' and '\'' specially; the text is ours, so keep it to characters that need no escaping.
  const safe = text.replace(/[^A-Za-z0-9 .,\-]/g, '');
  const source = withText
    ? `color=c=0x1e2a38:s=${size}:d=1,drawtext=text='${safe}':fontcolor=white:fontsize=${Math.max(12, Math.round(raw.height / 16))}:x=(w-tw)/2:y=(h-th)/2`
    : `smptebars=s=${size}:d=1`;
  return ['-hide_banner', '-nostdin', '-loglevel', 'error', '-f', 'lavfi', '-i', source, '-frames:v', '1', '-pix_fmt', 'yuv420p', '-f', 'rawvideo', 'pipe:1'];
}
