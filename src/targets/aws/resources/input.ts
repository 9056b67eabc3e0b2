/**
 * MediaLive input, per input type (build/input.ts). Created DETACHED; the channel attaches it.
 */
import {
  CreateInputCommand,
  DeleteInputCommand,
  DescribeInputCommand,
  type Input,
  paginateListInputs,
  waitUntilInputDeleted,
  waitUntilInputDetached,
} from '@aws-sdk/client-medialive';
import type { ResourceNode } from '../../../core/graph.js';
import type { AwsStackSpec } from '../../../core/spec.js';
import { isNotFound } from '../requests/errors.js';
import { buildCreateInputRequest, needsSecurityGroup, needsSrtSecret, srtListenerStreamId } from '../requests/input.js';
import { TAG_KEY, type ResourceNames } from '../requests/names.js';
import type { AwsContext } from '../context.js';
import { idempotencyToken, isGone, readObserved, waiter } from './shared.js';

export function inputNode(names: ResourceNames, spec: AwsStackSpec): ResourceNode<AwsContext> {
  const dependsOn: string[] = [];
  if (needsSecurityGroup(spec)) dependsOn.push('input-security-group');
  if (spec.input === 'URL_PULL' && spec.sourcePassword) dependsOn.push('source-password');
  if (needsSrtSecret(spec)) dependsOn.push('srt-passphrase');
  return {
    id: 'input',
    kind: 'medialive-input',
    dependsOn,
    describe: `MediaLive ${spec.input} input`,
    name: names.inputName,
    async create(ctx, run) {
      const { medialive } = ctx.clients;
      let requestId = await idempotencyToken(ctx, 'input', run, ctx.names.inputName);
      const send = () => medialive.send(
        new CreateInputCommand(
          buildCreateInputRequest({
            spec: ctx.spec,
            names: ctx.names,
            securityGroupId: run.deps['input-security-group']?.physicalId,
            parameterName: run.deps['source-password']?.physicalId,
            srtSecretArn: run.deps['srt-passphrase']?.physicalId,
            requestId,
          }),
        ),
      );
      let out = await send();
      // The stack's stable RequestId answered with the input of an earlier, torn-down build.
      if (isGone(out.Input?.State)) {
        requestId = await idempotencyToken(ctx, 'input', run, ctx.names.inputName, true);
        out = await send();
      }
      const input = out.Input!;
      await run.save({ name: ctx.names.inputName, physicalId: input.Id!, attrs: { requestId } });
      // A new input is CREATING, then DETACHED: ready for a channel to attach it.
      await waitUntilInputDetached(waiter(medialive, ctx.timings.short), { InputId: input.Id! });
      const described = await medialive.send(new DescribeInputCommand({ InputId: input.Id! }));
      // Push inputs get their endpoints (rtmp://ip:1935/<stack>/stream, rtp://ip:5000, srt://ip:5050) here.
      const endpoints = (described.Destinations ?? input.Destinations ?? []).map((d) => d.Url).filter((u): u is string => Boolean(u));
      // The stream id the encoder sends to an SRT listener input: the push URL carries it.
      const streamId: Record<string, string> = ctx.spec.input === 'SRT_LISTENER' ? { streamId: srtListenerStreamId(ctx.spec, ctx.names) } : {};
      return { name: ctx.names.inputName, physicalId: input.Id!, attrs: { requestId, arn: input.Arn ?? '', type: ctx.spec.input, endpoints, ...streamId } };
    },
    async read(ctx, rec) {
      if (!rec.physicalId) return { exists: false };
      return readObserved(async () => {
        const input = await ctx.clients.medialive.send(new DescribeInputCommand({ InputId: rec.physicalId }));
        return { exists: input.State !== 'DELETED', status: input.State };
      });
    },
    async delete(ctx, rec) {
      const { medialive } = ctx.clients;
      // A create whose answer was lost recorded no id: find the input by its name.
      const id = rec.physicalId || (await findOurInputs(ctx))[0]?.Id;
      if (!id) return;
      rec = { ...rec, physicalId: id };
      try {
        // "Cannot delete an input that is attached to a channel": the channel goes first, and
        // the input takes a moment to become DETACHED after the channel is deleted.
        const input = await medialive.send(new DescribeInputCommand({ InputId: rec.physicalId }));
        if (input.State === 'DELETED' || input.State === 'DELETING') return;
        await waitUntilInputDetached(waiter(medialive, ctx.timings.short), { InputId: rec.physicalId });
        await medialive.send(new DeleteInputCommand({ InputId: rec.physicalId }));
        await waitUntilInputDeleted(waiter(medialive, ctx.timings.short), { InputId: rec.physicalId });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    },
  };
}

/** Inputs that carry this stack's name and tag (a create whose answer or state was lost). */
export async function findOurInputs(ctx: AwsContext): Promise<Input[]> {
  const found: Input[] = [];
  for await (const page of paginateListInputs({ client: ctx.clients.medialive }, {})) {
    found.push(...(page.Inputs ?? []).filter((i) => i.Name === ctx.names.inputName && i.Tags?.[TAG_KEY] === ctx.names.stack && !isGone(i.State)));
  }
  return found;
}
