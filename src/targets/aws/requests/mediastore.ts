/**
 * MediaStore origin (`--origin mediastore`), as the guide's reference built it. Pure.
 * AWS ended MediaStore on 2025-11-13: these bodies are kept so the option still works against an
 * emulator (`--endpoint-url`) and so a refusal from AWS becomes MEDIASTORE_ENDED_MESSAGE.
 */
import type { CorsRule, MetricPolicy } from '@aws-sdk/client-mediastore';
import type { PolicyDocument } from './iam.js';

export const MEDIASTORE_ENDED_MESSAGE =
  'AWS ended AWS Elemental MediaStore on 2025-11-13: its API and containers are gone, so --origin mediastore ' +
  'cannot be created on AWS. Use --origin s3 (the default; AWS\'s own replacement for simple live workflows).';

/**
 * Write by the MediaLive role; read only by this stack's distribution, over TLS. The reference
 * admitted any caller whose User-Agent matched a UUID CloudFront sent as a custom header; origin
 * access control (type "mediastore") signs CloudFront's requests instead, so no shared secret exists.
 */
export function buildContainerPolicy(a: { containerArn: string; roleArn: string; distributionArn: string }): string {
  const objects = `${a.containerArn}/*`;
  const doc: PolicyDocument = {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'MediaLiveWrites',
        Effect: 'Allow',
        Principal: { AWS: a.roleArn },
        Action: ['mediastore:PutObject', 'mediastore:GetObject', 'mediastore:DeleteObject', 'mediastore:DescribeObject', 'mediastore:ListItems'],
        Resource: [a.containerArn, objects],
        Condition: { Bool: { 'aws:SecureTransport': 'true' } },
      },
      {
        Sid: 'CloudFrontReads',
        Effect: 'Allow',
        Principal: { Service: 'cloudfront.amazonaws.com' },
        Action: ['mediastore:GetObject', 'mediastore:DescribeObject'],
        Resource: objects,
        Condition: { StringEquals: { 'AWS:SourceArn': a.distributionArn }, Bool: { 'aws:SecureTransport': 'true' } },
      },
    ],
  };
  return JSON.stringify(doc);
}

export function buildContainerCorsPolicy(): CorsRule[] {
  return [{ AllowedOrigins: ['*'], AllowedMethods: ['GET', 'HEAD'], AllowedHeaders: ['*'], MaxAgeSeconds: 3000 }];
}

/** The reference's policy: segments expire 300 s after they are written. */
export function buildLifecyclePolicy(): string {
  return JSON.stringify({
    rules: [
      {
        definition: { path: [{ wildcard: 'stream/*.ts' }], seconds_since_create: [{ numeric: ['>', 300] }] },
        action: 'EXPIRE',
      },
    ],
  });
}

export function buildMetricPolicy(): MetricPolicy {
  return { ContainerLevelMetrics: 'ENABLED', MetricPolicyRules: [{ ObjectGroup: 'stream/*', ObjectGroupName: 'stream' }] };
}

/**
 * MediaStore's PutObject takes a bare media type: its ContentType must match
 * `^[\w\-\/\.\+]{1,255}$` (mediastore-data ContentType), so "text/html; charset=utf-8" is
 * refused. The parameters are dropped; browsers read the player's UTF-8 from its <meta charset>.
 */
export function mediaStoreContentType(contentType: string): string {
  return contentType.split(';')[0]!.trim();
}
