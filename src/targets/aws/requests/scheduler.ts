/**
 * The stop schedule: an EventBridge Scheduler one-time schedule (`at(...)`) whose universal target
 * calls MediaLive's StopChannel as a role that may do nothing else, so the channel stops at the
 * end of its run even when the machine that started it is closed. Pure: the requests
 * CreateSchedule / UpdateSchedule take, and the time read back from GetSchedule.
 *
 * - Universal target ARN: `arn:aws:scheduler:::aws-sdk:<service>:<apiAction>`, the service as the
 *   SDK names it and the action in camelCase (Scheduler User Guide, "Using universal targets").
 * - Its Input is the target API's request as JSON with the members as the API model names them
 *   (StopChannelRequest.ChannelId), not the wire's camelCase.
 * - ActionAfterCompletion NONE: the schedule stays after it fired, so `status` can tell that it
 *   fired (its time has passed) and `down` deletes it; DELETE would leave nothing to tell by.
 * - Schedules cannot be tagged (CreateSchedule has no Tags; TagResource takes groups only):
 *   the stack's group carries the tag, and the schedule is the stack's by its name in that group.
 */
import type { ResourceNames } from './names.js';

export const STOP_CHANNEL_TARGET = 'arn:aws:scheduler:::aws-sdk:medialive:stopChannel';

/** `at(yyyy-mm-ddThh:mm:ss)` in UTC, rounded up to the second: never before the instant asked. */
export function atExpression(at: Date): string {
  const ceil = new Date(Math.ceil(at.getTime() / 1000) * 1000);
  return `at(${ceil.toISOString().slice(0, 19)})`;
}

/** The instant an `at(...)` expression in UTC names; undefined for any other expression. */
export function parseAtExpression(expression: string | undefined, timezone = 'UTC'): Date | undefined {
  const m = /^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$/.exec(expression ?? '');
  if (!m || timezone !== 'UTC') return undefined;
  const d = new Date(`${m[1]}Z`);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

export function channelArn(a: { region: string; accountId: string; channelId: string; partition?: string }): string {
  return `arn:${a.partition ?? 'aws'}:medialive:${a.region}:${a.accountId}:channel:${a.channelId}`;
}

export function scheduleGroupArn(names: Pick<ResourceNames, 'region' | 'accountId' | 'scheduleGroupName'>, partition = 'aws'): string {
  return `arn:${partition}:scheduler:${names.region}:${names.accountId}:schedule-group/${names.scheduleGroupName}`;
}

export interface StopScheduleRequest {
  Name: string;
  GroupName: string;
  ScheduleExpression: string;
  ScheduleExpressionTimezone: 'UTC';
  Description: string;
  State: 'ENABLED';
  FlexibleTimeWindow: { Mode: 'OFF' };
  ActionAfterCompletion: 'NONE';
  Target: { Arn: string; RoleArn: string; Input: string };
  ClientToken: string;
}

/** CreateSchedule's (and UpdateSchedule's, which takes the same members) request. */
export function buildStopSchedule(a: { names: ResourceNames; channelId: string; roleArn: string; at: Date; clientToken: string }): StopScheduleRequest {
  const { names } = a;
  return {
    Name: names.scheduleName,
    GroupName: names.scheduleGroupName,
    ScheduleExpression: atExpression(a.at),
    ScheduleExpressionTimezone: 'UTC',
    Description: `Stops MediaLive channel ${a.channelId} of livestream stack ${names.stack} at the end of its run`,
    State: 'ENABLED',
    // OFF: at the time asked, not within a window after it (a window would bill the extra minutes).
    FlexibleTimeWindow: { Mode: 'OFF' },
    ActionAfterCompletion: 'NONE',
    Target: { Arn: STOP_CHANNEL_TARGET, RoleArn: a.roleArn, Input: JSON.stringify({ ChannelId: a.channelId }) },
    ClientToken: a.clientToken,
  };
}
