import { describe, expect, it } from 'vitest';
import { buildSchedulerRolePolicy, buildSchedulerTrustPolicy } from '../../../../src/targets/aws/requests/iam.js';
import { resourceNames } from '../../../../src/targets/aws/requests/names.js';
import { atExpression, buildStopSchedule, channelArn, parseAtExpression, scheduleGroupArn, STOP_CHANNEL_TARGET } from '../../../../src/targets/aws/requests/scheduler.js';
import { checkRequest, loadServiceModel } from '../../../helpers/aws-model.js';

const names = resourceNames('demo', 'eu-west-1', '123456789012');

describe('the stop schedule request', () => {
  it('is a one-time at() schedule in UTC calling MediaLive StopChannel as the role', () => {
    const req = buildStopSchedule({ names, channelId: '1234567', roleArn: 'arn:aws:iam::123456789012:role/demo-scheduler-eu-west-1', at: new Date('2026-12-02T22:00:00Z'), clientToken: 'a'.repeat(32) });
    expect(req).toEqual({
      Name: 'demo-stop-channel',
      GroupName: 'demo-livestream',
      ScheduleExpression: 'at(2026-12-02T22:00:00)',
      ScheduleExpressionTimezone: 'UTC',
      Description: 'Stops MediaLive channel 1234567 of livestream stack demo at the end of its run',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'NONE',
      Target: { Arn: 'arn:aws:scheduler:::aws-sdk:medialive:stopChannel', RoleArn: 'arn:aws:iam::123456789012:role/demo-scheduler-eu-west-1', Input: '{"ChannelId":"1234567"}' },
      ClientToken: 'a'.repeat(32),
    });
    expect(checkRequest(loadServiceModel('scheduler'), 'CreateSchedule', req)).toEqual([]);
    expect(checkRequest(loadServiceModel('scheduler'), 'UpdateSchedule', req)).toEqual([]);
  });

  it('the model refuses what the builder must never send (the check is not vacuous)', () => {
    const req = buildStopSchedule({ names, channelId: '1', roleArn: 'arn:aws:iam::123456789012:role/r', at: new Date('2026-12-02T22:00:00Z'), clientToken: 'tok' });
    const model = loadServiceModel('scheduler');
    expect(checkRequest(model, 'CreateSchedule', { ...req, ActionAfterCompletion: 'KEEP' })).not.toEqual([]);
    expect(checkRequest(model, 'CreateSchedule', { ...req, Name: 'has spaces' })).not.toEqual([]);
    expect(checkRequest(model, 'CreateSchedule', { ...req, ClientToken: 'x'.repeat(65) })).not.toEqual([]);
    expect(checkRequest(model, 'CreateSchedule', { ...req, Target: { ...req.Target, RoleArn: 'not-an-arn' } })).not.toEqual([]);
    // Schedules take no tags: only groups do.
    expect(checkRequest(model, 'CreateSchedule', { ...req, Tags: [{ Key: 'k', Value: 'v' }] })).not.toEqual([]);
    expect(checkRequest(model, 'CreateScheduleGroup', { Name: names.scheduleGroupName, Tags: names.tagList, ClientToken: 'tok' })).toEqual([]);
  });

  it.each([
    ['2026-12-02T22:00:00.000Z', 'at(2026-12-02T22:00:00)'],
    // Rounded up, never before the instant asked.
    ['2026-12-02T21:59:59.001Z', 'at(2026-12-02T22:00:00)'],
    ['2026-12-31T23:59:59.500Z', 'at(2027-01-01T00:00:00)'],
  ])('at %s is %s', (iso, want) => {
    expect(atExpression(new Date(iso))).toBe(want);
    expect(parseAtExpression(want)?.getTime()).toBeGreaterThanOrEqual(Date.parse(iso));
  });

  it.each([
    ['at(2026-12-02T22:00:00)', 'UTC', '2026-12-02T22:00:00.000Z'],
    ['at(2026-12-02T22:00:00)', 'Europe/Paris', undefined],
    ['rate(5 minutes)', 'UTC', undefined],
    [undefined, 'UTC', undefined],
  ])('reads %s in %s back as %s', (expr, tz, want) => {
    expect(parseAtExpression(expr, tz)?.toISOString()).toBe(want);
  });

  it('names the group and channel ARNs as IAM and Scheduler write them', () => {
    expect(scheduleGroupArn(names)).toBe('arn:aws:scheduler:eu-west-1:123456789012:schedule-group/demo-livestream');
    expect(channelArn({ region: 'eu-west-1', accountId: '123456789012', channelId: '42' })).toBe('arn:aws:medialive:eu-west-1:123456789012:channel:42');
    expect(STOP_CHANNEL_TARGET).toMatch(/^arn:aws:scheduler:::aws-sdk:medialive:stopChannel$/);
  });
});

describe('the stop schedule role', () => {
  it('is assumed by EventBridge Scheduler for this account only', () => {
    expect(JSON.parse(buildSchedulerTrustPolicy('123456789012'))).toEqual({
      Version: '2012-10-17',
      Statement: [{ Sid: 'SchedulerAssumesRole', Effect: 'Allow', Principal: { Service: 'scheduler.amazonaws.com' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } } }],
    });
  });

  it('may stop this channel and do nothing else', () => {
    expect(JSON.parse(buildSchedulerRolePolicy('arn:aws:medialive:eu-west-1:123456789012:channel:42'))).toEqual({
      Version: '2012-10-17',
      Statement: [{ Sid: 'StopStackChannel', Effect: 'Allow', Action: 'medialive:StopChannel', Resource: 'arn:aws:medialive:eu-west-1:123456789012:channel:42' }],
    });
  });
});
