/**
 * The frame synchronizer: a real-time clock between the source and the encoder.
 *
 * Every 1/fps it hands the encoder exactly one raw frame and 1/fps of audio: the oldest queued source
 * frame, or (when none arrived) the last one again for up to `repeatMs`, then the slate with silence.
 * The encoder therefore never sees a gap, whatever the source does, and its HLS timeline stays
 * continuous (MediaLive's InputLossAction EMIT_OUTPUT).
 *
 * The timeline is the wall clock: each frame carries the time of its tick (raw-video-mkv.ts), so
 * the encoder's timestamps, and the program date time derived from them, follow the clock whatever
 * the load. When the encoder falls behind, the tick's picture is dropped (and counted) instead of
 * queueing more than a few frames in its stdin; that leaves a gap of one frame interval, not a shift.
 * Sound is continuous PCM (its timestamps are its sample count), so every tick's sound is written
 * even when its picture is dropped: it is small, and ffmpeg's input queue holds many seconds of it.
 *
 * Memory is bounded: the source queue pauses the source stream when full (backpressure reaches the
 * decoder ffmpeg, which then simply reads its input later), and the encoder's stdin backlog is capped.
 */
import type { Readable, Writable } from 'node:stream';
import type { RawFormat } from './ffmpeg-args.js';
import { MKV_FRAME_HEADER_MAX_BYTES, mkvFrameHeader, mkvStreamHeader } from './raw-video-mkv.js';
import { StdinPace } from './stdin-pace.js';
import { WallClockSteps } from './wall-clock-step.js';

export interface FrameSink {
  /** Timestamped frames (a live Matroska stream): the encoder's `-f matroska -i pipe:0`. */
  video: Writable;
  /** Raw s16le, one tick's worth per tick. */
  audio: Writable;
  /**
   * Called once, at the sink's first frame, with the wall-clock time (epoch ms) of that tick: the
   * encoder's timestamp 0. A segment's program date time is this plus its start in the encoder's timeline.
   */
  onTimelineStart?: (wallMs: number) => void;
  /**
   * Called for each picture written at a keyframe time (where segments start) with its timestamp in
   * the sink's timeline and how long before its tick it entered the pipeline (the synchronizer got it
   * from the decoder): the program date time is the capture's, not the tick's (media-playlist.ts).
   */
  onKeyframeLag?: (timestampSeconds: number, lagMs: number) => void;
  /**
   * The wall clock stepped by `stepMs` (forward when positive) against the monotonic clock that
   * paces the ticks, and the tick at `timestampSeconds` in the sink's timeline is the first on the
   * new clock: the dates from there on move by as much (media-playlist.ts, noteClockStep). A clock
   * corrected by NTP, a laptop that slept (the monotonic clock does not count a suspend) or a paused
   * VM: seen once, a 7.2 s step left every program date time 7.2 s early for the rest of the run.
   */
  onClockStep?: (timestampSeconds: number, stepMs: number) => void;
}

