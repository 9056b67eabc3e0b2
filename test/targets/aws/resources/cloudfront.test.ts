import {
  CloudFrontClient,
  CreateCachePolicyCommand,
  CreateDistributionWithTagsCommand,
  CreateOriginAccessControlCommand,
  DeleteCachePolicyCommand,
  DeleteDistributionCommand,
  DeleteOriginAccessControlCommand,
  GetCachePolicyCommand,
  GetDistributionCommand,
  GetDistributionConfigCommand,
  GetOriginAccessControlCommand,
  ListCachePoliciesCommand,
  UpdateDistributionCommand,
} from '@aws-sdk/client-cloudfront';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { cachePolicyNode } from '../../../../src/targets/aws/resources/cache-policy.js';
import { distributionNode } from '../../../../src/targets/aws/resources/distribution.js';
import { originOacNode } from '../../../../src/targets/aws/resources/origin-oac.js';
import { createRun, makeContext, notFound, record } from '../../../helpers/aws-context.js';

const cf = mockClient(CloudFrontClient);
afterEach(() => cf.reset());

describe('origin access control', () => {
  it('creates a sigv4 OAC for the S3 origin', async () => {
    const ctx = await makeContext();
    cf.on(CreateOriginAccessControlCommand).resolves({ OriginAccessControl: { Id: 'OAC1' } as never });
    const out = await originOacNode(ctx.names, ctx.spec).create(ctx, createRun());
    expect(cf.commandCalls(CreateOriginAccessControlCommand)[0]!.args[0].input.OriginAccessControlConfig).toMatchObject({
      Name: 'demo-us-east-1-oac', SigningProtocol: 'sigv4', SigningBehavior: 'always', OriginAccessControlOriginType: 's3',
    });
    expect(out.physicalId).toBe('OAC1');
  });

  it('delete sends the current ETag', async () => {
    const ctx = await makeContext();
    cf.on(GetOriginAccessControlCommand).resolves({ ETag: 'E9' });
    cf.on(DeleteOriginAccessControlCommand).resolves({});
    await originOacNode(ctx.names, ctx.spec).delete(ctx, record('origin-oac', 'OAC1'));
    expect(cf.commandCalls(DeleteOriginAccessControlCommand)[0]!.args[0].input).toEqual({ Id: 'OAC1', IfMatch: 'E9' });
  });
});

describe('cache policies', () => {
  it('playlists cache at most half a segment, segments for days', async () => {
    const ctx = await makeContext();
    cf.on(CreateCachePolicyCommand).resolves({ CachePolicy: { Id: 'CP' } as never });
    await cachePolicyNode(ctx.names, 'playlists').create(ctx, createRun());
    await cachePolicyNode(ctx.names, 'segments').create(ctx, createRun());
    const [playlists, segments] = cf.commandCalls(CreateCachePolicyCommand).map((c) => c.args[0].input.CachePolicyConfig!);
    expect(playlists).toMatchObject({ Name: 'demo-us-east-1-playlists', MaxTTL: ctx.ladder.hls.segmentSeconds / 2 });
    expect(segments!.DefaultTTL).toBeGreaterThanOrEqual(86_400);
  });

  it('an existing policy of the same name (resumed create) is found by name', async () => {
    const ctx = await makeContext();
    cf.on(CreateCachePolicyCommand).rejects(Object.assign(new Error('exists'), { name: 'CachePolicyAlreadyExists' }));
    cf.on(ListCachePoliciesCommand).resolves({ CachePolicyList: { Quantity: 1, Items: [{ Type: 'custom', CachePolicy: { Id: 'CP7', CachePolicyConfig: { Name: 'demo-us-east-1-segments' } } }] } as never });
    const out = await cachePolicyNode(ctx.names, 'segments').create(ctx, createRun());
    expect(out.physicalId).toBe('CP7');
  });

  it('delete uses the ETag; a missing policy is done', async () => {
    const ctx = await makeContext();
    cf.on(GetCachePolicyCommand).rejects(notFound('NoSuchCachePolicy'));
    await cachePolicyNode(ctx.names, 'segments').delete(ctx, record('cache-policy-segments', 'CP7'));
    expect(cf.commandCalls(DeleteCachePolicyCommand)).toHaveLength(0);
  });
});

