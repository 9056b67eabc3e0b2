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
import { buildCachePolicyConfig, cacheTtls } from '../requests/cloudfront.js';
import type { ResourceNames } from '../requests/names.js';
import type { AwsContext } from '../context.js';
import { cloudFrontConfigNode } from './cloudfront-config.js';
import { eachPage } from './shared.js';

export type CachePolicyKind = 'playlists' | 'segments';

export function cachePolicyNode(names: ResourceNames, which: CachePolicyKind): ResourceNode<AwsContext> {
  return cloudFrontConfigNode(names, {
    id: `cache-policy-${which}`,
    kind: 'cloudfront-cache-policy',
    describe: `CloudFront cache policy for ${which}`,
    nameOf: (n) => n.cachePolicyNames[which],
    conflictError: 'CachePolicyAlreadyExists',
    async create(ctx, name) {
      const ttl = cacheTtls(ctx.ladder.hls.segmentSeconds)[which];
      return (await ctx.clients.cloudfront.send(new CreateCachePolicyCommand({ CachePolicyConfig: buildCachePolicyConfig(name, ttl) }))).CachePolicy!.Id!;
    },
    findByName: findCachePolicyByName,
    get: (cf, id) => cf.send(new GetCachePolicyCommand({ Id: id })),
    remove: (cf, id, ifMatch) => cf.send(new DeleteCachePolicyCommand({ Id: id, IfMatch: ifMatch })),
  });
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
