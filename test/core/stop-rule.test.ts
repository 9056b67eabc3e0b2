import { describe, expect, it } from 'vitest';
import {
  checkBudget, describePlannedStop, describeRule, describeStop, endOfRun, formatSpan, parseDuration, parseStopAt, stopRuleOf,
} from '../../src/core/stop-rule.js';
import { describeStackStop, recordScheduledStop, spentOnFinishedRuns } from '../../src/core/stop-status.js';
import { checkStopOptions, validateSpec, type RawSpec, type StopRule } from '../../src/core/spec.js';
import type { StackState } from '../../src/core/state.js';

const NOW = new Date('2026-12-02T20:48:00Z');
const UTC = { timeZone: 'UTC' };

describe('parseDuration', () => {
  it.each<[string, number | undefined]>([
    ['90s', 90], ['20m', 1200], ['3h30m', 12_600], ['1h', 3600], ['1.5h', 5400], ['2d', 172_800], ['1h0m30s', 3630], [' 2H ', 7200],
    ['0s', undefined], ['0h0m', undefined], ['90', undefined], ['h', undefined], ['-1h', undefined], ['3 hours', undefined],
    ['1h 30m', undefined], ['soon', undefined], ['', undefined], ['366d', undefined],
  ])('%s -> %s', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });
});

describe('parseStopAt', () => {
  it.each<[string, string, string | undefined]>([
    ['2026-12-02T22:00Z', 'UTC', '2026-12-02T22:00:00.000Z'],
    ['2026-12-02T22:00:30+01:00', 'UTC', '2026-12-02T21:00:30.000Z'],
    ['2026-12-02T22:00-0500', 'UTC', '2026-12-03T03:00:00.000Z'],
    // Without an offset: the wall clock of the machine's zone, winter and summer time.
    ['2026-12-02T22:00', 'Europe/Berlin', '2026-12-02T21:00:00.000Z'],
    ['2026-07-02T22:00', 'Europe/Berlin', '2026-07-02T20:00:00.000Z'],
    ['2026-12-02 22:00', 'America/New_York', '2026-12-03T03:00:00.000Z'],
    ['2026-12-02T22:00', 'UTC', '2026-12-02T22:00:00.000Z'],
    ['2026-02-30T10:00', 'UTC', undefined],
    ['2026-12-02T24:00', 'UTC', undefined],
    ['22:00', 'UTC', undefined],
    ['tomorrow', 'UTC', undefined],
    ['2026-12-02', 'UTC', undefined],
  ])('%s in %s', (text, zone, iso) => {
    expect(parseStopAt(text, zone)?.toISOString()).toBe(iso);
  });
});

describe('endOfRun', () => {
  const start = new Date('2026-12-02T20:00:00Z');
  it.each<[string, StopRule, number | undefined, number, string | undefined]>([
    ['none', { kind: 'none' }, 4, 0, undefined],
    ['after 3h30m', { kind: 'after', seconds: 12_600 }, undefined, 0, '2026-12-02T23:30:00.000Z'],
    ['at a time', { kind: 'at', at: '2026-12-02T22:00:00.000Z' }, 4, 0, '2026-12-02T22:00:00.000Z'],
    ['budget $10 at $4/h', { kind: 'budget', usd: 10 }, 4, 0, '2026-12-02T22:30:00.000Z'],
    ['budget with $6 spent before', { kind: 'budget', usd: 10 }, 4, 6, '2026-12-02T21:00:00.000Z'],
    ['budget spent: ends at the start', { kind: 'budget', usd: 10 }, 4, 12, '2026-12-02T20:00:00.000Z'],
    ['budget with no price', { kind: 'budget', usd: 10 }, undefined, 0, undefined],
  ])('%s', (_name, rule, perHour, spent, iso) => {
    expect(endOfRun(rule, start, perHour, spent)?.toISOString()).toBe(iso);
  });
});

