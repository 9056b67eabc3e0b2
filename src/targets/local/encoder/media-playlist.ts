/**
 * The media playlists, composed by us from what ffmpeg reports, so that they stay RFC 8216 through
 * encoder restarts. ffmpeg's hls muxer knows only its own run: a restarted ffmpeg starts a playlist
 * with one segment (under three target durations), never writes EXT-X-DISCONTINUITY-SEQUENCE, dates
 * segments from its own start-up (not the frames' time) and writes offsets as "+0000", which is not
 * RFC 3339. Here each rendition keeps a window of segments across runs:
 *
 *   - ffmpeg's playlist of the current run tells which segments are complete and how long they are;
 *   - the window keeps `windowSize` segments, whichever run wrote them; a new run's first segment
 *     carries EXT-X-DISCONTINUITY, and EXT-X-DISCONTINUITY-SEQUENCE counts the tags that left the
 *     window (RFC 8216 4.3.3.3, 6.2.1);
 *   - EXT-X-MEDIA-SEQUENCE counts segments, so it only grows (the file names are ffmpeg's);
 *   - EXT-X-PROGRAM-DATE-TIME is the wall-clock time the segment's first frame entered the
 *     pipeline (the decoder handed it to the frame synchronizer: for a camera or a push, its capture
 *     give or take the decoder; for the demo, when lavfi drew it): the run's timestamp 0 on the wall
 *     clock (frame-sync.ts) plus the durations before it in the run, less the time the run's first
 *     picture waited in the synchronizer's queue (noteCaptureLag). So the player's "behind real time"
 *     counts the queue too. One lag per run, not one per segment: within a run each date must be the
 *     previous one plus its duration (players map media time to dates by it; a date that jitters
 *     by the queue's few ms from segment to segment would read as a gap or an overlap). The one
 *     exception is a step of the wall clock itself (noteClockStep): the segments starting after it
 *     are dated on the new clock, as their pictures were captured on it.
 *
 * With parts (the local low mode, parts.ts) ffmpeg's "segments" are parts. A segment closes once its
 * parts add up to the segment length, or when its run ends; its URI names the whole segment the
 * caller makes by joining the parts' files. Whether a part starts with a keyframe is read from its
 * file by the caller (ts-random-access.ts): INDEPENDENT=YES, and EXT-X-INDEPENDENT-SEGMENTS only
 * while every segment listed starts with one. The playlist lists the parts of the last three
 * target durations and of the segment being written, with EXT-X-PART-INF and
 * EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK (RFC 8216bis 4.4.3.7-8, 4.4.4.9), and ends
 * with EXT-X-PRELOAD-HINT for the next part (4.4.5.3); the origin holds blocking reloads and
 * requests for the hinted part until they can be answered (origin/blocking-reload.ts).
 *
 * Pure: ffmpeg's text and times in, playlist text out; no clock, no I/O.
 */

import type { PartPlan } from './parts.js';

/** One segment as ffmpeg lists it. */
export interface FfmpegSegment {
  /** ffmpeg's media sequence number of the segment, in its run. */
  sequence: number;
  duration: number;
  uri: string;
}

export interface FfmpegPlaylist {
  segments: FfmpegSegment[];
  ended: boolean;
}

export interface WindowSegment {
  /** Our media sequence number. */
  sequence: number;
  duration: number;
  uri: string;
  /** Epoch ms of the segment's first frame. */
  programDateTime: number;
  /** The first segment of an encoder run that follows another: EXT-X-DISCONTINUITY before it. */
  discontinuity: boolean;
  /** Its parts, in order (with parts only): the segment's file is their files joined. */
  parts?: WindowPart[];
}

/** One part of a segment (an ffmpeg file). */
export interface WindowPart {
  uri: string;
  duration: number;
  /** It starts with a keyframe: INDEPENDENT=YES. */
  independent: boolean;
}

/**
 * What the playlist says of parts (parts.ts: PART-TARGET, which must not change, and PART-HOLD-BACK),
 * and the segment length a segment closes at once its parts add up to it; absent: whole segments only.
 */
export type PartSettings = Pick<PartPlan, 'targetSeconds' | 'holdBackSeconds'> & { segmentSeconds: number };

/** ffmpeg's media playlist: the segments (with ffmpeg's sequence numbers) and whether it ended. */
export function parseFfmpegPlaylist(text: string): FfmpegPlaylist {
  const segments: FfmpegSegment[] = [];
  let sequence = 0;
  let duration: number | undefined;
  let ended = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('#EXT-X-MEDIA-SEQUENCE:')) sequence = Number(line.slice(22));
    else if (line.startsWith('#EXTINF:')) duration = Number.parseFloat(line.slice(8));
    else if (line === '#EXT-X-ENDLIST') ended = true;
    else if (line !== '' && !line.startsWith('#') && duration !== undefined) {
      // ffmpeg lists segments by name beside the playlist; keep only the name (the origin serves both from stream/).
      segments.push({ sequence: sequence + segments.length, duration, uri: line.slice(line.lastIndexOf('/') + 1) });
      duration = undefined;
    }
  }
  return { segments, ended };
}

