/**
 * The stateful fake keeps AWS's idempotency and uniqueness, or the lifecycle tests prove nothing:
 * the same MediaLive RequestId or CloudFront CallerReference returns the same resource, names AWS
 * keeps unique stay unique, and a denied call fails without effect.
 */
import { CreateCachePolicyCommand, CreateDistributionWithTagsCommand, CreateOriginAccessControlCommand } from '@aws-sdk/client-cloudfront';
import { PutDashboardCommand } from '@aws-sdk/client-cloudwatch';
import { CreateRoleCommand } from '@aws-sdk/client-iam';
import { CreateChannelCommand, CreateInputCommand } from '@aws-sdk/client-medialive';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { beforeEach, describe, expect, it } from 'vitest';
import { createClients, type AwsClients } from '../../../src/targets/aws/clients.js';
import { AwsFake, awsError } from '../../helpers/aws-fake.js';
import { installAwsFake } from '../../helpers/install-aws-fake.js';

let fake: AwsFake;
let c: AwsClients;
beforeEach(() => {
  fake = installAwsFake();
  c = createClients({ region: 'us-east-1' });
});

const roleArn = async () => (await c.iam.send(new CreateRoleCommand({ RoleName: 'r', AssumeRolePolicyDocument: '{}' }))).Role!.Arn!;
const input = (RequestId: string) => c.medialive.send(new CreateInputCommand({ Name: 'i', Type: 'URL_PULL', RequestId, Sources: [{ Url: 'https://example.com/a.m3u8' }] }));

function distribution(CallerReference: string, Comment = 'c') {
  return c.cloudfront.send(
    new CreateDistributionWithTagsCommand({
      DistributionConfigWithTags: {
        DistributionConfig: { CallerReference, Comment, Enabled: true, Origins: { Quantity: 1, Items: [{ Id: 'o', DomainName: 'b.s3.amazonaws.com' }] }, DefaultCacheBehavior: { TargetOriginId: 'o', ViewerProtocolPolicy: 'https-only' } },
        Tags: { Items: [{ Key: 'livestream:stack', Value: 's' }] },
      },
    }),
  );
}

describe('AwsFake idempotency', () => {
  it('the same MediaLive RequestId returns the same input and channel; another makes another', async () => {
    const a = await input('req-1');
    const b = await input('req-1');
    expect(b.Input!.Id).toBe(a.Input!.Id);
    expect((await input('req-2')).Input!.Id).not.toBe(a.Input!.Id);
    const arn = await roleArn();
    // CreateChannel needs the input DETACHED: a describe moves it on from CREATING.
    const { DescribeInputCommand } = await import('@aws-sdk/client-medialive');
    await c.medialive.send(new DescribeInputCommand({ InputId: a.Input!.Id! }));
    const channel = (RequestId: string) => c.medialive.send(new CreateChannelCommand({ Name: 'ch', RequestId, RoleArn: arn, InputAttachments: [{ InputId: a.Input!.Id! }] }));
    const first = await channel('ch-1');
    expect((await channel('ch-1')).Channel!.Id).toBe(first.Channel!.Id);
    expect(fake.channels.size).toBe(1);
  });

  it('the same CloudFront CallerReference returns the same distribution; with another config it is DistributionAlreadyExists', async () => {
    const a = await distribution('ref-1');
    expect((await distribution('ref-1')).Distribution!.Id).toBe(a.Distribution!.Id);
    await expect(distribution('ref-1', 'other')).rejects.toMatchObject({ name: 'DistributionAlreadyExists' });
    expect(fake.distributions.size).toBe(1);
  });

  it('names AWS keeps unique stay unique', async () => {
    await c.s3.send(new CreateBucketCommand({ Bucket: 'b' }));
    await expect(c.s3.send(new CreateBucketCommand({ Bucket: 'b' }))).rejects.toMatchObject({ name: 'BucketAlreadyOwnedByYou' });
    await roleArn();
    await expect(roleArn()).rejects.toMatchObject({ name: 'EntityAlreadyExistsException' });
    const policy = () => c.cloudfront.send(new CreateCachePolicyCommand({ CachePolicyConfig: { Name: 'p', MinTTL: 0 } as never }));
    await policy();
    await expect(policy()).rejects.toMatchObject({ name: 'CachePolicyAlreadyExists' });
    const oac = () => c.cloudfront.send(new CreateOriginAccessControlCommand({ OriginAccessControlConfig: { Name: 'o', SigningProtocol: 'sigv4', SigningBehavior: 'always', OriginAccessControlOriginType: 's3' } }));
    await oac();
    await expect(oac()).rejects.toMatchObject({ name: 'OriginAccessControlAlreadyExists' });
    const param = () => c.ssm.send(new PutParameterCommand({ Name: '/p', Type: 'SecureString', Value: 'v' }));
    await param();
    await expect(param()).rejects.toMatchObject({ name: 'ParameterAlreadyExists' });
    // PutDashboard is an upsert: one dashboard per name.
    await c.cloudwatch.send(new PutDashboardCommand({ DashboardName: 'd', DashboardBody: '{}' }));
    await c.cloudwatch.send(new PutDashboardCommand({ DashboardName: 'd', DashboardBody: '{"widgets":[]}' }));
    expect(fake.dashboards.size).toBe(1);
  });

  it('a denied call fails and has no effect', async () => {
    fake.failOn('CreateBucket', { error: awsError('AccessDenied', 'Access Denied', 403) });
    await expect(c.s3.send(new CreateBucketCommand({ Bucket: 'b' }))).rejects.toMatchObject({ name: 'AccessDenied' });
    expect(fake.buckets.size).toBe(0);
  });
});
