import { describe, expect, it } from 'vitest';
import {
  describeChoice, isStepDownOver, needsCalibration, PRESET_ORDER, SCALER_ORDER, searchEncoderSettings, searchSpace, stepCheaper, stepDownChoice, stepDownEndsAt,
  withChoice, type MeasureSpeed,
} from '../../../../src/targets/local/encoder/preset-search.js';
import { TEST_LADDER } from './test-ladder.js';

/** A machine as a table of speeds (a list: one per trial of that pair, in turn); records the order of the trials asked for. */
function fakeMachine(speeds: Record<string, number | number[]>): { measure: MeasureSpeed; asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    measure: async (preset, scaler) => {
      asked.push(`${preset}+${scaler}`);
      const s = speeds[`${preset}+${scaler}`] ?? speeds[preset];
      if (s === undefined) throw new Error(`unexpected trial ${preset}+${scaler}`);
      return Array.isArray(s) ? s.shift()! : s;
    },
  };
}

const AUTO_SPACE = { presets: [...PRESET_ORDER], scalers: [...SCALER_ORDER] };

describe('searchEncoderSettings', () => {
  it('climbs the presets with the cheapest scaler, stops at the first below the bar, then climbs the scalers, and measures the pair found again', async () => {
    const m = fakeMachine({
      ultrafast: 3.1, superfast: 2.4, veryfast: 1.6, faster: 1.1,
      'veryfast+bilinear': 1.5, 'veryfast+bicubic': 1.3, 'veryfast+lanczos': 1.12,
    });
    const r = await searchEncoderSettings(m.measure, AUTO_SPACE);
    expect(m.asked).toEqual([
      'ultrafast+fast_bilinear', 'superfast+fast_bilinear', 'veryfast+fast_bilinear', 'faster+fast_bilinear',
      'veryfast+bilinear', 'veryfast+bicubic', 'veryfast+lanczos', 'veryfast+bicubic',
    ]);
    expect(r).toMatchObject({ preset: 'veryfast', scaler: 'bicubic', speed: 1.3, meetsBar: true, bar: 1.15 });
    expect(r.trials).toHaveLength(8);
  });

  it('takes the pair passed before when the one found falls below the bar the second time (a lucky first trial)', async () => {
    const m = fakeMachine({ ultrafast: 3, superfast: [1.6, 1.0], veryfast: 0.9, 'superfast+bilinear': 1.1 });
    expect(await searchEncoderSettings(m.measure, AUTO_SPACE)).toMatchObject({ preset: 'ultrafast', scaler: 'fast_bilinear', speed: 3, meetsBar: true });
    expect(m.asked).toEqual(['ultrafast+fast_bilinear', 'superfast+fast_bilinear', 'veryfast+fast_bilinear', 'superfast+bilinear', 'superfast+fast_bilinear']);
  });

  it('reports the lower of the two speeds of the pair it keeps', async () => {
    const m = fakeMachine({ ultrafast: 3, superfast: [1.6, 1.4], veryfast: 0.9, 'superfast+bilinear': 1.1 });
    expect(await searchEncoderSettings(m.measure, AUTO_SPACE)).toMatchObject({ preset: 'superfast', scaler: 'fast_bilinear', speed: 1.4 });
  });

  it('takes the slowest preset and the best scaler when everything passes', async () => {
    const m = fakeMachine(Object.fromEntries([...PRESET_ORDER.map((p) => [p, 5]), ...SCALER_ORDER.map((s) => [`medium+${s}`, 4])]));
    expect(await searchEncoderSettings(m.measure, AUTO_SPACE)).toMatchObject({ preset: 'medium', scaler: 'lanczos', meetsBar: true });
    expect(m.asked).toHaveLength(PRESET_ORDER.length + SCALER_ORDER.length);
  });

  it('keeps the cheapest scaler when the next one already falls below the bar', async () => {
    const m = fakeMachine({ ultrafast: 1.5, superfast: 1.0, 'ultrafast+bilinear': 1.1 });
    expect(await searchEncoderSettings(m.measure, AUTO_SPACE)).toMatchObject({ preset: 'ultrafast', scaler: 'fast_bilinear', speed: 1.5, meetsBar: true });
    expect(m.asked).toEqual(['ultrafast+fast_bilinear', 'superfast+fast_bilinear', 'ultrafast+bilinear']);
  });

  it('uses ultrafast + fast_bilinear and says so when even they stay below the bar, after one trial', async () => {
    const m = fakeMachine({ ultrafast: 0.8 });
    expect(await searchEncoderSettings(m.measure, AUTO_SPACE)).toMatchObject({ preset: 'ultrafast', scaler: 'fast_bilinear', speed: 0.8, meetsBar: false });
    expect(m.asked).toEqual(['ultrafast+fast_bilinear']);
  });

  it('searches only what the ladder leaves to "auto"', async () => {
    const pinnedPreset = { ...TEST_LADDER, local: { preset: 'superfast', scaler: 'auto' } };
    expect(searchSpace(pinnedPreset)).toEqual({ presets: ['superfast'], scalers: [...SCALER_ORDER] });
    const m = fakeMachine({ 'superfast+fast_bilinear': 2, 'superfast+bilinear': 1.9, 'superfast+bicubic': 1.0 });
    expect(await searchEncoderSettings(m.measure, searchSpace(pinnedPreset))).toMatchObject({ preset: 'superfast', scaler: 'bilinear' });
    expect(needsCalibration(pinnedPreset)).toBe(true);
    expect(needsCalibration(TEST_LADDER)).toBe(false);
    expect(searchSpace(TEST_LADDER)).toEqual({ presets: ['ultrafast'], scalers: ['bilinear'] });
  });

  it('honours another bar', async () => {
    const m = fakeMachine({ ultrafast: 3, superfast: 1.9, veryfast: 1.5, 'superfast+bilinear': 1.1 });
    expect(await searchEncoderSettings(m.measure, AUTO_SPACE, 1.8)).toMatchObject({ preset: 'superfast', scaler: 'fast_bilinear', bar: 1.8 });
  });
});

