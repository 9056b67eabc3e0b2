/**
 * MediaLive channel: single pipeline, the input attached, the ladder's encoder settings, HLS to
 * the origin. Create waits until IDLE. Delete stops it first ("Cannot delete a channel that has
 * not been stopped yet"), deletes, and waits until DELETED so the input can detach.
 */
import {
  CreateChannelCommand,
  DeleteChannelCommand,
  DescribeChannelCommand,
  type ChannelSummary,
  paginateListChannels,
  StartChannelCommand,
  StopChannelCommand,
  waitUntilChannelCreated,
  waitUntilChannelDeleted,
  waitUntilChannelRunning,
  waitUntilChannelStopped,
} from '@aws-sdk/client-medialive';
import type { ResourceNode } from '../../../core/graph.js';
import type { StackSpec } from '../../../core/spec.js';
import { buildCreateChannelRequest, destinationUrl } from '../build/channel.js';
import { isNotFound } from '../build/errors.js';
import { TAG_KEY, type ResourceNames } from '../build/names.js';
import type { AwsContext } from '../context.js';
import { idempotencyToken, waiter } from './shared.js';

export const INPUT_ATTACHMENT_NAME = 'input';

export function channelNode(names: ResourceNames, spec: StackSpec): ResourceNode<AwsContext> {
  const mediastore = spec.aws?.origin === 'mediastore';
  return {
    id: 'channel',
    kind: 'medialive-channel',
    dependsOn: ['role', 'input', 'origin'],
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
  const params = waiter(ctx.clients.medialive, ctx.timings.channel);
  if (want === 'RUNNING') await waitUntilChannelRunning(params, { ChannelId: channelId });
  else await waitUntilChannelStopped(params, { ChannelId: channelId });
}

export async function startChannel(ctx: AwsContext, channelId: string): Promise<void> {
  const { medialive } = ctx.clients;
  await medialive.send(new StartChannelCommand({ ChannelId: channelId }));
  await waitUntilChannelRunning(waiter(medialive, ctx.timings.channel), { ChannelId: channelId });
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

function isGone(state: string | undefined): boolean {
  return state === 'DELETED' || state === 'DELETING';
}
