import {
  CreateChannelCommand,
  CreateInputCommand,
  CreateInputSecurityGroupCommand,
  DeleteChannelCommand,
  DeleteInputCommand,
  DeleteInputSecurityGroupCommand,
  DescribeChannelCommand,
  DescribeInputCommand,
  DescribeInputSecurityGroupCommand,
  ListInputSecurityGroupsCommand,
  MediaLiveClient,
  StopChannelCommand,
} from '@aws-sdk/client-medialive';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { buildEncoderSettings } from '../../../../src/targets/aws/requests/encoder-settings.js';
import { channelNode } from '../../../../src/targets/aws/resources/channel.js';
import { inputSecurityGroupNode } from '../../../../src/targets/aws/resources/input-security-group.js';
import { inputNode } from '../../../../src/targets/aws/resources/input.js';
import { createRun, makeContext, notFound, record } from '../../../helpers/aws-context.js';

const ml = mockClient(MediaLiveClient);
afterEach(() => ml.reset());

const RTMP = { input: 'RTMP_PUSH', cidr: ['203.0.113.0/24', '198.51.100.7/32'] };

describe('input security group', () => {
  it('creates a group from the CIDRs, tagged with the stack', async () => {
    const ctx = await makeContext(RTMP);
    ml.on(ListInputSecurityGroupsCommand).resolves({ InputSecurityGroups: [] });
    ml.on(CreateInputSecurityGroupCommand).resolves({ SecurityGroup: { Id: '123', Arn: 'arn:sg' } });
    const out = await inputSecurityGroupNode(ctx.names).create(ctx, createRun());
    expect(ml.commandCalls(CreateInputSecurityGroupCommand)[0]!.args[0].input).toEqual({
      WhitelistRules: [{ Cidr: '203.0.113.0/24' }, { Cidr: '198.51.100.7/32' }],
      Tags: { 'livestream:stack': 'demo' },
    });
    expect(out.physicalId).toBe('123');
  });

  it('adopts an unused group of this stack left by a lost answer', async () => {
    const ctx = await makeContext(RTMP);
    ml.on(ListInputSecurityGroupsCommand).resolves({
      InputSecurityGroups: [
        { Id: 'other', State: 'IDLE', Tags: { 'livestream:stack': 'else' }, WhitelistRules: [{ Cidr: '203.0.113.0/24' }, { Cidr: '198.51.100.7/32' }], Inputs: [] },
        { Id: 'mine', State: 'IDLE', Tags: { 'livestream:stack': 'demo' }, WhitelistRules: [{ Cidr: '198.51.100.7/32' }, { Cidr: '203.0.113.0/24' }], Inputs: [] },
      ],
    });
    const out = await inputSecurityGroupNode(ctx.names).create(ctx, createRun());
    expect(out.physicalId).toBe('mine');
    expect(ml.commandCalls(CreateInputSecurityGroupCommand)).toHaveLength(0);
  });

  it('delete waits until the group leaves IN_USE, then deletes it', async () => {
    const ctx = await makeContext(RTMP);
    ml.on(DescribeInputSecurityGroupCommand).resolvesOnce({ State: 'IN_USE' }).resolvesOnce({ State: 'IN_USE' }).resolves({ State: 'IDLE' });
    ml.on(DeleteInputSecurityGroupCommand).resolves({});
    await inputSecurityGroupNode(ctx.names).delete(ctx, record('input-security-group', '123'));
    expect(ml.commandCalls(DescribeInputSecurityGroupCommand)).toHaveLength(3);
    expect(ml.commandCalls(DeleteInputSecurityGroupCommand)[0]!.args[0].input).toEqual({ InputSecurityGroupId: '123' });
  });

  it('gives up after a bounded number of checks with TIMEOUT', async () => {
    const ctx = await makeContext(RTMP);
    ml.on(DescribeInputSecurityGroupCommand).resolves({ State: 'IN_USE' });
    await expect(inputSecurityGroupNode(ctx.names).delete(ctx, record('input-security-group', '123'))).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(ml.commandCalls(DescribeInputSecurityGroupCommand)).toHaveLength(ctx.timings.pollAttempts);
    expect(ml.commandCalls(DeleteInputSecurityGroupCommand)).toHaveLength(0);
  });

  it('a group already gone is done', async () => {
    const ctx = await makeContext(RTMP);
    ml.on(DescribeInputSecurityGroupCommand).rejects(notFound('NotFoundException'));
    await inputSecurityGroupNode(ctx.names).delete(ctx, record('input-security-group', '123'));
    expect(ml.commandCalls(DeleteInputSecurityGroupCommand)).toHaveLength(0);
  });
});

