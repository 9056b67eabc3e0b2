/**
 * Which x264 preset and scaler this machine can afford, as a pure search over a measuring function
 * (calibrate.ts passes one that encodes the ladder with ffmpeg; tests pass a table).
 */
import { AUTO, type Ladder } from '../../../core/ladder.js';

/** From the cheapest up; slower presets than medium cost more than a live ladder on a few cores can pay. */
export const PRESET_ORDER = ['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium'] as const;
/** From the cheapest up; lanczos is the sharpest of them for downscaling. */
export const SCALER_ORDER = ['fast_bilinear', 'bilinear', 'bicubic', 'lanczos'] as const;
/**
 * Real-time factor the whole ladder must reach: the 15 % above real time is the headroom the rest
 * of the stack (the frame synchronizer, the edge serving viewers, a busy moment) needs beside it.
 */
export const REAL_TIME_BAR = 1.15;

/**
 * What a calibration trial must reach for the stack to make REAL_TIME_BAR. The trial has the
 * machine to itself; in the stack the decoder process, the synchronizer and the edge take their
 * share. Measured on 2 cores (bench:encoder, 2026-12-01): faster + lanczos at 1.65-1.76x in trials
 * ran at 0.97x in the stack, with the decoder at 21 % and the synchronizer at 22 % of a core: about
 * 0.57 of the trial's speed. 2.0x in the trial is 1.15x in the stack with a little to spare.
 */
export const TRIAL_BAR = 2.0;

/** Real-time factor of the ladder encoded with this preset and scaler (below the bar may be cut short). */
export type MeasureSpeed = (preset: string, scaler: string) => Promise<number>;

export interface Trial {
  preset: string;
  scaler: string;
  speed: number;
}

export interface EncoderChoice {
  preset: string;
  scaler: string;
  /** pinned: the ladder file names both; calibrated: measured now; cached: measured earlier on this machine and ffmpeg. */
  how: 'pinned' | 'calibrated' | 'cached';
  /** The chosen pair's real-time factor when it was measured. */
  speed?: number;
  /** False when even the cheapest pair stayed below the bar: it is used anyway, and said so. */
  meetsBar?: boolean;
  bar?: number;
  /** ISO time of the measurement. */
  calibratedAt?: string;
  trials?: Trial[];
  /** The calibration could not run (its ffmpeg failed): the cheapest settings are used. */
  error?: string;
  /** The running encoder fell behind with the pair before this one, and stepped down (pace-check.ts); kept in the cache for STEP_DOWN_KEPT_HOURS. */
  downgradedFrom?: FellBehind & { preset: string; scaler: string };
  /** The running encoder fell behind and nothing could be stepped down (a pinned preset, or already the cheapest). */
  behind?: FellBehind;
}

/** What the runtime check saw: pictures dropped over a window, and when (ISO). */
export interface FellBehind {
  dropped: number;
  windowSeconds: number;
  at: string;
}

/** What to search: the ladder's pinned value alone, or the whole order when it says "auto". */
export function searchSpace(ladder: Ladder): { presets: string[]; scalers: string[] } {
  const { preset, scaler } = ladder.local;
  return {
    presets: preset === AUTO ? [...PRESET_ORDER] : [preset],
    scalers: scaler === AUTO ? [...SCALER_ORDER] : [scaler],
  };
}

export function needsCalibration(ladder: Ladder): boolean {
  return ladder.local.preset === AUTO || ladder.local.scaler === AUTO;
}

/**
 * Presets first, with the cheapest scaler (the preset is most of the cost), from the cheapest up,
 * stopping at the first below the bar; then scalers with the preset found, the same way. Speed falls
 * as either climbs, so the first failure ends each climb. A trial is a few seconds on a machine
 * other work shares, so one lucky trial could pick a pair the machine cannot hold: the pair found
 * is measured once more, and if it then falls below the bar the pair passed before it is taken.
 * At most presets + scalers trials. If the cheapest pair fails, it is the answer, with meetsBar false.
 */
