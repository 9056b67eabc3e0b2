/**
 * The local MediaLive channel: keeps one encoder ffmpeg producing the whole ladder into the origin,
 * whatever the source does.
 *
 * Design (chosen after trying the obvious alternative): ffmpeg reading the source directly and
 * writing HLS stops, or stalls, when the source goes away; restarting it restarts the HLS timeline
 * (media sequence back to 1, timestamps jump) and players error out. So the source and the encoder
 * are decoupled:
 *
 *   decoder ffmpeg (one per source attempt, may die and restart freely)
 *     -> raw yuv420p at the ladder's top size and rate on a pipe, s16le on another
 *   FrameSynchronizer (frame-sync.ts), paced by the wall clock: source frame, last frame, or slate + silence
 *     -> frames stamped with their tick's time on the encoder's stdin, raw audio on its fd 3
 *   encoder ffmpeg (one for the ladder) -> split/scale/x264/aac -> HLS by HTTP PUT to the put relay
 *   put relay (put-relay.ts) -> segments into the origin; media playlists to the playlist writer
 *     (playlist-writer.ts, media-playlist.ts), which publishes playlists that outlive the encoder
 *
 * The encoder never sees a gap in the source, so the timeline is continuous through input loss
 * (EMIT_OUTPUT); when it falls behind, frames are dropped, and the timeline stays on the wall clock.
 * A crashed encoder is restarted with exponential backoff; the playlists keep their window, continue
 * the media sequence and mark the restart with a discontinuity.
 *
 * The cost is moving raw frames through Node: measured here at about 15% of one core at 1080p30
 * (93 MB/s in and out; mostly pipe syscalls) and about 7% at 720p30.
 * bench/encoder-bench.ts measures the encoder against hand-written ffmpeg and the whole path's latency.
 */