describe('the lines people read', () => {
  it.each<[number, string]>([[20, '20s'], [90, '1m 30s'], [600, '10m'], [4320, '1h 12m'], [7200, '2h'], [93_600, '1d 2h']])('formatSpan(%i) = %s', (s, text) => {
    expect(formatSpan(s)).toBe(text);
  });

  it('describeStop: time, how long, and the cost by then where there is a price', () => {
    const at = new Date('2026-12-02T22:00:00Z');
    expect(describeStop(at, NOW, { perHour: 2.5, spentSoFar: 1.1, ...UTC })).toBe('stops at 22:00 (in 1h 12m), ≈ $4.10 by then');
    expect(describeStop(at, NOW, UTC)).toBe('stops at 22:00 (in 1h 12m)');
    expect(describeStop(at, NOW, { timeZone: 'Europe/Berlin' })).toBe('stops at 23:00 (in 1h 12m)');
    expect(describeStop(new Date('2026-12-05T22:00:00Z'), NOW, UTC)).toBe('stops at 2026-12-05 22:00 (in 3d 1h)');
  });

  it('describeRule and the plan line, with the AWS default said as such', () => {
    const price = { perHour: 2.5, ...UTC };
    expect(describeRule({ kind: 'after', seconds: 43_200 }, NOW, price)).toBe('stops 12h after each start, ≈ $30.00 by then');
    expect(describePlannedStop({ kind: 'after', seconds: 43_200 }, 'aws', NOW, price)).toBe('stops 12h after each start, ≈ $30.00 by then (default; --stop-after none to run until stopped)');
    expect(describePlannedStop({ kind: 'after', seconds: 3600 }, 'aws', NOW, price)).toBe('stops 1h after each start, ≈ $2.50 by then');
    expect(describePlannedStop({ kind: 'none' }, 'aws', NOW, price)).toBe('runs until stopped (--stop-after none): it bills ≈ $2.50/hour until "livestream stop"; no stop schedule is made ("livestream schedule --stop-after 2h" sets one later)');
    expect(describePlannedStop({ kind: 'budget', usd: 40 }, 'aws', NOW, price)).toBe('stops when it has cost $40.00: 16h after it starts, at ≈ $2.50/hour');
    expect(describePlannedStop({ kind: 'none' }, 'local', NOW, UTC)).toMatch(/^runs until stopped/);
    expect(describePlannedStop({ kind: 'after', seconds: 20 }, 'local', NOW, UTC)).toBe('stops 20s after each start');
  });
});