export async function searchEncoderSettings(
  measure: MeasureSpeed,
  space: { presets: string[]; scalers: string[] },
  bar = REAL_TIME_BAR,
): Promise<Pick<EncoderChoice, 'preset' | 'scaler' | 'speed' | 'meetsBar' | 'bar' | 'trials'>> {
  const trials: Trial[] = [];
  const attempt = async (preset: string, scaler: string): Promise<Trial> => {
    const t = { preset, scaler, speed: await measure(preset, scaler) };
    trials.push(t);
    return t;
  };
  const cheapestScaler = space.scalers[0]!;
  const passed: Trial[] = [];
  for (const preset of space.presets) {
    const t = await attempt(preset, cheapestScaler);
    if (t.speed < bar) break;
    passed.push(t);
  }
  if (passed.length === 0) {
    const first = trials[0]!;
    return { preset: first.preset, scaler: first.scaler, speed: first.speed, meetsBar: false, bar, trials };
  }
  for (const scaler of space.scalers.slice(1)) {
    const t = await attempt(passed.at(-1)!.preset, scaler);
    if (t.speed < bar) break;
    passed.push(t);
  }
  let best = passed.at(-1)!;
  if (passed.length > 1) {
    const again = await attempt(best.preset, best.scaler);
    best = again.speed >= bar ? { ...best, speed: Math.min(best.speed, again.speed) } : passed.at(-2)!;
  }
  return { preset: best.preset, scaler: best.scaler, speed: best.speed, meetsBar: true, bar, trials };
}

/**
 * The pair to restart a running encoder with after it fell behind: a cheaper preset (most of the
 * cost), and at ultrafast a cheaper scaler. Undefined when the ladder file pins the preset (its
 * choice is never changed) or nothing is cheaper. `ladder` is the file's, with its "auto"s.
 */
export function stepCheaper(ladder: Ladder, current: { preset: string; scaler: string }): { preset: string; scaler: string } | undefined {
  if (ladder.local.preset !== AUTO) return undefined;
  const p = (PRESET_ORDER as readonly string[]).indexOf(current.preset);
  if (p > 0) return { preset: PRESET_ORDER[p - 1]!, scaler: current.scaler };
  const s = (SCALER_ORDER as readonly string[]).indexOf(current.scaler);
  if (ladder.local.scaler === AUTO && s > 0) return { preset: current.preset, scaler: SCALER_ORDER[s - 1]! };
  return undefined;
}

/**
 * The choice after a runtime step down: the cheaper pair, where it came from and why; its speed is
 * the calibration trial's of that pair if there was one (the old pair's figure would mislead).
 */
export function stepDownChoice(choice: EncoderChoice, next: { preset: string; scaler: string }, fell: FellBehind): EncoderChoice {
  const { speed: _old, behind: _seen, ...rest } = choice;
  const trial = choice.trials?.find((t) => t.preset === next.preset && t.scaler === next.scaler);
  return { ...rest, ...next, ...(trial ? { speed: trial.speed } : {}), downgradedFrom: { preset: choice.preset, scaler: choice.scaler, ...fell } };
}

/**
 * How long a runtime step-down is remembered in the calibration cache (rememberChoice). The cache is
 * what a start reads, and the step-down overwrites the calibration under the same key: kept for the
 * process only, a stack restarted in the same busy hour would begin at the pair that just fell behind
 * and drop frames for 30 s before stepping down again. Kept for good, one busy afternoon would pin
 * every later stack on this machine to the cheaper pair until "up --recalibrate". So it is kept a
 * day, counted from the step (downgradedFrom.at, which the cache entry already holds); after that a
 * start ignores it and calibrates again (chooseEncoderSettings), which costs a few seconds.
 */
export const STEP_DOWN_KEPT_HOURS = 24;

/** When a remembered step-down stops being used (ISO); undefined without one, or with an unreadable time. */
export function stepDownEndsAt(c: Pick<EncoderChoice, 'downgradedFrom'>): string | undefined {
  const at = c.downgradedFrom ? Date.parse(c.downgradedFrom.at) : NaN;
  const ends = new Date(at + STEP_DOWN_KEPT_HOURS * 3_600_000);
  // A hand-edited time near the end of what a Date holds gives an Invalid Date: unreadable, too.
  return Number.isFinite(ends.getTime()) ? ends.toISOString() : undefined;
}