export interface FrameSyncOptions {
  raw: RawFormat;
  /** One raw yuv420p frame of raw.width x raw.height. */
  slate: Buffer;
  /** Repeat the last source frame this long before showing the slate (and declaring the input lost). */
  repeatMs?: number;
  /**
   * Keyframes fall at the first frame at or after each multiple of this many seconds of an encoder
   * run (what ffmpeg's `-force_key_frames expr:gte(t,n_forced*S)` is given): the part length in the
   * low mode, the GOP otherwise. Those ticks' pictures are kept even when the encoder is behind
   * (KEYFRAME_BACKLOG_FRAMES), so every rendition has a frame at each keyframe time: a rendition
   * with its own frame rate (ffmpeg's fps filter fills gaps) and one without then still cut their
   * segments at the same instants. The two pictures just before each are kept too while the
   * encoder is only a little behind, so a part's last frame is one frame interval after the one
   * before it: players that transmux TS (hls.js, Shaka, video.js) give a part's last frame the
   * length of the one before it. With a gap there, the last frame ran either short of the cut (a
   * hole in the browser's buffer: Shaka stalled on 0.5 s holes while Chromium started) or, when
   * only the one just before the cut was kept, past it: hls.js (in Chrome) then moves the next
   * part's pictures later by the overlap (mp4-remuxer.ts, remuxVideo), part after part, until its
   * video ran seconds ahead of its sound and it stalled at the sound's end (seen: video up to
   * 7.6 s ahead, 7-17 stalls in 75 s at load 8-10).
   */
  keyframeSeconds?: number;
  /** Most source frames held; default half a second, at most 64 MB. */
  maxQueueFrames?: number;
  /**
   * The source arrives in real time and cannot be held back (a push over RTP or RTMP, a capture
   * device): a full queue drops its oldest frame instead of pausing the decoder. Paused, the decoder
   * stops reading its socket, and RTP overflows the kernel's buffer (ffmpeg then logs "RTP: missed
   * N packets" and the picture breaks). An HLS pull arrives in bursts and is paused as before.
   */
  liveSource?: boolean;
  /** Monotonic milliseconds for pacing; default performance.now. */
  monotonic?: () => number;
  /** Wall-clock milliseconds for reporting; default Date.now. */
  now?: () => number;
  /** Called when the source starts or stops reaching the output. */
  onInputChange?: (connected: boolean) => void;
  /**
   * Called for each frame written to the encoder: its place in this encoder run's timeline in frame
   * intervals (its index when none was dropped: timestamp x fps), when, and when its source frame arrived.
   */
  onFrameFed?: (n: number, fedAt: number, sourceArrivedAt: number | undefined) => void;
  /**
   * The event loop stalled longer than the synchronizer can bridge with silence (a debugger, a
   * stopped process): the sound's timeline can no longer follow the clock, so the encoder run should
   * end (and restart with a discontinuity).
   */
  onTimelineBreak?: (stalledMs: number) => void;
}

export interface FrameSyncStats {
  sourceFrames: number;
  fedFrames: number;
  repeatedFrames: number;
  slateFrames: number;
  /** Pictures not given to the encoder because it was not keeping up, or was restarting: gaps in its timeline. */
  droppedFrames: number;
  /** Of those, the pictures dropped because the encoder's stdin was backed up: it is not keeping up (pace-check.ts). */
  behindFrames: number;
  /**
   * Live sources: pictures skipped because they had waited a whole second behind others (a standing
   * queue, e.g. the burst a decoder delivers after probing its input): latency, not load, so not
   * counted as dropped.
   */
  trimmedFrames: number;
  queued: number;
  /** Source frames per second over the last two seconds. */
  inputFps: number;
  inputConnected: boolean;
}

/** Longest stall bridged by writing silence (30 s of 48 kHz stereo is 5.8 MB); beyond, the run ends. */
const MAX_STALL_SILENCE_S = 30;

/**
 * Live sources keep at most this many pictures waiting for their tick once a queue has stood for a
 * second: one picture of cushion for a source that arrives unevenly; every picture more is a frame
 * interval of delay for every viewer (a burst of 15 after the decoder's probe would otherwise stay
 * queued, half a second behind, for the whole run).
 */
const STANDING_QUEUE_KEEP = 1;

/**
 * Most pictures waiting in the encoder's stdin for a picture at a keyframe time (or a second after
 * the last one). A gap that spans a keyframe time makes ffmpeg force the keyframe late, and then on
 * each following frame until it has caught up with the missed times: the hls muxer cuts a part at
 * each. With 8, an encoder descheduled for a second at load 8-10 (a CPU hog beside a 720p low-mode
 * stack) wrote a third of its parts irregular, from one frame (0.033 s) to 1.37 s, where the
 * playlist promises none longer than its PART-TARGET of 0.33 s (RFC 8216bis 4.4.4.9); with 16, 2
 * of 277. 16 frames of 720p are 22 MB of stdin, and a stuck encoder stops there.
 */
const KEYFRAME_BACKLOG_FRAMES = 16;

/**
 * The same for the two pictures before a keyframe time (keyframeSeconds says why): kept while the
 * encoder is a little behind, and dropped first when it is far behind (they are two thirds of the
 * pictures kept: at 1/3 s parts, 9 a second in all would be more than such an encoder codes).
 */