import type { ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { Ladder, LocalEncoderSettings } from '../../../core/ladder.js';
import { createBackoff, ENCODER_BACKOFF, noteCrashed, noteStarted, type BackoffPolicy, type BackoffState } from './backoff.js';
import {
  buildDecoderArgs,
  buildEncoderArgs,
  buildRawInputArgs,
  buildSlateArgs,
  forcedKeyframeSeconds,
  selectRawFormat,
  type RawFormat,
  type SourceStreams,
} from './ffmpeg-args.js';
import { MODERN_FFMPEG_CAPS, type FfmpegCaps } from './ffmpeg-caps.js';
import { FrameSynchronizer } from './frame-sync.js';
import { NULL_SINK, openLogFile, type LineSink } from './log-file.js';
import { buildMasterPlaylist } from './master-playlist.js';
import { PlaylistComposer } from './media-playlist.js';
import { createPlaylistWriter, type PlaylistWriter } from './playlist-writer.js';
import { createProgressParser, parseProgress } from './progress.js';
import { startPutRelay, type PutRelay } from './put-relay.js';
import { PartFiles } from './part-files.js';
import { planParts } from './parts.js';
import { redactText } from '../../../core/redact.js';
import { runFfmpeg, spawnFfmpeg } from './spawn-ffmpeg.js';
import { stopProcess, waitForExit } from '../plumbing/stop-process.js';
import type { ChannelHealthSample } from './health.js';
import { judgePace, trimPaceSamples, type PaceSample, type PaceVerdict } from './pace-check.js';
import { describeFellBehind } from './preset-search.js';
export type { ChannelHealthSample } from './health.js';


export interface EncoderOptions {
  ffmpegPath: string;
  ladder: Ladder;
  /** ffmpeg input args for the source, asked again on each (re)start. */
  inputArgs: () => string[] | Promise<string[]>;
  /** Which source streams to decode; by default ffmpeg picks the best video and audio of all inputs. */
  streams?: SourceStreams;
  /** e.g. http://127.0.0.1:PORT */
  originUrl: string;
  /** Scoped token for PUT/DELETE under stream/. */
  writeToken: () => string;
  /** ffmpeg stderr goes here (redacted), rotated/capped. */
  logFile?: string;
  /** Each (redacted) line the decoder logs, for the ingest (SRT counts passphrase refusals in them). */
  onDecoderLine?: (line: string) => void;
  now?: () => number;
  onHealth?: (s: ChannelHealthSample) => void;
  /** Every few seconds by default. */
  healthIntervalMs?: number;
  /** For latency measurement: each frame fed to the encoder (its place in this encoder run's timeline, in frame intervals). */
  onFrameFed?: (n: number, fedAt: number, sourceArrivedAt: number | undefined) => void;
  /** Encoder restart backoff; default 1 s doubling to 30 s, reset after a healthy minute. */
  backoff?: BackoffPolicy;
  /** What the ffmpeg can do (findFfmpeg's `caps`); default a modern one (5.1). */
  caps?: FfmpegCaps;
  /** The source cannot be held back (push inputs, devices): see FrameSyncOptions.liveSource. */
  liveSource?: boolean;
  /** Records each run of the channel from the segments the relay forwards (recording/channel-recorder.ts). */
  recorder?: SegmentRecorder;
  /**
   * The running encoder fell behind over a sustained window (pace-check.ts). Return the x264 preset
   * and scaler to restart it with (a cheaper pair), or undefined to carry on as it is (pinned, or
   * nothing cheaper). Without it the supervisor only logs and reports it.
   */
  onFellBehind?: (verdict: PaceVerdict, current: LocalEncoderSettings) => LocalEncoderSettings | undefined;
}

/** What the supervisor tells the recording: runs, encoder lives, segments and their durations. */
export interface SegmentRecorder {
  beginRun(): Promise<void>;
  encoderStarted(): void;
  wants(relayPath: string): boolean;
  take(body: Buffer): void;
  noteSegments(playlist: string, segments: ReadonlyArray<{ duration: number; programDateTime: number }>): void;
  endRun(): Promise<void>;
}

export interface EncoderStatus {
  state: 'IDLE' | 'STARTING' | 'RUNNING' | 'STOPPING' | 'RECOVERING';
  input: { connected: boolean; fps?: number; bitrate?: number; lossSince?: string; losses: number };
  encoder: {
    speed?: number;
    fps?: number;
    restarts: number;
    lastError?: string;
    pid?: number;
    startedAt?: string;
    /** Pictures the encoder did not get (it was behind, or restarting): gaps in the timeline, which stays on the clock. */
    droppedFrames: number;
    /** Pictures of a pushed source skipped because they had stood a second in the queue (frame-sync.ts): delay removed, not load. */
    trimmedFrames?: number;
    /** How far the newest segment's end (program date time + duration) was behind the wall clock when its playlist was published. */
    pdtDriftSeconds?: number;
    /** The last time the encoder fell behind, and what was done ("...; now superfast + lanczos"). */
    fellBehind?: string;
  };
  renditions: Array<{ name: string; width: number; height: number; framerate: number; bitrate: number }>;
  segmentsWritten: number;
}

/** How long to wait before asking for the source again after a decoder exits. */
const SOURCE_RETRY_MS = 1_000;
/** A decoder that delivered frames and then went silent this long is killed and started again. */
const SOURCE_STALL_MS = 15_000;
const PLAYLIST_WRITTEN = /Opening '[^']*\/index_\d+x\d+\.m3u8' for writing/;

/** The slate's words: before any publisher ever connected it waits; after that the source was lost. */
export function slateText(everConnected: boolean): string {
  return everConnected ? 'Source lost - reconnecting' : 'Waiting for the source';
}

export class EncoderSupervisor {
  private readonly now: () => number;
  private readonly raw: RawFormat;
  private readonly caps: FfmpegCaps;
  private readonly log: LineSink;
  private state: EncoderStatus['state'] = 'IDLE';
  private sync: FrameSynchronizer | undefined;

