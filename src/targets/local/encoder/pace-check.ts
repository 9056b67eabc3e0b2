/**
 * Is the running encoder keeping up? The calibration's trials have the machine to themselves; in the
 * stack the decoder, the frame synchronizer, the edge and whatever else the user runs share it, so a
 * pair that passed its trial may not hold (seen: a pair chosen at 1.65x in trials ran at 0.97x in
 * the stack). Pure: the supervisor feeds samples of a counter, this says whether it fell behind.
 *
 * The signal is the pictures the frame synchronizer dropped because the encoder's stdin was backed
 * up (FrameSyncStats.behindFrames), not those dropped while it restarted, during an event-loop stall
 * or from a bursting source. ffmpeg's own `speed=` is no signal: the frames carry wall-clock
 * timestamps, so it stays near 1x while pictures are dropped.
 */

/** The synchronizer's cumulative count of pictures dropped for a backed-up encoder, at a time (ms). */
export interface PaceSample {
  at: number;
  behindFrames: number;
}

export interface PacePolicy {
  /** How long the encoder must be behind before anything is done: longer than a busy moment. */
  windowMs: number;
  /** The window is cut into slices; drops in most of them is "sustained", one burst is not. */
  sliceMs: number;
  /** Pictures dropped in the window, as a share of the pictures due in it. */
  minDroppedShare: number;
  /** Slices with at least one drop. */
  minBusySlices: number;
}

/**
 * 30 s in six slices of 5 s; 2 % of the pictures (18 at 30 fps), in at least four slices. A busy
 * moment (an edge burst, a `git status`) drops pictures in one or two slices; an encoder at 0.97x
 * drops about 3 % of them in every slice.
 */
export const PACE_POLICY: PacePolicy = { windowMs: 30_000, sliceMs: 5_000, minDroppedShare: 0.02, minBusySlices: 4 };

export interface PaceVerdict {
  behind: boolean;
  /** Pictures dropped for a backed-up encoder in the window. */
  dropped: number;
  windowSeconds: number;
  busySlices: number;
}

/**
 * The verdict over the newest window, from samples of one encoder run in time order (a restart
 * starts a new list); undefined until the samples span a whole window.
 */
export function judgePace(samples: readonly PaceSample[], fps: number, policy: PacePolicy = PACE_POLICY): PaceVerdict | undefined {
  const last = samples.at(-1);
  if (!last || samples[0]!.at > last.at - policy.windowMs) return undefined;
  const start = last.at - policy.windowMs;
  // The counter as it stood at time t: the newest sample taken at or before t.
  const countAt = (t: number): number => {
    let value = samples[0]!.behindFrames;
    for (const s of samples) {
      if (s.at > t) break;
      value = s.behindFrames;
    }
    return value;
  };
  let busySlices = 0;
  for (let from = start; from < last.at; from += policy.sliceMs) {
    if (countAt(Math.min(from + policy.sliceMs, last.at)) > countAt(from)) busySlices++;
  }
  const dropped = last.behindFrames - countAt(start);
  const windowSeconds = policy.windowMs / 1000;
  const behind = dropped >= policy.minDroppedShare * fps * windowSeconds && busySlices >= policy.minBusySlices;
  return { behind, dropped, windowSeconds, busySlices };
}

/** The samples still needed for the next verdict: those in the window, and the one before it. */
export function trimPaceSamples(samples: PaceSample[], policy: PacePolicy = PACE_POLICY): PaceSample[] {
  const last = samples.at(-1);
  if (!last) return samples;
  const keepFrom = samples.findIndex((s, i) => samples[i + 1] !== undefined && samples[i + 1]!.at > last.at - policy.windowMs);
  return keepFrom > 0 ? samples.slice(keepFrom) : samples;
}