const BEFORE_KEYFRAME_BACKLOG_FRAMES = 8;

/**
 * How long an ordinary picture written to the encoder's stdin may expect to wait there (the
 * pictures ahead of it at the encoder's recent pace); BEFORE_KEYFRAME_MAX_WAIT_S and
 * KEYFRAME_MAX_WAIT_S for the pictures that keep the parts regular. The backlogs above are
 * counted in pictures, but a busy encoder is fed sparse pictures, each standing for several frame
 * intervals: 16 pictures at part starts only are 5.3 s of stream. While Chromium started a player
 * page beside a low-mode 720p stack (load 5-7), the parts reached the origin up to 4.4 s late and
 * took about 10 s to catch up; Shaka, ffplay and GStreamer fix their distance from the live edge
 * when they start, so they kept those seconds for good.
 */
const MAX_WAIT_S = 0.5;

/** The same for the first of the two pictures before a keyframe time (they are what keeps the parts' ends regular). */
const BEFORE_KEYFRAME_MAX_WAIT_S = 1;

/**
 * The same for a picture at a keyframe time: longer, since missing one makes ffmpeg cut parts
 * irregularly (KEYFRAME_BACKLOG_FRAMES), but bounded: an encoder descheduled for a second still
 * gets every part start (the pause test), one that codes fewer pictures a second than there are
 * parts loses some part starts rather than falling further behind the clock.
 */
const KEYFRAME_MAX_WAIT_S = 1.5;

/** Sound held for an encoder that does not read it (ffmpeg's input queue takes ~20 s first). */
const MAX_AUDIO_BACKLOG_S = 10;

interface QueuedFrame {
  data: Buffer;
  arrivedAt: number;
}

export class FrameSynchronizer {
  private readonly frameSize: number;
  private readonly bytesPerSampleFrame: number;
  private readonly maxQueue: number;
  private readonly repeatMs: number;
  private readonly mono: () => number;
  /**
   * Most bytes waiting in the encoder's stdin: 4 frames (ffmpeg queues one more itself:
   * buildRawInputArgs). When the encoder is behind, every frame waiting anywhere adds one of its
   * (then sparse) intervals to the latency, so the queues are kept short (and MAX_WAIT_S: limitsFor).
   */
  private readonly maxBacklogBytes: number;
  /** The same for the pictures that are kept (KEYFRAME_BACKLOG_FRAMES, BEFORE_KEYFRAME_BACKLOG_FRAMES). */
  private readonly maxKeyframeBacklogBytes: number;
  private readonly maxBeforeKeyframeBacklogBytes: number;
  private readonly now: () => number;

  private queue: QueuedFrame[] = [];
  private partial: Buffer | undefined;
  private partialLen = 0;
  private audio: Buffer[] = [];
  private audioBytes = 0;
  private sourceHasAudio = false;
  private video: Readable | undefined;
  private audioIn: Readable | undefined;
  private paused = false;

  private last: QueuedFrame | undefined;
  private lastSourceAt = -Infinity;
  private connected = false;
  private arrivals: number[] = [];

  private sink: FrameSink | undefined;
  /** The tick of the sink's first frame (its timestamp 0); undefined until that frame is written. */
  private sinkFirstTick: number | undefined;
  /** The tick of the last picture written to the sink. */
  private lastPictureTick: number | undefined;
  /** How the sink's reader takes its pictures (MAX_WAIT_S). */
  private pace = new StdinPace();
  private timer: NodeJS.Timeout | undefined;
  /**
   * Monotonic time of tick 0: tick n is due at epoch + n/fps, and stamped on the wall clock as
   * wallClock.wallAt(epoch) + n/fps. (performance.now is CLOCK_MONOTONIC, which NTP slews with the
   * wall clock: only a step of the wall clock separates them, or a suspend, which the monotonic
   * clock does not count. followWallClock follows such a step, and each encoder run takes the wall
   * clock afresh.)
   */
  private epoch = 0;
  private readonly wallClock: WallClockSteps;
  private tick = 0;
  private readonly silence: Buffer;

