/**
 * The CloudFront distribution: HTTPS to viewers, the origin, the cache policies, logs to the
 * logs bucket. `up` does not wait for it to deploy (about 5 minutes): the channel needs no CDN to
 * start, and the URL works as soon as CloudFront has propagated.
 * Delete: disable, wait until Deployed, delete with the current ETag ("DistributionNotDisabled"
 * otherwise).
 */
import {
  CreateDistributionWithTagsCommand,
  DeleteDistributionCommand,
  GetDistributionCommand,
  GetDistributionConfigCommand,
  type DistributionSummary,
  ListTagsForResourceCommand,
  paginateListDistributions,
  UpdateDistributionCommand,
  waitUntilDistributionDeployed,
} from '@aws-sdk/client-cloudfront';
import type { ResourceNode } from '../../../core/graph.js';
import type { AwsStackSpec } from '../../../core/spec.js';
import { isNotFound } from '../requests/errors.js';
import { buildDisabledDistributionConfig, cloudFrontPriceClass, buildDistributionConfigWithTags, distributionArn, type DistributionOrigin } from '../requests/cloudfront.js';
import { TAG_KEY, type ResourceNames } from '../requests/names.js';
import { bucketRegionalDomain, logsBucketDomain } from '../requests/s3.js';
import type { AwsContext } from '../context.js';
import { idempotencyToken, readObserved, waiter } from './shared.js';

export function distributionNode(names: ResourceNames, spec: AwsStackSpec): ResourceNode<AwsContext> {
  const s3 = spec.aws.origin !== 'mediastore';
  return {
    id: 'distribution',
    kind: 'cloudfront-distribution',
    dependsOn: ['origin', 'logs-bucket', 'cache-policy-playlists', 'cache-policy-segments', 'origin-oac', 'player-function'],
    describe: 'CloudFront distribution',
    name: names.distributionComment,
    async create(ctx, run) {
      const cf = ctx.clients.cloudfront;
      const n = ctx.names;
      let callerReference = await idempotencyToken(ctx, 'distribution', run, n.distributionComment);
      const originRec = run.deps.origin!;
      const origin: DistributionOrigin = s3
        ? { kind: 's3', bucketRegionalDomain: bucketRegionalDomain(originRec.physicalId, n.region), oacId: run.deps['origin-oac']!.physicalId }
        : { kind: 'mediastore', endpointHost: hostOf(String(originRec.attrs.endpoint)), oacId: run.deps['origin-oac']!.physicalId };
      // The same CallerReference with the same config returns the distribution already created.
      const send = () => cf.send(
        new CreateDistributionWithTagsCommand({
          DistributionConfigWithTags: buildDistributionConfigWithTags({
            names: n,
            origin,
            logsBucketDomain: logsBucketDomain(run.deps['logs-bucket']!.physicalId),
            callerReference,
            segmentSeconds: ctx.ladder.hls.segmentSeconds,
            cachePolicyIds: { playlists: run.deps['cache-policy-playlists']!.physicalId, segments: run.deps['cache-policy-segments']!.physicalId },
            comment: n.distributionComment,
            playerFunctionArn: String(run.deps['player-function']!.attrs.arn),
            priceClass: cloudFrontPriceClass(ctx.spec.aws.priceClass),
          }),
        }),
      );
      let d: { Id?: string; DomainName?: string; ARN?: string };
      try {
        d = (await send()).Distribution!;
      } catch (err) {
        // The stack's stable CallerReference belongs to a distribution made with another config:
        // ours, if it still carries the stack's comment and tag; else one since deleted.
        if ((err as Error).name !== 'DistributionAlreadyExists') throw err;
        const ours = (await findOurDistributions(ctx))[0];
        if (ours) d = ours;
        else {
          callerReference = await idempotencyToken(ctx, 'distribution', run, n.distributionComment, true);
          d = (await send()).Distribution!;
        }
      }
      return {
        name: n.distributionComment,
        physicalId: d.Id!,
        attrs: { requestId: callerReference, domainName: d.DomainName!, arn: d.ARN ?? distributionArn(n.accountId, d.Id!) },
      };
    },
    async read(ctx, rec) {
      if (!rec.physicalId) return { exists: false };
      return readObserved(async () => {
        const d = (await ctx.clients.cloudfront.send(new GetDistributionCommand({ Id: rec.physicalId }))).Distribution!;
        return { exists: true, status: d.Status, detail: d.DistributionConfig?.Enabled === false ? 'disabled' : undefined };
      });
    },
    async delete(ctx, rec) {
      const cf = ctx.clients.cloudfront;
      const id = rec.physicalId || (await findOurDistributions(ctx))[0]?.Id;
      if (!id) return;
      try {
        const current = await cf.send(new GetDistributionConfigCommand({ Id: id }));
        const disabled = buildDisabledDistributionConfig(current.DistributionConfig!);
        if (JSON.stringify(disabled) !== JSON.stringify(current.DistributionConfig)) {
          await cf.send(new UpdateDistributionCommand({ Id: id, IfMatch: current.ETag, DistributionConfig: disabled }));
        }
        await waitUntilDistributionDeployed(waiter(cf, ctx.timings.distribution), { Id: id });
        const latest = await cf.send(new GetDistributionCommand({ Id: id }));
        await cf.send(new DeleteDistributionCommand({ Id: id, IfMatch: latest.ETag }));
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    },
  };
}

function hostOf(endpoint: string): string {
  return endpoint.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
}

/**
 * Distributions with this stack's comment and tag (a create whose answer or state was lost).
 * Distributions have no name: the comment narrows the list, the tag proves it is ours.
 */
export async function findOurDistributions(ctx: AwsContext): Promise<DistributionSummary[]> {
  const found: DistributionSummary[] = [];
  for await (const page of paginateListDistributions({ client: ctx.clients.cloudfront }, {})) {
    for (const d of page.DistributionList?.Items ?? []) {
      if (d.Comment !== ctx.names.distributionComment || !d.ARN) continue;
      const tags = await ctx.clients.cloudfront.send(new ListTagsForResourceCommand({ Resource: d.ARN }));
      if (tags.Tags?.Items?.some((t) => t.Key === TAG_KEY && t.Value === ctx.names.stack)) found.push(d);
    }
  }
  return found;
}