describe('withChoice and describeChoice', () => {
  it('puts the choice in the ladder the encoder runs, leaving the rest', () => {
    const auto = { ...TEST_LADDER, local: { preset: 'auto', scaler: 'auto' } };
    expect(withChoice(auto, { preset: 'veryfast', scaler: 'bicubic' })).toEqual({ ...TEST_LADDER, local: { preset: 'veryfast', scaler: 'bicubic' } });
  });

  it('says what was chosen and why', () => {
    const at = '2026-12-01T10:00:00.000Z';
    expect(describeChoice({ preset: 'veryfast', scaler: 'bicubic', how: 'calibrated', speed: 1.318, meetsBar: true, calibratedAt: at }))
      .toBe('veryfast + bicubic: 1.32x real time encoding alone here, calibrated 2026-12-01');
    expect(describeChoice({ preset: 'veryfast', scaler: 'bicubic', how: 'cached', speed: 1.318, meetsBar: true, calibratedAt: at }))
      .toBe('veryfast + bicubic: 1.32x real time encoding alone here, calibrated 2026-12-01 (cached; "up --recalibrate" measures again)');
    expect(describeChoice({ preset: 'ultrafast', scaler: 'fast_bilinear', how: 'calibrated', speed: 0.84, meetsBar: false, bar: 1.15, calibratedAt: at }))
      .toBe('ultrafast + fast_bilinear: 0.84x real time encoding alone here, calibrated 2026-12-01; below the 1.15x a trial needs even at the cheapest settings, so frames may be dropped to keep up');
    expect(describeChoice({ preset: 'superfast', scaler: 'bilinear', how: 'pinned' })).toBe('superfast + bilinear: pinned by the ladder file');
    expect(describeChoice({ preset: 'ultrafast', scaler: 'fast_bilinear', how: 'calibrated', meetsBar: false, error: 'calibration encode failed: x' }))
      .toBe('ultrafast + fast_bilinear: the cheapest, as the calibration failed (calibration encode failed: x)');
  });
});

