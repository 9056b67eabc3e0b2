import { CreateRoleCommand, GetRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreateScheduleGroupCommand, DeleteScheduleGroupCommand, GetScheduleGroupCommand, ListTagsForResourceCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { scheduleGroupNode } from '../../../../src/targets/aws/resources/schedule-group.js';
import { schedulerRoleNode } from '../../../../src/targets/aws/resources/scheduler-role.js';
import { checkRequest, loadServiceModel } from '../../../helpers/aws-model.js';
import { createRun, makeContext, notFound, record } from '../../../helpers/aws-context.js';

const scheduler = mockClient(SchedulerClient);
const iam = mockClient(IAMClient);
afterEach(() => {
  scheduler.reset();
  iam.reset();
});

const GROUP_ARN = 'arn:aws:scheduler:us-east-1:123456789012:schedule-group/demo-livestream';

describe('schedule group', () => {
  it('is created with the stack tag and an idempotency token, and recorded by name', async () => {
    const ctx = await makeContext();
    scheduler.on(GetScheduleGroupCommand).rejects(notFound('ResourceNotFoundException'));
    scheduler.on(CreateScheduleGroupCommand).resolves({ ScheduleGroupArn: GROUP_ARN });
    const out = await scheduleGroupNode(ctx.names).create(ctx, createRun());
    expect(out).toEqual({ name: 'demo-livestream', physicalId: 'demo-livestream', attrs: { arn: GROUP_ARN } });
    const input = scheduler.commandCalls(CreateScheduleGroupCommand)[0]!.args[0].input;
    expect(input).toEqual({ Name: 'demo-livestream', Tags: [{ Key: 'livestream:stack', Value: 'demo' }], ClientToken: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(checkRequest(loadServiceModel('scheduler'), 'CreateScheduleGroup', input)).toEqual([]);
  });

  it('adopts a group of its name that carries the stack tag; refuses one without it', async () => {
    const ctx = await makeContext();
    scheduler.on(GetScheduleGroupCommand).resolves({ Arn: GROUP_ARN, State: 'ACTIVE' });
    scheduler.on(ListTagsForResourceCommand).resolves({ Tags: [{ Key: 'livestream:stack', Value: 'demo' }] });
    expect(await scheduleGroupNode(ctx.names).create(ctx, createRun())).toMatchObject({ physicalId: 'demo-livestream' });
    expect(scheduler.commandCalls(CreateScheduleGroupCommand)).toHaveLength(0);
    scheduler.on(ListTagsForResourceCommand).resolves({ Tags: [{ Key: 'livestream:stack', Value: 'other' }] });
    await expect(scheduleGroupNode(ctx.names).create(ctx, createRun())).rejects.toThrow(/without the tag of stack "demo"/);
  });

  it('delete waits until the group (DELETING while its schedules go) is gone; "not found" is done', async () => {
    const ctx = await makeContext();
    scheduler.on(DeleteScheduleGroupCommand).resolves({});
    scheduler.on(GetScheduleGroupCommand).resolvesOnce({ Arn: GROUP_ARN, State: 'DELETING' }).rejects(notFound('ResourceNotFoundException'));
    scheduler.on(ListTagsForResourceCommand).resolves({ Tags: [] });
    await scheduleGroupNode(ctx.names).delete(ctx, record('stop-schedule-group', 'demo-livestream'));
    expect(scheduler.commandCalls(GetScheduleGroupCommand)).toHaveLength(2);
    scheduler.on(DeleteScheduleGroupCommand).rejects(notFound('ResourceNotFoundException'));
    await scheduleGroupNode(ctx.names).delete(ctx, record('stop-schedule-group', 'demo-livestream'));
  });

  it('reads a DELETING group as gone', async () => {
    const ctx = await makeContext();
    scheduler.on(GetScheduleGroupCommand).resolves({ Arn: GROUP_ARN, State: 'DELETING' });
    expect(await scheduleGroupNode(ctx.names).read(ctx, record('stop-schedule-group', 'demo-livestream'))).toEqual({ exists: false, status: 'DELETING' });
  });
});

describe('stop schedule role', () => {
  it('trusts Scheduler for this account and may only stop the stack\'s channel, named by its ARN', async () => {
    const ctx = await makeContext();
    const arn = 'arn:aws:iam::123456789012:role/demo-scheduler-us-east-1';
    iam.on(CreateRoleCommand).resolves({ Role: { Arn: arn } as never });
    iam.on(GetRoleCommand).resolves({ Role: { Arn: arn } as never });
    const run = createRun({ channel: record('channel', '7654321') });
    const out = await schedulerRoleNode(ctx.names).create(ctx, run);
    expect(out).toEqual({ name: 'demo-scheduler-us-east-1', physicalId: arn, attrs: { channelArn: 'arn:aws:medialive:us-east-1:123456789012:channel:7654321' } });
    const create = iam.commandCalls(CreateRoleCommand)[0]!.args[0].input;
    expect(JSON.parse(create.AssumeRolePolicyDocument!).Statement[0]).toMatchObject({ Principal: { Service: 'scheduler.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } } });
    expect(create.Tags).toEqual([{ Key: 'livestream:stack', Value: 'demo' }]);
    expect(run.save).toHaveBeenCalledWith({ name: 'demo-scheduler-us-east-1', physicalId: arn });
    const policy = iam.commandCalls(PutRolePolicyCommand)[0]!.args[0].input;
    expect(policy.PolicyName).toBe('demo-stop-channel');
    expect(JSON.parse(policy.PolicyDocument!).Statement).toEqual([{ Sid: 'StopStackChannel', Effect: 'Allow', Action: 'medialive:StopChannel', Resource: 'arn:aws:medialive:us-east-1:123456789012:channel:7654321' }]);
  });
});
