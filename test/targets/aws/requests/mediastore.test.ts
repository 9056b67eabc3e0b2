import { describe, expect, it } from 'vitest';
import * as ms from '../../../../src/targets/aws/requests/mediastore.js';

const CONTAINER = 'arn:aws:mediastore:us-east-1:123456789012:container/demo';

describe('MediaStore builders', () => {
  it('container policy: the role writes, only this distribution reads, TLS only', () => {
    const doc = JSON.parse(ms.buildContainerPolicy({ containerArn: CONTAINER, roleArn: 'arn:aws:iam::123456789012:role/r', distributionArn: 'arn:aws:cloudfront::123456789012:distribution/E1' }));
    expect(doc.Statement).toEqual([
      {
        Sid: 'MediaLiveWrites', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:role/r' },
        Action: ['mediastore:PutObject', 'mediastore:GetObject', 'mediastore:DeleteObject', 'mediastore:DescribeObject', 'mediastore:ListItems'],
        Resource: [CONTAINER, `${CONTAINER}/*`], Condition: { Bool: { 'aws:SecureTransport': 'true' } },
      },
      {
        Sid: 'CloudFrontReads', Effect: 'Allow', Principal: { Service: 'cloudfront.amazonaws.com' },
        Action: ['mediastore:GetObject', 'mediastore:DescribeObject'], Resource: `${CONTAINER}/*`,
        Condition: { StringEquals: { 'AWS:SourceArn': 'arn:aws:cloudfront::123456789012:distribution/E1' }, Bool: { 'aws:SecureTransport': 'true' } },
      },
    ]);
  });

  it('lifecycle policy: the reference rule, as a JSON string', () => {
    expect(JSON.parse(ms.buildLifecyclePolicy())).toEqual({
      rules: [{ definition: { path: [{ wildcard: 'stream/*.ts' }], seconds_since_create: [{ numeric: ['>', 300] }] }, action: 'EXPIRE' }],
    });
  });

  it('CORS and metric policies', () => {
    expect(ms.buildContainerCorsPolicy()).toEqual([{ AllowedOrigins: ['*'], AllowedMethods: ['GET', 'HEAD'], AllowedHeaders: ['*'], MaxAgeSeconds: 3000 }]);
    expect(ms.buildMetricPolicy()).toEqual({ ContainerLevelMetrics: 'ENABLED', MetricPolicyRules: [{ ObjectGroup: 'stream/*', ObjectGroupName: 'stream' }] });
  });

  it('the end-of-service message names the date and the way out', () => {
    expect(ms.MEDIASTORE_ENDED_MESSAGE).toContain('2025-11-13');
    expect(ms.MEDIASTORE_ENDED_MESSAGE).toContain('--origin s3');
  });
});

describe('mediaStoreContentType', () => {
  it.each([
    ['text/html; charset=utf-8', 'text/html'],
    ['text/javascript; charset=utf-8', 'text/javascript'],
    ['application/vnd.apple.mpegurl', 'application/vnd.apple.mpegurl'],
  ])('%s -> %s (mediastore-data ContentType: ^[\\w\\-\\/\\.\\+]{1,255}$)', (given, sent) => {
    expect(ms.mediaStoreContentType(given)).toBe(sent);
    expect(sent).toMatch(/^[\w\-/.+]{1,255}$/);
  });
});