  private encoder: ChildProcess | undefined;
  private encoderStartedAt: number | undefined;
  private backoff: BackoffState = createBackoff();
  private restarts = 0;
  private lastError: string | undefined;
  private speed: number | undefined;
  private encoderFps: number | undefined;
  /** Whole segments the playlists took, all renditions (with parts: segments, not parts), counted as each is composed. */
  private segmentsWritten = 0;
  /** With parts (the low mode): their files, seen at the relay, joined into the segments' files. */
  private readonly partFiles: PartFiles | undefined;
  private masterWritten = false;
  /**
   * Between ffmpeg and the origin: takes the media playlists (composed by us, see playlist-writer.ts)
   * and forwards the segments, adding the write token (an old ffmpeg's hls muxer has no `-headers`).
   */
  private relay: PutRelay | undefined;
  /** The media playlists, kept across encoder runs (and channel stop/start). */
  private readonly composer: PlaylistComposer;
  private playlists: PlaylistWriter | undefined;
  /** Encoder runs started: tells the playlists of one from another's. */
  private run = 0;
  private pdtDriftSeconds: number | undefined;
  /** The synchronizer's count of pictures dropped for a backed-up encoder, sampled in this encoder run. */
  private pace: PaceSample[] = [];
  /** The preset and scaler a runtime step down chose; until then the ladder's (read at each encoder start). */
  private stepped: LocalEncoderSettings | undefined;
  private fellBehind: string | undefined;
  /** Set while the encoder is restarted on purpose (a cheaper preset): not a crash. */
  private plannedRestart = false;

  private decoder: ChildProcess | undefined;
  private decoderHadFrames = false;
  private decoderWithAudio = true;
  private inputConnected = false;
  private lossSince: number | undefined;
  private losses = 0;
  private everConnected = false;
  /** The slate the synchronizer shows (the same buffer it holds): its text changes in place. */
  private slate: Buffer | undefined;

  private timers = new Set<NodeJS.Timeout>();
  private healthTimer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(private readonly opts: EncoderOptions) {
    this.now = opts.now ?? Date.now;
    this.caps = opts.caps ?? MODERN_FFMPEG_CAPS;
    this.raw = selectRawFormat(opts.ladder);
    this.log = opts.logFile ? openLogFile(opts.logFile) : NULL_SINK;
    const { hls } = opts.ladder;
    const parts = planParts(opts.ladder);
    this.partFiles = parts ? new PartFiles() : undefined;
    this.composer = new PlaylistComposer({
      windowSize: hls.playlistSize,
      targetDuration: hls.segmentSeconds,
      ...(parts ? { parts: { ...parts, segmentSeconds: hls.segmentSeconds } } : {}),
    });
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.state = 'STARTING';
    this.masterWritten = false;
    // A stop between a planned restart's kill and its exit leaves the flag set.
    this.plannedRestart = false;
    this.lossSince = this.now();
    await this.opts.recorder?.beginRun();
    if (!this.running) return this.opts.recorder?.endRun();
    const playlists = createPlaylistWriter({
      originUrl: this.opts.originUrl,
      token: () => this.opts.writeToken(),
      composer: this.composer,
      now: this.now,
      log: this.log,
      ...(this.partFiles ? { parts: this.partFiles, keepAfterWindow: this.opts.ladder.hls.keepSegments - this.opts.ladder.hls.playlistSize } : {}),
      onSegments: (name, added) => {
        this.segmentsWritten += added.length;
        this.opts.recorder?.noteSegments(name, added);
        const newest = added[added.length - 1]!;
        this.pdtDriftSeconds = Math.round(this.now() - newest.programDateTime - newest.duration * 1000) / 1000;
      },
    });
    this.playlists = playlists;
    const relay = await startPutRelay({
      originUrl: this.opts.originUrl,
      token: () => this.opts.writeToken(),
      onPlaylist: (path, text) => playlists.take(path, text),
      taps: [this.opts.recorder, this.partFiles].filter((t) => t !== undefined),
    });
    if (!this.running) return relay.close();
    this.relay = relay;
    const slate = await this.renderSlate(slateText(this.everConnected));
    if (!this.running) return;
    this.slate = slate;
    this.sync = new FrameSynchronizer({
      raw: this.raw,
      slate,
      now: this.now,
      onInputChange: (c) => this.onInputChange(c),
      onFrameFed: this.opts.onFrameFed,
      onTimelineBreak: (ms) => this.breakTimeline(ms),
      ...keyframeSpacing(this.opts.ladder, this.raw.fps),
      liveSource: this.opts.liveSource,
    });
    this.sync.start();
    this.startEncoder();
    void this.startDecoder();
    this.healthTimer = setInterval(() => {
      this.checkPace();
      this.opts.onHealth?.(this.healthSample());
    }, this.opts.healthIntervalMs ?? 2_000);
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.state = 'STOPPING';
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    if (this.healthTimer) clearInterval(this.healthTimer);
    this.sync?.stop();
    this.sync?.setSink(undefined);
    this.sync?.detachSource();
    const decoder = this.decoder;
    this.decoder = undefined;
    const encoder = this.encoder;
    // Closing the encoder's inputs lets it finish the segment in hand and write EXT-X-ENDLIST.
    encoder?.stdin?.end();
    (encoder?.stdio[3] as Writable | undefined)?.end();
    await Promise.all([stopProcess(decoder, { graceMs: 3_000 }), waitForExit(encoder, 8_000)]);
    await stopProcess(encoder, { signal: 'SIGKILL', graceMs: 3_000 });
    this.encoder = undefined;
    await this.playlists?.close();
    this.playlists = undefined;
    await this.relay?.close();
    this.relay = undefined;
    await this.opts.recorder?.endRun();
    this.inputConnected = false;
    this.speed = undefined;
    this.encoderFps = undefined;
    this.state = 'IDLE';
  }

