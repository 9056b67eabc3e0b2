/**
 * The bucket MediaLive records each run of the channel into (#13): private (public access
 * blocked, ACLs off), SSE-S3, TLS only, tagged with the stack, recordings expired after the days
 * the user set (none by default). In the stack's region (MediaLive writes to S3 there). Kept by
 * `down` unless --delete-recordings; then emptied (every version) and deleted, saying how much went.
 */
import {
  paginateListObjectsV2,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutPublicAccessBlockCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { ResourceNode } from '../../../core/graph.js';
import type { AwsStackSpec } from '../../../core/spec.js';
import type { ResourceNames } from '../requests/names.js';
import { buildRecordingsLifecycle } from '../requests/recording.js';
import { buildEncryption, buildOriginOwnershipControls, buildPublicAccessBlock, buildTagging, buildTlsOnlyBucketPolicy } from '../requests/s3.js';
import type { AwsContext } from '../context.js';
import { bucketExists, createBucket, deleteBucket } from './bucket.js';
import type { StoredPart } from '../requests/recording.js';

export function recordingsBucketNode(names: ResourceNames, spec: AwsStackSpec): ResourceNode<AwsContext> {
  return {
    id: 'recordings-bucket',
    kind: 's3-bucket',
    dependsOn: [],
    describe: `S3 bucket for recordings (${spec.aws.recordingsExpireDays ? `deleted after ${spec.aws.recordingsExpireDays} days` : 'kept until deleted'})`,
    name: names.recordingsBucket,
    async create(ctx, run) {
      const s3 = ctx.clients.s3;
      const Bucket = ctx.names.recordingsBucket;
      await createBucket(ctx, Bucket, buildOriginOwnershipControls().Rules![0]!.ObjectOwnership!);
      await run.save({ name: Bucket, physicalId: Bucket });
      await s3.send(new PutPublicAccessBlockCommand({ Bucket, PublicAccessBlockConfiguration: buildPublicAccessBlock() }));
      await s3.send(new PutBucketEncryptionCommand({ Bucket, ServerSideEncryptionConfiguration: buildEncryption() }));
      await s3.send(new PutBucketTaggingCommand({ Bucket, Tagging: buildTagging(ctx.names) }));
      await s3.send(new PutBucketPolicyCommand({ Bucket, Policy: buildTlsOnlyBucketPolicy({ bucket: Bucket }) }));
      await s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration: buildRecordingsLifecycle(ctx.names.stack, ctx.spec.aws.recordingsExpireDays) }));
      return { name: Bucket, physicalId: Bucket };
    },
    async read(ctx, rec) {
      const bucket = rec.physicalId || rec.name;
      const exists = await bucketExists(ctx.clients.s3, bucket);
      if (!exists) return { exists };
      const parts = await listParts(ctx.clients.s3, bucket, `${ctx.names.stack}/`);
      return { exists, detail: `${parts.length} recording files, ${formatBytes(parts.reduce((n, p) => n + p.bytes, 0))}` };
    },
    async delete(ctx, rec) {
      const bucket = rec.physicalId || rec.name;
      if (!(await bucketExists(ctx.clients.s3, bucket))) return;
      const parts = await listParts(ctx.clients.s3, bucket);
      const bytes = parts.reduce((n, p) => n + p.bytes, 0);
      await deleteBucket(ctx, bucket);
      ctx.host.notify({
        level: 'info',
        code: 'RECORDINGS_DELETED',
        message: `Deleted the recordings bucket ${bucket}: ${parts.length} files, ${formatBytes(bytes)}.`,
        details: { bucket, files: parts.length, bytes },
      });
    },
  };
}

/** Every object under `prefix` (the whole bucket when absent), with its size and write time. */
export async function listParts(s3: S3Client, bucket: string, prefix?: string): Promise<StoredPart[]> {
  const parts: StoredPart[] = [];
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, ...(prefix ? { Prefix: prefix } : {}) })) {
    for (const o of page.Contents ?? []) if (o.Key) parts.push({ key: o.Key, bytes: o.Size ?? 0, ...(o.LastModified ? { lastModified: o.LastModified } : {}) });
  }
  return parts;
}

export function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kB`;
  return `${n} B`;
}