describe('distribution', () => {
  const deps = (ctxBucket: string) => ({
    origin: record('origin', ctxBucket),
    'logs-bucket': record('logs-bucket', 'demo-logs-123456789012-us-east-1'),
    'origin-oac': record('origin-oac', 'OAC1'),
    'cache-policy-playlists': record('cache-policy-playlists', 'CPL'),
    'cache-policy-segments': record('cache-policy-segments', 'CPS'),
    'player-function': record('player-function', 'demo-us-east-1-player-index', { arn: 'arn:aws:cloudfront::123456789012:function/demo-us-east-1-player-index' }),
  });

  it('creates it with a saved CallerReference, the OAC origin, cache policies and logging; does not wait', async () => {
    const ctx = await makeContext();
    cf.on(CreateDistributionWithTagsCommand).resolves({ Distribution: { Id: 'E1', ARN: 'arn:aws:cloudfront::123456789012:distribution/E1', DomainName: 'd1.cloudfront.net' } as never });
    const run = createRun(deps('demo-origin-123456789012-us-east-1'));
    const out = await distributionNode(ctx.names, ctx.spec).create(ctx, run);
    const sent = cf.commandCalls(CreateDistributionWithTagsCommand)[0]!.args[0].input.DistributionConfigWithTags!;
    const config = sent.DistributionConfig!;
    expect(config.CallerReference).toBe(run.save.mock.calls[0]![0].attrs.requestId);
    expect(config.Origins!.Items![0]).toMatchObject({ DomainName: 'demo-origin-123456789012-us-east-1.s3.us-east-1.amazonaws.com', OriginAccessControlId: 'OAC1' });
    expect(config.DefaultCacheBehavior!.CachePolicyId).toBe('CPS');
    expect(config.CacheBehaviors!.Items!.find((b) => b.PathPattern === '*.m3u8')!.CachePolicyId).toBe('CPL');
    expect(config.DefaultCacheBehavior!.ViewerProtocolPolicy).toBe('redirect-to-https');
    expect(config.CacheBehaviors!.Items!.find((b) => b.PathPattern === 'player/*')!.FunctionAssociations).toEqual({
      Quantity: 1, Items: [{ FunctionARN: 'arn:aws:cloudfront::123456789012:function/demo-us-east-1-player-index', EventType: 'viewer-request' }],
    });
    expect(config.Logging).toMatchObject({ Enabled: true, Bucket: 'demo-logs-123456789012-us-east-1.s3.amazonaws.com' });
    expect(sent.Tags!.Items).toEqual([{ Key: 'livestream:stack', Value: 'demo' }]);
    expect(cf.commandCalls(GetDistributionCommand)).toHaveLength(0);
    expect(out).toMatchObject({ physicalId: 'E1', attrs: { domainName: 'd1.cloudfront.net', arn: 'arn:aws:cloudfront::123456789012:distribution/E1' } });
  });

  it('delete disables, waits until Deployed, then deletes with the latest ETag', async () => {
    const ctx = await makeContext();
    cf.on(GetDistributionConfigCommand).resolves({ ETag: 'E-1', DistributionConfig: { Enabled: true, Comment: 'c' } as never });
    cf.on(UpdateDistributionCommand).resolves({ ETag: 'E-2' });
    cf.on(GetDistributionCommand)
      .resolvesOnce({ ETag: 'E-2', Distribution: { Status: 'InProgress' } as never })
      .resolves({ ETag: 'E-2', Distribution: { Status: 'Deployed' } as never });
    cf.on(DeleteDistributionCommand).resolves({});
    await distributionNode(ctx.names, ctx.spec).delete(ctx, record('distribution', 'E1'));
    const update = cf.commandCalls(UpdateDistributionCommand)[0]!.args[0].input;
    expect(update).toMatchObject({ Id: 'E1', IfMatch: 'E-1', DistributionConfig: { Enabled: false, Comment: 'c' } });
    expect(cf.commandCalls(GetDistributionCommand).length).toBeGreaterThanOrEqual(3);
    expect(cf.commandCalls(DeleteDistributionCommand)[0]!.args[0].input).toEqual({ Id: 'E1', IfMatch: 'E-2' });
  });

  it('a distribution already gone is done', async () => {
    const ctx = await makeContext();
    cf.on(GetDistributionConfigCommand).rejects(notFound('NoSuchDistribution'));
    await distributionNode(ctx.names, ctx.spec).delete(ctx, record('distribution', 'E1'));
    expect(cf.commandCalls(DeleteDistributionCommand)).toHaveLength(0);
  });
});
