/**
 * A stack in AWS that the state file does not describe (lost with a laptop, or never written):
 * `up` adopts what discover.ts finds instead of creating a second channel, input and
 * distribution; `down` lists it, asks, records it and removes it; `status` lists it.
 */
import { LivestreamError } from '../../core/errors.js';
import type { ResourceNode } from '../../core/graph.js';
import { SRT_DEFAULTS, type AwsStackSpec, type InputType } from '../../core/spec.js';
import type { StackState } from '../../core/state.js';
import type { ChannelState, ResourceStatus, RunContext, StackStatus } from '../../core/target.js';
import type { AwsContext, AwsLive } from './context.js';
import { discoverStack, type FoundResource } from './discover.js';
import { buildOutputs } from './outputs.js';
import { buildAwsGraph } from './resources/index.js';

/**
 * Before `up` creates anything: every node the state has no record of is looked for in AWS by
 * its names and tag, and recorded as it is when found. A found input of another type, or a push
 * input whose security group admits other addresses, is another spec: refused, as `up` refuses
 * a recorded stack with a different spec.
 */
export async function adoptUnrecorded(ctx: AwsContext, run: RunContext, nodes: readonly ResourceNode<AwsContext>[]): Promise<void> {
  const recorded = run.store.require().resources;
  const missing = nodes.filter((n) => !recorded[n.id]);
  if (missing.length === 0) return;
  const { found, unreadable } = await discoverStack(ctx, new Set(missing.map((n) => n.id)));
  // Unable to tell whether the stack already has one, `up` would risk making a second: it stops.
  if (unreadable.length > 0) throw unreadable[0]!.error;
  const spec = ctx.spec;
  const input = found.find((f) => f.id === 'input');
  if (input && input.attrs.type !== spec.input) {
    throw specChanged(spec, `it has a ${String(input.attrs.type)} input (${input.physicalId}) in AWS, and this up asks for ${spec.input}`);
  }
  const cidrs = (f: FoundResource) => [...((f.attrs.cidrs as string[] | undefined) ?? [])].sort().join(',');
  const groups = found.filter((f) => f.id === 'input-security-group');
  const sameRules = groups.filter((g) => cidrs(g) === [...spec.cidrs].sort().join(','));
  if (input && groups.length > 0 && sameRules.length === 0) {
    throw specChanged(spec, `its input security group in AWS admits ${groups.map(cidrs).join(' / ')}, and this up asks for ${spec.cidrs.join(',')}`);
  }
  for (const node of missing) {
    const matches = node.id === 'input-security-group' ? sameRules : found.filter((f) => f.id === node.id && f.name === node.name);
    const [mine, ...extra] = preferLive(matches);
    if (!mine) continue;
    await run.store.putResource({ id: node.id, kind: node.kind, name: mine.name, physicalId: mine.physicalId, status: 'ready', attrs: mine.attrs });
    run.host.notify({
      level: 'info',
      code: 'RESOURCE_ADOPTED',
      message: `${node.describe}: found ${mine.name} (${mine.physicalId}) in AWS with the stack's name and tag; using it instead of creating another`,
      details: { id: node.id, physicalId: mine.physicalId },
    });
    if (extra.length > 0) warnExtra(run, ctx, node, extra);
  }
}

/**
 * `down` without a state file: find the stack, list it, ask (the host answers from --yes where
 * there is no terminal, and refuses without it), and write the state `down` then works from.
 * Undefined when AWS has nothing of the stack.
 */
