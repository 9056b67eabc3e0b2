import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteBucketPolicyCommand,
  DeleteObjectsCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  ListObjectsV2Command,
  PutBucketCorsCommand,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketMetricsConfigurationCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutObjectCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { emptyBucket } from '../../../../src/targets/aws/resources/bucket.js';
import { logsBucketNode } from '../../../../src/targets/aws/resources/logs-bucket.js';
import { originPolicyNode } from '../../../../src/targets/aws/resources/origin-policy.js';
import { originS3Node } from '../../../../src/targets/aws/resources/origin-s3.js';
import { playerNode } from '../../../../src/targets/aws/resources/player.js';
import { createRun, makeContext, notFound, record } from '../../../helpers/aws-context.js';
import { TEST_ASSETS } from '../../../helpers/aws-run.js';

const s3 = mockClient(S3Client);
afterEach(() => s3.reset());
const ORIGIN = 'demo-origin-123456789012-us-east-1';
const LOGS = 'demo-logs-123456789012-us-east-1';

describe('origin bucket', () => {
  it('creates a private, encrypted bucket with CORS, a 1-day stream/ expiry and request metrics', async () => {
    const ctx = await makeContext();
    const run = createRun();
    const out = await originS3Node(ctx.names).create(ctx, run);
    // Ownership is set by CreateBucket itself, so the bucket never exists with another setting.
    expect(s3.commandCalls(CreateBucketCommand)[0]!.args[0].input).toEqual({ Bucket: ORIGIN, ObjectOwnership: 'BucketOwnerEnforced' });
    expect(s3.commandCalls(PutBucketOwnershipControlsCommand)).toHaveLength(0);
    expect(s3.commandCalls(HeadBucketCommand)).toHaveLength(1);
    expect(run.save).toHaveBeenCalledWith({ name: ORIGIN, physicalId: ORIGIN });
    expect(s3.commandCalls(PutPublicAccessBlockCommand)[0]!.args[0].input.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true });
    expect(s3.commandCalls(PutBucketEncryptionCommand)[0]!.args[0].input.ServerSideEncryptionConfiguration!.Rules![0]!.ApplyServerSideEncryptionByDefault).toEqual({ SSEAlgorithm: 'AES256' });
    expect(s3.commandCalls(PutBucketTaggingCommand)[0]!.args[0].input.Tagging).toEqual({ TagSet: [{ Key: 'livestream:stack', Value: 'demo' }] });
    expect(s3.commandCalls(PutBucketCorsCommand)[0]!.args[0].input.CORSConfiguration!.CORSRules![0]!.AllowedMethods).toEqual(['GET', 'HEAD']);
    const rule = s3.commandCalls(PutBucketLifecycleConfigurationCommand)[0]!.args[0].input.LifecycleConfiguration!.Rules![0]!;
    expect(rule).toMatchObject({ Filter: { Prefix: 'stream/' }, Expiration: { Days: 1 } });
    expect(s3.commandCalls(PutBucketMetricsConfigurationCommand)[0]!.args[0].input).toMatchObject({ Bucket: ORIGIN, MetricsConfiguration: { Filter: { Prefix: 'stream/' } } });
    expect(out).toEqual({ name: ORIGIN, physicalId: ORIGIN, attrs: { region: 'us-east-1' } });
  });

  it('outside us-east-1 sends a LocationConstraint', async () => {
    const ctx = await makeContext({ input: 'URL_PULL', sourceUrl: 'https://e.com/a.m3u8', region: 'eu-west-1' });
    await originS3Node(ctx.names).create(ctx, createRun());
    expect(s3.commandCalls(CreateBucketCommand)[0]!.args[0].input).toEqual({ Bucket: 'demo-origin-123456789012-eu-west-1', ObjectOwnership: 'BucketOwnerEnforced', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } });
  });

  it('delete empties every version and object, then deletes the bucket', async () => {
    const ctx = await makeContext();
    s3.on(ListObjectVersionsCommand)
      .resolvesOnce({ Versions: [{ Key: 'stream/a.ts', VersionId: 'v1' }], DeleteMarkers: [{ Key: 'stream/b.ts', VersionId: 'v2' }], IsTruncated: true, NextKeyMarker: 'k', NextVersionIdMarker: 'v' })
      .resolves({ Versions: [{ Key: 'stream/c.ts', VersionId: 'null' }], IsTruncated: false });
    s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: 'player/index.html' }], IsTruncated: false });
    s3.on(DeleteObjectsCommand).resolves({});
    await originS3Node(ctx.names).delete(ctx, record('origin', ORIGIN));
    expect(s3.commandCalls(ListObjectVersionsCommand)[1]!.args[0].input).toMatchObject({ KeyMarker: 'k', VersionIdMarker: 'v' });
    const deletes = s3.commandCalls(DeleteObjectsCommand).map((c) => c.args[0].input.Delete!.Objects);
    expect(deletes).toEqual([
      [{ Key: 'stream/a.ts', VersionId: 'v1' }, { Key: 'stream/b.ts', VersionId: 'v2' }],
      [{ Key: 'stream/c.ts' }],
      [{ Key: 'player/index.html' }],
    ]);
    expect(s3.commandCalls(DeleteBucketCommand)[0]!.args[0].input).toEqual({ Bucket: ORIGIN });
  });

  it('a bucket already gone is done; read says so', async () => {
    const ctx = await makeContext();
    s3.on(ListObjectVersionsCommand).rejects(notFound('NoSuchBucket'));
    s3.on(HeadBucketCommand).rejects(Object.assign(new Error('NotFound'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } }));
    await originS3Node(ctx.names).delete(ctx, record('origin', ORIGIN));
    expect(s3.commandCalls(DeleteBucketCommand)).toHaveLength(0);
    expect(await originS3Node(ctx.names).read(ctx, record('origin', ORIGIN))).toEqual({ exists: false });
  });

  it('emptyBucket sends at most 1000 keys per DeleteObjects', async () => {
    const ctx = await makeContext();
    s3.on(ListObjectVersionsCommand).resolves({ IsTruncated: false });
    s3.on(ListObjectsV2Command).resolves({ Contents: Array.from({ length: 1500 }, (_, i) => ({ Key: `k${i}` })), IsTruncated: false });
    s3.on(DeleteObjectsCommand).resolves({});
    expect(await emptyBucket(ctx.clients.s3, ORIGIN)).toBe(1500);
    expect(s3.commandCalls(DeleteObjectsCommand).map((c) => c.args[0].input.Delete!.Objects!.length)).toEqual([1000, 500]);
  });
});

