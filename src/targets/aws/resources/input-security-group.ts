/**
 * MediaLive input security group for the push inputs: who may push (the --cidr list).
 */
import {
  CreateInputSecurityGroupCommand,
  DeleteInputSecurityGroupCommand,
  DescribeInputSecurityGroupCommand,
  type InputSecurityGroup,
  paginateListInputSecurityGroups,
} from '@aws-sdk/client-medialive';
import type { ResourceNode } from '../../../core/graph.js';
import { isNotFound } from '../requests/errors.js';
import { buildCreateInputSecurityGroupRequest } from '../requests/input.js';
import { TAG_KEY, type ResourceNames } from '../requests/names.js';
import type { AwsContext } from '../context.js';
import { pollUntil, readObserved } from './shared.js';

export function inputSecurityGroupNode(names: ResourceNames): ResourceNode<AwsContext> {
  return {
    id: 'input-security-group',
    kind: 'medialive-input-security-group',
    dependsOn: [],
    describe: 'MediaLive input security group',
    // Security groups have no name; they are tagged with the stack.
    name: `${names.stack}-input-sg`,
    async create(ctx) {
      // CreateInputSecurityGroup has no idempotency token: a create whose answer was lost left a
      // group tagged with this stack and not used by any input. Adopt it instead of making another.
      const sg = (await findOrphan(ctx, true)) ?? (await ctx.clients.medialive.send(new CreateInputSecurityGroupCommand(buildCreateInputSecurityGroupRequest(ctx.spec, ctx.names)))).SecurityGroup!;
      return { name: `${ctx.names.stack}-input-sg`, physicalId: sg.Id!, attrs: { arn: sg.Arn ?? '', cidrs: ctx.spec.cidrs } };
    },
    async read(ctx, rec) {
      if (!rec.physicalId) return { exists: false };
      return readObserved(async () => {
        const sg = await ctx.clients.medialive.send(new DescribeInputSecurityGroupCommand({ InputSecurityGroupId: rec.physicalId }));
        return { exists: sg.State !== 'DELETED', status: sg.State };
      });
    },
    async delete(ctx, rec) {
      const { medialive } = ctx.clients;
      // A create whose answer was lost recorded no id: find the group by its tag.
      const id = rec.physicalId || (await findOrphan(ctx, false))?.Id;
      if (!id) return;
      rec = { ...rec, physicalId: id };
      let gone = false;
      // The input was just deleted, but MediaLive keeps the group IN_USE for a while; deleting it
      // then fails with "Input security group is in use". The reference polls 5 x 6 s.
      await pollUntil(ctx, `security group ${rec.physicalId} to leave IN_USE`, async () => {
        try {
          const sg = await medialive.send(new DescribeInputSecurityGroupCommand({ InputSecurityGroupId: rec.physicalId }));
          if (sg.State === 'DELETED') gone = true;
          return sg.State !== 'IN_USE';
        } catch (err) {
          if (!isNotFound(err)) throw err;
          gone = true;
          return true;
        }
      });
      if (gone) return;
      try {
        await medialive.send(new DeleteInputSecurityGroupCommand({ InputSecurityGroupId: rec.physicalId }));
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    },
  };
}

/** This stack's group that no input uses (with `sameRules`, only one with the spec's CIDRs). */
async function findOrphan(ctx: AwsContext, sameRules: boolean): Promise<InputSecurityGroup | undefined> {
  const want = [...ctx.spec.cidrs].sort().join(',');
  for await (const page of paginateListInputSecurityGroups({ client: ctx.clients.medialive }, {})) {
    const hit = (page.InputSecurityGroups ?? []).find(
      (g) =>
        g.Tags?.[TAG_KEY] === ctx.names.stack &&
        g.State === 'IDLE' &&
        (g.Inputs ?? []).length === 0 &&
        (!sameRules || (g.WhitelistRules ?? []).map((r) => r.Cidr).sort().join(',') === want),
    );
    if (hit) return hit;
  }
  return undefined;
}
