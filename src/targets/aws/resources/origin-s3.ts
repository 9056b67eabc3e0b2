/**
 * The S3 origin MediaLive writes HLS to: private, ACLs off, encrypted, CORS for players,
 * `stream/` expired after a day, request metrics on `stream/`. Its bucket policy (TLS only, read
 * by this stack's distribution) is the separate `origin-policy` node: it names the distribution.
 */
import {
  PutBucketCorsCommand,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketMetricsConfigurationCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketTaggingCommand,
  PutPublicAccessBlockCommand,
} from '@aws-sdk/client-s3';
import type { ResourceNode } from '../../../core/graph.js';
import type { ResourceNames } from '../requests/names.js';
import {
  buildCors,
  buildEncryption,
  buildLifecycle,
  buildMetricsConfiguration,
  buildOriginOwnershipControls,
  buildPublicAccessBlock,
  buildTagging,
  STREAM_METRICS_ID,
} from '../requests/s3.js';
import type { AwsContext } from '../context.js';
import { bucketExists, createBucket, deleteBucket } from './bucket.js';

export function originS3Node(names: ResourceNames): ResourceNode<AwsContext> {
  return {
    id: 'origin',
    kind: 's3-bucket',
    dependsOn: [],
    describe: 'S3 origin bucket',
    name: names.originBucket,
    async create(ctx, run) {
      const s3 = ctx.clients.s3;
      const Bucket = ctx.names.originBucket;
      const ownership = buildOriginOwnershipControls();
      const created = await createBucket(ctx, Bucket, ownership.Rules![0]!.ObjectOwnership!);
      await run.save({ name: Bucket, physicalId: Bucket });
      await s3.send(new PutPublicAccessBlockCommand({ Bucket, PublicAccessBlockConfiguration: buildPublicAccessBlock() }));
      if (!created) await s3.send(new PutBucketOwnershipControlsCommand({ Bucket, OwnershipControls: ownership }));
      await s3.send(new PutBucketEncryptionCommand({ Bucket, ServerSideEncryptionConfiguration: buildEncryption() }));
      await s3.send(new PutBucketTaggingCommand({ Bucket, Tagging: buildTagging(ctx.names) }));
      await s3.send(new PutBucketCorsCommand({ Bucket, CORSConfiguration: buildCors() }));
      await s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration: buildLifecycle() }));
      await s3.send(new PutBucketMetricsConfigurationCommand({ Bucket, Id: STREAM_METRICS_ID, MetricsConfiguration: buildMetricsConfiguration() }));
      return { name: Bucket, physicalId: Bucket, attrs: { region: ctx.names.region } };
    },
    async read(ctx, rec) {
      return { exists: await bucketExists(ctx.clients.s3, rec.physicalId || rec.name) };
    },
    async delete(ctx, rec) {
      await deleteBucket(ctx, rec.physicalId || rec.name);
    },
  };
}