describe('logs bucket', () => {
  it('keeps ACLs on (CloudFront logging needs them), blocks public access, TLS-only policy', async () => {
    const ctx = await makeContext();
    await logsBucketNode(ctx.names).create(ctx, createRun());
    // ACLs are on from the first moment: CloudFront can be pointed at the bucket right away.
    expect(s3.commandCalls(CreateBucketCommand)[0]!.args[0].input).toEqual({ Bucket: LOGS, ObjectOwnership: 'BucketOwnerPreferred' });
    expect(s3.commandCalls(PutBucketOwnershipControlsCommand)).toHaveLength(0);
    expect(s3.commandCalls(PutPublicAccessBlockCommand)).toHaveLength(1);
    const policy = JSON.parse(s3.commandCalls(PutBucketPolicyCommand)[0]!.args[0].input.Policy!);
    expect(policy.Statement[0].Condition).toEqual({ Bool: { 'aws:SecureTransport': 'false' } });
  });
});

describe('a bucket that was already ours (a resumed create)', () => {
  it('gets its ownership setting applied, since CreateBucket did not set it', async () => {
    const ctx = await makeContext();
    s3.on(CreateBucketCommand).rejects(Object.assign(new Error('owned'), { name: 'BucketAlreadyOwnedByYou', $metadata: { httpStatusCode: 409 } }));
    await logsBucketNode(ctx.names).create(ctx, createRun());
    expect(s3.commandCalls(PutBucketOwnershipControlsCommand)[0]!.args[0].input).toEqual({ Bucket: LOGS, OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerPreferred' }] } });
  });
});

describe('origin policy', () => {
  it('lets only this distribution read, over TLS', async () => {
    const ctx = await makeContext();
    const dist = 'arn:aws:cloudfront::123456789012:distribution/E1';
    const node = originPolicyNode(ctx.names, ctx.spec);
    expect(node.dependsOn).toEqual(['origin', 'distribution']);
    await node.create(ctx, createRun({ origin: record('origin', ORIGIN), distribution: record('distribution', 'E1', { arn: dist }) }));
    const input = s3.commandCalls(PutBucketPolicyCommand)[0]!.args[0].input;
    expect(input.Bucket).toBe(ORIGIN);
    const doc = JSON.parse(input.Policy!);
    expect(doc.Statement.map((s: { Sid: string }) => s.Sid)).toEqual(['DenyInsecureTransport', 'AllowCloudFrontRead']);
    expect(doc.Statement[1].Condition.StringEquals['AWS:SourceArn']).toBe(dist);
  });

  it('delete removes the policy; a missing policy is done', async () => {
    const ctx = await makeContext();
    s3.on(DeleteBucketPolicyCommand).rejects(notFound('NoSuchBucket'));
    await originPolicyNode(ctx.names, ctx.spec).delete(ctx, record('origin-policy', ORIGIN));
    expect(s3.commandCalls(DeleteBucketPolicyCommand)[0]!.args[0].input).toEqual({ Bucket: ORIGIN });
  });
});

describe('player', () => {
  it('uploads every player file under player/ with its content type', async () => {
    const ctx = await makeContext();
    const out = await playerNode(ctx.names, ctx.spec).create(ctx, createRun({ origin: record('origin', ORIGIN) }));
    const puts = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    expect(puts.map((p) => [p.Bucket, p.Key, p.ContentType])).toEqual(TEST_ASSETS.map((a) => [ORIGIN, `player/${a.path}`, a.contentType]));
    expect(puts[0]!.Body).toEqual(TEST_ASSETS[0]!.body);
    expect(out.attrs!.keys).toEqual(['player/index.html', 'player/hls.min.js']);
  });

  it('uploads the real player page files (hls.js bundled, no CDN)', async () => {
    const { playerAssets } = await import('../../../../src/targets/local/web/web-handler.js');
    const ctx = { ...(await makeContext()), playerAssets };
    await playerNode(ctx.names, ctx.spec).create(ctx, createRun({ origin: record('origin', ORIGIN) }));
    const puts = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    const index = puts.find((p) => p.Key === 'player/index.html');
    expect(index?.ContentType).toMatch(/^text\/html/);
    expect(puts.some((p) => /javascript/.test(String(p.ContentType)))).toBe(true);
  });

  it('read checks the first file; delete removes only player/', async () => {
    const ctx = await makeContext();
    s3.on(HeadObjectCommand).resolves({});
    s3.on(ListObjectVersionsCommand).resolves({ IsTruncated: false });
    s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: 'player/index.html' }], IsTruncated: false });
    s3.on(DeleteObjectsCommand).resolves({});
    const rec = record('player', `${ORIGIN}/player/`, { keys: ['player/index.html'] });
    expect(await playerNode(ctx.names, ctx.spec).read(ctx, rec)).toEqual({ exists: true });
    expect(s3.commandCalls(HeadObjectCommand)[0]!.args[0].input).toEqual({ Bucket: ORIGIN, Key: 'player/index.html' });
    await playerNode(ctx.names, ctx.spec).delete(ctx, rec);
    expect(s3.commandCalls(ListObjectsV2Command)[0]!.args[0].input).toMatchObject({ Bucket: ORIGIN, Prefix: 'player/' });
    expect(s3.commandCalls(DeleteObjectsCommand)[0]!.args[0].input.Delete!.Objects).toEqual([{ Key: 'player/index.html' }]);
    expect(s3.commandCalls(DeleteBucketCommand)).toHaveLength(0);
  });
});