  status(): EncoderStatus {
    const s = this.sync?.stats();
    return {
      state: this.state,
      input: {
        connected: this.inputConnected,
        ...(s && this.inputConnected ? { fps: s.inputFps } : {}),
        ...(this.lossSince !== undefined && this.state !== 'IDLE' ? { lossSince: new Date(this.lossSince).toISOString() } : {}),
        losses: this.losses,
      },
      encoder: {
        ...(this.speed !== undefined ? { speed: this.speed } : {}),
        ...(this.encoderFps !== undefined ? { fps: this.encoderFps } : {}),
        restarts: this.restarts,
        ...(this.lastError ? { lastError: this.lastError } : {}),
        ...(this.encoder?.pid ? { pid: this.encoder.pid } : {}),
        ...(this.encoderStartedAt !== undefined ? { startedAt: new Date(this.encoderStartedAt).toISOString() } : {}),
        droppedFrames: s?.droppedFrames ?? 0,
        ...(s?.trimmedFrames ? { trimmedFrames: s.trimmedFrames } : {}),
        ...(this.pdtDriftSeconds !== undefined ? { pdtDriftSeconds: this.pdtDriftSeconds } : {}),
        ...(this.fellBehind ? { fellBehind: this.fellBehind } : {}),
      },
      renditions: this.opts.ladder.renditions.map((r) => ({
        name: `index_${r.width}x${r.height}`,
        width: r.width,
        height: r.height,
        framerate: r.framerate,
        bitrate: r.bitrate,
      })),
      segmentsWritten: this.segmentsWritten,
    };
  }

  private healthSample(): ChannelHealthSample {
    const s = this.sync?.stats();
    return {
      time: this.now(),
      state: this.state,
      inputConnected: this.inputConnected,
      ...(s && this.inputConnected ? { inputFps: s.inputFps } : {}),
      ...(this.speed !== undefined ? { encoderSpeed: this.speed } : {}),
      restarts: this.restarts,
      droppedFrames: s?.droppedFrames ?? 0,
      ...(this.pdtDriftSeconds !== undefined ? { pdtDriftSeconds: this.pdtDriftSeconds } : {}),
      ...(this.lossSince !== undefined ? { inputLossSeconds: Math.round((this.now() - this.lossSince) / 100) / 10 } : {}),
    };
  }

