import { PassThrough, Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FrameSynchronizer } from '../../../../src/targets/local/encoder/frame-sync.js';
import { MKV_FRAME_HEADER_MAX_BYTES, mkvStreamHeader } from '../../../../src/targets/local/encoder/raw-video-mkv.js';
import { encoderFrames } from './mkv-frames.js';

// 4x2 yuv420p = 12 bytes per frame; 10 fps; 100 Hz mono audio = 10 samples (20 bytes) per tick.
const RAW = { width: 4, height: 2, fps: 10, sampleRate: 100, channels: 1 };
const frame = (v: number): Buffer => Buffer.alloc(12, v);
const SLATE = frame(0xee);

function collector(): { sink: Writable; chunks: Buffer[] } {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(Buffer.from(chunk));
      cb();
    },
  });
  return { sink, chunks };
}

/** An encoder's stdin that takes `delayMs(chunk)` to read each chunk, keeping what it read and when it began reading it. */
function readingEncoder(delayMs: (chunk: Buffer) => number, highWaterMark?: number): { sink: Writable; chunks: Buffer[]; readAt: number[] } {
  const chunks: Buffer[] = [];
  const readAt: number[] = [];
  const sink = new Writable({
    highWaterMark,
    write(chunk: Buffer, _enc, cb) {
      chunks.push(Buffer.from(chunk));
      readAt.push(Date.now());
      setTimeout(cb, delayMs(chunk));
    },
  });
  return { sink, chunks, readAt };
}

