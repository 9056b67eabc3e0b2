/**
 * The origin's policy, readable by this stack's distribution alone (origin access control,
 * `AWS:SourceArn` = the distribution's ARN). S3: TLS only + CloudFront read. MediaStore: write by
 * the MediaLive role + CloudFront read.
 *
 * Why a node of its own after the distribution, rather than a policy on the origin granting
 * every distribution of the account (`arn:aws:cloudfront::<account>:distribution/*`): the
 * distribution's ARN exists only once it is created, and a wildcard would let any other
 * distribution in the account read this stack's stream. The order is still sound: CloudFront
 * needs no policy to create the distribution, only to serve it, and the channel writes with its
 * role (S3: the role's own policy).
 */
import { DeleteContainerPolicyCommand, GetContainerPolicyCommand, PutContainerPolicyCommand } from '@aws-sdk/client-mediastore';
import { DeleteBucketPolicyCommand, GetBucketPolicyCommand, PutBucketPolicyCommand } from '@aws-sdk/client-s3';
import type { ResourceNode } from '../../../core/graph.js';
import type { AwsStackSpec } from '../../../core/spec.js';
import type { ResourceRecord } from '../../../core/state.js';
import { isNotFound } from '../requests/errors.js';
import { containerArn } from '../requests/iam.js';
import { buildContainerPolicy } from '../requests/mediastore.js';
import type { ResourceNames } from '../requests/names.js';
import { buildOriginBucketPolicy } from '../requests/s3.js';
import type { AwsContext } from '../context.js';
import { readExists } from './shared.js';
import { withMediaStore } from './origin-mediastore.js';

export function originPolicyNode(names: ResourceNames, spec: AwsStackSpec): ResourceNode<AwsContext> {
  const mediastore = spec.aws.origin === 'mediastore';
  return {
    id: 'origin-policy',
    kind: mediastore ? 'mediastore-container-policy' : 's3-bucket-policy',
    dependsOn: mediastore ? ['origin', 'distribution', 'role'] : ['origin', 'distribution'],
    describe: mediastore ? 'Origin container policy (role writes, CloudFront reads)' : 'Origin bucket policy (TLS only, CloudFront reads)',
    name: `${mediastore ? names.containerName : names.originBucket}/policy`,
    async create(ctx, run) {
      const origin = run.deps.origin!.physicalId;
      const distributionArn = String(run.deps.distribution!.attrs.arn);
      if (mediastore) {
        const cArn = String(run.deps.origin!.attrs.arn || containerArn({ region: ctx.names.region, accountId: ctx.names.accountId, containerName: origin }));
        const Policy = buildContainerPolicy({ containerArn: cArn, roleArn: run.deps.role!.physicalId, distributionArn });
        await withMediaStore(() => ctx.clients.mediastore.send(new PutContainerPolicyCommand({ ContainerName: origin, Policy })));
      } else {
        await ctx.clients.s3.send(new PutBucketPolicyCommand({ Bucket: origin, Policy: buildOriginBucketPolicy({ bucket: origin, distributionArn }) }));
      }
      return { name: `${origin}/policy`, physicalId: origin };
    },
    async read(ctx, rec) {
      const origin = originOf(rec);
      return readExists(
        () => (mediastore
          ? withMediaStore(() => ctx.clients.mediastore.send(new GetContainerPolicyCommand({ ContainerName: origin })))
          : ctx.clients.s3.send(new GetBucketPolicyCommand({ Bucket: origin }))),
        (err) => isNotFound(err) || (err as Error).name === 'NoSuchBucketPolicy',
      );
    },
    async delete(ctx, rec) {
      const origin = originOf(rec);
      try {
        if (mediastore) await withMediaStore(() => ctx.clients.mediastore.send(new DeleteContainerPolicyCommand({ ContainerName: origin })));
        else await ctx.clients.s3.send(new DeleteBucketPolicyCommand({ Bucket: origin }));
      } catch (err) {
        if (!isNotFound(err) && (err as Error).name !== 'NoSuchBucketPolicy') throw err;
      }
    },
  };
}

/** The bucket or container the policy belongs to (`<origin>/policy` names it even before it exists). */
function originOf(rec: ResourceRecord): string {
  return rec.physicalId || rec.name.replace(/\/policy$/, '');
}
