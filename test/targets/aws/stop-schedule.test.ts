/**
 * The AWS stop schedule against the stateful fake: made, moved and removed by stopSchedule.set
 * (which the lifecycle calls after every start and `schedule` calls when the user moves the end),
 * fired by the fake as EventBridge Scheduler would (as the stack's role), read back for status,
 * and removed by `down` before the channel. Every request is checked against the Scheduler model
 * and against docs/iam-policy.json.
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { LivestreamError } from '../../../src/core/errors.js';
import type { RunContext } from '../../../src/core/target.js';
import { createClients } from '../../../src/targets/aws/clients.js';
import type { AwsContext } from '../../../src/targets/aws/context.js';
import { resourceNames } from '../../../src/targets/aws/requests/names.js';
import { readStopFiredAt, setStopSchedule } from '../../../src/targets/aws/resources/stop-schedule.js';
import type { AwsFake } from '../../helpers/aws-fake.js';
import { checkRequest, loadServiceModel } from '../../helpers/aws-model.js';
import { FAST_TIMINGS, INPUT_SPECS, makeHarness, TEST_ASSETS, type AwsHarness } from '../../helpers/aws-run.js';
import { allowingStatement, needsOf, type Policy } from '../../helpers/iam-actions.js';
import { installAwsFake } from '../../helpers/install-aws-fake.js';

let fake: AwsFake;
beforeEach(() => (fake = installAwsFake()));

const LOGS_BUCKET = 'bucket:teststack-logs-123456789012-us-east-1';
const SCHEDULE = 'teststack-livestream/teststack-stop-channel';
const END = new Date('2026-11-25T06:00:00Z');

/** The context the driver gives stopSchedule.set: the stack's names, the fake's account, a clock the test sets. */
function contextOf(h: AwsHarness, run: RunContext, now: () => Date): AwsContext {
  return {
    clients: createClients({ region: h.spec.aws.region }),
    names: resourceNames(h.spec.stack, h.spec.aws.region, fake.accountId),
    spec: h.spec,
    ladder: run.ladder,
    secrets: {},
    host: h.host,
    timings: FAST_TIMINGS,
    now,
    playerAssets: async () => TEST_ASSETS,
  };
}

/**
 * A stack up and running, and what the lifecycle does after its start: set the end. `up` has
 * already made the schedule at the default end (12 h after the start); `at` moves it.
 */
async function upWithEnd(at = END) {
  const h = await makeHarness(INPUT_SPECS.URL_PULL!);
  await h.driver.up(await h.run());
  let clock = new Date('2026-11-25T04:00:00Z');
  const run = await h.run();
  const ctx = contextOf(h, run, () => clock);
  await setStopSchedule(run, ctx, at);
  return { h, ctx, run, setClock: (d: Date) => void (clock = d) };
}

/** A stack up and running with --stop-after none: group and role, but no schedule yet. */
async function upWithoutEnd() {
  const h = await makeHarness({ ...INPUT_SPECS.URL_PULL!, stopAfter: 'none' });
  await h.driver.up(await h.run());
  expect(fake.schedules.size).toBe(0);
  const run = await h.run();
  return { h, run, ctx: contextOf(h, run, () => new Date('2026-11-25T04:00:00Z')) };
}

function sent(command: string) {
  return fake.calls.filter((c) => c.command === command);
}

