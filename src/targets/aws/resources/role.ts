/**
 * IAM role MediaLive assumes: write this stack's origin, read this stack's parameter (build/iam.ts).
 */
import {
  CreateRoleCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  GetRoleCommand,
  PutRolePolicyCommand,
  waitUntilRoleExists,
} from '@aws-sdk/client-iam';
import type { ResourceNode } from '../../../core/graph.js';
import type { AwsStackSpec } from '../../../core/spec.js';
import { bucketArn, buildRolePolicy, buildTrustPolicy, containerArn } from '../requests/iam.js';
import { needsSrtSecret } from '../requests/input.js';
import type { ResourceNames } from '../requests/names.js';
import type { AwsContext } from '../context.js';
import { ignoreNotFound, readExists, waiter } from './shared.js';

export function originArn(spec: AwsStackSpec, names: ResourceNames): string {
  return spec.aws.origin === 'mediastore'
    ? containerArn({ region: names.region, accountId: names.accountId, containerName: names.containerName })
    : bucketArn(names.originBucket);
}

export function roleNode(names: ResourceNames, spec: AwsStackSpec): ResourceNode<AwsContext> {
  return {
    id: 'role',
    kind: 'iam-role',
    // The policy grants the SRT passphrase secret by its full ARN (a random suffix AWS appends).
    dependsOn: needsSrtSecret(spec) ? ['srt-passphrase'] : [],
    describe: 'IAM role for MediaLive',
    name: names.roleName,
    async create(ctx, run) {
      const { iam } = ctx.clients;
      const n = ctx.names;
      let arn: string;
      try {
        const out = await iam.send(
          new CreateRoleCommand({
            RoleName: n.roleName,
            AssumeRolePolicyDocument: buildTrustPolicy(),
            Description: `MediaLive role of livestream stack ${n.stack}`,
            Tags: n.tagList,
          }),
        );
        arn = out.Role!.Arn!;
      } catch (err) {
        // A create interrupted after IAM answered: the role is ours (its name carries the stack and region).
        if ((err as Error).name !== 'EntityAlreadyExistsException') throw err;
        arn = (await iam.send(new GetRoleCommand({ RoleName: n.roleName }))).Role!.Arn!;
      }
      // Recorded before the policy: if that fails, `down` still finds the role.
      await run.save({ name: n.roleName, physicalId: arn });
      await iam.send(
        new PutRolePolicyCommand({
          RoleName: n.roleName,
          PolicyName: n.rolePolicyName,
          PolicyDocument: buildRolePolicy({ spec: ctx.spec, names: n, accountId: n.accountId, region: n.region, originArn: originArn(ctx.spec, n), srtSecretArn: run.deps['srt-passphrase']?.physicalId }),
        }),
      );
      await waitUntilRoleExists(waiter(iam, ctx.timings.short), { RoleName: n.roleName });
      return { name: n.roleName, physicalId: arn };
    },
    async read(ctx, rec) {
      return readExists(() => ctx.clients.iam.send(new GetRoleCommand({ RoleName: rec.name })));
    },
    async delete(ctx, rec) {
      const { iam } = ctx.clients;
      // IAM refuses to delete a role that still has inline policies (DeleteConflict).
      await ignoreNotFound(() => iam.send(new DeleteRolePolicyCommand({ RoleName: rec.name, PolicyName: ctx.names.rolePolicyName })));
      await ignoreNotFound(() => iam.send(new DeleteRoleCommand({ RoleName: rec.name })));
    },
  };
}