/** RFC 3339 with a "+00:00" offset (as MediaLive writes it): 2026-12-01T05:01:05.123+00:00. */
export function formatProgramDateTime(epochMs: number): string {
  return new Date(Math.round(epochMs)).toISOString().replace(/Z$/, '+00:00');
}

interface Run {
  id: number;
  /** Epoch ms of the run's timestamp 0; unknown until its first frame is written. */
  startMs: number | undefined;
  /** Keyframe timestamp (ms in the run) -> how long that picture waited before its tick (ms). */
  lags: Map<number, number>;
  /** The lag every date of the run is moved back by: its first segment's, fixed once known. */
  anchorLagMs?: number;
  /** Steps of the wall clock in the run, oldest first: from `atMs` on (ms in the run), dates move by `totalMs` (all steps so far). */
  clockSteps: Array<{ atMs: number; totalMs: number }>;
}

/** Keyframe lags kept per run: more than a playlist's worth of segments waiting for ffmpeg to list them. */
const MAX_LAGS = 256;
/** Wall-clock steps kept per run (a clock that steps more often than this in a playlist's time is broken anyway). */
const MAX_CLOCK_STEPS = 64;
/** A segment starts at a keyframe's timestamp give or take ffmpeg's rounding of durations (6 decimals). */
const LAG_MATCH_MS = 5;
/** Parts that add up to the segment length within this much make the whole segment (ffmpeg rounds each to the microsecond). */
const SEGMENT_FULL_SLACK_S = 0.005;
/** Parts are listed for the segments starting within this many target durations of the playlist's end (RFC 8216bis 6.2.2). */
const PARTS_LISTED_TARGET_DURATIONS = 3;

/** The segment whose parts are being written. */
interface OpenSegment {
  parts: WindowPart[];
  programDateTime: number;
  discontinuity: boolean;
}

interface RenditionState {
  segments: WindowSegment[];
  /** With parts: the segment being written, not yet whole. */
  open: OpenSegment | undefined;
  discontinuitySequence: number;
  nextSequence: number;
  /** The run that wrote the newest segment, ffmpeg's number for it, and the run's seconds so far. */
  runId: number | undefined;
  lastFfmpegSequence: number;
  runSeconds: number;
  ended: boolean;
  /** It must not change (RFC 8216 6.2.1): the ladder's, raised for good if a segment rounds above it. */
  targetDuration: number;
}

export interface PlaylistUpdate {
  /** The playlist to publish; undefined when nothing changed (a stale run, or no new segment). */
  text: string | undefined;
  /** The segments this update added. */
  added: WindowSegment[];
  /** The segments that left the window with this update. */
  removed: WindowSegment[];
}

export class PlaylistComposer {
  private readonly renditions = new Map<string, RenditionState>();
  private run: Run = { id: 0, startMs: undefined, lags: new Map(), clockSteps: [] };

  constructor(private readonly opts: { windowSize: number; targetDuration: number; firstSequence?: number; parts?: PartSettings }) {}

  /** A new encoder run: its playlists are told apart by this id. */
  beginRun(id: number): void {
    this.run = { id, startMs: undefined, lags: new Map(), clockSteps: [] };
  }

  /** The picture at `atSeconds` in run `id`'s timeline entered the pipeline `lagMs` before its tick. */
  noteCaptureLag(id: number, atSeconds: number, lagMs: number): void {
    if (id !== this.run.id || !(lagMs >= 0)) return;
    this.run.lags.set(Math.round(atSeconds * 1000), lagMs);
    if (this.run.lags.size > MAX_LAGS) this.run.lags.delete(this.run.lags.keys().next().value!);
  }

  private lagAt(runSeconds: number): number {
    const at = runSeconds * 1000;
    for (const [t, lag] of this.run.lags) if (Math.abs(t - at) <= LAG_MATCH_MS) return lag;
    return 0;
  }

  /**
   * The wall clock stepped by `stepMs` when run `id`'s timeline was at `atSeconds` (frame-sync.ts,
   * onClockStep): the segments starting there or later are dated on the stepped clock. A segment
   * already under way keeps its date (its later pictures are off by the step, for one segment).
   */
  noteClockStep(id: number, atSeconds: number, stepMs: number): void {
    if (id !== this.run.id) return;
    const steps = this.run.clockSteps;
    steps.push({ atMs: atSeconds * 1000, totalMs: (steps.at(-1)?.totalMs ?? 0) + stepMs });
    // Every rendition is long past the oldest ones (each lists its segments within seconds).
    if (steps.length > MAX_CLOCK_STEPS) steps.shift();
  }

