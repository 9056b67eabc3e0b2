import { describe, expect, it } from 'vitest';
import * as s3 from '../../../../src/targets/aws/requests/s3.js';
import { resourceNames } from '../../../../src/targets/aws/requests/names.js';

const DIST = 'arn:aws:cloudfront::123456789012:distribution/E2ABC';

describe('origin bucket', () => {
  it('blocks all public access, enforces owner, encrypts with SSE-S3', () => {
    expect(s3.buildPublicAccessBlock()).toEqual({ BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true });
    expect(s3.buildOriginOwnershipControls()).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    expect(s3.buildEncryption()).toEqual({ Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: true }] });
  });

  it('policy: TLS only, and GetObject for this distribution only', () => {
    expect(JSON.parse(s3.buildOriginBucketPolicy({ bucket: 'b1', distributionArn: DIST }))).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'DenyInsecureTransport', Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:*',
          Resource: ['arn:aws:s3:::b1', 'arn:aws:s3:::b1/*'], Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
        {
          Sid: 'AllowCloudFrontRead', Effect: 'Allow', Principal: { Service: 'cloudfront.amazonaws.com' }, Action: 's3:GetObject',
          Resource: 'arn:aws:s3:::b1/*', Condition: { StringEquals: { 'AWS:SourceArn': DIST } },
        },
      ],
    });
  });

  it('CORS for GET and HEAD from anywhere', () => {
    expect(s3.buildCors()).toEqual({ CORSRules: [{ AllowedMethods: ['GET', 'HEAD'], AllowedOrigins: ['*'], AllowedHeaders: ['*'], MaxAgeSeconds: 3000 }] });
  });

  it('lifecycle expires stream/ after one day (S3 works in whole days)', () => {
    expect(s3.buildLifecycle()).toEqual({
      Rules: [{ ID: 'expire-stream', Status: 'Enabled', Filter: { Prefix: 'stream/' }, Expiration: { Days: 1 }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }],
    });
  });

  it('request metrics on stream/ under the id the dashboard reads', () => {
    expect(s3.buildMetricsConfiguration()).toEqual({ Id: 'livestream-stream', Filter: { Prefix: 'stream/' } });
  });

  it('location constraint everywhere but us-east-1', () => {
    expect(s3.buildCreateBucketConfiguration('us-east-1')).toBeUndefined();
    expect(s3.buildCreateBucketConfiguration('eu-west-1')).toEqual({ LocationConstraint: 'eu-west-1' });
  });

  it('domains and tags', () => {
    expect(s3.bucketRegionalDomain('b1', 'eu-west-1')).toBe('b1.s3.eu-west-1.amazonaws.com');
    expect(s3.logsBucketDomain('l1')).toBe('l1.s3.amazonaws.com');
    expect(s3.buildTagging(resourceNames('demo', 'us-east-1', '1'))).toEqual({ TagSet: [{ Key: 'livestream:stack', Value: 'demo' }] });
  });
});

describe('logs bucket', () => {
  it('keeps ACLs on for CloudFront log delivery and is TLS only', () => {
    expect(s3.buildLogsOwnershipControls()).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerPreferred' }] });
    expect(JSON.parse(s3.buildLogsBucketPolicy({ bucket: 'l1' }))).toEqual({
      Version: '2012-10-17',
      Statement: [{
        Sid: 'DenyInsecureTransport', Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:*',
        Resource: ['arn:aws:s3:::l1', 'arn:aws:s3:::l1/*'], Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }],
    });
  });
});
