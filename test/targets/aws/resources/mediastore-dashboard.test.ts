import { CloudWatchClient, DeleteDashboardsCommand, GetDashboardCommand, PutDashboardCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateContainerCommand,
  DeleteContainerCommand,
  DescribeContainerCommand,
  MediaStoreClient,
  PutContainerPolicyCommand,
  PutCorsPolicyCommand,
  PutLifecyclePolicyCommand,
  PutMetricPolicyCommand,
  StartAccessLoggingCommand,
} from '@aws-sdk/client-mediastore';
import { DeleteObjectCommand, ListItemsCommand, MediaStoreDataClient, PutObjectCommand } from '@aws-sdk/client-mediastore-data';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { MEDIASTORE_ENDED_MESSAGE } from '../../../../src/targets/aws/requests/mediastore.js';
import { dashboardNode } from '../../../../src/targets/aws/resources/dashboard.js';
import { originMediaStoreNode } from '../../../../src/targets/aws/resources/origin-mediastore.js';
import { originPolicyNode } from '../../../../src/targets/aws/resources/origin-policy.js';
import { playerNode } from '../../../../src/targets/aws/resources/player.js';
import { createRun, makeContext, notFound, record } from '../../../helpers/aws-context.js';
import { MEDIASTORE } from '../../../helpers/aws-run.js';

const ms = mockClient(MediaStoreClient);
const msd = mockClient(MediaStoreDataClient);
const cw = mockClient(CloudWatchClient);
afterEach(() => {
  ms.reset();
  msd.reset();
  cw.reset();
});

const MS = { input: 'URL_PULL', sourceUrl: 'https://e.com/a.m3u8', ...MEDIASTORE };
const ENDPOINT = 'https://abc.data.mediastore.us-east-1.amazonaws.com';

describe('MediaStore origin', () => {
  it('creates the container, waits ACTIVE, then CORS, the 300 s lifecycle, metrics and access logging', async () => {
    const ctx = await makeContext(MS);
    ms.on(DescribeContainerCommand).resolvesOnce({ Container: { Status: 'CREATING' } }).resolves({ Container: { Status: 'ACTIVE', Endpoint: ENDPOINT, ARN: 'arn:ms' } });
    const out = await originMediaStoreNode(ctx.names).create(ctx, createRun());
    expect(ms.commandCalls(CreateContainerCommand)[0]!.args[0].input).toEqual({ ContainerName: 'demo', Tags: [{ Key: 'livestream:stack', Value: 'demo' }] });
    expect(ms.commandCalls(DescribeContainerCommand)).toHaveLength(2);
    expect(ms.commandCalls(PutCorsPolicyCommand)[0]!.args[0].input.CorsPolicy![0]!.AllowedMethods).toEqual(['GET', 'HEAD']);
    expect(JSON.parse(ms.commandCalls(PutLifecyclePolicyCommand)[0]!.args[0].input.LifecyclePolicy!).rules[0].action).toBe('EXPIRE');
    expect(ms.commandCalls(PutMetricPolicyCommand)[0]!.args[0].input.MetricPolicy!.ContainerLevelMetrics).toBe('ENABLED');
    expect(ms.commandCalls(StartAccessLoggingCommand)[0]!.args[0].input).toEqual({ ContainerName: 'demo' });
    expect(out).toEqual({ name: 'demo', physicalId: 'demo', attrs: { endpoint: ENDPOINT, arn: 'arn:ms' } });
  });

  it('any MediaStore failure says the service ended and points to --origin s3', async () => {
    const ctx = await makeContext(MS);
    ms.on(CreateContainerCommand).rejects(Object.assign(new Error('getaddrinfo ENOTFOUND mediastore.us-east-1.amazonaws.com'), { name: 'Error', code: 'ENOTFOUND' }));
    const err = await originMediaStoreNode(ctx.names).create(ctx, createRun()).catch((e) => e);
    expect(err.code).toBe('AWS_MEDIASTORE_ENDED');
    expect(err.message).toContain(MEDIASTORE_ENDED_MESSAGE);
    expect(err.hint).toContain('--origin s3');
  });

  it('delete empties the container (folders too) before deleting it', async () => {
    const ctx = await makeContext(MS);
    ms.on(DescribeContainerCommand).resolves({ Container: { Status: 'ACTIVE', Endpoint: ENDPOINT } });
    msd.on(ListItemsCommand, { Path: '' }).resolves({ Items: [{ Name: 'stream', Type: 'FOLDER' }, { Name: 'x.txt', Type: 'OBJECT' }] });
    msd.on(ListItemsCommand, { Path: 'stream' }).resolves({ Items: [{ Name: 'index.m3u8', Type: 'OBJECT' }] });
    await originMediaStoreNode(ctx.names).delete(ctx, record('origin', 'demo', { endpoint: ENDPOINT }));
    expect(msd.commandCalls(DeleteObjectCommand).map((c) => c.args[0].input.Path)).toEqual(['stream/index.m3u8', 'x.txt']);
    expect(ms.commandCalls(DeleteContainerCommand)[0]!.args[0].input).toEqual({ ContainerName: 'demo' });
  });

  it('a container already gone is done', async () => {
    const ctx = await makeContext(MS);
    ms.on(DescribeContainerCommand).rejects(notFound('ContainerNotFoundException'));
    await originMediaStoreNode(ctx.names).delete(ctx, record('origin', 'demo'));
    expect(ms.commandCalls(DeleteContainerCommand)).toHaveLength(0);
  });

  it('the container policy lets the role write and only this distribution read', async () => {
    const ctx = await makeContext(MS);
    const node = originPolicyNode(ctx.names, ctx.spec);
    expect(node.dependsOn).toEqual(['origin', 'distribution', 'role']);
    await node.create(ctx, createRun({
      origin: record('origin', 'demo', { arn: 'arn:aws:mediastore:us-east-1:123456789012:container/demo', endpoint: ENDPOINT }),
      distribution: record('distribution', 'E1', { arn: 'arn:aws:cloudfront::123456789012:distribution/E1' }),
      role: record('role', 'arn:aws:iam::123456789012:role/r'),
    }));
    const input = ms.commandCalls(PutContainerPolicyCommand)[0]!.args[0].input;
    const doc = JSON.parse(input.Policy!);
    expect(input.ContainerName).toBe('demo');
    expect(doc.Statement[0].Principal).toEqual({ AWS: 'arn:aws:iam::123456789012:role/r' });
    expect(doc.Statement[1].Condition.StringEquals['AWS:SourceArn']).toBe('arn:aws:cloudfront::123456789012:distribution/E1');
  });

  it('the player goes into the container through its data endpoint', async () => {
    const ctx = await makeContext(MS);
    await playerNode(ctx.names, ctx.spec).create(ctx, createRun({ origin: record('origin', 'demo', { endpoint: ENDPOINT }) }));
    const puts = msd.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    expect(puts.map((p) => [p.Path, p.ContentType])).toEqual([['player/index.html', 'text/html'], ['player/hls.min.js', 'text/javascript']]);
  });
});