  /** The fewest pictures queued at any tick of the current second, and that second's ticks so far (live sources). */
  private standingMin = Infinity;
  private standingTicks = 0;

  private readonly counters = { sourceFrames: 0, fedFrames: 0, repeatedFrames: 0, slateFrames: 0, droppedFrames: 0, behindFrames: 0, trimmedFrames: 0 };

  constructor(private readonly opts: FrameSyncOptions) {
    const { raw } = opts;
    this.frameSize = (raw.width * raw.height * 3) / 2;
    if (opts.slate.length !== this.frameSize) throw new Error(`slate is ${opts.slate.length} bytes, expected ${this.frameSize}`);
    this.bytesPerSampleFrame = 2 * raw.channels;
    this.maxQueue = opts.maxQueueFrames ?? Math.max(2, Math.min(Math.ceil(raw.fps / 2), Math.floor((64 * 1024 * 1024) / this.frameSize)));
    this.repeatMs = opts.repeatMs ?? 1000;
    const backlog = (frames: number) => mkvStreamHeader(raw).length + (MKV_FRAME_HEADER_MAX_BYTES + this.frameSize) * frames;
    this.maxBacklogBytes = backlog(4);
    this.maxKeyframeBacklogBytes = backlog(KEYFRAME_BACKLOG_FRAMES);
    this.maxBeforeKeyframeBacklogBytes = backlog(BEFORE_KEYFRAME_BACKLOG_FRAMES);
    this.mono = opts.monotonic ?? (() => performance.now());
    this.now = opts.now ?? Date.now;
    this.wallClock = new WallClockSteps(this.now, this.mono);
    this.silence = Buffer.alloc(this.audioBytesForTick(0) + 64 * this.bytesPerSampleFrame);
  }

  /** Take frames from a new source attempt (the decoder's pipes); replaces any previous source. */
  attachSource(video: Readable, audio?: Readable): void {
    this.detachSource();
    this.video = video;
    this.audioIn = audio;
    this.sourceHasAudio = audio !== undefined;
    this.partial = undefined;
    this.partialLen = 0;
    this.audio = [];
    this.audioBytes = 0;
    video.on('data', this.onVideo);
    audio?.on('data', this.onAudio);
  }

  detachSource(): void {
    this.video?.off('data', this.onVideo);
    this.audioIn?.off('data', this.onAudio);
    this.video = undefined;
    this.audioIn = undefined;
    this.queue = [];
    this.paused = false;
  }

  /** Where frames go; undefined while the encoder is (re)starting, and ticks are then dropped. */
  setSink(sink: FrameSink | undefined): void {
    this.sink = sink;
    this.sinkFirstTick = undefined;
    this.lastPictureTick = undefined;
    this.pace = new StdinPace();
  }

