/**
 * MediaLive channel: single pipeline, the input attached, the ladder's encoder settings, HLS to
 * the origin. Create waits until IDLE. Delete stops it first ("Cannot delete a channel that has
 * not been stopped yet"), deletes, and waits until DELETED so the input can detach.
 */
import {
  CreateChannelCommand,
  DeleteChannelCommand,
  DescribeChannelCommand,
  ListAlertsCommand,
  ListChannelsCommand,
  type ChannelSummary,
  paginateListChannels,
  StartChannelCommand,
  StopChannelCommand,
  waitUntilChannelCreated,
  waitUntilChannelDeleted,
  waitUntilChannelStopped,
  type MediaLiveClient,
} from '@aws-sdk/client-medialive';
import { checkExceptions, createWaiter, WaiterState, type WaiterResult } from '@smithy/core/client';
import { LivestreamError } from '../../../core/errors.js';
import type { ResourceNode } from '../../../core/graph.js';
import type { AwsStackSpec } from '../../../core/spec.js';
import { buildCreateChannelRequest, destinationUrl } from '../requests/channel.js';
import { isNotFound } from '../requests/errors.js';
import { TAG_KEY, type ResourceNames } from '../requests/names.js';
import { recordedRendition } from '../../../core/recording.js';
import { recordingsDestinationUrl } from '../requests/recording.js';
import type { AwsContext } from '../context.js';
import { idempotencyToken, isGone, waiter } from './shared.js';

export const INPUT_ATTACHMENT_NAME = 'input';