describe('stepCheaper (after the running encoder fell behind)', () => {
  const ladder = (preset: string, scaler: string) => ({ ...TEST_LADDER, local: { preset, scaler } });
  it.each([
    // [ladder file's preset/scaler, running pair, next pair]
    ['auto/auto', 'veryfast/lanczos', 'superfast/lanczos'],
    ['auto/auto', 'medium/bicubic', 'fast/bicubic'],
    ['auto/auto', 'superfast/bilinear', 'ultrafast/bilinear'],
    ['auto/auto', 'ultrafast/lanczos', 'ultrafast/bicubic'],
    ['auto/auto', 'ultrafast/fast_bilinear', undefined],
    ['auto/lanczos', 'ultrafast/lanczos', undefined],
    ['auto/lanczos', 'faster/lanczos', 'veryfast/lanczos'],
    ['veryfast/auto', 'veryfast/lanczos', undefined],
    ['veryfast/bicubic', 'veryfast/bicubic', undefined],
  ])(
    'ladder %s running %s steps to %s', (file, running, next) => {
      const [fp, fs] = file!.split('/');
      const [rp, rs] = running!.split('/');
      const got = stepCheaper(ladder(fp!, fs!), { preset: rp!, scaler: rs! });
      expect(got ? `${got.preset}/${got.scaler}` : undefined).toBe(next);
    });
});

describe('describeChoice after the encoder fell behind', () => {
  const at = '2026-12-01T10:00:00.000Z';
  it('says it stepped down, from what, and what it dropped', () => {
    expect(describeChoice({
      preset: 'superfast', scaler: 'lanczos', how: 'cached', speed: 2.1, calibratedAt: at,
      downgradedFrom: { preset: 'veryfast', scaler: 'lanczos', dropped: 41, windowSeconds: 30, at: '2026-12-01T11:00:00.000Z' },
    })).toBe('superfast + lanczos: 2.10x real time encoding alone here, calibrated 2026-12-01 (cached; "up --recalibrate" measures again); '
      + 'encoder fell behind at veryfast + lanczos (dropped 41 frames in 30 s) on 2026-12-01; now superfast + lanczos, used by starts here until 2026-12-02 11:00 UTC');
  });

  it('says a pinned or cheapest pair is behind and stays', () => {
    const behind = { dropped: 77, windowSeconds: 30, at: '2026-12-01T11:12:13.000Z' };
    expect(describeChoice({ preset: 'veryfast', scaler: 'bicubic', how: 'pinned', behind }))
      .toBe('veryfast + bicubic: pinned by the ladder file; BEHIND: encoder fell behind at veryfast + bicubic (dropped 77 frames in 30 s) at 11:12:13 UTC, '
        + 'and the ladder file pins the preset (a smaller ladder, or fewer other processes, would help)');
    expect(describeChoice({ preset: 'ultrafast', scaler: 'fast_bilinear', how: 'calibrated', speed: 2.5, calibratedAt: at, behind }))
      .toMatch(/; BEHIND: encoder fell behind at ultrafast \+ fast_bilinear \(dropped 77 frames in 30 s\) at 11:12:13 UTC, and nothing is cheaper/);
  });
});