  start(): void {
    if (this.timer) return;
    this.epoch = this.mono();
    this.wallClock.rebase();
    this.tick = 0;
    this.schedule();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  stats(): FrameSyncStats {
    const t = this.now();
    this.arrivals = this.arrivals.filter((a) => t - a <= 2000);
    return {
      ...this.counters,
      queued: this.queue.length,
      inputFps: Math.round((this.arrivals.length / 2) * 10) / 10,
      inputConnected: this.connected,
    };
  }

  private readonly onVideo = (chunk: Buffer): void => {
    let off = 0;
    while (off < chunk.length) {
      if (!this.partial) {
        // A whole frame in one chunk: keep a view instead of copying.
        if (this.partialLen === 0 && chunk.length - off >= this.frameSize) {
          this.pushFrame(chunk.subarray(off, off + this.frameSize));
          off += this.frameSize;
          continue;
        }
        this.partial = Buffer.allocUnsafe(this.frameSize);
        this.partialLen = 0;
      }
      const n = Math.min(this.frameSize - this.partialLen, chunk.length - off);
      chunk.copy(this.partial, this.partialLen, off, off + n);
      this.partialLen += n;
      off += n;
      if (this.partialLen === this.frameSize) {
        this.pushFrame(this.partial);
        this.partial = undefined;
        this.partialLen = 0;
      }
    }
  };

  private readonly onAudio = (chunk: Buffer): void => {
    this.audio.push(chunk);
    this.audioBytes += chunk.length;
    // Never hold more than two seconds of sound, whatever happens to the video.
    const cap = 2 * this.opts.raw.sampleRate * this.bytesPerSampleFrame;
    if (this.audioBytes > cap) this.dropAudio(this.audioBytes - cap);
  };

  private pushFrame(data: Buffer): void {
    const t = this.now();
    this.counters.sourceFrames++;
    this.arrivals.push(t);
    if (this.arrivals.length > 4 * this.opts.raw.fps) this.arrivals.shift();
    this.queue.push({ data, arrivedAt: t });
    if (this.opts.liveSource) {
      while (this.queue.length > this.maxQueue) {
        this.queue.shift();
        this.counters.droppedFrames++;
      }
      return;
    }
    if (this.queue.length >= this.maxQueue && !this.paused && this.video) {
      this.paused = true;
      this.video.pause();
    }
  }

  private schedule(): void {
    const period = 1000 / this.opts.raw.fps;
    const due = this.epoch + this.tick * period;
    this.timer = setTimeout(() => this.onTick(), Math.max(0, due - this.mono()));
  }

  private onTick(): void {
    const period = 1000 / this.opts.raw.fps;
    let behind = Math.floor((this.mono() - this.epoch) / period) - this.tick;
    // After a long stall (a debugger, a process stopped and continued) skip ahead rather than flood
    // the encoder: the skipped ticks are dropped pictures, and their sound is silence, so the
    // timeline stays on the clock.
    if (behind > 2 * this.opts.raw.fps) {
      this.skipTicks(behind);
      behind = 0;
    }
    this.followWallClock();
    // Emit every tick that is due, so the output timeline keeps pace with the wall clock.
    const dueTicks = Math.max(1, Math.min(behind + 1, 2 * this.opts.raw.fps));
    // Ticks written at once after this process stalled (up to 2 s) overflow the encoder's stdin by
    // themselves: their dropped pictures are the stall's, not a sign that the encoder is too slow.
    for (let i = 0; i < dueTicks; i++) this.emitTick(i > 0);
    this.schedule();
  }

  private emitTick(afterStall = false): void {
    const audioBytes = this.audioBytesForTick(this.tick);
    this.tick++;
    let frame: QueuedFrame | undefined = this.queue.shift();
    let kind: 'source' | 'repeat' | 'slate' = 'source';
    if (frame) {
      this.last = frame;
      // Measured from the last fresh picture shown, not from arrival: a burst (HLS pull) arrives at once.
      this.lastSourceAt = this.mono();
    } else if (this.last && this.mono() - this.lastSourceAt <= this.repeatMs) {
      frame = this.last;
      kind = 'repeat';
    } else {
      kind = 'slate';
      this.last = undefined;
    }
    if (this.paused && this.queue.length <= this.maxQueue / 2) {
      this.paused = false;
      this.video?.resume();
    }
    this.setConnected(kind !== 'slate');

    const sound = kind === 'slate' ? this.silence.subarray(0, audioBytes) : this.takeAudio(audioBytes);
    // After this tick's picture and sound are taken: what is trimmed is what waits behind them.
    if (this.opts.liveSource) this.trimStandingQueue();
    if (kind === 'repeat') this.counters.repeatedFrames++;
    if (kind === 'slate') this.counters.slateFrames++;

    const sink = this.sink;
    if (!sink || sink.video.destroyed) {
      this.counters.droppedFrames++;
      return;
    }
    const tick = this.tick - 1;
    this.startTimeline(sink, tick);
    // An encoder that has not read its sound for this long is stuck: keep the memory bounded.
    if (sink.audio.writableLength <= MAX_AUDIO_BACKLOG_S * this.opts.raw.sampleRate * this.bytesPerSampleFrame) sink.audio.write(sound);
    // Not keeping up: drop this picture; the next one's timestamp leaves the gap. But a picture at
    // least every second and at every keyframe time, and the two before it (keyframeSeconds says
    // why those two), each up to its own backlog and wait.
    const expectedWaitMs = this.pace.expectedWaitMs(sink.video.writableLength, this.mono());
    const limits = this.limitsFor(tick);
    if (sink.video.writableLength > limits.bytes || expectedWaitMs > limits.waitMs) {
      this.counters.droppedFrames++;
      if (!afterStall) this.counters.behindFrames++;
      return;
    }
    this.lastPictureTick = tick;
    if (sink.onKeyframeLag && this.isKeyframeTick(tick - this.sinkFirstTick!)) {
      // A repeated picture was taken when it first arrived; the slate is drawn now.
      const stampedAt = this.wallClock.wallAt(this.epoch) + (tick * 1000) / this.opts.raw.fps;
      sink.onKeyframeLag(this.timestampUs(tick) / 1e6, frame ? Math.max(0, stampedAt - frame.arrivedAt) : 0);
    }
    const data = frame ? frame.data : this.opts.slate;
    const header = mkvFrameHeader(this.timestampUs(tick), data.length);
    sink.video.write(header);
    sink.video.write(data);
    this.pace.wrotePicture(header.length + data.length);
    this.counters.fedFrames++;
    this.opts.onFrameFed?.(tick - this.sinkFirstTick!, this.now(), kind === 'source' ? frame?.arrivedAt : undefined);
  }

  /**
   * How long this tick's picture may expect to wait in the encoder's stdin (StdinPace) and how
   * many bytes may wait there before it, by what the picture is to the parts. The two pictures
   * before a keyframe time go as a pair: the first while the encoder is a little behind, the second
   * whenever the first went. The second alone would be the part's last frame with a gap before it,
   * and it would run past the cut (keyframeSeconds); so it is dropped then, however short the backlog.
   */
  private limitsFor(tick: number): { waitMs: number; bytes: number } {
    const place = tick - this.sinkFirstTick!;
    if (this.isKeyframeTick(place) || tick - (this.lastPictureTick ?? tick) >= this.opts.raw.fps) {
      return { waitMs: KEYFRAME_MAX_WAIT_S * 1000, bytes: this.maxKeyframeBacklogBytes };
    }
    if (this.isKeyframeTick(place + 1)) {
      return this.lastPictureTick === tick - 1 ? { waitMs: Infinity, bytes: this.maxKeyframeBacklogBytes } : { waitMs: -1, bytes: -1 };
    }
    if (this.isKeyframeTick(place + 2)) return { waitMs: BEFORE_KEYFRAME_MAX_WAIT_S * 1000, bytes: this.maxBeforeKeyframeBacklogBytes };
    return { waitMs: MAX_WAIT_S * 1000, bytes: this.maxBacklogBytes };
  }

  /**
   * A live source's queue that never fell below two pictures for a whole second is delay, not
   * cushion: the oldest pictures are skipped down to STANDING_QUEUE_KEEP (the sound follows, as
   * takeAudio keeps it level with the queue). A queue that empties now and then is left alone.
   */
  private trimStandingQueue(): void {
    this.standingMin = Math.min(this.standingMin, this.queue.length);
    if (++this.standingTicks < this.opts.raw.fps) return;
    const surplus = this.standingMin - STANDING_QUEUE_KEEP;
    if (surplus > 0) {
      this.queue.splice(0, surplus);
      this.counters.trimmedFrames += surplus;
      // Their sound goes with them, so picture and sound stay together (takeAudio alone would let
      // the sound lag by up to 3 ticks for the rest of the run).
      if (this.sourceHasAudio) this.dropAudio(Math.min(this.audioBytes, surplus * this.audioBytesForTick(this.tick)));
    }
    this.standingMin = Infinity;
    this.standingTicks = 0;
  }

  /**
   * Ticks are paced by the monotonic clock and stamped on the wall clock as it was at the run's
   * start; when the wall clock steps, the stamps move with it from the next tick on, and the sink is
   * told where in its timeline.
   */
  private followWallClock(): void {
    const stepMs = this.wallClock.check();
    if (stepMs !== 0 && this.sink && this.sinkFirstTick !== undefined) this.sink.onClockStep?.(this.timestampUs(this.tick) / 1e6, stepMs);
  }

  /** The sink's first tick: the stream header, and its timestamp 0 on the wall clock. */
  private startTimeline(sink: FrameSink, tick: number): void {
    if (this.sinkFirstTick !== undefined) return;
    this.sinkFirstTick = tick;
    // Take the wall clock afresh for each encoder run (it may have been stepped since the last).
    this.wallClock.rebase();
    const header = mkvStreamHeader(this.opts.raw);
    sink.video.write(header);
    this.pace.wrote(header.length);
    sink.onTimelineStart?.(this.wallClock.wallAt(this.epoch) + (tick * 1000) / this.opts.raw.fps);
  }

  /** Whether the picture `ticks` into the sink's timeline is where ffmpeg forces a keyframe (FrameSyncOptions.keyframeSeconds). */
  private isKeyframeTick(ticks: number): boolean {
    const every = this.opts.keyframeSeconds;
    if (every === undefined) return false;
    // ffmpeg's rule: the first frame at or after each multiple (+1e-9: a division that should give a
    // whole number may land a hair under it).
    const multiplesBy = (t: number) => Math.floor(t / this.opts.raw.fps / every + 1e-9);
    return ticks === 0 || multiplesBy(ticks) > multiplesBy(ticks - 1);
  }

  /** A tick's place in the sink's timeline, in microseconds (from the tick number: no rounding drift). */
  private timestampUs(tick: number): number {
    return Math.round(((tick - (this.sinkFirstTick ?? tick)) * 1e6) / this.opts.raw.fps);
  }

  /** Ticks that passed during a stall: pictures dropped, sound written as silence (up to MAX_STALL_SILENCE_S). */
  private skipTicks(count: number): void {
    const sink = this.sink;
    const first = this.tick;
    this.tick += count;
    this.counters.droppedFrames += count;
    if (!sink || sink.audio.destroyed || this.sinkFirstTick === undefined) return;
    const stalledMs = (count * 1000) / this.opts.raw.fps;
    if (stalledMs > MAX_STALL_SILENCE_S * 1000) {
      this.opts.onTimelineBreak?.(stalledMs);
      return;
    }
    let bytes = 0;
    for (let n = first; n < this.tick; n++) bytes += this.audioBytesForTick(n);
    sink.audio.write(Buffer.alloc(bytes));
  }

  private setConnected(connected: boolean): void {
    if (connected === this.connected) return;
    this.connected = connected;
    this.opts.onInputChange?.(connected);
  }

  /** Audio for tick n: sample counts alternate so that fractional rates (29.97) add up exactly. */
  private audioBytesForTick(n: number): number {
    const { sampleRate, fps } = this.opts.raw;
    const samples = Math.floor(((n + 1) * sampleRate) / fps) - Math.floor((n * sampleRate) / fps);
    return samples * this.bytesPerSampleFrame;
  }

  /** This tick's sound from the source, padded with silence when short; trims a backlog so A/V stay in step. */
  private takeAudio(bytes: number): Buffer {
    if (!this.sourceHasAudio) return this.silence.subarray(0, bytes);
    // The sound should be about as far ahead as the queued pictures; more than 3 ticks extra is dropped.
    const expected = (this.queue.length + 1) * bytes;
    const excess = this.audioBytes - expected - 3 * bytes;
    if (excess > 0) this.dropAudio(excess);
    const out = Buffer.alloc(bytes);
    let filled = 0;
    while (filled < bytes && this.audio.length > 0) {
      const head = this.audio[0]!;
      const n = Math.min(bytes - filled, head.length);
      head.copy(out, filled, 0, n);
      filled += n;
      if (n === head.length) this.audio.shift();
      else this.audio[0] = head.subarray(n);
    }
    this.audioBytes -= filled;
    return out;
  }

  private dropAudio(bytes: number): void {
    let left = bytes - (bytes % this.bytesPerSampleFrame);
    while (left > 0 && this.audio.length > 0) {
      const head = this.audio[0]!;
      if (head.length <= left) {
        this.audio.shift();
        left -= head.length;
        this.audioBytes -= head.length;
      } else {
        this.audio[0] = head.subarray(left);
        this.audioBytes -= left;
        left = 0;
      }
    }
  }
}