describe('input', () => {
  it('RTMP_PUSH: sends the security group and stream name with a saved RequestId, waits DETACHED, records the endpoints', async () => {
    const ctx = await makeContext(RTMP);
    ml.on(CreateInputCommand).resolves({ Input: { Id: '42', Arn: 'arn:in', State: 'CREATING' } });
    ml.on(DescribeInputCommand).resolvesOnce({ State: 'CREATING' }).resolves({ State: 'DETACHED', Destinations: [{ Url: 'rtmp://1.2.3.4:1935/demo/stream' }] });
    const run = createRun({ 'input-security-group': record('input-security-group', 'sg-1') });
    const out = await inputNode(ctx.names, ctx.spec).create(ctx, run);
    const sent = ml.commandCalls(CreateInputCommand)[0]!.args[0].input;
    expect(sent).toMatchObject({ Name: 'demo-input', Type: 'RTMP_PUSH', InputSecurityGroups: ['sg-1'], Destinations: [{ StreamName: 'demo/stream' }], Tags: { 'livestream:stack': 'demo' } });
    expect(sent.RequestId).toMatch(/^[0-9a-f]{32}$/);
    // The token is saved before the call, so a retry reuses it.
    expect(run.save.mock.calls[0]![0]).toEqual({ name: 'demo-input', physicalId: '', attrs: { requestId: sent.RequestId } });
    expect(out.attrs).toMatchObject({ endpoints: ['rtmp://1.2.3.4:1935/demo/stream'], type: 'RTMP_PUSH' });
  });

  it('a resumed create sends the saved RequestId again', async () => {
    const ctx = await makeContext();
    ml.on(CreateInputCommand).resolves({ Input: { Id: '42' } });
    ml.on(DescribeInputCommand).resolves({ State: 'DETACHED' });
    const run = createRun({}, record('input', '', { requestId: 'saved-token' }, 'demo-input'));
    await inputNode(ctx.names, ctx.spec).create(ctx, run);
    expect(ml.commandCalls(CreateInputCommand)[0]!.args[0].input.RequestId).toBe('saved-token');
  });

  it('URL_PULL with a password names the parameter; depends on it', async () => {
    const ctx = await makeContext({ input: 'URL_PULL', sourceUrl: 'https://e.com/a.m3u8', sourceUser: 'u', sourcePassword: true });
    ml.on(CreateInputCommand).resolves({ Input: { Id: '42' } });
    ml.on(DescribeInputCommand).resolves({ State: 'DETACHED' });
    const node = inputNode(ctx.names, ctx.spec);
    expect(node.dependsOn).toEqual(['source-password']);
    await node.create(ctx, createRun({ 'source-password': record('source-password', '/livestream/demo/source-password') }));
    expect(ml.commandCalls(CreateInputCommand)[0]!.args[0].input.Sources).toEqual([{ Url: 'https://e.com/a.m3u8', Username: 'u', PasswordParam: '/livestream/demo/source-password' }]);
  });

  it('delete waits until detached, deletes, waits until deleted', async () => {
    const ctx = await makeContext();
    ml.on(DescribeInputCommand).resolvesOnce({ State: 'ATTACHED' }).resolvesOnce({ State: 'ATTACHED' }).resolvesOnce({ State: 'DETACHED' }).resolvesOnce({ State: 'DELETING' }).resolves({ State: 'DELETED' });
    ml.on(DeleteInputCommand).resolves({});
    await inputNode(ctx.names, ctx.spec).delete(ctx, record('input', '42'));
    expect(ml.commandCalls(DeleteInputCommand)[0]!.args[0].input).toEqual({ InputId: '42' });
    expect(ml.commandCalls(DescribeInputCommand)).toHaveLength(5);
  });
});

