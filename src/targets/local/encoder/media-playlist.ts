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
 *     by the queue's few ms from segment to segment would read as a gap or an overlap).
 *
 * Pure: ffmpeg's text and times in, playlist text out; no clock, no I/O.
 */

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
}

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
}

/** Keyframe lags kept per run: more than a playlist's worth of segments waiting for ffmpeg to list them. */
const MAX_LAGS = 256;
/** A segment starts at a keyframe's timestamp give or take ffmpeg's rounding of durations (6 decimals). */
const LAG_MATCH_MS = 5;

interface RenditionState {
  segments: WindowSegment[];
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
}

export class PlaylistComposer {
  private readonly renditions = new Map<string, RenditionState>();
  private run: Run = { id: 0, startMs: undefined, lags: new Map() };

  constructor(private readonly opts: { windowSize: number; targetDuration: number; firstSequence?: number }) {}

  /** A new encoder run: its playlists are told apart by this id. */
  beginRun(id: number): void {
    this.run = { id, startMs: undefined, lags: new Map() };
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

  /** When the run's timestamp 0 was, on the wall clock (epoch ms). */
  setRunStart(id: number, startMs: number): void {
    if (id === this.run.id) this.run.startMs = startMs;
  }

  /**
   * ffmpeg of run `runId` wrote its playlist for `name`. `nowMs` dates a segment whose run start is
   * unknown (it cannot be, as ffmpeg writes a playlist only after a segment's worth of frames).
   */
  update(runId: number, name: string, ffmpegText: string, nowMs: number): PlaylistUpdate {
    if (runId !== this.run.id) return { text: undefined, added: [] };
    const state = this.rendition(name);
    const parsed = parseFfmpegPlaylist(ffmpegText);
    const newRun = state.runId !== runId;
    const fresh = parsed.segments.filter((s) => newRun || s.sequence > state.lastFfmpegSequence);
    const added: WindowSegment[] = [];
    for (const [i, seg] of fresh.entries()) {
      if (newRun && i === 0) state.runSeconds = 0;
      const start = this.run.startMs ?? nowMs - seg.duration * 1000;
      added.push({
        sequence: state.nextSequence++,
        duration: seg.duration,
        uri: seg.uri,
        programDateTime: start + state.runSeconds * 1000 - (this.run.anchorLagMs ??= this.lagAt(state.runSeconds)),
        discontinuity: newRun && i === 0 && state.segments.length > 0,
      });
      state.runSeconds += seg.duration;
      state.targetDuration = Math.max(state.targetDuration, Math.round(seg.duration));
      state.lastFfmpegSequence = seg.sequence;
    }
    if (fresh.length > 0) state.runId = runId;
    const changed = added.length > 0 || parsed.ended !== state.ended;
    state.ended = parsed.ended;
    if (!changed) return { text: undefined, added };
    state.segments.push(...added);
    while (state.segments.length > this.opts.windowSize) {
      if (state.segments.shift()!.discontinuity) state.discontinuitySequence++;
    }
    return { text: this.render(state), added };
  }

  /**
   * The file number for a new run's first segment: the media sequence number its segments will get,
   * so names keep matching the sequence (and a killed run's unfinished, never listed file is replaced).
   */
  nextSequence(): number {
    return Math.max(this.opts.firstSequence ?? 1, ...[...this.renditions.values()].map((r) => r.nextSequence));
  }

  private rendition(name: string): RenditionState {
    let state = this.renditions.get(name);
    if (!state) {
      state = {
        segments: [],
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
    const lines = [
      '#EXTM3U',
      '#EXT-X-VERSION:3',
      `#EXT-X-TARGETDURATION:${state.targetDuration}`,
      `#EXT-X-MEDIA-SEQUENCE:${state.segments[0]?.sequence ?? state.nextSequence}`,
      `#EXT-X-DISCONTINUITY-SEQUENCE:${state.discontinuitySequence}`,
      '#EXT-X-INDEPENDENT-SEGMENTS',
    ];
    for (const s of state.segments) {
      if (s.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
      lines.push(`#EXT-X-PROGRAM-DATE-TIME:${formatProgramDateTime(s.programDateTime)}`, `#EXTINF:${s.duration.toFixed(6)},`, s.uri);
    }
    if (state.ended) lines.push('#EXT-X-ENDLIST');
    return lines.join('\n') + '\n';
  }
}
