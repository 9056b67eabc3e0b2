/**
 * What the CLI says about the local encoder's preset before the stack process runs: the plan (which
 * must not calibrate: that takes seconds) reads the last calibration here; `up --recalibrate` forgets them.
 */
import type { Ladder } from '../../../core/ladder.js';
import { clearCalibrations, defaultCalibrationCacheDir, latestCalibration } from './calibration-cache.js';
import { describeChoice, needsCalibration } from './preset-search.js';

export interface PlannedEncoder {
  preset: string;
  scaler: string;
  /** The line the plan shows. */
  text: string;
  /** The newest calibration of this ladder on this machine, when there is one. */
  lastCalibration?: { preset: string; scaler: string; speed?: number; calibratedAt?: string; meetsBar?: boolean };
}

export async function describePlannedEncoder(ladder: Ladder, cacheDir = defaultCalibrationCacheDir(), now = new Date()): Promise<PlannedEncoder> {
  const { preset, scaler } = ladder.local;
  if (!needsCalibration(ladder)) return { preset, scaler, text: describeChoice({ preset, scaler, how: 'pinned' }) };
  const last = await latestCalibration(cacheDir, ladder);
  const lastText = last ? `last here: ${describeChoice({ ...last.choice, how: 'calibrated' }, now)}` : 'not calibrated on this machine yet';
  return {
    preset, scaler,
    text: `preset ${preset}, scaler ${scaler} (calibrated at start, a few seconds, then cached; ${lastText})`,
    ...(last ? { lastCalibration: { preset: last.choice.preset, scaler: last.choice.scaler, speed: last.choice.speed, calibratedAt: last.choice.calibratedAt, meetsBar: last.choice.meetsBar } } : {}),
  };
}

/** `up --recalibrate`: the next start of a stack process measures again. Returns how many were forgotten. */
export function forgetCalibrations(cacheDir = defaultCalibrationCacheDir()): Promise<number> {
  return clearCalibrations(cacheDir);
}
