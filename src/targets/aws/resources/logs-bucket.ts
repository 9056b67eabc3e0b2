/**
 * The bucket CloudFront writes its access logs to. Kept by `down` unless --delete-logs.
 * It lives in names.logsBucketRegion: the stack's region, or us-east-1 for a stack in an opt-in
 * region (CloudFront delivers no logs to buckets there), so every call goes to that region's S3.
 */
import {
  PutBucketEncryptionCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutPublicAccessBlockCommand,
} from '@aws-sdk/client-s3';
import type { ResourceNode } from '../../../core/graph.js';
import type { ResourceRecord } from '../../../core/state.js';
import type { ResourceNames } from '../requests/names.js';
import { buildEncryption, buildLogsBucketPolicy, buildLogsOwnershipControls, buildPublicAccessBlock, buildTagging } from '../requests/s3.js';
import type { AwsContext } from '../context.js';
import { bucketExists, createBucket, deleteBucket } from './bucket.js';

export function logsBucketNode(names: ResourceNames): ResourceNode<AwsContext> {
  return {
    id: 'logs-bucket',
    kind: 's3-bucket',
    dependsOn: [],
    describe: names.logsBucketRegion === names.region ? 'S3 bucket for CloudFront logs' : `S3 bucket for CloudFront logs (in ${names.logsBucketRegion})`,
    name: names.logsBucket,
    async create(ctx, run) {
      const region = ctx.names.logsBucketRegion;
      const s3 = ctx.clients.s3In(region);
      const Bucket = ctx.names.logsBucket;
      const ownership = buildLogsOwnershipControls();
      const created = await createBucket(ctx, Bucket, ownership.Rules![0]!.ObjectOwnership!, region);
      await run.save({ name: Bucket, physicalId: Bucket, attrs: { region } });
      await s3.send(new PutPublicAccessBlockCommand({ Bucket, PublicAccessBlockConfiguration: buildPublicAccessBlock() }));
      if (!created) await s3.send(new PutBucketOwnershipControlsCommand({ Bucket, OwnershipControls: ownership }));
      await s3.send(new PutBucketEncryptionCommand({ Bucket, ServerSideEncryptionConfiguration: buildEncryption() }));
      await s3.send(new PutBucketTaggingCommand({ Bucket, Tagging: buildTagging(ctx.names) }));
      await s3.send(new PutBucketPolicyCommand({ Bucket, Policy: buildLogsBucketPolicy({ bucket: Bucket }) }));
      return { name: Bucket, physicalId: Bucket, attrs: { region } };
    },
    async read(ctx, rec) {
      const region = logsBucketRegionOf(ctx.names, rec);
      const exists = await bucketExists(ctx.clients.s3In(region), rec.physicalId || rec.name);
      return { exists, ...(region !== ctx.names.region ? { detail: `in ${region} (CloudFront delivers no logs to ${ctx.names.region})` } : {}) };
    },
    async delete(ctx, rec) {
      await deleteBucket(ctx, rec.physicalId || rec.name, logsBucketRegionOf(ctx.names, rec));
    },
  };
}

/**
 * Where a recorded logs bucket is: the region recorded when it was created (an older livestream
 * created it in the stack's region, opt-in or not), else where livestream puts it now.
 */
export function logsBucketRegionOf(names: ResourceNames, rec: ResourceRecord | undefined): string {
  const recorded = rec?.attrs.region;
  return typeof recorded === 'string' && /^[a-z]{2}(-[a-z]+)+-\d$/.test(recorded) ? recorded : names.logsBucketRegion;
}
