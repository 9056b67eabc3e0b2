/**
 * The two CloudFront cache policies: playlists (at most half a segment) and segments (days).
 */
import {
  CreateCachePolicyCommand,
  DeleteCachePolicyCommand,
  GetCachePolicyCommand,
  ListCachePoliciesCommand,
  type ListCachePoliciesCommandInput,
} from '@aws-sdk/client-cloudfront';
import type { ResourceNode } from '../../../core/graph.js';
import { isNotFound } from '../requests/errors.js';
import { buildCachePolicyConfig, cacheTtls } from '../requests/cloudfront.js';
import type { ResourceNames } from '../requests/names.js';
import type { AwsContext } from '../context.js';
import { createOrAdopt, eachPage, ignoreNotFound } from './shared.js';

export type CachePolicyKind = 'playlists' | 'segments';

export function cachePolicyNode(names: ResourceNames, which: CachePolicyKind): ResourceNode<AwsContext> {
  return {
    id: `cache-policy-${which}`,
    kind: 'cloudfront-cache-policy',
    dependsOn: [],
    describe: `CloudFront cache policy for ${which}`,
    name: names.cachePolicyNames[which],
    async create(ctx) {
      const cf = ctx.clients.cloudfront;
      const name = ctx.names.cachePolicyNames[which];
      const ttl = cacheTtls(ctx.ladder.hls.segmentSeconds)[which];
      const physicalId = await createOrAdopt(
        async () => (await cf.send(new CreateCachePolicyCommand({ CachePolicyConfig: buildCachePolicyConfig(name, ttl) }))).CachePolicy!.Id!,
        'CachePolicyAlreadyExists',
        () => findCachePolicyByName(ctx, name),
      );
      return { name, physicalId };
    },
    async read(ctx, rec) {
      if (!rec.physicalId) return { exists: false };
      try {
        await ctx.clients.cloudfront.send(new GetCachePolicyCommand({ Id: rec.physicalId }));
        return { exists: true };
      } catch (err) {
        if (isNotFound(err)) return { exists: false };
        throw err;
      }
    },
    async delete(ctx, rec) {
      const cf = ctx.clients.cloudfront;
      const id = rec.physicalId || (await findCachePolicyByName(ctx, rec.name));
      if (!id) return;
      await ignoreNotFound(async () => {
        const got = await cf.send(new GetCachePolicyCommand({ Id: id }));
        await cf.send(new DeleteCachePolicyCommand({ Id: id, IfMatch: got.ETag }));
      });
    },
  };
}

export async function findCachePolicyByName(ctx: AwsContext, name: string): Promise<string | undefined> {
  const cf = ctx.clients.cloudfront;
  const pages = eachPage(
    (input: ListCachePoliciesCommandInput) => cf.send(new ListCachePoliciesCommand(input)),
    { Type: 'custom' },
    (page) => (page.CachePolicyList?.NextMarker ? { Marker: page.CachePolicyList.NextMarker } : undefined),
  );
  for await (const page of pages) {
    const hit = page.CachePolicyList?.Items?.find((i) => i.CachePolicy?.CachePolicyConfig?.Name === name);
    if (hit) return hit.CachePolicy!.Id;
  }
  return undefined;
}