  /** The wall clock's steps in this run up to `runSeconds` into it (noteClockStep), in ms. */
  private clockStepsAt(runSeconds: number): number {
    const at = runSeconds * 1000 + LAG_MATCH_MS;
    const steps = this.run.clockSteps;
    for (let i = steps.length - 1; i >= 0; i--) if (steps[i]!.atMs <= at) return steps[i]!.totalMs;
    return 0;
  }

  /** When the run's timestamp 0 was, on the wall clock (epoch ms). */
  setRunStart(id: number, startMs: number): void {
    if (id === this.run.id) this.run.startMs = startMs;
  }

  /**
   * ffmpeg of run `runId` wrote its playlist for `name`. `nowMs` dates a segment whose run start is
   * unknown (it cannot be, as ffmpeg writes a playlist only after a segment's worth of frames).
   * With parts, `independent` tells whether a part's file starts with a keyframe.
   */
  update(runId: number, name: string, ffmpegText: string, nowMs: number, independent: (uri: string) => boolean = () => false): PlaylistUpdate {
    if (runId !== this.run.id) return { text: undefined, added: [], removed: [] };
    const state = this.rendition(name);
    const parsed = parseFfmpegPlaylist(ffmpegText);
    const newRun = state.runId !== runId;
    const fresh = parsed.segments.filter((s) => newRun || s.sequence > state.lastFfmpegSequence);
    const added: WindowSegment[] = [];
    const parts = this.opts.parts;
    for (const [i, seg] of fresh.entries()) {
      const runStart = newRun && i === 0;
      if (runStart) {
        // A dead run's unfinished segment ends where that run did.
        if (state.open) added.push(this.close(state, name));
        state.runSeconds = 0;
      }
      const start = this.run.startMs ?? nowMs - seg.duration * 1000;
      const programDateTime = start + state.runSeconds * 1000 - (this.run.anchorLagMs ??= this.lagAt(state.runSeconds)) + this.clockStepsAt(state.runSeconds);
      const discontinuity = runStart && (state.segments.length > 0 || added.length > 0);
      if (!parts) {
        added.push({ sequence: state.nextSequence++, duration: seg.duration, uri: seg.uri, programDateTime, discontinuity });
        state.targetDuration = Math.max(state.targetDuration, Math.round(seg.duration));
      } else {
        const part: WindowPart = { uri: seg.uri, duration: seg.duration, independent: independent(seg.uri) };
        state.open ??= { parts: [], programDateTime, discontinuity };
        state.open.parts.push(part);
        if (sumDurations(state.open.parts) >= parts.segmentSeconds - SEGMENT_FULL_SLACK_S) added.push(this.close(state, name));
      }
      state.runSeconds += seg.duration;
      state.lastFfmpegSequence = seg.sequence;
    }
    if (parsed.ended && state.open) added.push(this.close(state, name));
    if (fresh.length > 0) state.runId = runId;
    const changed = fresh.length > 0 || parsed.ended !== state.ended;
    state.ended = parsed.ended;
    if (!changed) return { text: undefined, added, removed: [] };
    state.segments.push(...added);
    const removed: WindowSegment[] = [];
    while (state.segments.length > this.opts.windowSize) {
      const gone = state.segments.shift()!;
      if (gone.discontinuity) state.discontinuitySequence++;
      removed.push(gone);
    }
    // With parts, no playlist until a whole segment is in it: a player that reads whole segments
    // would find none (hls.js: LEVEL_EMPTY_ERROR).
    if (parts && state.segments.length === 0) return { text: undefined, added, removed };
    return { text: this.render(state), added, removed };
  }

  /** The open segment, whole now (or cut short by its run's end): the URI of its joined file. */
  private close(state: RenditionState, name: string): WindowSegment {
    const open = state.open!;
    state.open = undefined;
    const sequence = state.nextSequence++;
    const duration = sumDurations(open.parts);
    state.targetDuration = Math.max(state.targetDuration, Math.round(duration));
    return { sequence, duration, uri: `${name}_s${String(sequence).padStart(5, '0')}.ts`, programDateTime: open.programDateTime, discontinuity: open.discontinuity, parts: open.parts };
  }

