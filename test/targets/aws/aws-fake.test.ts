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
import * as sch from '@aws-sdk/client-scheduler';
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

describe('AwsFake EventBridge Scheduler', () => {
  const at = 'at(2026-11-25T06:00:00)';
  const group = (ClientToken?: string) => c.scheduler.send(new sch.CreateScheduleGroupCommand({ Name: 'g', Tags: [{ Key: 'livestream:stack', Value: 's' }], ...(ClientToken ? { ClientToken } : {}) }));
  const schedule = (ClientToken: string, RoleArn = 'arn:aws:iam::123456789012:role/r', Input = '{"ChannelId":"1"}') =>
    c.scheduler.send(new sch.CreateScheduleCommand({ Name: 's', GroupName: 'g', ScheduleExpression: at, ScheduleExpressionTimezone: 'UTC', FlexibleTimeWindow: { Mode: 'OFF' }, Target: { Arn: 'arn:aws:scheduler:::aws-sdk:medialive:stopChannel', RoleArn, Input }, ClientToken }));

  it('names are unique: a second group or schedule of the name is ConflictException, unless it repeats the ClientToken', async () => {
    const first = await group('tok-1');
    expect((await group('tok-1')).ScheduleGroupArn).toBe(first.ScheduleGroupArn);
    await expect(group('tok-2')).rejects.toMatchObject({ name: 'ConflictException' });
    await schedule('t1');
    await schedule('t1');
    await expect(schedule('t2')).rejects.toMatchObject({ name: 'ConflictException' });
    expect(fake.schedules.size).toBe(1);
  });

  it('missing ones are ResourceNotFoundException; a schedule needs its group; only groups take tags', async () => {
    await expect(c.scheduler.send(new sch.GetScheduleCommand({ Name: 's', GroupName: 'g' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(c.scheduler.send(new sch.GetScheduleGroupCommand({ Name: 'g' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(schedule('t1')).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await group();
    const { ScheduleArn } = await schedule('t1');
    await expect(c.scheduler.send(new sch.TagResourceCommand({ ResourceArn: ScheduleArn!, Tags: [{ Key: 'k', Value: 'v' }] }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('deleting a group deletes its schedules; the group stays DELETING for a read, then is gone', async () => {
    await group();
    await schedule('t1');
    await c.scheduler.send(new sch.DeleteScheduleGroupCommand({ Name: 'g' }));
    expect(fake.schedules.size).toBe(0);
    expect((await c.scheduler.send(new sch.GetScheduleGroupCommand({ Name: 'g' }))).State).toBe('DELETING');
    await expect(c.scheduler.send(new sch.GetScheduleGroupCommand({ Name: 'g' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    expect(fake.inventory()).toEqual([]);
  });

  it('a denied scheduler action fails without effect', async () => {
    await group();
    fake.deny('scheduler:CreateSchedule', 1);
    await expect(schedule('t1')).rejects.toMatchObject({ name: 'AccessDeniedException' });
    expect(fake.schedules.size).toBe(0);
  });

  it('firing stops the channel only as a role Scheduler may assume and that may stop that channel', async () => {
    await group();
    const trust = JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { Service: 'scheduler.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
    const arn = (await c.iam.send(new CreateRoleCommand({ RoleName: 'stopper', AssumeRolePolicyDocument: trust }))).Role!.Arn!;
    fake.channels.set('9', { id: '9', arn: 'arn:aws:medialive:us-east-1:123456789012:channel:9', name: 'ch', state: 'RUNNING', inputId: 'x', request: {} });
    await schedule('t1', arn, '{"ChannelId":"9"}');
    expect(fake.fireDueSchedules(new Date('2026-11-25T06:00:00Z'))).toMatchObject([{ outcome: 'denied' }]);
    expect(fake.channels.get('9')!.state).toBe('RUNNING');
    fake.roles.get('stopper')!.policies.set('p', JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 'medialive:StopChannel', Resource: 'arn:aws:medialive:us-east-1:123456789012:channel:9' }] }));
    fake.schedules.get('g/s')!.firedAt = undefined;
    expect(fake.fireDueSchedules(new Date('2026-11-25T06:00:00Z'))).toMatchObject([{ outcome: 'stopped' }]);
    expect(fake.channels.get('9')!.state).toBe('STOPPING');
  });
});
