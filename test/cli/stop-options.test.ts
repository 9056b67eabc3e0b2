/**
 * The stop options on the command line (issue #12): every bad one is a usage error (exit 2) that
 * names the problem and the fix, before anything is created; the plan always says when the channel
 * stops and what it will have cost by then; `schedule` refuses what it cannot use.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { livestream } from '../helpers/cli.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

// No request may leave: a port nothing listens on, and credentials that are not real.
const AWS = ['--target', 'aws', '--source-url', 'https://example.com/live/index.m3u8', '--endpoint-url', 'http://127.0.0.1:9'];
const creds = { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'not-a-real-secret', AWS_REGION: '' };

async function entries(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []);
}

describe('bad stop options', () => {
  let dir: string;
  beforeAll(async () => (dir = await makeTmpDir('stop-options-')));

  it.each<[string, string[], string, RegExp]>([
    ['a nonsense duration', ['--stop-after', 'soon'], 'stopAfter', /"soon" is not a duration/],
    ['a zero duration', ['--stop-after', '0s'], 'stopAfter', /"0s" is not a duration/],
    ['a time in the past', ['--stop-at', '2020-01-01T10:00'], 'stopAt', /is in the past/],
    ['a time that is not one', ['--stop-at', 'tonight'], 'stopAt', /"tonight" is not a date and time/],
    ['a budget on the local target', ['--budget', '10'], 'budget', /the local target costs nothing: use --stop-after or --stop-at/],
    ['two ends at once', ['--stop-after', '1h', '--stop-at', '2099-01-01T10:00'], 'stopAt', /both say when the channel stops/],
    ['a zero budget', [...AWS, '--budget', '0'], 'budget', /"0" is not an amount of money/],
    ['a negative budget', [...AWS, '--budget', '-5'], 'budget', /"-5" is not an amount of money/],
    ['a budget that is no number', [...AWS, '--budget', 'lots'], 'budget', /"lots" is not an amount of money/],
    ['a budget below the first hour', [...AWS, '--budget', '1'], 'budget', /less than the channel's first hour/],
  ])('%s: exit 2, the problem and its fix, nothing created', async (_name, args, problemPath, message) => {
    const stateDir = path.join(dir, problemPath + args.length);
    const up = await livestream(['up', '--yes', '--json', '--state-dir', stateDir, ...args], { env: creds });
    expect(up.code).toBe(2);
    expect(up.json.error.code).toBe('SPEC_INVALID');
    const problem = up.json.error.details.problems.find((p: { path: string }) => p.path === problemPath);
    expect(problem.message).toMatch(message);
    expect(problem.fix).toBeTruthy();
    expect(await entries(stateDir)).toEqual([]);
    const human = await livestream(['up', '--yes', '--state-dir', stateDir, ...args], { env: creds });
    expect(human.code).toBe(2);
    expect(human.stderr).toMatch(message);
    expect(human.stderr).toContain('fix:');
  });
});

describe('the plan says when the channel stops', () => {
  it('AWS by default: after 12 h, with the cost by then and how to opt out', async () => {
    const plan = await livestream(['plan', ...AWS], { env: creds });
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(/\nStops: stops 12h after each start, ≈ \$\d+\.\d\d by then \(default; --stop-after none to run until stopped\)/);
  });

  it('AWS with --stop-after none says it bills until stopped; --budget says the time it buys', async () => {
    const none = await livestream(['plan', ...AWS, '--stop-after', 'none'], { env: creds });
    expect(none.stdout).toMatch(/\nStops: runs until stopped \(--stop-after none\): it bills ≈ \$\d+\.\d\d\/hour until "livestream stop"; no stop schedule is made/);
    // No schedule in the plan; its group and role are (free, and "livestream schedule" may set an end later).
    const ids = async (extra: string[]) => (await livestream(['plan', ...AWS, ...extra, '--json'], { env: creds })).json.resources.map((r: { id: string }) => r.id);
    const withoutEnd = await ids(['--stop-after', 'none']);
    expect(withoutEnd).not.toContain('stop-schedule');
    expect(withoutEnd).toEqual(expect.arrayContaining(['stop-schedule-group', 'stop-schedule-role']));
    expect(await ids([])).toEqual(expect.arrayContaining(['stop-schedule', 'stop-schedule-group', 'stop-schedule-role']));
    const budget = await livestream(['plan', ...AWS, '--budget', '100', '--json'], { env: creds });
    expect(budget.json.stop.rule).toEqual({ kind: 'budget', usd: 100 });
    expect(budget.json.stop.line).toMatch(/^stops when it has cost \$100\.00: .* after it starts, at ≈ \$\d+\.\d\d\/hour$/);
  });

  it('local: runs until stopped unless told, or stops after the time given', async () => {
    const plain = await livestream(['plan']);
    expect(plain.stdout).toMatch(/\nStops: runs until stopped/);
    const after = await livestream(['plan', '--stop-after', '3h30m', '--json']);
    expect(after.json.stop).toEqual({ rule: { kind: 'after', seconds: 12_600 }, line: 'stops 3h 30m after each start' });
  });
});

describe('livestream schedule', () => {
  let dir: string;
  beforeAll(async () => (dir = await makeTmpDir('schedule-cli-')));

  it.each<[string, string[], number, RegExp]>([
    ['no end', [], 2, /no new end was given/],
    ['two ends', ['--stop-after', '1h', '--clear'], 2, /more than one end was given/],
    ['a stack that does not exist', ['--stop-after', '1h'], 5, /has no state/],
  ])('refuses %s', async (_name, args, code, message) => {
    const res = await livestream(['schedule', '--state-dir', dir, ...args]);
    expect(res.code).toBe(code);
    expect(res.stderr).toMatch(message);
  });
});