describe('channel', () => {
  it('creates a single-pipeline channel writing to the S3 origin and waits until IDLE', async () => {
    const ctx = await makeContext();
    ml.on(CreateChannelCommand).resolves({ Channel: { Id: '777', Arn: 'arn:ch', State: 'CREATING' } });
    ml.on(DescribeChannelCommand).resolvesOnce({ State: 'CREATING' }).resolves({ State: 'IDLE' });
    const run = createRun({
      role: record('role', 'arn:aws:iam::123456789012:role/r'),
      input: record('input', '42'),
      origin: record('origin', 'demo-origin-123456789012-us-east-1'),
    });
    const out = await channelNode(ctx.names, ctx.spec).create(ctx, run);
    const sent = ml.commandCalls(CreateChannelCommand)[0]!.args[0].input;
    expect(sent).toMatchObject({
      ChannelClass: 'SINGLE_PIPELINE',
      Name: 'demo-channel',
      RoleArn: 'arn:aws:iam::123456789012:role/r',
      Destinations: [{ Id: 'destination1', Settings: [{ Url: 's3ssl://demo-origin-123456789012-us-east-1/stream/index' }] }],
      InputAttachments: [{ InputAttachmentName: 'input', InputId: '42', InputSettings: { SourceEndBehavior: 'LOOP' } }],
      Tags: { 'livestream:stack': 'demo' },
    });
    expect(sent.EncoderSettings).toEqual(buildEncoderSettings(ctx.ladder, { kind: 's3' }));
    expect(sent.RequestId).toMatch(/^[0-9a-f]{32}$/);
    expect(ml.commandCalls(DescribeChannelCommand)).toHaveLength(2);
    expect(out).toMatchObject({ physicalId: '777', attrs: { arn: 'arn:ch' } });
  });

  it('delete stops a running channel, deletes it and waits until DELETED', async () => {
    const ctx = await makeContext();
    ml.on(DescribeChannelCommand)
      .resolvesOnce({ State: 'RUNNING' }) // state check in delete
      .resolvesOnce({ State: 'RUNNING' }) // state check in stop
      .resolvesOnce({ State: 'STOPPING' })
      .resolvesOnce({ State: 'IDLE' })
      .resolvesOnce({ State: 'DELETING' })
      .resolves({ State: 'DELETED' });
    ml.on(StopChannelCommand).resolves({});
    ml.on(DeleteChannelCommand).resolves({});
    await channelNode(ctx.names, ctx.spec).delete(ctx, record('channel', '777'));
    expect(ml.commandCalls(StopChannelCommand)[0]!.args[0].input).toEqual({ ChannelId: '777' });
    expect(ml.commandCalls(DeleteChannelCommand)[0]!.args[0].input).toEqual({ ChannelId: '777' });
    expect(ml.commandCalls(DescribeChannelCommand)).toHaveLength(6);
  });

  it('a channel already gone is done; read reports MISSING', async () => {
    const ctx = await makeContext();
    ml.on(DescribeChannelCommand).rejects(notFound('NotFoundException'));
    await channelNode(ctx.names, ctx.spec).delete(ctx, record('channel', '777'));
    expect(ml.commandCalls(DeleteChannelCommand)).toHaveLength(0);
    expect(await channelNode(ctx.names, ctx.spec).read(ctx, record('channel', '777'))).toEqual({ exists: false, status: 'MISSING' });
  });
});
