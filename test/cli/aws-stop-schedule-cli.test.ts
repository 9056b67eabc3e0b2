/**
 * Issue #12 on AWS through the CLI commands (in-process, against the stateful fake): `up
 * --stop-after` makes the stop schedule at the end of the run, `schedule` moves it, the fake fires
 * it as EventBridge Scheduler would and `status` says the schedule stopped the channel, `start`
 * makes a new one, `down` leaves only the kept logs bucket; `--budget` becomes an end from the
 * hourly price. The clock is the test's (Date only), so the schedule's time can be reached.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runChannel } from '../../src/cli/commands/channel.js';
import { runDown } from '../../src/cli/commands/down.js';
import { runSchedule } from '../../src/cli/commands/schedule.js';
import { runStatus } from '../../src/cli/commands/status.js';
import { runUp } from '../../src/cli/commands/up.js';
import { loadProfile } from '../../src/core/profiles.js';
import { estimateChannelCost } from '../../src/targets/aws/requests/pricing.js';
import { atExpression } from '../../src/targets/aws/requests/scheduler.js';
import type { AwsFake } from '../helpers/aws-fake.js';
import { captureOutput } from '../helpers/capture-output.js';
import { installAwsFake } from '../helpers/install-aws-fake.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

// The CLI builds its own driver: make its waits take milliseconds, as the harness does.
vi.mock('../../src/targets/aws/context.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/targets/aws/context.js')>();
  const fast = { minDelay: 0.001, maxDelay: 0.002, maxWaitTime: 5 };
  return { ...actual, DEFAULT_TIMINGS: { short: fast, channel: fast, distribution: fast, pollDelayMs: 0, pollAttempts: 10, sleep: async () => {} } };
});
// The player's files are not part of this test.
vi.mock('../../src/targets/local/web/web-handler.js', () => ({ playerAssets: async () => [] }));

const SCHEDULE = 'teststack-livestream/teststack-stop-channel';
const LOGS_BUCKET = 'bucket:teststack-logs-123456789012-us-east-1';
const T0 = new Date('2026-11-25T04:00:00Z');
const HOUR = 3600_000;

let fake: AwsFake;
let dir: string;
beforeEach(async () => {
  fake = installAwsFake();
  dir = await makeTmpDir('aws-stop-cli-');
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(T0);
});
afterEach(() => {
  vi.useRealTimers();
});

/** Every command says yes, as with --yes. */
const capture = (opts: { json?: boolean } = {}) => captureOutput({ ...opts, yes: true });

const common = () => ({ stateDir: dir, stack: 'teststack' });
const up = (stop: { stopAfter?: string; budget?: number }) =>
  runUp({ ...common(), target: 'aws', input: 'URL_PULL', sourceUrl: 'https://example.com/live/index.m3u8', yes: true, json: true, ...stop }, capture({ json: true }).output);
const state = async () => JSON.parse(await readFile(path.join(dir, 'teststack.json'), 'utf8'));
const scheduled = () => fake.schedules.get(SCHEDULE)?.request.ScheduleExpression;
const channel = () => [...fake.channels.values()][0]!;

async function status(): Promise<{ code: number; text: string; json: any }> {
  const human = capture();
  const code = await runStatus(common(), human.output);
  const machine = capture({ json: true });
  await runStatus({ ...common(), json: true }, machine.output);
  return { code, text: human.stdout(), json: machine.json() };
}

