/**
 * The one-time schedule that stops the channel at the end of a run (requests/scheduler.ts). Not
 * made by the graph walk of `up`: the end is known only once the channel runs, so the lifecycle
 * calls `setStopSchedule` after every start (and `schedule` when the user moves the end). It is
 * recorded like every resource, so `status` reads it and `down` deletes it (before the channel:
 * it must not fire into a channel being deleted). The graph of the recorded commands holds its
 * node for that; `up`'s does not (see driver.ts).
 */
import { CreateScheduleCommand, DeleteScheduleCommand, GetScheduleCommand, UpdateScheduleCommand, type GetScheduleCommandOutput } from '@aws-sdk/client-scheduler';
import { createHash } from 'node:crypto';
import { LivestreamError } from '../../../core/errors.js';
import type { ResourceNode } from '../../../core/graph.js';
import type { StackState } from '../../../core/state.js';
import type { RunContext } from '../../../core/target.js';
import { toLivestreamError } from '../requests/errors.js';
import type { ResourceNames } from '../requests/names.js';
import { atExpression, buildStopSchedule, parseAtExpression } from '../requests/scheduler.js';
import { failedAction } from '../clients.js';
import type { AwsContext } from '../context.js';
import { readChannelState } from './channel.js';
import { ignoreNotFound, readObserved } from './shared.js';

const ID = 'stop-schedule';
const KIND = 'scheduler-schedule';

export function stopScheduleNode(names: ResourceNames): ResourceNode<AwsContext> {
  return {
    id: ID,
    kind: KIND,
    // It names the role and the channel too, but only by value: made after each start, never by
    // the graph walk. Were they edges, one failed DeleteSchedule in `down` would block the role and,
    // through it, the channel: a channel left RUNNING and billing over a schedule, which is harmless
    // once the channel is gone (it can only stop a channel id that no longer exists).
    dependsOn: ['stop-schedule-group'],
    describe: 'EventBridge Scheduler one-time schedule (stops the channel at the end of each run)',
    name: names.scheduleName,
    async create() {
      throw new LivestreamError('INTERNAL', 'The stop schedule is made after each start (stopSchedule.set), never by the graph walk of "up".');
    },
    read: (ctx, rec) => readObserved(async () => {
      const s = await getSchedule(ctx, rec.name);
      const at = parseAtExpression(s.ScheduleExpression, s.ScheduleExpressionTimezone);
      const due = at ? `${at.getTime() <= ctx.now().getTime() ? 'was due' : 'stops the channel'} at ${at.toISOString()}` : `runs ${s.ScheduleExpression}`;
      return { exists: true, status: s.State ?? 'ENABLED', detail: due };
    }),
    delete: (ctx, rec) => ignoreNotFound(() => ctx.clients.scheduler.send(new DeleteScheduleCommand({ Name: rec.name, GroupName: ctx.names.scheduleGroupName }))),
  };
}

function getSchedule(ctx: AwsContext, name: string): Promise<GetScheduleCommandOutput> {
  return ctx.clients.scheduler.send(new GetScheduleCommand({ Name: name, GroupName: ctx.names.scheduleGroupName }));
}

/**
 * The schedule recorded for this end is in AWS as made (`up` again on a running channel): nothing
 * to change. Read, not assumed: it may have been deleted or edited in the console since.
 */
async function isInPlace(ctx: AwsContext, name: string, expression: string, roleArn: string): Promise<boolean> {
  try {
    const s = await getSchedule(ctx, name);
    return s.ScheduleExpression === expression && s.State !== 'DISABLED' && s.Target?.RoleArn === roleArn;
  } catch {
    return false;
  }
}

/**
 * Make AWS stop the channel at `at`, replacing any earlier end (UpdateSchedule of the one
 * schedule); undefined deletes the schedule. Idempotent: the ClientToken is the same for the same
 * stack, channel and time, so a call retried after a lost answer is the same call.
 */