export function channelNode(names: ResourceNames, spec: AwsStackSpec): ResourceNode<AwsContext> {
  const mediastore = spec.aws.origin === 'mediastore';
  const records = (spec.record ?? 'none') !== 'none';
  return {
    id: 'channel',
    kind: 'medialive-channel',
    dependsOn: ['role', 'input', 'origin', ...(records ? ['recordings-bucket'] : [])],
    describe: 'MediaLive channel',
    name: names.channelName,
    async create(ctx, run) {
      const { medialive } = ctx.clients;
      const n = ctx.names;
      let requestId = await idempotencyToken(ctx, 'channel', run, n.channelName);
      const origin = run.deps.origin!;
      const destination = mediastore
        ? destinationUrl({ kind: 'mediastore', endpoint: String(origin.attrs.endpoint) })
        : destinationUrl({ kind: 's3', bucket: origin.physicalId });
      const rendition = recordedRendition(ctx.spec, ctx.ladder);
      const recording = rendition ? { rendition, destinationUrl: recordingsDestinationUrl(run.deps['recordings-bucket']!.physicalId, n.stack) } : undefined;
      const send = () => medialive.send(
        new CreateChannelCommand(
          buildCreateChannelRequest({
            names: n,
            ladder: ctx.ladder,
            spec: ctx.spec,
            inputId: run.deps.input!.physicalId,
            inputAttachmentName: INPUT_ATTACHMENT_NAME,
            roleArn: run.deps.role!.physicalId,
            destinationUrl: destination,
            requestId,
            ...(recording ? { recording } : {}),
          }),
        ),
      );
      let out = await send();
      // The stack's stable RequestId answered with the channel of an earlier, torn-down build.
      if (isGone(out.Channel?.State)) {
        requestId = await idempotencyToken(ctx, 'channel', run, n.channelName, true);
        out = await send();
      }
      const ch = out.Channel!;
      await run.save({ name: n.channelName, physicalId: ch.Id!, attrs: { requestId, arn: ch.Arn ?? '' } });
      await waitUntilChannelCreated(waiter(medialive, ctx.timings.short), { ChannelId: ch.Id! });
      return { name: n.channelName, physicalId: ch.Id!, attrs: { requestId, arn: ch.Arn ?? '', destination } };
    },
    async read(ctx, rec) {
      const state = await readChannelState(ctx, rec.physicalId);
      return { exists: state !== 'MISSING' && state !== 'DELETED', status: state };
    },
    async delete(ctx, rec) {
      const { medialive } = ctx.clients;
      const id = rec.physicalId || (await findOurChannels(ctx))[0]?.Id;
      if (!id) return;
      try {
        const state = await readChannelState(ctx, id);
        if (state === 'MISSING' || state === 'DELETED') return;
        if (state === 'CREATING') await waitUntilChannelCreated(waiter(medialive, ctx.timings.short), { ChannelId: id });
        if (state === 'RUNNING' || state === 'STARTING' || state === 'RECOVERING' || state === 'STOPPING') await stopChannel(ctx, id);
        if (state !== 'DELETING') await medialive.send(new DeleteChannelCommand({ ChannelId: id }));
        await waitUntilChannelDeleted(waiter(medialive, ctx.timings.short), { ChannelId: id });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    },
  };
}

/** The channel's state now; MISSING when MediaLive does not know it. */
export async function readChannelState(ctx: AwsContext, channelId: string): Promise<string> {
  if (!channelId) return 'MISSING';
  try {
    const ch = await ctx.clients.medialive.send(new DescribeChannelCommand({ ChannelId: channelId }));
    return ch.State ?? 'UNKNOWN';
  } catch (err) {
    if (isNotFound(err)) return 'MISSING';
    throw err;
  }
}

/** Wait for a channel already STARTING or STOPPING to settle. */
export async function waitForChannel(ctx: AwsContext, channelId: string, want: 'RUNNING' | 'IDLE'): Promise<void> {
  if (want === 'RUNNING') await waitUntilStarted(ctx, channelId);
  else await waitUntilChannelStopped(waiter(ctx.clients.medialive, ctx.timings.channel), { ChannelId: channelId });
}

export async function startChannel(ctx: AwsContext, channelId: string): Promise<void> {
  await ctx.clients.medialive.send(new StartChannelCommand({ ChannelId: channelId }));
  await waitUntilStarted(ctx, channelId);
}

/**
 * The SDK's waitUntilChannelRunning has no failure acceptor: it retries on every state but
 * RUNNING and on every error, so a start that fails (MediaLive puts the channel back to IDLE)
 * or a denied DescribeChannel waits out the whole maxWaitTime (15 minutes). This waiter keeps
 * its success and retry acceptors (RUNNING; STARTING; InternalServerErrorException) and fails
 * at once on IDLE after STARTING was seen (or on IDLE twice: a read right after StartChannel
 * may still show IDLE), on a deleted channel, and on any other error.
 */
async function waitUntilStarted(ctx: AwsContext, channelId: string): Promise<void> {
  let seenStarting = false;
  let idleReads = 0;
  const check = async (client: MediaLiveClient, input: { ChannelId: string }): Promise<WaiterResult> => {
    try {
      const ch = await client.send(new DescribeChannelCommand(input));
      if (ch.State === 'RUNNING') return { state: WaiterState.SUCCESS, reason: ch.State };
      if (ch.State === 'STARTING') seenStarting = true;
      if (ch.State === 'IDLE' && (seenStarting || ++idleReads >= 2)) return { state: WaiterState.FAILURE, reason: ch.State };
      if (ch.State === 'DELETING' || ch.State === 'DELETED') return { state: WaiterState.FAILURE, reason: ch.State };
      return { state: WaiterState.RETRY, reason: ch.State };
    } catch (err) {
      if ((err as Error).name === 'InternalServerErrorException') return { state: WaiterState.RETRY, reason: err };
      return { state: WaiterState.FAILURE, reason: err };
    }
  };
  const result = await createWaiter(waiter(ctx.clients.medialive, ctx.timings.channel), { ChannelId: channelId }, check);
  if (result.state !== WaiterState.FAILURE) return void checkExceptions(result);
  if (result.reason instanceof Error) throw result.reason;
  throw await startFailure(ctx, channelId, String(result.reason));
}

/** Why MediaLive did not start the channel, in its own words: the alerts set on the channel. */
async function startFailure(ctx: AwsContext, channelId: string, state: string): Promise<LivestreamError> {
  let alerts: string[] = [];
  let unreadable = '';
  try {
    const out = await ctx.clients.medialive.send(new ListAlertsCommand({ ChannelId: channelId, StateFilter: 'SET', MaxResults: 10 }));
    alerts = (out.Alerts ?? []).map((a) => [a.AlertType, a.Message].filter(Boolean).join(': ')).filter(Boolean);
  } catch (err) {
    unreadable = ` (its alerts could not be read: ${(err as Error).name})`;
  }
  const reason = alerts.length > 0 ? `MediaLive says: ${alerts.join('; ')}` : `MediaLive gave no reason in its alerts${unreadable}`;
  return new LivestreamError('CHANNEL_START_FAILED', `Channel ${channelId} did not start: MediaLive accepted StartChannel, then put the channel back to ${state}. ${reason}.`, {
    hint: `Check the channel's alerts and logs in the MediaLive console (https://${ctx.names.region}.console.aws.amazon.com/medialive/home?region=${ctx.names.region}#/channels/${channelId}); the usual causes are a source MediaLive cannot reach or a role it cannot use. Then run "livestream start" again.`,
    details: { channelId, state, alerts },
  });
}

export async function stopChannel(ctx: AwsContext, channelId: string): Promise<void> {
  const { medialive } = ctx.clients;
  const state = await readChannelState(ctx, channelId);
  // StopChannel on a channel already stopping fails with a ConflictException; just wait.
  if (state !== 'STOPPING') await medialive.send(new StopChannelCommand({ ChannelId: channelId }));
  await waitUntilChannelStopped(waiter(medialive, ctx.timings.channel), { ChannelId: channelId });
}

/** Channels that carry this stack's name and tag (a create whose answer or state was lost). */
export async function findOurChannels(ctx: AwsContext): Promise<ChannelSummary[]> {
  const found: ChannelSummary[] = [];
  for await (const page of paginateListChannels({ client: ctx.clients.medialive }, {})) {
    found.push(...(page.Channels ?? []).filter((c) => c.Name === ctx.names.channelName && c.Tags?.[TAG_KEY] === ctx.names.stack && !isGone(c.State)));
  }
  return found;
}
