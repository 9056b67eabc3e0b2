/**
 * The stack's EventBridge Scheduler group: holds the stop schedule and carries the stack's tag
 * (schedules themselves take no tags). Deleting a group deletes its schedules; the group stays
 * DELETING until they are gone (DeleteScheduleGroup is eventually consistent), so the delete
 * waits, and a create that meets the name still DELETING waits for it too.
 */
import {
  CreateScheduleGroupCommand,
  DeleteScheduleGroupCommand,
  GetScheduleGroupCommand,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-scheduler';
import { LivestreamError } from '../../../core/errors.js';
import type { ResourceNode } from '../../../core/graph.js';
import type { ResourceNames } from '../requests/names.js';
import type { AwsContext } from '../context.js';
import { idempotencyToken, ignoreNotFound, pollUntil, readObserved } from './shared.js';

/** The group's state, or undefined when it does not exist. */
export async function readScheduleGroup(ctx: AwsContext, name: string): Promise<{ arn: string; state: string; tags: Array<{ Key?: string; Value?: string }> } | undefined> {
  const { scheduler } = ctx.clients;
  try {
    const g = await scheduler.send(new GetScheduleGroupCommand({ Name: name }));
    const tags = await scheduler.send(new ListTagsForResourceCommand({ ResourceArn: g.Arn! }));
    return { arn: g.Arn!, state: g.State ?? 'ACTIVE', tags: tags.Tags ?? [] };
  } catch (err) {
    if ((err as Error).name === 'ResourceNotFoundException') return undefined;
    throw err;
  }
}

export function scheduleGroupNode(names: ResourceNames): ResourceNode<AwsContext> {
  return {
    id: 'stop-schedule-group',
    kind: 'scheduler-schedule-group',
    dependsOn: [],
    describe: 'EventBridge Scheduler group (holds the stop schedule)',
    name: names.scheduleGroupName,
    async create(ctx, run) {
      const n = ctx.names;
      const { scheduler } = ctx.clients;
      const existing = await readScheduleGroup(ctx, n.scheduleGroupName);
      if (existing?.state === 'DELETING') await pollUntil(ctx, `schedule group ${n.scheduleGroupName} to finish deleting`, async () => !(await readScheduleGroup(ctx, n.scheduleGroupName)));
      else if (existing) return adopt(ctx, existing);
      const token = await idempotencyToken(ctx, 'stop-schedule-group', run, n.scheduleGroupName);
      try {
        const out = await scheduler.send(new CreateScheduleGroupCommand({ Name: n.scheduleGroupName, Tags: n.tagList, ClientToken: token }));
        return { name: n.scheduleGroupName, physicalId: n.scheduleGroupName, attrs: { arn: out.ScheduleGroupArn ?? '' } };
      } catch (err) {
        if ((err as Error).name !== 'ConflictException') throw err;
        const found = await readScheduleGroup(ctx, n.scheduleGroupName);
        if (!found) throw err;
        return adopt(ctx, found);
      }
    },
    async read(ctx, rec) {
      return readObserved(async () => {
        const g = await ctx.clients.scheduler.send(new GetScheduleGroupCommand({ Name: rec.physicalId || rec.name }));
        // On its way out, it is as good as gone: a new one may take its name once it has.
        return g.State === 'DELETING' ? { exists: false, status: 'DELETING' } : { exists: true, status: g.State ?? 'ACTIVE' };
      });
    },
    async delete(ctx, rec) {
      const name = rec.physicalId || rec.name;
      await ignoreNotFound(() => ctx.clients.scheduler.send(new DeleteScheduleGroupCommand({ Name: name })));
      await pollUntil(ctx, `schedule group ${name} to be deleted`, async () => !(await readScheduleGroup(ctx, name)));
    },
  };
}

/** A group of the stack's name: ours only with the stack's tag (CreateScheduleGroup sets it). */
function adopt(ctx: AwsContext, g: { arn: string; tags: Array<{ Key?: string; Value?: string }> }) {
  const n = ctx.names;
  if (!g.tags.some((t) => t.Key && n.tags[t.Key] === t.Value)) {
    throw new LivestreamError('RESOURCE_FAILED', `An EventBridge Scheduler group named ${n.scheduleGroupName} exists in ${n.region} without the tag of stack "${n.stack}"; livestream will not use it.`, {
      hint: 'Delete or rename that group, or choose another --stack name.',
    });
  }
  return { name: n.scheduleGroupName, physicalId: n.scheduleGroupName, attrs: { arn: g.arn } };
}