  /**
   * The number for a new run's first file: ffmpeg's sequence goes on from the last one listed, so a
   * killed run's unfinished, never listed file is replaced. Without parts it is also the media
   * sequence number its segment will get, so names keep matching the sequence.
   */
  nextFileNumber(): number {
    const first = this.opts.firstSequence ?? 1;
    // With parts, one number is skipped: the dead run's last playlist hinted lastFfmpegSequence + 1
    // (EXT-X-PRELOAD-HINT), and a player holding a request for it must not be given the new run's
    // first part, another timeline, in place of the part that never came.
    const next = (r: RenditionState): number => (this.opts.parts ? r.lastFfmpegSequence + 2 : r.nextSequence);
    return Math.max(first, ...[...this.renditions.values()].map(next));
  }

  private rendition(name: string): RenditionState {
    let state = this.renditions.get(name);
    if (!state) {
      state = {
        segments: [],
        open: undefined,
        discontinuitySequence: 0,
        nextSequence: this.opts.firstSequence ?? 1,
        runId: undefined,
        lastFfmpegSequence: -1,
        runSeconds: 0,
        ended: false,
        targetDuration: this.opts.targetDuration,
      };
      this.renditions.set(name, state);
    }
    return state;
  }

  private render(state: RenditionState): string {
    const parts = this.opts.parts;
    const lines = [
      '#EXTM3U',
      '#EXT-X-VERSION:3',
      `#EXT-X-TARGETDURATION:${state.targetDuration}`,
      ...(parts ? [`#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=${parts.holdBackSeconds.toFixed(6)}`, `#EXT-X-PART-INF:PART-TARGET=${parts.targetSeconds.toFixed(6)}`] : []),
      `#EXT-X-MEDIA-SEQUENCE:${state.segments[0]?.sequence ?? state.nextSequence}`,
      `#EXT-X-DISCONTINUITY-SEQUENCE:${state.discontinuitySequence}`,
      ...(state.segments.every((s) => !s.parts || s.parts[0]!.independent) ? ['#EXT-X-INDEPENDENT-SEGMENTS'] : []),
    ];
    const listParts = parts ? this.segmentsWithParts(state) : 0;
    state.segments.forEach((s, i) => {
      if (s.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
      lines.push(`#EXT-X-PROGRAM-DATE-TIME:${formatProgramDateTime(s.programDateTime)}`);
      if (s.parts && i >= state.segments.length - listParts) lines.push(...s.parts.map(partLine));
      lines.push(`#EXTINF:${s.duration.toFixed(6)},`, s.uri);
    });
    if (state.open && !state.ended) {
      if (state.open.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
      // The date comes before the segment's first part (RFC 8216bis 4.4.4.9), whole or not yet.
      lines.push(`#EXT-X-PROGRAM-DATE-TIME:${formatProgramDateTime(state.open.programDateTime)}`, ...state.open.parts.map(partLine));
    }
    const hint = parts && !state.ended ? nextPartUri(state) : undefined;
    if (hint !== undefined) lines.push(`#EXT-X-PRELOAD-HINT:TYPE=PART,URI="${hint}"`);
    if (state.ended) lines.push('#EXT-X-ENDLIST');
    return lines.join('\n') + '\n';
  }

  /** How many of the newest whole segments list their parts: those starting within three target durations of the playlist's end. */
  private segmentsWithParts(state: RenditionState): number {
    const limit = PARTS_LISTED_TARGET_DURATIONS * state.targetDuration + SEGMENT_FULL_SLACK_S;
    let fromEnd = state.open ? sumDurations(state.open.parts) : 0;
    let count = 0;
    for (let i = state.segments.length - 1; i >= 0; i--) {
      fromEnd += state.segments[i]!.duration;
      if (fromEnd > limit) break;
      count++;
    }
    return count;
  }
}

function sumDurations(parts: ReadonlyArray<{ duration: number }>): number {
  return Math.round(parts.reduce((sum, p) => sum + p.duration, 0) * 1e6) / 1e6;
}

/**
 * The part ffmpeg writes next: the newest part's file number plus one (RFC 8216bis 4.4.5.3,
 * EXT-X-PRELOAD-HINT). Players that read parts ask for it (and for the playlist that will list it)
 * before it exists, and the origin holds both requests until ffmpeg's upload of it is complete: so
 * Shaka and video.js follow part by part, where without a hint they wait for the next segment
 * (they ask for its first part, or for the segment being written to be whole).
 */
function nextPartUri(state: RenditionState): string | undefined {
  const newest = state.open?.parts.at(-1) ?? state.segments.at(-1)?.parts?.at(-1);
  const m = newest === undefined ? null : /^(.*_)(\d+)\.ts$/.exec(newest.uri);
  if (m === null) return undefined;
  const digits = m[2]!;
  return `${m[1]}${String(Number(digits) + 1).padStart(digits.length, '0')}.ts`;
}

function partLine(p: WindowPart): string {
  return `#EXT-X-PART:DURATION=${p.duration.toFixed(6)},URI="${p.uri}"${p.independent ? ',INDEPENDENT=YES' : ''}`;
}
