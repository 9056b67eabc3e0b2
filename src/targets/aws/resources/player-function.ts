/**
 * The CloudFront Function that serves player/index.html for /player/ (build/player-function.ts).
 * Create: CreateFunction (DEVELOPMENT stage) then PublishFunction (LIVE), which a distribution
 * needs before it can associate the function. Delete: after the distribution no longer names it
 * (its disable strips the association; CloudFront answers FunctionInUse otherwise), DeleteFunction
 * with the current ETag.
 */
import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  DescribeFunctionCommand,
  PublishFunctionCommand,
  UpdateFunctionCommand,
} from '@aws-sdk/client-cloudfront';
import type { ResourceNode } from '../../../core/graph.js';
import { isNotFound } from '../requests/errors.js';
import type { ResourceNames } from '../requests/names.js';
import { buildCreatePlayerFunctionRequest, playerFunctionName } from '../requests/player-function.js';
import type { AwsContext } from '../context.js';

/** The stack's published function (found by its deterministic name: CloudFront functions take no tags here), or undefined. */
export async function findPlayerFunction(ctx: AwsContext, name = playerFunctionName(ctx.names)): Promise<{ name: string; arn: string; status?: string } | undefined> {
  try {
    const out = await ctx.clients.cloudfront.send(new DescribeFunctionCommand({ Name: name, Stage: 'LIVE' }));
    return { name, arn: out.FunctionSummary?.FunctionMetadata?.FunctionARN ?? '', ...(out.FunctionSummary?.Status ? { status: out.FunctionSummary.Status } : {}) };
  } catch (err) {
    if (isNotFound(err) || (err as Error).name === 'NoSuchFunctionExists') return undefined;
    throw err;
  }
}

export function playerFunctionNode(names: ResourceNames): ResourceNode<AwsContext> {
  const name = playerFunctionName(names);
  return {
    id: 'player-function',
    kind: 'cloudfront-function',
    dependsOn: [],
    describe: 'CloudFront Function for the player page',
    name,
    async create(ctx) {
      const cf = ctx.clients.cloudfront;
      const request = buildCreatePlayerFunctionRequest(ctx.names);
      let etag: string | undefined;
      try {
        etag = (await cf.send(new CreateFunctionCommand(request))).ETag;
      } catch (err) {
        // A resumed create whose answer was lost: the name is this stack's; make its code ours.
        if ((err as Error).name !== 'FunctionAlreadyExists') throw err;
        const current = await cf.send(new DescribeFunctionCommand({ Name: name }));
        etag = (await cf.send(new UpdateFunctionCommand({ Name: name, IfMatch: current.ETag, FunctionConfig: request.FunctionConfig, FunctionCode: request.FunctionCode }))).ETag;
      }
      const published = await cf.send(new PublishFunctionCommand({ Name: name, IfMatch: etag }));
      const arn = published.FunctionSummary?.FunctionMetadata?.FunctionARN;
      if (!arn) throw new Error(`PublishFunction returned no ARN for ${name}`);
      return { name, physicalId: name, attrs: { arn } };
    },
    async read(ctx, rec) {
      const found = await findPlayerFunction(ctx, rec.physicalId || rec.name);
      return found ? { exists: true, ...(found.status ? { status: found.status } : {}) } : { exists: false };
    },
    async delete(ctx, rec) {
      const cf = ctx.clients.cloudfront;
      const Name = rec.physicalId || rec.name;
      try {
        const current = await cf.send(new DescribeFunctionCommand({ Name }));
        await cf.send(new DeleteFunctionCommand({ Name, IfMatch: current.ETag }));
      } catch (err) {
        if (isNotFound(err) || (err as Error).name === 'NoSuchFunctionExists') return;
        throw err;
      }
    },
  };
}
