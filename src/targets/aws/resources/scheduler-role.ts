/**
 * IAM role EventBridge Scheduler assumes to stop the channel: trusted by Scheduler for this
 * account's schedules only, allowed medialive:StopChannel on this stack's channel and nothing
 * else (requests/iam.ts). After the channel: the policy names the channel by its ARN.
 */
import { CreateRoleCommand, DeleteRoleCommand, DeleteRolePolicyCommand, GetRoleCommand, PutRolePolicyCommand, waitUntilRoleExists } from '@aws-sdk/client-iam';
import type { ResourceNode } from '../../../core/graph.js';
import { buildSchedulerRolePolicy, buildSchedulerTrustPolicy } from '../requests/iam.js';
import type { ResourceNames } from '../requests/names.js';
import { channelArn } from '../requests/scheduler.js';
import type { AwsContext } from '../context.js';
import { ignoreNotFound, readExists, waiter } from './shared.js';

export function schedulerRoleNode(names: ResourceNames): ResourceNode<AwsContext> {
  return {
    id: 'stop-schedule-role',
    kind: 'iam-role',
    dependsOn: ['channel'],
    describe: 'IAM role for the stop schedule (may only stop this channel)',
    name: names.schedulerRoleName,
    async create(ctx, run) {
      const { iam } = ctx.clients;
      const n = ctx.names;
      const RoleName = n.schedulerRoleName;
      const arn = await iam
        .send(new CreateRoleCommand({ RoleName, AssumeRolePolicyDocument: buildSchedulerTrustPolicy(n.accountId), Description: `Stops the MediaLive channel of livestream stack ${n.stack} on schedule`, Tags: n.tagList }))
        .then((out) => out.Role!.Arn!)
        // A create whose answer was lost: the role of this name is ours (it carries the stack and region).
        .catch(async (err: Error) => {
          if (err.name !== 'EntityAlreadyExistsException') throw err;
          return (await iam.send(new GetRoleCommand({ RoleName }))).Role!.Arn!;
        });
      // Recorded before the policy, so `down` finds the role if the policy call fails.
      await run.save({ name: RoleName, physicalId: arn });
      const channel = channelArn({ region: n.region, accountId: n.accountId, channelId: run.deps.channel!.physicalId });
      await iam.send(new PutRolePolicyCommand({ RoleName, PolicyName: n.schedulerRolePolicyName, PolicyDocument: buildSchedulerRolePolicy(channel) }));
      await waitUntilRoleExists(waiter(iam, ctx.timings.short), { RoleName });
      return { name: RoleName, physicalId: arn, attrs: { channelArn: channel } };
    },
    read: (ctx, rec) => readExists(() => ctx.clients.iam.send(new GetRoleCommand({ RoleName: rec.name }))),
    async delete(ctx, rec) {
      const { iam } = ctx.clients;
      // IAM refuses to delete a role that still has inline policies (DeleteConflict).
      await ignoreNotFound(() => iam.send(new DeleteRolePolicyCommand({ RoleName: rec.name, PolicyName: ctx.names.schedulerRolePolicyName })));
      await ignoreNotFound(() => iam.send(new DeleteRoleCommand({ RoleName: rec.name })));
    },
  };
}