describe('dashboard', () => {
  it('puts <stack>-<region> with the body built from the origin, channel and distribution', async () => {
    const ctx = await makeContext();
    cw.on(PutDashboardCommand).resolves({ DashboardValidationMessages: [] });
    const out = await dashboardNode(ctx.names, ctx.spec).create(ctx, createRun({
      origin: record('origin', 'demo-origin-123456789012-us-east-1'),
      channel: record('channel', '777'),
      distribution: record('distribution', 'E1'),
    }));
    const input = cw.commandCalls(PutDashboardCommand)[0]!.args[0].input;
    expect(input.DashboardName).toBe('demo-us-east-1');
    const body = JSON.parse(input.DashboardBody!);
    expect(body.widgets.length).toBeGreaterThanOrEqual(10);
    expect(input.DashboardBody).toContain('777');
    expect(input.DashboardBody).toContain('E1');
    expect(out.physicalId).toBe('demo-us-east-1');
  });

  it('validation warnings become a notice; delete and read treat not found as gone', async () => {
    const ctx = await makeContext();
    cw.on(PutDashboardCommand).resolves({ DashboardValidationMessages: [{ Message: 'odd widget' }] });
    cw.on(GetDashboardCommand).rejects(notFound('ResourceNotFound'));
    cw.on(DeleteDashboardsCommand).rejects(notFound('ResourceNotFound'));
    await dashboardNode(ctx.names, ctx.spec).create(ctx, createRun({ origin: record('origin', 'b'), channel: record('channel', '1'), distribution: record('distribution', 'E') }));
    expect((ctx.host as unknown as { codes(): string[] }).codes()).toContain('DASHBOARD_WARNINGS');
    expect(await dashboardNode(ctx.names, ctx.spec).read(ctx, record('dashboard', 'demo-us-east-1'))).toEqual({ exists: false });
    await dashboardNode(ctx.names, ctx.spec).delete(ctx, record('dashboard', 'demo-us-east-1'));
    expect(cw.commandCalls(DeleteDashboardsCommand)[0]!.args[0].input).toEqual({ DashboardNames: ['demo-us-east-1'] });
  });
});