/** A step-down dated this far after `now` means the clock was set back since: not trusted for another day. */
const STEP_DOWN_FUTURE_SLACK_MS = 5 * 60_000;

/**
 * A remembered step-down that a start at `now` no longer uses: past STEP_DOWN_KEPT_HOURS, of an
 * unreadable time, or dated in the future (the clock was set back: it would otherwise hold longer than a day).
 */
export function isStepDownOver(c: Pick<EncoderChoice, 'downgradedFrom'>, now: Date): boolean {
  if (!c.downgradedFrom) return false;
  const ends = stepDownEndsAt(c);
  if (ends === undefined) return true;
  return now.getTime() >= Date.parse(ends) || Date.parse(c.downgradedFrom.at) > now.getTime() + STEP_DOWN_FUTURE_SLACK_MS;
}

/** "encoder fell behind at veryfast (dropped 41 frames in 30 s)": for the log, status and the plan. */
export function describeFellBehind(pair: { preset: string; scaler: string }, f: Pick<FellBehind, 'dropped' | 'windowSeconds'>): string {
  return `encoder fell behind at ${pair.preset} + ${pair.scaler} (dropped ${f.dropped} frames in ${f.windowSeconds} s)`;
}

/** The ladder the encoder runs: "auto" replaced by the choice. */
export function withChoice(ladder: Ladder, choice: Pick<EncoderChoice, 'preset' | 'scaler'>): Ladder {
  return { ...ladder, local: { preset: choice.preset, scaler: choice.scaler } };
}

/**
 * One line for people: "veryfast + bicubic: 1.32x real time encoding alone here, calibrated 2026-12-01".
 * `now`, for a choice read from the cache (the plan): a step-down that has run out by then is said to be over.
 */
export function describeChoice(c: EncoderChoice, now?: Date): string {
  const pair = `${c.preset} + ${c.scaler}`;
  if (c.how === 'pinned') return `${pair}: pinned by the ladder file${describeBehind(c)}`;
  if (c.error) return `${pair}: the cheapest, as the calibration failed (${c.error})`;
  const speed = c.speed === undefined ? '' : `: ${c.speed.toFixed(2)}x real time encoding alone here`;
  const when = c.calibratedAt ? `, calibrated ${c.calibratedAt.slice(0, 10)}${c.how === 'cached' ? ' (cached; "up --recalibrate" measures again)' : ''}` : '';
  const below = c.meetsBar === false ? `; below the ${c.bar ?? TRIAL_BAR}x a trial needs even at the cheapest settings, so frames may be dropped to keep up` : '';
  const stepped = c.downgradedFrom ? `; ${describeFellBehind(c.downgradedFrom, c.downgradedFrom)} on ${c.downgradedFrom.at.slice(0, 10)}; now ${pair}${describeStepDownEnd(c, now)}` : '';
  return `${pair}${speed}${when}${below}${stepped}${describeBehind(c)}`;
}

/** ", used by starts here until 2026-12-02 15:00 UTC", or, once that is past `now`, that the next start calibrates again. */
function describeStepDownEnd(c: EncoderChoice, now?: Date): string {
  const ends = stepDownEndsAt(c);
  if (now && isStepDownOver(c, now)) return '; no longer used: the next start calibrates again';
  return ends === undefined ? '' : `, used by starts here until ${ends.slice(0, 10)} ${ends.slice(11, 16)} UTC`;
}

function describeBehind(c: EncoderChoice): string {
  if (!c.behind) return '';
  const why = c.how === 'pinned' || c.preset !== PRESET_ORDER[0] ? 'the ladder file pins the preset' : 'nothing is cheaper';
  return `; BEHIND: ${describeFellBehind(c, c.behind)} at ${c.behind.at.slice(11, 19)} UTC, and ${why} (a smaller ladder, or fewer other processes, would help)`;
}