describe('the AWS stop schedule through the CLI', () => {
  it('up again after the schedule fired, with no command between: the run it stopped is closed, the new run gets its own end', async () => {
    expect(await up({ stopAfter: '2h' })).toBe(0);
    const start = Date.parse((await state()).channelRuns[0].start);
    vi.setSystemTime(new Date(start + 3 * HOUR));
    expect(fake.fireDueSchedules(new Date(start + 2 * HOUR + 1000))).toMatchObject([{ outcome: 'stopped' }]);
    // Hours later MediaLive has long finished stopping (the fake moves on at the next read).
    channel().state = 'IDLE';

    vi.setSystemTime(new Date(start + 5 * HOUR));
    expect(await up({ stopAfter: '2h' })).toBe(0);
    expect(channel().state).toBe('RUNNING');
    const after = await state();
    // The first run ended when the schedule fired, not when this up ran; the second starts now.
    expect(after.channelRuns).toHaveLength(2);
    expect(Date.parse(after.channelRuns[0].end)).toBeLessThanOrEqual(start + 2 * HOUR + 2000);
    const second = Date.parse(after.channelRuns[1].start);
    expect(second).toBeGreaterThanOrEqual(start + 5 * HOUR);
    expect(scheduled()).toBe(atExpression(new Date(second + 2 * HOUR)));
    expect(after.runtime.stoppedBy).toBeUndefined();
    expect((await status()).text).not.toContain('stopped by the schedule');
  });

  it('schedule --stop-after shorter than the run has lasted is refused (exit 2), the end unchanged', async () => {
    expect(await up({ stopAfter: '4h' })).toBe(0);
    const start = Date.parse((await state()).channelRuns[0].start);
    vi.setSystemTime(new Date(start + 3 * HOUR));
    const refused = capture();
    expect(await runSchedule({ ...common(), stopAfter: '2h' }, refused.output)).toBe(2);
    expect(refused.stderr()).toMatch(/already past or under a minute away: this run started 3h ago/);
    expect(scheduled()).toBe(atExpression(new Date(start + 4 * HOUR)));
    expect((await state()).spec.stop).toEqual({ kind: 'after', seconds: 4 * 3600 });
  });

  it('up --stop-after 2h, schedule --stop-after 30m, fired, status, start, down', async () => {
    expect(await up({ stopAfter: '2h' })).toBe(0);
    const start = Date.parse((await state()).channelRuns[0].start);
    expect(scheduled()).toBe(atExpression(new Date(start + 2 * HOUR)));
    expect((await state()).runtime.stopAt).toBe(new Date(start + 2 * HOUR).toISOString());

    // Twenty minutes in, the end moves to 30 minutes from the start of the run.
    vi.setSystemTime(new Date(start + 20 * 60_000));
    const moved = capture({ json: true });
    expect(await runSchedule({ ...common(), stopAfter: '30m', json: true }, moved.output)).toBe(0);
    expect(moved.json()).toMatchObject({ rule: { kind: 'after', seconds: 1800 }, stopAt: new Date(start + 30 * 60_000).toISOString() });
    expect(scheduled()).toBe(atExpression(new Date(start + 30 * 60_000)));
    expect(fake.schedules.size).toBe(1);

    // AWS fires it (the machine that ran up may be off); the channel stops, and status says why.
    const firedAt = new Date(start + 30 * 60_000 + 1000);
    vi.setSystemTime(new Date(start + 35 * 60_000));
    expect(fake.fireDueSchedules(firedAt)).toMatchObject([{ schedule: SCHEDULE, outcome: 'stopped' }]);
    await status(); // MediaLive says STOPPING first
    const after = await status();
    expect(after.code).toBe(0);
    expect(channel().state).toBe('IDLE');
    expect(after.json.channel.state).toBe('IDLE');
    expect(after.json.stop).toMatchObject({ stoppedBy: 'schedule' });
    expect(after.text).toContain('stopped by the schedule');
    const stopped = await state();
    expect(stopped.runtime.stoppedBy).toBe('schedule');
    expect(stopped.channelRuns[0].end).toBeDefined();

    // start: a new run with a new end, 30 minutes after its own start.
    vi.setSystemTime(new Date(start + HOUR));
    expect(await runChannel('start', common(), capture().output)).toBe(0);
    expect(channel().state).toBe('RUNNING');
    const restarted = await state();
    expect(restarted.runtime.stoppedBy).toBeUndefined();
    const second = Date.parse(restarted.channelRuns[1].start);
    expect(scheduled()).toBe(atExpression(new Date(second + 30 * 60_000)));
    expect(restarted.runtime.stopAt).toBe(new Date(second + 30 * 60_000).toISOString());
    expect((await status()).text).not.toContain('stopped by the schedule');

    expect(await runDown({ ...common(), yes: true }, capture().output)).toBe(0);
    expect(fake.inventory()).toEqual([LOGS_BUCKET]);
  });

  it('up --budget: the end is the budget over the hourly price, from the start', async () => {
    const perHour = estimateChannelCost(await loadProfile('HD-720p'), 'us-east-1').perHour;
    expect(await up({ budget: 20 })).toBe(0);
    const s = await state();
    expect(s.spec.stop).toEqual({ kind: 'budget', usd: 20 });
    const end = new Date(Date.parse(s.channelRuns[0].start) + Math.floor((20 / perHour) * 3600) * 1000);
    expect(s.runtime.stopAt).toBe(end.toISOString());
    expect(scheduled()).toBe(atExpression(end));
    // About 8 hours at HD-720p's ≈ $2.41/hour.
    expect((end.getTime() - T0.getTime()) / HOUR).toBeCloseTo(20 / perHour, 2);
  });

  it('up --stop-after none makes no schedule; schedule --stop-after 1h on the running channel makes one', async () => {
    expect(await up({ stopAfter: 'none' })).toBe(0);
    expect(fake.schedules.size).toBe(0);
    expect(fake.scheduleGroups.has('teststack-livestream')).toBe(true);
    // up again without a stop option keeps the recorded rule, and its plan lists no schedule.
    const again = capture();
    expect(await runUp({ ...common(), target: 'aws', input: 'URL_PULL', sourceUrl: 'https://example.com/live/index.m3u8', yes: true }, again.output)).toBe(0);
    // The plan goes to stderr (stdout is for the result).
    expect(again.stderr()).toContain('Stops: runs until stopped (--stop-after none)');
    expect(again.stderr()).toContain('EventBridge Scheduler group');
    expect(again.stderr()).not.toContain('one-time schedule');
    expect(fake.schedules.size).toBe(0);
    const start = Date.parse((await state()).channelRuns[0].start);
    expect(await runSchedule({ ...common(), stopAfter: '1h' }, capture().output)).toBe(0);
    expect(scheduled()).toBe(atExpression(new Date(start + HOUR)));
    expect(await runSchedule({ ...common(), clear: true }, capture().output)).toBe(0);
    expect(fake.schedules.size).toBe(0);
  });
});
