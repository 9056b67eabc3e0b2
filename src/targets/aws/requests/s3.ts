/**
 * Request bodies for the two buckets. Pure.
 * - Origin: private (public access blocked, ACLs off, SSE-S3, TLS only), read only by this stack's
 *   CloudFront distribution through origin access control, CORS for players, `stream/` expired
 *   after a day, request metrics on `stream/` for the dashboard.
 * - Logs: CloudFront standard logging writes with ACLs, so ACLs must stay on (BucketOwnerPreferred).
 */
import type {
  BucketLifecycleConfiguration,
  CORSConfiguration,
  CreateBucketConfiguration,
  MetricsConfiguration,
  OwnershipControls,
  PublicAccessBlockConfiguration,
  ServerSideEncryptionConfiguration,
  Tagging,
} from '@aws-sdk/client-s3';
import type { PolicyDocument, PolicyStatement } from './iam.js';
import type { ResourceNames } from './names.js';

/** The request-metrics filter the dashboard reads (CloudWatch dimension FilterId). */
export const STREAM_METRICS_ID = 'livestream-stream';
export const STREAM_PREFIX = 'stream/';

/** us-east-1 takes no LocationConstraint: sending one fails with InvalidLocationConstraint. */
export function buildCreateBucketConfiguration(region: string): CreateBucketConfiguration | undefined {
  return region === 'us-east-1' ? undefined : { LocationConstraint: region as CreateBucketConfiguration['LocationConstraint'] };
}

export function buildPublicAccessBlock(): PublicAccessBlockConfiguration {
  return { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };
}

export function buildOriginOwnershipControls(): OwnershipControls {
  return { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] };
}

/**
 * CloudFront standard (legacy) logging refuses buckets with ACLs disabled: "The S3 bucket that you
 * specified for CloudFront logs does not enable ACL access". With BucketOwnerPreferred, CloudFront
 * adds the awslogsdelivery FULL_CONTROL grant to the bucket ACL itself when logging is enabled.
 */
export function buildLogsOwnershipControls(): OwnershipControls {
  return { Rules: [{ ObjectOwnership: 'BucketOwnerPreferred' }] };
}

export function buildEncryption(): ServerSideEncryptionConfiguration {
  // SSE-S3: CloudFront (through OAC) and log delivery can use it without any KMS key policy.
  return { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: true }] };
}

export function buildTagging(names: ResourceNames): Tagging {
  return { TagSet: names.tagList };
}

function denyInsecureTransport(bucketArn: string): PolicyStatement {
  return {
    Sid: 'DenyInsecureTransport',
    Effect: 'Deny',
    Principal: { AWS: '*' },
    Action: 's3:*',
    Resource: [bucketArn, `${bucketArn}/*`],
    Condition: { Bool: { 'aws:SecureTransport': 'false' } },
  };
}

/** TLS only; objects readable by this stack's distribution alone (origin access control). */
export function buildOriginBucketPolicy(a: { bucket: string; distributionArn: string; partition?: string }): string {
  const arn = `arn:${a.partition ?? 'aws'}:s3:::${a.bucket}`;
  const doc: PolicyDocument = {
    Version: '2012-10-17',
    Statement: [
      denyInsecureTransport(arn),
      {
        Sid: 'AllowCloudFrontRead',
        Effect: 'Allow',
        Principal: { Service: 'cloudfront.amazonaws.com' },
        Action: 's3:GetObject',
        Resource: `${arn}/*`,
        Condition: { StringEquals: { 'AWS:SourceArn': a.distributionArn } },
      },
    ],
  };
  return JSON.stringify(doc);
}

/** TLS only, nothing granted: the logs bucket and the recordings bucket (#13). */
export function buildTlsOnlyBucketPolicy(a: { bucket: string; partition?: string }): string {
  const arn = `arn:${a.partition ?? 'aws'}:s3:::${a.bucket}`;
  const doc: PolicyDocument = { Version: '2012-10-17', Statement: [denyInsecureTransport(arn)] };
  return JSON.stringify(doc);
}

export const buildLogsBucketPolicy = buildTlsOnlyBucketPolicy;

export function buildCors(): CORSConfiguration {
  return {
    CORSRules: [{ AllowedMethods: ['GET', 'HEAD'], AllowedOrigins: ['*'], AllowedHeaders: ['*'], MaxAgeSeconds: 3000 }],
  };
}

/**
 * MediaLive deletes segments past KeepSegments itself; this rule catches what it leaves behind
 * (a channel deleted mid-stream). S3 lifecycle works in whole days, 1 at least (FACTS.md §2).
 */
export function buildLifecycle(): BucketLifecycleConfiguration {
  return {
    Rules: [
      {
        ID: 'expire-stream',
        Status: 'Enabled',
        Filter: { Prefix: STREAM_PREFIX },
        Expiration: { Days: 1 },
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
      },
    ],
  };
}

export function buildMetricsConfiguration(): MetricsConfiguration {
  return { Id: STREAM_METRICS_ID, Filter: { Prefix: STREAM_PREFIX } };
}

/** CloudFront's Logging.Bucket takes the bucket's domain, not its name. */
export function logsBucketDomain(bucket: string): string {
  return `${bucket}.s3.amazonaws.com`;
}

/** The origin domain CloudFront signs requests for with OAC. */
export function bucketRegionalDomain(bucket: string, region: string): string {
  return `${bucket}.s3.${region}.amazonaws.com`;
}