describe('stepDownChoice', () => {
  const fell = { dropped: 41, windowSeconds: 30, at: '2026-12-01T15:00:00.000Z' };
  const calibrated = {
    preset: 'veryfast', scaler: 'lanczos', how: 'calibrated' as const, speed: 2.2, meetsBar: true, bar: 2, calibratedAt: '2026-12-01T10:00:00.000Z',
    trials: [{ preset: 'superfast', scaler: 'fast_bilinear', speed: 2.9 }, { preset: 'veryfast', scaler: 'lanczos', speed: 2.2 }],
  };
  it('takes the cheaper pair, says where from and why, and drops the old pair\'s speed (or takes the trial\'s of the new pair)', () => {
    expect(stepDownChoice(calibrated, { preset: 'superfast', scaler: 'lanczos' }, fell)).toEqual({
      preset: 'superfast', scaler: 'lanczos', how: 'calibrated', meetsBar: true, bar: 2, calibratedAt: '2026-12-01T10:00:00.000Z', trials: calibrated.trials,
      downgradedFrom: { preset: 'veryfast', scaler: 'lanczos', ...fell },
    });
    expect(stepDownChoice({ ...calibrated, preset: 'superfast', scaler: 'fast_bilinear', behind: fell }, { preset: 'ultrafast', scaler: 'fast_bilinear' }, fell).speed).toBeUndefined();
    expect(stepDownChoice({ ...calibrated, preset: 'veryfast', scaler: 'fast_bilinear' }, { preset: 'superfast', scaler: 'fast_bilinear' }, fell).speed).toBe(2.9);
  });
});

describe('a remembered step-down is kept a day', () => {
  const downgradedFrom = { preset: 'veryfast', scaler: 'lanczos', dropped: 41, windowSeconds: 30, at: '2026-12-01T15:00:00.000Z' };
  it('ends 24 h after the step; a start before that uses it, one at or after it calibrates again', () => {
    expect(stepDownEndsAt({ downgradedFrom })).toBe('2026-12-02T15:00:00.000Z');
    expect(isStepDownOver({ downgradedFrom }, new Date('2026-12-01T15:00:01.000Z'))).toBe(false);
    expect(isStepDownOver({ downgradedFrom }, new Date('2026-12-02T14:59:59.999Z'))).toBe(false);
    expect(isStepDownOver({ downgradedFrom }, new Date('2026-12-02T15:00:00.000Z'))).toBe(true);
    expect(isStepDownOver({ downgradedFrom }, new Date('2027-03-01T00:00:00.000Z'))).toBe(true);
  });

  it('never ends a calibration that did not step down, and ends one whose time cannot be read', () => {
    expect(stepDownEndsAt({})).toBeUndefined();
    expect(isStepDownOver({}, new Date('2030-01-01T00:00:00.000Z'))).toBe(false);
    expect(isStepDownOver({ downgradedFrom: { ...downgradedFrom, at: 'yesterday' } }, new Date('2026-12-01T15:00:00.000Z'))).toBe(true);
    // Near the end of what a Date holds: no end time can be formed, so it is unreadable (and no throw).
    expect(stepDownEndsAt({ downgradedFrom: { ...downgradedFrom, at: '+275760-09-13T00:00:00.000Z' } })).toBeUndefined();
  });

  it('ends one dated in the future (the clock was set back since), beyond five minutes of slack', () => {
    const now = new Date('2026-12-01T14:00:00.000Z');
    expect(isStepDownOver({ downgradedFrom: { ...downgradedFrom, at: '2026-12-01T14:04:00.000Z' } }, now)).toBe(false);
    expect(isStepDownOver({ downgradedFrom }, now)).toBe(true);
  });

  it('a plan reading it after its day says the next start calibrates again', () => {
    const choice = { preset: 'superfast', scaler: 'lanczos', how: 'calibrated' as const, calibratedAt: '2026-12-01T10:00:00.000Z', downgradedFrom };
    expect(describeChoice(choice, new Date('2026-12-01T16:00:00.000Z'))).toMatch(/; now superfast \+ lanczos, used by starts here until 2026-12-02 15:00 UTC$/);
    expect(describeChoice(choice, new Date('2026-12-03T00:00:00.000Z'))).toMatch(/; now superfast \+ lanczos; no longer used: the next start calibrates again$/);
    expect(describeChoice({ preset: 'superfast', scaler: 'lanczos', how: 'cached', downgradedFrom: { ...downgradedFrom, at: 'yesterday' } }))
      .toBe('superfast + lanczos; encoder fell behind at veryfast + lanczos (dropped 41 frames in 30 s) on yesterday; now superfast + lanczos');
  });
});