/** An encoder that takes `msPerPicture` to read each picture (a 12-byte one, RAW's size) and reads the rest at once. */
function slowEncoder(msPerPicture: number): { sink: Writable; chunks: Buffer[] } {
  return readingEncoder((chunk) => (chunk.length === 12 ? msPerPicture : 0));
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function setup(opts: { repeatMs?: number; maxQueueFrames?: number; liveSource?: boolean } = {}) {
  const changes: boolean[] = [];
  const sync = new FrameSynchronizer({
    raw: RAW,
    slate: SLATE,
    repeatMs: opts.repeatMs ?? 250,
    maxQueueFrames: opts.maxQueueFrames,
    liveSource: opts.liveSource,
    monotonic: () => Date.now(),
    onInputChange: (c) => changes.push(c),
  });
  const video = collector();
  const audio = collector();
  sync.setSink({ video: video.sink, audio: audio.sink });
  return { sync, changes, video, audio };
}

describe('FrameSynchronizer', () => {
  it('forwards source frames at the clock, repeats the last one briefly, then shows the slate', async () => {
    const { sync, changes, video } = setup();
    const src = new PassThrough();
    sync.attachSource(src);
    // Three frames arriving in odd-sized chunks.
    const bytes = Buffer.concat([frame(1), frame(2), frame(3)]);
    src.write(bytes.subarray(0, 5));
    src.write(bytes.subarray(5, 30));
    src.write(bytes.subarray(30));
    await vi.advanceTimersByTimeAsync(0);
    sync.start();
    await vi.advanceTimersByTimeAsync(750);
    sync.stop();
    const kinds = encoderFrames(video.chunks, RAW).map((f) => f.data[0]);
    // ticks at 0..700 ms: 1, 2, 3, then repeats while within 250 ms of the last arrival, then slate.
    expect(kinds).toEqual([1, 2, 3, 3, 3, 0xee, 0xee, 0xee]);
    expect(changes).toEqual([true, false]);
    expect(sync.stats()).toMatchObject({ sourceFrames: 3, repeatedFrames: 2, slateFrames: 3, droppedFrames: 0, inputConnected: false });
  });

  it('picks the source up again when a new attempt delivers frames', async () => {
    const { sync, changes, video } = setup();
    sync.start();
    await vi.advanceTimersByTimeAsync(250);
    const src = new PassThrough();
    sync.attachSource(src);
    src.write(frame(7));
    await vi.advanceTimersByTimeAsync(100);
    sync.stop();
    expect(encoderFrames(video.chunks, RAW).map((f) => f.data[0])).toEqual([0xee, 0xee, 0xee, 7]);
    expect(changes).toEqual([true]);
  });

  it('sends exactly one tick of audio per frame: the source sound, or silence when short or lost', async () => {
    const { sync, audio } = setup();
    const v = new PassThrough();
    const a = new PassThrough();
    sync.attachSource(v, a);
    v.write(Buffer.concat([frame(1), frame(2)]));
    a.write(Buffer.alloc(30, 5)); // a tick and a half of sound
    await vi.advanceTimersByTimeAsync(0);
    sync.start();
    await vi.advanceTimersByTimeAsync(250);
    sync.stop();
    expect(audio.chunks.map((c) => c.length)).toEqual([20, 20, 20]);
    expect([...audio.chunks[0]!]).toEqual(Array(20).fill(5));
    expect([...audio.chunks[1]!]).toEqual([...Array(10).fill(5), ...Array(10).fill(0)]);
  });

  it('pauses the source when its queue is full and resumes as frames go out (no unbounded buffering)', async () => {
    const { sync } = setup({ maxQueueFrames: 4 });
    const src = new PassThrough({ highWaterMark: 12 });
    sync.attachSource(src);
    for (let i = 1; i <= 10; i++) src.write(frame(i));
    await vi.advanceTimersByTimeAsync(0);
    expect(src.isPaused()).toBe(true);
    expect(sync.stats().queued).toBe(4);
    sync.start();
    await vi.advanceTimersByTimeAsync(1_000);
    sync.stop();
    expect(sync.stats().sourceFrames).toBe(10);
  });

  it('never pauses a live source (RTP, RTMP, a device): a full queue drops its oldest frames, counted', async () => {
    const { sync, video } = setup({ maxQueueFrames: 4, liveSource: true });
    const src = new PassThrough({ highWaterMark: 12 });
    sync.attachSource(src);
    for (let i = 1; i <= 10; i++) src.write(frame(i));
    await vi.advanceTimersByTimeAsync(0);
    // The decoder keeps being read (its socket keeps draining); what is too late is dropped.
    expect(src.isPaused()).toBe(false);
    expect(sync.stats().queued).toBe(4);
    expect(sync.stats().droppedFrames).toBe(6);
    // The encoder was not behind: the pace check (pace-check.ts) must not count these.
    expect(sync.stats().behindFrames).toBe(0);
    sync.start();
    await vi.advanceTimersByTimeAsync(400);
    sync.stop();
    // The newest four frames go out, in order.
    expect(encoderFrames(video.chunks, RAW).map((f) => f.data[0]).slice(0, 4)).toEqual([7, 8, 9, 10]);
  });

  it('skips a live source\'s standing queue down to one picture after a second, so a burst at the start does not delay the whole run', async () => {
    const { sync, video, audio } = setup({ maxQueueFrames: 8, liveSource: true });
    const src = new PassThrough();
    const sound = new PassThrough();
    sync.attachSource(src, sound);
    // Each picture comes with its tick of sound (20 bytes), marked with the picture's number.
    const send = (i: number) => {
      src.write(frame(i));
      sound.write(Buffer.alloc(20, i));
    };
    // The burst a decoder delivers after probing: 6 pictures at once, then one per tick as they arrive.
    for (let i = 1; i <= 6; i++) send(i);
    await vi.advanceTimersByTimeAsync(0);
    sync.start();
    let next = 7;
    for (let t = 0; t < 25; t++) {
      send(next++);
      await vi.advanceTimersByTimeAsync(100);
    }
    sync.stop();
    const shown = encoderFrames(video.chunks, RAW).map((f) => f.data[0]);
    // The first second plays the burst in order (one in and one out per tick, never fewer than 5
    // waiting); then the 4 pictures beyond one that had stood in the queue all second are skipped,
    // and the newest follow.
    expect(shown.slice(0, 10)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(shown.slice(10, 12)).toEqual([15, 16]);
    expect(sync.stats().trimmedFrames).toBe(4);
    expect(sync.stats().droppedFrames).toBe(0);
    // Now each picture goes out the tick after it arrives: at most one waits.
    expect(sync.stats().queued).toBeLessThanOrEqual(1);
    // And its sound with it, before and after the skip: each tick's sound is its picture's.
    expect(audio.chunks.map((c) => c[0])).toEqual(shown);
  });

  it('leaves a live queue alone when it empties now and then (an uneven source needs its cushion), and never trims a pulled source', async () => {
    for (const liveSource of [true, false]) {
      const { sync } = setup({ maxQueueFrames: 8, liveSource });
      const src = new PassThrough();
      sync.attachSource(src);
      sync.start();
      // Pairs every other tick: the queue goes 2, 1, 0, ... and stands at nothing.
      for (let t = 0; t < 30; t++) {
        if (t % 2 === 0) { src.write(frame(1)); src.write(frame(2)); }
        await vi.advanceTimersByTimeAsync(100);
      }
      sync.stop();
      expect(sync.stats().trimmedFrames).toBe(0);
    }
    // A pulled source (HLS) with a standing queue: held back, never skipped.
    const { sync } = setup({ maxQueueFrames: 8 });
    const src = new PassThrough();
    sync.attachSource(src);
    for (let i = 1; i <= 6; i++) src.write(frame(i));
    sync.start();
    for (let t = 0; t < 25; t++) {
      src.write(frame(9));
      await vi.advanceTimersByTimeAsync(100);
    }
    sync.stop();
    expect(sync.stats().trimmedFrames).toBe(0);
  });

  it('drops pictures instead of queueing when the encoder does not read, and still sends every tick of sound', async () => {
    const sync = new FrameSynchronizer({ raw: RAW, slate: SLATE, monotonic: () => Date.now() });
    const stuck = new Writable({ highWaterMark: 1, write: () => undefined }); // never calls back
    const audio = collector();
    sync.setSink({ video: stuck, audio: audio.sink });
    sync.start();
    await vi.advanceTimersByTimeAsync(2_000);
    sync.stop();
    const s = sync.stats();
    // Backlog is capped at 4 frames (with their headers), then one picture a second is still
    // written (up to 16 waiting): the rest of the 21 ticks were dropped.
    const backlog = (frames: number) => mkvStreamHeader(RAW).length + frames * (12 + MKV_FRAME_HEADER_MAX_BYTES);
    expect(stuck.writableLength).toBeGreaterThan(backlog(4));
    expect(stuck.writableLength).toBeLessThanOrEqual(backlog(7));
    expect(s.droppedFrames).toBeGreaterThan(10);
    expect(s.fedFrames + s.droppedFrames).toBe(21);
    // Every one of them for the backed-up encoder: what the pace check counts.
    expect(s.behindFrames).toBe(s.droppedFrames);
    expect(Buffer.concat(audio.chunks).length).toBe(21 * 20);
  });

  it('does not count as "behind" the pictures dropped when a stalled process writes its overdue ticks at once', async () => {
    let mono = 0;
    const sync = new FrameSynchronizer({ raw: RAW, slate: SLATE, monotonic: () => mono });
    // An encoder that reads: only the burst overflows its stdin.
    const reading = collector();
    const slow = new Writable({ highWaterMark: 1, write: (_c, _e, cb) => void setTimeout(cb, 1) });
    sync.setSink({ video: slow, audio: reading.sink });
    sync.start();
    // The event loop stalls 1.5 s (a busy moment, under the 2 s that skips ticks instead):
    // the next timer finds 15 ticks due and writes them at once.
    mono = 1_500;
    await vi.advanceTimersByTimeAsync(0);
    sync.stop();
    const s = sync.stats();
    expect(s.droppedFrames).toBeGreaterThan(0);
    expect(s.behindFrames).toBe(0);
  });

  it('holds at most 10 s of sound for an encoder that reads nothing at all', async () => {
    const sync = new FrameSynchronizer({ raw: RAW, slate: SLATE, monotonic: () => Date.now() });
    const stuck = () => new Writable({ highWaterMark: 1, write: () => undefined });
    const audio = stuck();
    sync.setSink({ video: stuck(), audio });
    sync.start();
    await vi.advanceTimersByTimeAsync(30_000);
    sync.stop();
    // 10 s at 100 Hz mono s16le is 2,000 bytes; one more tick may be in.
    expect(audio.writableLength).toBeGreaterThanOrEqual(2_000);
    expect(audio.writableLength).toBeLessThanOrEqual(2_020);
  });

  it('gives an encoder that reads a picture every 1.5 s one picture a second: no gap spans two keyframe times', async () => {
    const sync = new FrameSynchronizer({ raw: RAW, slate: SLATE, monotonic: () => Date.now() });
    const { sink: crawling, chunks } = slowEncoder(1_500);
    sync.setSink({ video: crawling, audio: collector().sink });
    sync.start();
    await vi.advanceTimersByTimeAsync(10_000);
    sync.stop();
    await vi.advanceTimersByTimeAsync(30_000);
    const times = encoderFrames(chunks, RAW).map((f) => f.timeMs);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(1_000);
  });

  it('keeps the encoder timeline on the wall clock when the encoder is too slow: dropped frames are gaps, not a shift', async () => {
    const fedAt: number[] = [];
    const places: number[] = [];
    const sync = new FrameSynchronizer({
      raw: RAW,
      slate: SLATE,
      monotonic: () => Date.now(),
      keyframeSeconds: 2,
      onFrameFed: (n, at) => {
        places.push(n);
        fedAt.push(at);
      },
    });
    // An encoder at about 2/3 of real time: each picture takes it 150 ms to read, at 10 fps.
    const { sink: slow, chunks } = slowEncoder(150);
    const audio = collector();
    let timelineStart: number | undefined;
    sync.setSink({ video: slow, audio: audio.sink, onTimelineStart: (ms) => (timelineStart = ms) });
    const started = Date.now();
    sync.start();
    await vi.advanceTimersByTimeAsync(60_000);
    sync.stop();
    await vi.advanceTimersByTimeAsync(5_000); // let the slow encoder read what was written
    const frames = encoderFrames(chunks, RAW);
    const s = sync.stats();
    expect(s.droppedFrames).toBeGreaterThan(100);
    expect(frames.length).toBe(s.fedFrames);
    expect(s.fedFrames + s.droppedFrames).toBe(601);
    // Each picture's timestamp is the wall-clock time it was handed over (its tick), within one frame
    // interval (100 ms), all minute long, although a third of the ticks were dropped. A frame count
    // (plain rawvideo) would put the last picture 20 s behind.
    const anchor = timelineStart ?? fedAt[0]!;
    expect(anchor).toBe(started);
    const worst = Math.max(...frames.map((f, i) => Math.abs(anchor + f.timeMs - fedAt[i]!)));
    expect(worst).toBeLessThan(100);
    // The gaps are whole frame intervals: timestamps on the tick grid, increasing, at most a second apart.
    const times = frames.map((f) => f.timeMs);
    expect(times.every((t, i) => i === 0 || (t > times[i - 1]! && t - times[i - 1]! <= 1_000))).toBe(true);
    expect(times.every((t) => Math.abs(t - Math.round(t / 100) * 100) < 0.01)).toBe(true);
    // Every keyframe time (each 2 s) has its picture, so all renditions cut segments at the same instants.
    const keyframeTimes = Array.from({ length: 31 }, (_, k) => k * 2_000);
    expect(keyframeTimes.filter((t) => !times.includes(t))).toEqual([]);
    // ... and so has the frame just before it: no gap runs up to a cut.
    expect(keyframeTimes.filter((t) => t > 0 && !times.includes(t - 100))).toEqual([]);
    // onFrameFed tells each frame's place in that timeline, in frame intervals.
    expect(places).toEqual(times.map((t) => Math.round(t / 100)));
    // The sound never stops: one tick of it for each of the 601 ticks, dropped pictures or not.
    expect(Buffer.concat(audio.chunks).length).toBe(601 * 20);
  });

  // Parts of 1/3 s at 30 fps, as ffmpeg is told them (0.333333), in pictures of 1,800 bytes (the
  // backlog is counted in bytes, and RAW's 12-byte ones are lost beside the stream header).
  const PART_RAW = { width: 40, height: 30, fps: 30, sampleRate: 300, channels: 1 };
  /**
   * 30 s of a synchronizer cutting parts into an encoder whose stdin takes `delayMs(chunk)` to
   * read each chunk, then 10 s more for it to read what is left: the ticks of the pictures it got.
   */
  async function feedParts(delayMs: (chunk: Buffer) => number, highWaterMark?: number): Promise<{ ticks: number[]; dropped: number; waitedMs: number[] }> {
    const sync = new FrameSynchronizer({ raw: PART_RAW, slate: Buffer.alloc(1_800), monotonic: () => Date.now(), keyframeSeconds: 0.333333 });
    const { sink: video, chunks, readAt } = readingEncoder(delayMs, highWaterMark);
    let timelineStart = NaN;
    sync.setSink({ video, audio: collector().sink, onTimelineStart: (wallMs) => (timelineStart = wallMs) });
    sync.start();
    await vi.advanceTimersByTimeAsync(30_000);
    sync.stop();
    await vi.advanceTimersByTimeAsync(10_000);
    const frames = encoderFrames(chunks, PART_RAW);
    // How long after its tick the encoder began reading each picture (the chunks of 1,800 bytes, in order).
    const pictureReadAt = readAt.filter((_, i) => chunks[i]!.length === 1_800);
    return {
      ticks: frames.map((f) => Math.round((f.timeMs * 30) / 1000)),
      dropped: sync.stats().droppedFrames,
      waitedMs: frames.map((f, i) => pictureReadAt[i]! - (timelineStart + f.timeMs)),
    };
  }
  /** The ticks where ffmpeg forces a keyframe (the first frame at or after each multiple of 0.333333 s) in the first 30 s. */
  const partCuts = Array.from({ length: 90 }, (_, m) => Math.max(0, Math.ceil(m * 0.333333 * 30 - 1e-9)));
  /** The cuts lacking their picture, or one of the two before it: a part's last frame would not end where the next part starts. */
  const cutsWithGaps = (ticks: number[]) => partCuts.filter((t) => [t, t - 1, t - 2].some((k) => k >= 0 && !ticks.includes(k)));
  /**
   * The cuts whose part's last frame runs past them: players that transmux TS give it the length of
   * the gap before it, and hls.js in Chrome then moves the next part's pictures later by the overlap.
   */
  const cutsOverrun = (ticks: number[]) => partCuts.filter((k) => {
    const before = ticks.filter((t) => t < k);
    const [p, l] = before.slice(-2);
    return l !== undefined && p !== undefined && l + (l - p) > k;
  });

  it('keeps the picture at every part start and the two before it when the encoder is behind, so each part ends where the next begins', async () => {
    expect(partCuts.slice(0, 4)).toEqual([0, 10, 20, 30]);
    // An encoder at about a third of real time: each picture takes it 90 ms to read (the three
    // pictures a part it must get are 9 a second).
    const { ticks, dropped } = await feedParts((chunk) => (chunk.length === 1_800 ? 90 : 0));
    expect(cutsWithGaps(ticks)).toEqual([]);
    // What it drops lies inside the parts: about two thirds of the pictures are gone.
    expect(dropped).toBeGreaterThan(450);
  });

  it('keeps the picture at every part start when the encoder pauses for a second at a time, and no part ends past its cut', async () => {
    // A busy machine: the encoder keeps up, then is descheduled for a second, every 3 s. The pauses
    // pile up the pictures at part starts behind the usual four; none may be dropped, or ffmpeg
    // forces the missed keyframes on the frames that follow and cuts one-frame parts. The two
    // before each may go, but not the earlier one alone.
    const start = Date.now();
    const pausing = () => {
      const inCycle = (Date.now() - start) % 3_000;
      return inCycle < 2_000 ? 0 : 3_000 - inCycle;
    };
    const { ticks, dropped } = await feedParts(pausing, 1);
    // Every part starts where ffmpeg was told to cut, and no part's last frame runs past its cut ...
    expect(partCuts.filter((k) => !ticks.includes(k))).toEqual([]);
    expect(cutsOverrun(ticks)).toEqual([]);
    // ... although it did drop pictures in the pauses, among them some of those before a cut.
    expect(dropped).toBeGreaterThan(100);
    expect(cutsWithGaps(ticks).length).toBeGreaterThan(0);
  });

  it('bounds how long a picture waits for an encoder too slow even for the part starts: sparse pictures do not pile up seconds of stream', async () => {
    // A machine so busy (a browser starting beside the stack) that the encoder reads a picture every
    // 400 ms: 2.5 a second, fewer than the 3 part starts. Counted in pictures alone, 16 waiting
    // part starts were 5.3 s of stream, and every player starting then kept that distance.
    const { ticks, waitedMs } = await feedParts((chunk) => (chunk.length === 1_800 ? 400 : 0));
    const settled = waitedMs.filter((_, i) => ticks[i]! >= 30);
    // The longest a picture may wait behind another (1.5 s for a part start), plus the one being read.
    expect(Math.max(...settled)).toBeLessThanOrEqual(1_500 + 400);
    // It still gets most part starts: what it cannot code is dropped, not delayed.
    expect(partCuts.filter((k) => ticks.includes(k)).length).toBeGreaterThan(60);
  });

  it('bridges a stalled event loop with silence and dropped pictures, and ends the timeline after a stall too long to bridge', async () => {
    const breaks: number[] = [];
    const steps: number[] = [];
    const sync = new FrameSynchronizer({ raw: RAW, slate: SLATE, monotonic: () => Date.now(), onTimelineBreak: (ms) => breaks.push(ms) });
    const video = collector();
    const audio = collector();
    sync.setSink({ video: video.sink, audio: audio.sink, onClockStep: (_, ms) => steps.push(ms) });
    sync.start();
    await vi.advanceTimersByTimeAsync(1_000); // ticks 0..10
    // The loop stood still for 5 s (both clocks went on; no timer ran): 50 ticks passed unseen.
    vi.setSystemTime(Date.now() + 5_000);
    await vi.advanceTimersByTimeAsync(100);
    const frames = encoderFrames(video.chunks, RAW);
    // The picture after the stall is stamped 5 s later than a frame count would say; the sound has 5 s of silence in between.
    const gaps = frames.slice(1).map((f, i) => f.timeMs - frames[i]!.timeMs);
    expect(Math.max(...gaps)).toBeGreaterThanOrEqual(5_000);
    // ... and never ahead of the clock (6.1 s have passed on it).
    expect(frames.at(-1)!.timeMs).toBeLessThanOrEqual(6_100);
    const ticksSoFar = Math.round(frames.at(-1)!.timeMs / 100) + 1;
    expect(Buffer.concat(audio.chunks).length).toBe(ticksSoFar * 20);
    expect(sync.stats().droppedFrames).toBe(ticksSoFar - frames.length);
    // A stalled event loop is not a slow encoder.
    expect(sync.stats().behindFrames).toBe(0);
    expect(breaks).toEqual([]);
    vi.setSystemTime(Date.now() + 60_000); // a debugger held it for a minute: more than 30 s cannot be bridged with silence
    await vi.advanceTimersByTimeAsync(100);
    sync.stop();
    expect(breaks).toHaveLength(1);
    expect(breaks[0]!).toBeGreaterThan(59_000);
    // A stall is not a step of the wall clock: the two clocks moved together.
    expect(steps).toEqual([]);
  });

  it('follows a step of the wall clock: tells the sink where in its timeline, and dates later pictures on the new clock', async () => {
    let wallShift = 0;
    const steps: Array<[number, number]> = [];
    const lags: Array<[number, number]> = [];
    const sync = new FrameSynchronizer({ raw: RAW, slate: SLATE, repeatMs: 60_000, keyframeSeconds: 1, monotonic: () => Date.now(), now: () => Date.now() + wallShift });
    const video = collector();
    sync.setSink({ video: video.sink, audio: collector().sink, onClockStep: (at, ms) => steps.push([at, ms]), onKeyframeLag: (t, lag) => lags.push([t, lag]) });
    const src = new PassThrough();
    sync.attachSource(src);
    sync.start();
    await vi.advanceTimersByTimeAsync(1_250);
    wallShift += 7_200; // NTP, a resumed laptop or VM: the wall clock jumps, the monotonic one does not
    await vi.advanceTimersByTimeAsync(500);
    wallShift += 40; // within what reading two clocks may differ by: not a step
    await vi.advanceTimersByTimeAsync(500);
    wallShift -= 3_000;
    await vi.advanceTimersByTimeAsync(720);
    src.write(frame(1)); // arrives 30 ms before the tick at 3 s (a keyframe time), on the stepped wall clock
    await vi.advanceTimersByTimeAsync(130);
    sync.stop();
    // Each step once, at the first tick after it (the tick at 1.3 s, then at 2.3 s), with its size
    // against the clock as last followed (so the 40 ms left alone are in the second).
    expect(steps).toEqual([[1.3, 7_200], [2.3, -2_960]]);
    // The picture's wait is measured on one clock: 30 ms, not 30 ms plus the steps.
    expect(lags.at(-1)).toEqual([3, 30]);
    // The encoder's timeline itself goes on untouched: one picture every 100 ms.
    const frames = encoderFrames(video.chunks, RAW);
    expect(frames.slice(1).map((f, i) => f.timeMs - frames[i]!.timeMs).every((d) => d === 100)).toBe(true);
  });

  it('does not take a late reading of the wall clock (the process descheduled between the readings) for a step', async () => {
    let late = 0;
    let delayNextWallRead = false;
    const steps: number[] = [];
    const sync = new FrameSynchronizer({
      raw: RAW,
      slate: SLATE,
      monotonic: () => Date.now() + late,
      // 200 ms pass while the wall clock is read, on both clocks: read alone, it looks 100 ms ahead of the midpoint.
      now: () => {
        if (delayNextWallRead) {
          delayNextWallRead = false;
          late += 200;
        }
        return Date.now() + late;
      },
    });
    sync.setSink({ video: collector().sink, audio: collector().sink, onClockStep: (_, ms) => steps.push(ms) });
    sync.start();
    await vi.advanceTimersByTimeAsync(500);
    delayNextWallRead = true;
    await vi.advanceTimersByTimeAsync(500);
    sync.stop();
    expect(delayNextWallRead).toBe(false);
    expect(steps).toEqual([]);
  });

  it('tells the sink, at each keyframe time, how long that picture waited since it arrived', async () => {
    const lags: Array<[number, number]> = [];
    const sync = new FrameSynchronizer({ raw: RAW, slate: SLATE, repeatMs: 1000, keyframeSeconds: 0.5, monotonic: () => Date.now() });
    const video = collector();
    const audio = collector();
    sync.setSink({ video: video.sink, audio: audio.sink, onKeyframeLag: (t, lag) => lags.push([t, lag]) });
    const src = new PassThrough();
    sync.attachSource(src);
    src.write(frame(1));
    await vi.advanceTimersByTimeAsync(30);
    sync.start(); // tick 0 now: frame 1 waited 30 ms
    await vi.advanceTimersByTimeAsync(420);
    src.write(frame(2)); // at 450 ms; tick 0 was at 30 ms, so tick 5 (the next keyframe time) is at 530 ms
    await vi.advanceTimersByTimeAsync(100);
    sync.stop();
    expect(lags).toEqual([[0, 30], [0.5, 80]]);
  });
});