export async function recoverUnrecorded(ctx: AwsContext, run: RunContext): Promise<StackState | undefined> {
  const { found, unreadable } = await discoverStack(ctx);
  for (const u of unreadable) {
    run.host.notify({ level: 'warn', code: 'CANNOT_LOOK_FOR', message: `Could not look for the stack's ${u.id}: ${u.error.message}`, details: { id: u.id } });
  }
  // Nothing found is "nothing left" only when every kind could be looked for.
  if (found.length === 0 && unreadable.length > 0) throw unreadable[0]!.error;
  if (found.length === 0) return undefined;
  const spec = specFromFound(ctx.spec, found);
  const nodes = buildAwsGraph(spec, ctx.names);
  run.host.notify({
    level: 'warn',
    code: 'FOUND_WITHOUT_STATE',
    message: `Stack "${spec.stack}" has no state file here, but AWS (${ctx.names.region}, account ${ctx.names.accountId}) has ${found.length} resources with its names and tag:\n${listing(nodes, found)}`,
    details: { resources: found.map(({ id, name, physicalId, status }) => ({ id, name, physicalId, status })) },
  });
  const ok = await run.host.confirm(`Stop and delete these ${found.length} resources of stack "${spec.stack}"?`);
  if (!ok) {
    throw new LivestreamError('ABORTED', 'Nothing was deleted.', {
      hint: `Run "livestream down --target aws --region ${ctx.names.region} --stack ${spec.stack}" on a terminal to confirm, or add --yes.`,
    });
  }
  await run.store.create({ target: 'aws', spec, ladder: run.ladder });
  await run.store.update((s) => void (s.runtime.accountId = ctx.names.accountId));
  for (const node of nodes) {
    const [mine, ...extra] = preferLive(found.filter((f) => f.id === node.id && f.name === node.name));
    if (!mine) continue;
    await run.store.putResource({ id: node.id, kind: node.kind, name: mine.name, physicalId: mine.physicalId, status: 'ready', attrs: mine.attrs });
    if (extra.length > 0) warnExtra(run, ctx, node, extra);
  }
  return run.store.require();
}

/** `status` without a state file: what AWS has of the stack, read only, nothing written. */
export async function statusUnrecorded(ctx: AwsContext): Promise<StackStatus<AwsLive>> {
  const { found, unreadable } = await discoverStack(ctx);
  const spec = specFromFound(ctx.spec, found);
  const nodes = buildAwsGraph(spec, ctx.names);
  const kindOf = new Map(nodes.map((n) => [n.id, n.kind]));
  const resources: ResourceStatus[] = found.map((f) => ({
    id: f.id,
    kind: kindOf.get(f.id) ?? f.id,
    name: f.name,
    physicalId: f.physicalId,
    exists: true,
    ...(f.status ? { status: f.status } : {}),
  }));
  // What could not be read is said so, never shown as absent.
  for (const u of unreadable) resources.push({ id: u.id, kind: kindOf.get(u.id) ?? u.id, name: '', physicalId: '', exists: false, status: 'ERROR', detail: u.error.message });
  const channel = preferLive(found.filter((f) => f.id === 'channel'))[0];
  const records = Object.fromEntries(
    nodes.flatMap((n) => {
      const f = found.find((x) => x.id === n.id && x.name === n.name);
      return f ? [[n.id, { id: n.id, kind: n.kind, name: f.name, physicalId: f.physicalId, status: 'ready' as const, attrs: f.attrs, createdAt: '' }]] : [];
    }),
  );
  const outputs = buildOutputs(ctx.names, records, spec.aws.origin);
  return {
    stack: spec.stack,
    target: 'aws',
    channel: channel
      ? { state: (channel.status ?? 'UNKNOWN') as ChannelState, detail: 'found in AWS by name and tag; no state file here' }
      : unreadable.some((u) => u.id === 'channel')
        ? { state: 'UNKNOWN', detail: unreadable.find((u) => u.id === 'channel')!.error.message }
        : { state: 'MISSING', detail: found.length > 0 ? 'no channel of this stack in AWS' : `nothing of stack "${spec.stack}" in AWS (${ctx.names.region})` },
    resources,
    outputs: Object.fromEntries(Object.entries(outputs).filter((e): e is [string, string] => typeof e[1] === 'string')),
    live: { accountId: ctx.names.accountId, region: ctx.names.region, stateFile: false },
    summary: [['state file', `none here; ${found.length} resources found in AWS by the stack's names and tag ("livestream down --target aws --region ${ctx.names.region} --stack ${spec.stack}" removes them)`]],
  };
}