export async function setStopSchedule(run: RunContext, ctx: AwsContext, at: Date | undefined): Promise<void> {
  const n = ctx.names;
  const node = stopScheduleNode(n);
  // Named as the graph names a node's failure (core/graph.ts), so `up` failing here says which resource.
  const fail = (err: unknown, op: string): never => {
    const e = toLivestreamError(err, { action: failedAction(err) ?? `scheduler:${op}`, resource: `${node.describe} ${n.scheduleName}` });
    throw new LivestreamError(e.code, e.message, { hint: e.hint, details: { ...(e.details as object), resource: ID }, cause: err });
  };
  const state = run.store.require();
  const rec = state.resources[ID];
  if (!at) {
    if (!rec) return;
    await node.delete(ctx, rec).catch((err) => fail(err, 'DeleteSchedule'));
    await run.store.removeResource(ID);
    run.host.notify({ level: 'info', code: 'STOP_SCHEDULE_REMOVED', message: `Removed the stop schedule ${n.scheduleName}.` });
    return;
  }
  const channelId = state.resources.channel?.physicalId;
  const role = state.resources['stop-schedule-role'];
  const group = state.resources['stop-schedule-group'];
  if (!channelId || role?.status !== 'ready' || group?.status !== 'ready') {
    throw new LivestreamError('RESOURCE_FAILED', `Stack "${state.stack}" has no ${!channelId ? 'MediaLive channel' : role?.status !== 'ready' ? 'stop schedule role' : 'schedule group'} yet, so its channel cannot be stopped on schedule.`, {
      hint: 'Run "livestream up" to create what is missing (a stack made by an older livestream gets the schedule\'s role and group), then set the end again.',
    });
  }
  if (rec?.status === 'ready' && rec.attrs.at === at.toISOString() && rec.attrs.channelId === channelId && (await isInPlace(ctx, rec.name, atExpression(at), role.physicalId))) return;
  const clientToken = createHash('sha256').update(`${n.stack}/${n.region}/${n.accountId}/${ID}/${channelId}/${at.toISOString()}`).digest('hex').slice(0, 32);
  const request = buildStopSchedule({ names: n, channelId, roleArn: role.physicalId, at, clientToken });
  const attrs = { at: at.toISOString(), channelId };
  // The intent first: if the answer is lost, `down` still looks for the schedule by its name.
  await run.store.putResource({ id: ID, kind: KIND, name: n.scheduleName, physicalId: rec?.physicalId ?? '', status: 'creating', attrs });
  const { scheduler } = ctx.clients;
  const create = () => scheduler.send(new CreateScheduleCommand(request));
  const update = () => scheduler.send(new UpdateScheduleCommand(request));
  let arn: string | undefined;
  try {
    // One schedule per stack: moved while it exists (a name in use is ConflictException), made when not.
    arn = (await (rec?.physicalId ? update() : create()).catch((err: Error) => {
      if (rec?.physicalId && err.name === 'ResourceNotFoundException') return create();
      if (!rec?.physicalId && err.name === 'ConflictException') return update();
      throw err;
    })).ScheduleArn;
  } catch (err) {
    fail(err, rec?.physicalId ? 'UpdateSchedule' : 'CreateSchedule');
  }
  await run.store.putResource({ id: ID, kind: KIND, name: n.scheduleName, physicalId: n.scheduleName, status: 'ready', attrs: { ...attrs, arn: arn ?? '' } });
  run.host.notify({ level: 'info', code: 'STOP_SCHEDULE_SET', message: `AWS stops channel ${channelId} at ${at.toISOString()} (EventBridge Scheduler schedule ${n.scheduleName}), even with this machine off.`, details: { at: at.toISOString(), schedule: n.scheduleName } });
}

/**
 * When the schedule stopped the channel, or undefined. AWS keeps no record of who stopped a
 * channel (DescribeChannel has no stop time or cause), so this is decided from three facts: the
 * schedule's time has passed, the channel is IDLE now, and the last run livestream recorded was
 * still open at that time (not stopped by "livestream stop" before it).
 */
export async function readStopFiredAt(ctx: AwsContext, state: StackState): Promise<Date | undefined> {
  const rec = state.resources[ID];
  const channelId = state.resources.channel?.physicalId;
  if (!rec?.physicalId || !channelId) return undefined;
  let s: GetScheduleCommandOutput;
  try {
    s = await getSchedule(ctx, rec.name);
  } catch (err) {
    if ((err as Error).name === 'ResourceNotFoundException') return undefined;
    throw err;
  }
  const at = parseAtExpression(s.ScheduleExpression, s.ScheduleExpressionTimezone);
  if (!at || at.getTime() > ctx.now().getTime()) return undefined;
  if ((await readChannelState(ctx, channelId)) !== 'IDLE') return undefined;
  const last = state.channelRuns.at(-1);
  if (!last || (last.end && Date.parse(last.end) < at.getTime())) return undefined;
  return at;
}