  private onInputChange(connected: boolean): void {
    this.inputConnected = connected;
    if (connected) {
      // From now on a loss is a loss: the slate says so (it said "waiting" until now). Written
      // into the synchronizer's buffer in place, so frame-sync.ts needs no second slate.
      if (!this.everConnected) {
        void this.renderSlate(slateText(true)).then((lost) => {
          if (this.slate && lost.length === this.slate.length) lost.copy(this.slate);
        });
      }
      this.everConnected = true;
      this.lossSince = undefined;
      this.log.write(`${new Date(this.now()).toISOString()} [channel] input connected`);
    } else {
      this.lossSince = this.now();
      if (this.everConnected) this.losses++;
      this.log.write(`${new Date(this.now()).toISOString()} [channel] input lost: showing the slate`);
    }
  }

  /** `text` on a dark background; plain colour bars if drawtext has no font; grey if ffmpeg cannot even do that. */
  private async renderSlate(text: string): Promise<Buffer> {
    const size = (this.raw.width * this.raw.height * 3) / 2;
    for (const withText of [true, false]) {
      try {
        const r = await runFfmpeg(this.opts.ffmpegPath, buildSlateArgs(this.raw, text, withText));
        if (r.code === 0 && r.stdout.length === size) {
          this.log.write(`[slate] "${withText ? text : 'colour bars'}" ready for when the source is missing`);
          return r.stdout;
        }
        this.log.write(`[slate] ${withText ? 'drawtext' : 'smptebars'} failed: ${r.stderr.trim().split('\n').pop() ?? ''}`);
      } catch (err) {
        this.log.write(`[slate] ${(err as Error).message}`);
      }
    }
    const grey = Buffer.alloc(size, 128);
    return grey;
  }

  // ---- the encoder ---------------------------------------------------------------------------