/** The spec a found stack was built with, as far as it matters to its graph. */
export function specFromFound(probe: AwsStackSpec, found: readonly FoundResource[]): AwsStackSpec {
  const input = found.find((f) => f.id === 'input');
  const group = found.find((f) => f.id === 'input-security-group');
  const container = found.some((f) => f.id === 'origin' && typeof f.attrs.endpoint === 'string');
  return {
    ...probe,
    // A secret without its input (an up cut short after the secret): only an SRT graph holds the secret's node.
    input: (typeof input?.attrs.type === 'string' && input.attrs.type ? input.attrs.type : found.some((f) => f.id === 'srt-passphrase') ? 'SRT_LISTENER' : probe.input) as InputType,
    sourcePassword: found.some((f) => f.id === 'source-password'),
    ...srtFromFound(probe, found),
    cidrs: (group?.attrs.cidrs as string[] | undefined) ?? probe.cidrs,
    aws: { ...probe.aws, origin: container ? 'mediastore' : 's3' },
    // The graph holds the recordings bucket's node only for a stack that records: one found means it did.
    ...(found.some((f) => f.id === 'recordings-bucket') ? { record: 'top' } : {}),
  };
}

/** An SRT input found in AWS keeps its secret in the graph (found or not, `down` looks for it by name). */
function srtFromFound(probe: AwsStackSpec, found: readonly FoundResource[]): Pick<AwsStackSpec, 'srt'> {
  const type = found.find((f) => f.id === 'input')?.attrs.type;
  const srtInput = type === 'SRT_LISTENER' || type === 'SRT_CALLER' || probe.srt !== undefined;
  if (!srtInput && !found.some((f) => f.id === 'srt-passphrase')) return {};
  return { srt: { ...SRT_DEFAULTS, ...probe.srt, passphrase: 'generated' } };
}

function listing(nodes: readonly ResourceNode<AwsContext>[], found: readonly FoundResource[]): string {
  const describe = new Map(nodes.map((n) => [n.id, n.describe]));
  return found.map((f) => `  ${describe.get(f.id) ?? f.id}: ${f.name}${f.physicalId !== f.name ? ` (${f.physicalId})` : ''}${f.status ? `, ${f.status}` : ''}`).join('\n');
}

/** A running channel (or an input or group in use) first: it is the one billing, and the one a user means. */
function preferLive(found: FoundResource[]): FoundResource[] {
  const rank = (f: FoundResource) => (f.status === 'RUNNING' ? 0 : ['STARTING', 'RECOVERING', 'ATTACHED', 'IN_USE'].includes(f.status ?? '') ? 1 : 2);
  return [...found].sort((a, b) => rank(a) - rank(b));
}

function warnExtra(run: RunContext, ctx: AwsContext, node: ResourceNode<AwsContext>, extra: FoundResource[]): void {
  run.host.notify({
    level: 'warn',
    code: 'EXTRA_RESOURCES_FOUND',
    message: `${node.describe}: AWS also has ${extra.map((f) => `${f.physicalId}${f.status ? ` (${f.status})` : ''}`).join(', ')} with the stack's name and tag, left over from an earlier run. After this command, run "livestream down --target aws --region ${ctx.names.region} --stack ${ctx.names.stack}" again to remove ${extra.length > 1 ? 'them' : 'it'}.`,
    details: { id: node.id, physicalIds: extra.map((f) => f.physicalId) },
  });
}

function specChanged(spec: AwsStackSpec, why: string): LivestreamError {
  return new LivestreamError('STACK_SPEC_CHANGED', `Stack "${spec.stack}" already exists with a different spec: ${why}. Nothing was created.`, {
    hint: `Run "livestream down --target aws --region ${spec.aws.region} --stack ${spec.stack}" first to remove it, or choose another --stack name.`,
  });
}
