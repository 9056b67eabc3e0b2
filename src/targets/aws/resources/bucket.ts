/**
 * What both buckets share: create (adopting our own bucket on a resumed create), exists, and
 * delete after emptying (every object version and delete marker: S3 refuses to delete a bucket
 * that is not empty, "BucketNotEmpty").
 */
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  HeadBucketCommand,
  ListObjectVersionsCommand,
  type ListObjectVersionsCommandInput,
  type ObjectIdentifier,
  paginateListObjectsV2,
  type ObjectOwnership,
  type S3Client,
  waitUntilBucketExists,
} from '@aws-sdk/client-s3';
import { isNotFound } from '../requests/errors.js';
import { buildCreateBucketConfiguration } from '../requests/s3.js';
import type { AwsContext } from '../context.js';
import { eachPage, waiter } from './shared.js';

/**
 * Create the bucket with its object ownership set in the same call, so there is no moment when
 * the bucket exists with the wrong setting (CloudFront logging can be enabled in that window and
 * refused). Returns false when the bucket was already ours (a resumed create): the caller then
 * applies the ownership setting itself, since CreateBucket did not. `region` is where the bucket
 * lives (the stack's region unless said otherwise); it is created through that region's endpoint.
 */
export async function createBucket(ctx: AwsContext, bucket: string, objectOwnership: ObjectOwnership, region = ctx.names.region): Promise<boolean> {
  const s3 = ctx.clients.s3In(region);
  const config = buildCreateBucketConfiguration(region);
  let created = true;
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectOwnership: objectOwnership, ...(config ? { CreateBucketConfiguration: config } : {}) }));
  } catch (err) {
    // Ours already (a resumed create); "BucketAlreadyExists" (someone else's) stays an error.
    if ((err as Error).name !== 'BucketAlreadyOwnedByYou') throw err;
    created = false;
  }
  await waitUntilBucketExists(waiter(s3, ctx.timings.short), { Bucket: bucket });
  return created;
}

export async function bucketExists(s3: S3Client, bucket: string): Promise<boolean> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return true;
  } catch (err) {
    // HeadBucket has no body, so a missing bucket arrives as a bare "NotFound" (404).
    if (isNotFound(err) || (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
    throw err;
  }
}

export async function emptyBucket(s3: S3Client, bucket: string, prefix?: string): Promise<number> {
  let deleted = 0;
  // Versions first (a bucket that ever had versioning keeps old versions and delete markers).
  const versions = eachPage(
    (input: ListObjectVersionsCommandInput) => s3.send(new ListObjectVersionsCommand(input)),
    { Bucket: bucket, Prefix: prefix },
    (page) => (page.IsTruncated ? { KeyMarker: page.NextKeyMarker, VersionIdMarker: page.NextVersionIdMarker } : undefined),
  );
  for await (const page of versions) {
    const ids: ObjectIdentifier[] = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])]
      .filter((v) => v.Key)
      .map((v) => ({ Key: v.Key!, ...(v.VersionId && v.VersionId !== 'null' ? { VersionId: v.VersionId } : {}) }));
    deleted += await deleteBatch(s3, bucket, ids);
  }
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: prefix })) {
    deleted += await deleteBatch(s3, bucket, (page.Contents ?? []).filter((o) => o.Key).map((o) => ({ Key: o.Key! })));
  }
  return deleted;
}

async function deleteBatch(s3: S3Client, bucket: string, ids: ObjectIdentifier[]): Promise<number> {
  // DeleteObjects takes at most 1000 keys per call.
  for (let i = 0; i < ids.length; i += 1000) {
    const out = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: ids.slice(i, i + 1000), Quiet: true } }));
    if (out?.Errors && out.Errors.length > 0) {
      const e = out.Errors[0]!;
      throw new Error(`Could not empty bucket ${bucket}: ${e.Key}: ${e.Code} ${e.Message ?? ''}`.trim());
    }
  }
  return ids.length;
}

export async function deleteBucket(ctx: AwsContext, bucket: string, region = ctx.names.region): Promise<void> {
  const s3 = ctx.clients.s3In(region);
  try {
    await emptyBucket(s3, bucket);
    await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}