describe('checkBudget', () => {
  it.each<[string, StopRule, number | undefined, number, RegExp | undefined]>([
    ['below the first hour', { kind: 'budget', usd: 1 }, 2.5, 0, /less than the channel's first hour \(≈ \$2\.50\)/],
    ['a first hour and more', { kind: 'budget', usd: 40 }, 2.5, 0, undefined],
    ['spent already', { kind: 'budget', usd: 10 }, 2.5, 12, /already cost ≈ \$12\.00/],
    ['money left', { kind: 'budget', usd: 10 }, 2.5, 8, undefined],
    ['not a budget', { kind: 'after', seconds: 60 }, 2.5, 0, undefined],
  ])('%s', (_name, rule, perHour, spent, message) => {
    const why = checkBudget(rule, perHour, spent);
    if (message) expect(why?.message).toMatch(message);
    else expect(why).toBeUndefined();
  });
});

describe('the stop rule in the spec', () => {
  const clock = { now: NOW, timeZone: 'UTC' };
  const stopOf = (raw: RawSpec) => validateSpec(raw, { clock }).spec?.stop;
  const problemsOf = (raw: RawSpec) => validateSpec(raw, { clock }).problems.map((p) => `${p.path}: ${p.message}`);
  const aws = { target: 'aws', sourceUrl: 'https://example.com/live/index.m3u8' };

  it('defaults to 12 h on AWS and to none on local', () => {
    expect(stopOf(aws)).toEqual({ kind: 'after', seconds: 43_200 });
    expect(stopOf({})).toEqual({ kind: 'none' });
    expect(stopRuleOf({ target: 'aws' })).toEqual({ kind: 'after', seconds: 43_200 });
  });

  it.each<[string, RawSpec, StopRule]>([
    ['--stop-after', { stopAfter: '3h30m' }, { kind: 'after', seconds: 12_600 }],
    ['--stop-after none on aws', { ...aws, stopAfter: 'none' }, { kind: 'none' }],
    ['--stop-at in UTC', { stopAt: '2026-12-02T22:00Z' }, { kind: 'at', at: '2026-12-02T22:00:00.000Z' }],
    ['--budget on aws', { ...aws, budget: '40' }, { kind: 'budget', usd: 40 }],
    ['--budget with a dollar sign', { ...aws, budget: '$12.50' }, { kind: 'budget', usd: 12.5 }],
  ])('takes %s', (_name, raw, rule) => {
    expect(stopOf(raw)).toEqual(rule);
  });

  it.each<[string, RawSpec, RegExp]>([
    ['a nonsense duration', { stopAfter: 'soon' }, /^stopAfter: "soon" is not a duration/],
    ['a zero duration', { stopAfter: '0m' }, /^stopAfter: "0m" is not a duration/],
    ['a time in the past', { stopAt: '2026-12-02T20:00Z' }, /^stopAt: "2026-12-02T20:00Z" is in the past/],
    ['a time less than a minute ahead', { stopAt: '2026-12-02T20:48:30Z' }, /^stopAt: .* less than a minute ahead/],
    ['not a time', { stopAt: 'tonight' }, /^stopAt: "tonight" is not a date and time/],
    ['a zero budget', { ...aws, budget: '0' }, /^budget: "0" is not an amount of money/],
    ['a negative budget', { ...aws, budget: '-5' }, /^budget: "-5" is not an amount of money/],
    ['a budget that is not a number', { ...aws, budget: 'lots' }, /^budget: "lots" is not an amount of money/],
    ['a budget on local', { budget: '10' }, /^budget: the local target costs nothing: use --stop-after or --stop-at/],
    ['two of them', { stopAfter: '1h', stopAt: '2026-12-02T22:00Z' }, /^stopAt: --stop-after and --stop-at both say when the channel stops/],
  ])('refuses %s', (_name, raw, message) => {
    const problems = problemsOf(raw);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  it('checkStopOptions gives nothing when nothing is given', () => {
    expect(checkStopOptions({}, 'aws', { now: NOW, timeZone: 'UTC' }, () => {})).toBeUndefined();
  });
});

describe('a recorded stack\'s stop', () => {
  const state = (over: Partial<StackState> = {}): StackState => ({
    version: 1, stack: 'demo', target: 'aws', ladder: {} as StackState['ladder'], createdAt: '', updatedAt: '', resources: {}, outputs: {},
    spec: validateSpec({ stack: 'demo', target: 'aws', sourceUrl: 'https://e.com/a.m3u8' }).spec!,
    channelRuns: [{ start: '2026-12-02T18:00:00Z', end: '2026-12-02T19:00:00Z' }, { start: '2026-12-02T20:00:00Z' }],
    runtime: { stopAt: '2026-12-02T22:00:00.000Z' },
    ...over,
  });

  it('counts what the finished runs cost', () => {
    expect(spentOnFinishedRuns(state().channelRuns, 2, NOW)).toBe(2);
  });

  it('says the end with what the stack will have cost by then', () => {
    // Spent: 1 h + 48 min at $2.50 = $4.50; 1 h 12 m more is $3.00.
    expect(describeStackStop(state(), NOW, { perHour: 2.5, ...UTC })).toBe('stops at 22:00 (in 1h 12m), ≈ $7.50 by then');
    expect(describeStackStop(state({ runtime: {}, channelRuns: [] }), NOW, { perHour: 2.5, ...UTC })).toBe('not running; once started it stops 12h after each start, ≈ $30.00 by then');
  });

  it('records the schedule\'s stop once, and not over a newer start', () => {
    const s = state();
    expect(recordScheduledStop(s, new Date('2026-12-02T22:00:00Z'))).toBe(true);
    expect(s.channelRuns[1]).toEqual({ start: '2026-12-02T20:00:00Z', end: '2026-12-02T22:00:00.000Z' });
    expect(s.runtime).toEqual({ stoppedBy: 'schedule' });
    expect(recordScheduledStop(s, new Date('2026-12-02T22:00:00Z'))).toBe(false);
    expect(describeStackStop(s, NOW, UTC)).toBe('stopped by the schedule at 22:00; "livestream start" runs it again with a new end');
    const restarted = state({ channelRuns: [{ start: '2026-12-02T23:00:00Z' }] });
    expect(recordScheduledStop(restarted, new Date('2026-12-02T22:00:00Z'))).toBe(false);
    expect(restarted.channelRuns[0]!.end).toBeUndefined();
  });
});