  private startEncoder(): void {
    if (!this.running || !this.sync || !this.playlists || !this.relay) return;
    const run = ++this.run;
    this.composer.beginRun(run);
    this.opts.recorder?.encoderStarted();
    this.pace = [];
    const args = buildEncoderArgs({
      ladder: this.ladder,
      input: { args: buildRawInputArgs(this.raw), video: '0:v:0', audio: '1:a:0' },
      output: { kind: 'http', originUrl: this.relay.url },
      playlistBase: `${this.relay.url}${this.playlists.pathFor(run)}`,
      inputFps: this.raw.fps,
      caps: this.caps,
      startNumber: this.composer.nextFileNumber(),
    });
    const child = spawnFfmpeg({
      ffmpegPath: this.opts.ffmpegPath,
      args,
      label: 'encoder',
      // No token on this command line (the relay adds it); where the relay needs a key in its URL, that key is masked.
      secrets: this.relay.key ? [this.relay.key] : [],
      log: this.log,
      stdin: 'pipe',
      extraPipes: 1,
      onStderrLine: (line) => this.onEncoderLine(line),
    });
    this.encoder = child;
    this.encoderStartedAt = this.now();
    this.backoff = noteStarted(this.backoff, this.now());
    this.speed = undefined;
    this.encoderFps = undefined;
    const parser = createProgressParser();
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (text: string) => {
      for (const p of parseProgress(parser, text)) {
        if (p.speed !== undefined) this.speed = p.speed;
        if (p.fps !== undefined) this.encoderFps = p.fps;
        if (this.running && (this.state === 'STARTING' || this.state === 'RECOVERING') && (p.frame ?? 0) > 0) this.state = 'RUNNING';
      }
    });
    this.sync.setSink({
      video: child.stdin as Writable,
      audio: child.stdio[3] as Writable,
      onTimelineStart: (wallMs) => this.composer.setRunStart(run, wallMs),
      onKeyframeLag: (at, lagMs) => this.composer.noteCaptureLag(run, at, lagMs),
      onClockStep: (at, stepMs) => {
        this.composer.noteClockStep(run, at, stepMs);
        this.log.write(`${new Date(this.now()).toISOString()} [channel] the wall clock stepped ${stepMs > 0 ? 'forward' : 'back'} ${(Math.abs(stepMs) / 1000).toFixed(1)} s (a clock correction, a suspend or a paused VM): program date times follow it from the next segment`);
      },
    });
    child.on('close', (code, signal) => this.onEncoderExit(child, code, signal));
    child.on('error', (err) => {
      this.lastError = `could not start ffmpeg: ${err.message}`;
    });
  }

  private onEncoderLine(line: string): void {
    if (PLAYLIST_WRITTEN.test(line)) {
      if (!this.masterWritten) {
        this.masterWritten = true;
        void this.putMaster();
      }
      return;
    }
    if (/error|failed|invalid/i.test(line) && !/Opening/.test(line)) this.lastError = line.slice(0, 300);
  }

  private onEncoderExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.encoder) return;
    this.sync?.setSink(undefined);
    this.encoder = undefined;
    if (!this.running) return;
    this.restarts++;
    if (this.plannedRestart) {
      this.plannedRestart = false;
      this.state = 'RECOVERING';
      this.masterWritten = false;
      this.later(0, () => this.startEncoder());
      return;
    }
    this.lastError = `encoder exited (${signal ?? `code ${code}`})${this.lastError ? `; last error: ${this.lastError}` : ''}`.slice(0, 400);
    const { state, delayMs } = noteCrashed(this.backoff, this.now(), this.opts.backoff ?? ENCODER_BACKOFF);
    this.backoff = state;
    this.state = 'RECOVERING';
    this.masterWritten = false;
    this.log.write(`${new Date(this.now()).toISOString()} [channel] encoder crashed; restarting in ${delayMs} ms`);
    this.later(delayMs, () => this.startEncoder());
  }

  /**
   * The event loop stood still too long to bridge (frame-sync.ts): end this encoder run, so the next
   * one starts a new timeline on the clock, after a discontinuity.
   */
  private breakTimeline(stalledMs: number): void {
    this.log.write(`${new Date(this.now()).toISOString()} [channel] stalled ${Math.round(stalledMs / 1000)} s: restarting the encoder on the wall clock`);
    // SIGKILL, not SIGTERM: a stopping ffmpeg ends its playlist with EXT-X-ENDLIST, and players would stop.
    this.encoder?.kill('SIGKILL');
  }

  /** The ladder the next encoder (and decoder) starts with: the file's, with a runtime step down if there was one. */
  private get ladder(): Ladder {
    return this.stepped ? { ...this.opts.ladder, local: this.stepped } : this.opts.ladder;
  }

  /**
   * Every health tick: has this encoder run fallen behind over a sustained window (pace-check.ts)?
   * If so, restart it with the cheaper pair `onFellBehind` gives, as after a crash (the playlists
   * continue after a discontinuity), or say it stays behind.
   */
  private checkPace(): void {
    // Not only once RUNNING: an encoder far too slow for the ladder may take a minute to put out its first frame.
    if (!this.sync || !this.encoder || this.plannedRestart) return;
    this.pace = trimPaceSamples([...this.pace, { at: this.now(), behindFrames: this.sync.stats().behindFrames }]);
    const verdict = judgePace(this.pace, this.raw.fps);
    if (!verdict?.behind) return;
    this.pace = []; // one verdict per window
    const from = { ...this.ladder.local };
    const next = this.opts.onFellBehind?.(verdict, from);
    const what = describeFellBehind(from, verdict);
    this.fellBehind = next ? `${what}; now ${next.preset} + ${next.scaler}` : `${what}; staying at it (the ladder pins it, or nothing is cheaper)`;
    this.log.write(`${new Date(this.now()).toISOString()} [channel] ${this.fellBehind}${next ? ': restarting the encoder' : ''}`);
    if (!next) return;
    this.stepped = next;
    this.plannedRestart = true;
    // SIGKILL, as in breakTimeline: a stopping ffmpeg would end its playlists with EXT-X-ENDLIST.
    this.encoder.kill('SIGKILL');
  }

  /** ffmpeg 5.1 writes a master without AVERAGE-BANDWIDTH or FRAME-RATE, so we write our own. */
  private async putMaster(): Promise<void> {
    const body = buildMasterPlaylist(this.ladder);
    const url = `${this.opts.originUrl.replace(/\/+$/, '')}/stream/index.m3u8`;
    for (let attempt = 1; attempt <= 5 && this.running; attempt++) {
      try {
        const res = await fetch(url, {
          method: 'PUT',
          headers: { authorization: `Bearer ${this.opts.writeToken()}`, 'content-type': 'application/vnd.apple.mpegurl' },
          body,
        });
        await res.arrayBuffer();
        if (res.ok) return;
        this.log.write(`[channel] master playlist PUT answered ${res.status}`);
      } catch (err) {
        this.log.write(`[channel] master playlist PUT failed: ${redactText((err as Error).message, [this.opts.writeToken()])}`);
      }
      await new Promise((r) => this.later(1_000 * attempt, () => r(undefined)));
    }
    this.masterWritten = false;
  }

  // ---- the source ----------------------------------------------------------------------------

  private async startDecoder(): Promise<void> {
    if (!this.running || !this.sync) return;
    let inputArgs: string[];
    try {
      inputArgs = await this.opts.inputArgs();
    } catch (err) {
      this.log.write(`[decoder] no source yet: ${redactText((err as Error).message)}`);
      this.later(SOURCE_RETRY_MS, () => void this.startDecoder());
      return;
    }
    if (!this.running || !this.sync) return;
    const withAudio = this.decoderWithAudio;
    let noAudioStream = false;
    const child = spawnFfmpeg({
      ffmpegPath: this.opts.ffmpegPath,
      args: buildDecoderArgs(inputArgs, this.raw, this.ladder.local.scaler, withAudio, this.opts.streams),
      label: 'decoder',
      secrets: secretsIn(inputArgs),
      log: this.log,
      extraPipes: withAudio ? 1 : 0,
      // ffmpeg: "Output file #1 does not contain any stream" -- the source has no sound; retry without it.
      onStderrLine: (line) => {
        this.opts.onDecoderLine?.(line);
        if (/Output file #1 does not contain any stream/.test(line)) noAudioStream = true;
      },
    });
    this.decoder = child;
    this.decoderHadFrames = false;
    let lastFrames = 0;
    const stall = setInterval(() => {
      const frames = this.sync?.stats().sourceFrames ?? 0;
      if (this.decoderHadFrames && frames === lastFrames) child.kill('SIGKILL');
      if (frames > lastFrames) this.decoderHadFrames = true;
      lastFrames = frames;
    }, SOURCE_STALL_MS);
    child.stdout?.once('data', () => (this.decoderHadFrames = true));
    this.sync.attachSource(child.stdout as Readable, withAudio ? (child.stdio[3] as Readable) : undefined);
    child.on('close', () => {
      clearInterval(stall);
      if (child !== this.decoder) return;
      this.decoder = undefined;
      this.sync?.detachSource();
      // A new source (another publisher) may well have sound again.
      this.decoderWithAudio = noAudioStream ? false : this.decoderHadFrames ? true : this.decoderWithAudio;
      this.later(noAudioStream ? 0 : SOURCE_RETRY_MS, () => void this.startDecoder());
    });
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }
}

/**
 * Seconds between keyframe times common to every rendition, as ffmpeg is told them (ffmpeg-args.ts
 * buildVideoCodecArgs): the part length in the low mode, else their GOPs' greatest common divisor
 * when each GOP is a whole number of frames; nothing when there is none.
 */
function keyframeSpacing(ladder: Ladder, fps: number): { keyframeSeconds?: number } {
  if (planParts(ladder)) return { keyframeSeconds: Number(forcedKeyframeSeconds(ladder, ladder.renditions[0]!)) };
  const gops = ladder.renditions.map((r) => r.gopSeconds * fps);
  if (!gops.every((g) => Number.isInteger(g) && g > 0)) return {};
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  return { keyframeSeconds: gops.reduce(gcd) / fps };
}

/** Secrets that input args may carry, to mask in logs: URL credentials are handled by redactText; headers here. */
function secretsIn(args: string[]): string[] {
  const out: string[] = [];
  args.forEach((a, i) => {
    if (args[i - 1] === '-headers' || args[i - 1] === '-password') out.push(a);
  });
  return out;
}