describe('the stop schedule (EventBridge Scheduler)', () => {
  it('up makes the tagged group and a role that may only stop this channel; set makes the schedule at the end, calling StopChannel as that role', async () => {
    const { h } = await upWithEnd();
    const group = fake.scheduleGroups.get('teststack-livestream')!;
    expect(group.tags).toEqual([{ Key: 'livestream:stack', Value: 'teststack' }]);
    const channel = [...fake.channels.values()][0]!;
    const role = fake.roles.get('teststack-scheduler-us-east-1')!;
    expect(JSON.parse(role.trust).Statement[0]).toMatchObject({ Principal: { Service: 'scheduler.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': fake.accountId } } });
    expect(JSON.parse(role.policies.get('teststack-stop-channel')!).Statement).toEqual([{ Sid: 'StopStackChannel', Effect: 'Allow', Action: 'medialive:StopChannel', Resource: channel.arn }]);
    const s = fake.schedules.get(SCHEDULE)!;
    expect(s.request).toMatchObject({
      ScheduleExpression: 'at(2026-11-25T06:00:00)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'NONE',
      Target: { Arn: 'arn:aws:scheduler:::aws-sdk:medialive:stopChannel', RoleArn: role.arn, Input: JSON.stringify({ ChannelId: channel.id }) },
    });
    const state = JSON.parse(await h.stateText());
    expect(state.resources['stop-schedule']).toMatchObject({ kind: 'scheduler-schedule', name: 'teststack-stop-channel', physicalId: 'teststack-stop-channel', status: 'ready', attrs: { at: END.toISOString(), channelId: channel.id } });
    expect(h.host.codes()).toContain('STOP_SCHEDULE_SET');
    // status shows it like every resource, read from AWS.
    const status = await h.driver.status(await h.run());
    expect(status.resources.find((r) => r.id === 'stop-schedule')).toMatchObject({ exists: true, status: 'ENABLED', detail: `stops the channel at ${END.toISOString()}` });
    expect(status.resources.find((r) => r.id === 'stop-schedule-group')).toMatchObject({ exists: true, status: 'ACTIVE' });
  });

  it('a new end moves the one schedule; set(undefined) removes it and its record', async () => {
    const { h, ctx, run } = await upWithEnd();
    const later = new Date('2026-11-25T09:30:00Z');
    await setStopSchedule(run, ctx, later);
    // Made once (by up, at the default end); every new end since moved it.
    expect(sent('CreateSchedule')).toHaveLength(1);
    expect(sent('UpdateSchedule')).toHaveLength(2);
    expect([...fake.schedules.keys()]).toEqual([SCHEDULE]);
    expect(fake.schedules.get(SCHEDULE)!.request.ScheduleExpression).toBe('at(2026-11-25T09:30:00)');
    expect(JSON.parse(await h.stateText()).resources['stop-schedule'].attrs.at).toBe(later.toISOString());
    await setStopSchedule(run, ctx, undefined);
    expect(fake.schedules.size).toBe(0);
    expect(JSON.parse(await h.stateText()).resources['stop-schedule']).toBeUndefined();
    expect(h.host.codes()).toContain('STOP_SCHEDULE_REMOVED');
    // Removing what is not there is done.
    await setStopSchedule(run, ctx, undefined);
  });

  it('a create whose answer was lost, retried, gets the same schedule (ClientToken)', async () => {
    const { h, run, ctx } = await upWithoutEnd();
    fake.failOn('CreateSchedule', { after: true });
    await expect(setStopSchedule(run, ctx, END)).rejects.toThrow(LivestreamError);
    // The intent is recorded, so `down` would look for it by name.
    expect(JSON.parse(await h.stateText()).resources['stop-schedule']).toMatchObject({ status: 'creating', physicalId: '' });
    await setStopSchedule(run, ctx, END);
    const creates = sent('CreateSchedule');
    expect(creates).toHaveLength(2);
    expect(creates[1]!.input.ClientToken).toBe(creates[0]!.input.ClientToken);
    expect(fake.schedules.size).toBe(1);
    expect(JSON.parse(await h.stateText()).resources['stop-schedule'].status).toBe('ready');
  });

  it('fires: the channel stops (IDLE), and firedAt says when; before its time it has not fired', async () => {
    const { h, ctx, setClock } = await upWithEnd();
    const channel = [...fake.channels.values()][0]!;
    setClock(new Date('2026-11-25T05:59:00Z'));
    expect(fake.fireDueSchedules(new Date('2026-11-25T05:59:00Z'))).toEqual([]);
    expect(await readStopFiredAt(ctx, (await h.store.load())!)).toBeUndefined();
    const fired = fake.fireDueSchedules(new Date('2026-11-25T06:00:01Z'));
    expect(fired).toEqual([{ schedule: SCHEDULE, outcome: 'stopped', detail: `channel ${channel.id} stopping` }]);
    setClock(new Date('2026-11-25T06:05:00Z'));
    // MediaLive says STOPPING first, then IDLE; status then closes the run.
    expect((await h.driver.status(await h.run())).channel.state).toBe('STOPPING');
    const status = await h.driver.status({ ...(await h.run()), now: () => new Date('2026-11-25T06:05:00Z') });
    expect(status.channel.state).toBe('IDLE');
    expect(channel.state).toBe('IDLE');
    expect(status.resources.find((r) => r.id === 'stop-schedule')).toMatchObject({ exists: true, detail: `was due at ${END.toISOString()}` });
    expect((await readStopFiredAt(ctx, (await h.store.load())!))?.toISOString()).toBe(END.toISOString());
    // It fires once.
    expect(fake.fireDueSchedules(new Date('2026-11-25T07:00:00Z'))).toEqual([]);
  });

  it('a channel stopped by "livestream stop" before the end was not stopped by the schedule, which is gone', async () => {
    const { h, ctx, setClock } = await upWithEnd();
    await h.driver.stop(await h.run());
    expect(fake.schedules.size).toBe(0);
    expect(JSON.parse(await h.stateText()).resources['stop-schedule']).toBeUndefined();
    setClock(new Date('2026-11-25T07:00:00Z'));
    expect(fake.fireDueSchedules(new Date('2026-11-25T07:00:00Z'))).toEqual([]);
    expect(await readStopFiredAt(ctx, (await h.store.load())!)).toBeUndefined();
  });

  it('start after it fired: the new run gets a new end (the lifecycle sets it after start), which fires again', async () => {
    const { h, ctx, run, setClock } = await upWithEnd();
    fake.fireDueSchedules(new Date('2026-11-25T06:00:01Z'));
    await h.driver.status(await h.run());
    await h.driver.start(await h.run());
    const channel = [...fake.channels.values()][0]!;
    expect(channel.state).toBe('RUNNING');
    const next = new Date('2026-11-25T10:00:00Z');
    setClock(new Date('2026-11-25T06:10:00Z'));
    await setStopSchedule(run, ctx, next);
    expect(fake.schedules.get(SCHEDULE)!.request.ScheduleExpression).toBe('at(2026-11-25T10:00:00)');
    // Not fired for the new run (the old time is gone), until its own time.
    expect(await readStopFiredAt(ctx, (await h.store.load())!)).toBeUndefined();
    expect(fake.fireDueSchedules(new Date('2026-11-25T10:00:00Z'))).toMatchObject([{ outcome: 'stopped' }]);
    await h.driver.status(await h.run());
    expect(channel.state).toBe('IDLE');
  });

  it('down after it fired leaves nothing but the kept logs bucket; the schedule goes before the channel', async () => {
    const { h } = await upWithEnd();
    fake.fireDueSchedules(new Date('2026-11-25T06:00:01Z'));
    const report = await h.driver.down(await h.run(), { deleteLogs: false });
    expect(report.failed).toEqual([]);
    expect(report.deleted).toEqual(expect.arrayContaining(['stop-schedule', 'stop-schedule-group', 'stop-schedule-role']));
    expect(fake.inventory()).toEqual([LOGS_BUCKET]);
    const order = fake.commandNames();
    expect(order.indexOf('DeleteSchedule')).toBeLessThan(order.indexOf('DeleteChannel'));
  });

  it('down of a running channel removes its pending schedule before it stops the channel', async () => {
    const { h } = await upWithEnd();
    const before = fake.calls.length;
    await h.driver.down(await h.run(), { deleteLogs: true });
    const order = fake.calls.slice(before).map((c) => c.command);
    expect(order.indexOf('DeleteSchedule')).toBeGreaterThanOrEqual(0);
    expect(order.indexOf('DeleteSchedule')).toBeLessThan(order.indexOf('StopChannel'));
    expect(fake.inventory()).toEqual([]);
  });

  it('down whose DeleteSchedule is refused still stops and deletes the channel: only the schedule and its group stay, named', async () => {
    const { h } = await upWithEnd();
    fake.deny('scheduler:DeleteSchedule');
    const report = await h.driver.down(await h.run(), { deleteLogs: true });
    expect(report.failed.map((f) => f.id)).toEqual(['stop-schedule']);
    expect(report.deleted).toEqual(expect.arrayContaining(['channel', 'input', 'distribution', 'stop-schedule-role']));
    expect(report.stillBilling ?? []).toEqual([]);
    // What is left costs nothing: a schedule whose channel is gone, in its group.
    expect(fake.inventory().filter((r) => !r.startsWith('schedule'))).toEqual([]);
  });

  it('down without the state file finds the schedule in the stack\'s group, and removes it with the rest', async () => {
    const { h } = await upWithEnd();
    await rm(h.store.file);
    const report = await h.driver.down(await h.run(), { deleteLogs: true });
    expect(report.failed).toEqual([]);
    expect(fake.inventory()).toEqual([]);
  });

  it('a role that may not stop the channel does not stop it (the fake checks the role as Scheduler would)', async () => {
    await upWithEnd();
    const role = fake.roles.get('teststack-scheduler-us-east-1')!;
    role.policies.set('teststack-stop-channel', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'medialive:StopChannel', Resource: 'arn:aws:medialive:us-east-1:123456789012:channel:999' }] }));
    expect(fake.fireDueSchedules(new Date('2026-11-25T06:00:01Z'))).toMatchObject([{ outcome: 'denied' }]);
    expect([...fake.channels.values()][0]!.state).toBe('RUNNING');
  });

  it('denied scheduler:CreateScheduleGroup during up: a clear error naming it, the state resumable, up again completes', async () => {
    const h = await makeHarness(INPUT_SPECS.URL_PULL!);
    fake.deny('scheduler:CreateScheduleGroup', 1);
    const err = await h.driver.up(await h.run()).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(LivestreamError);
    expect((err as LivestreamError).code).toBe('AWS_ACCESS_DENIED');
    expect((err as LivestreamError).message).toContain('scheduler:CreateScheduleGroup');
    expect((err as LivestreamError).message).toContain('EventBridge Scheduler group');
    await h.driver.up(await h.run());
    expect(fake.scheduleGroups.has('teststack-livestream')).toBe(true);
    await h.driver.down(await h.run(), { deleteLogs: true });
    expect(fake.inventory()).toEqual([]);
  });

  it('denied scheduler:CreateSchedule: a clear error naming it, nothing half-made left behind, down cleans', async () => {
    const { h, run, ctx } = await upWithoutEnd();
    fake.deny('scheduler:CreateSchedule', 1);
    const err = await setStopSchedule(run, ctx, END).then(() => undefined, (e: unknown) => e);
    expect((err as LivestreamError).code).toBe('AWS_ACCESS_DENIED');
    expect((err as LivestreamError).message).toContain('scheduler:CreateSchedule');
    expect(fake.schedules.size).toBe(0);
    // Resumable: set again (permission granted) makes it.
    await setStopSchedule(run, ctx, END);
    expect(fake.schedules.size).toBe(1);
    const report = await h.driver.down(await h.run(), { deleteLogs: true });
    expect(report.failed).toEqual([]);
    expect(fake.inventory()).toEqual([]);
  });

  it('stop: a schedule that cannot be removed (denied) leaves the channel stopped, with a warning', async () => {
    const { h } = await upWithEnd();
    fake.deny('scheduler:DeleteSchedule', 1);
    await h.driver.stop(await h.run());
    expect([...fake.channels.values()][0]!.state).not.toBe('RUNNING');
    expect(h.host.codes()).toContain('STOP_SCHEDULE_KEPT');
    expect(fake.schedules.size).toBe(1);
    await h.driver.down(await h.run(), { deleteLogs: true });
    expect(fake.inventory()).toEqual([]);
  });

  it('set on a stack without the group and role (an older livestream made it) says to run up', async () => {
    const { h, run, ctx } = await upWithoutEnd();
    await h.store.update((s) => void delete s.resources['stop-schedule-role']);
    const err = await setStopSchedule(run, ctx, END).then(() => undefined, (e: unknown) => e);
    expect((err as LivestreamError).code).toBe('RESOURCE_FAILED');
    expect((err as LivestreamError).hint).toContain('livestream up');
    expect(sent('CreateSchedule')).toHaveLength(0);
  });

  it('every request it sends conforms to the API models and is allowed by docs/iam-policy.json', async () => {
    const { h, ctx, run } = await upWithEnd();
    await setStopSchedule(run, ctx, new Date('2026-11-25T08:00:00Z'));
    await h.driver.status(await h.run());
    fake.fireDueSchedules(new Date('2026-11-25T08:00:00Z'));
    await readStopFiredAt(ctx, (await h.store.load())!);
    await h.driver.down(await h.run(), { deleteLogs: true });
    const ops = new Set(fake.calls.filter((c) => c.service === 'scheduler').map((c) => c.command));
    expect([...ops].sort()).toEqual(['CreateSchedule', 'CreateScheduleGroup', 'DeleteSchedule', 'DeleteScheduleGroup', 'GetSchedule', 'GetScheduleGroup', 'ListTagsForResource', 'UpdateSchedule']);
    const problems = fake.calls.flatMap((c) => checkRequest(loadServiceModel(c.service), c.command, c.input).map((p) => `${c.service} ${c.command} ${p}`));
    expect(problems).toEqual([]);
    const policy = JSON.parse(await readFile(path.resolve(import.meta.dirname, '../../../docs/iam-policy.json'), 'utf8')) as Policy;
    const denied = fake.calls.filter((c) => c.service === 'scheduler' || c.command.endsWith('Role') || c.command.endsWith('RolePolicy'))
      .flatMap((c) => needsOf({ service: c.service, command: c.command, input: c.input }, 'us-east-1'))
      .filter((n) => !allowingStatement(policy, n))
      .map((n) => `${n.action} on ${n.resource}`);
    expect(denied).toEqual([]);
  });
});
