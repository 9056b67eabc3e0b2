/**
 * A state file is a local file anyone may edit: before `down` touches anything, each record must
 * be the stack's. First by its names alone (pure: a name or id that is not the deterministic one,
 * `victim-prod-data` or `../evil-medialive-access`, is refused before any call), then in AWS: the
 * resource must be among those the stack's names and tag find (discover.ts says what proves it,
 * per kind). A refused record is dropped from the state and nothing of it is touched; the stack's
 * own resource of that kind, when AWS has one, takes its place.
 */
import { LivestreamError } from '../../core/errors.js';
import type { ResourceNode } from '../../core/graph.js';
import { validateSpec, type AwsStackSpec } from '../../core/spec.js';
import type { ResourceRecord, StackState, StateStore } from '../../core/state.js';
import type { Host } from '../../core/host.js';
import type { ResourceNames } from './requests/names.js';
import type { AwsContext } from './context.js';
import { discoverStack, type FoundResource } from './discover.js';
import { findOurChannels, readChannelState } from './resources/channel.js';

export interface Refusal {
  id: string;
  name: string;
  physicalId: string;
  reason: string;
}

/**
 * The stack, region and account the names derive from must be valid and the file's own: a state
 * whose stack is "../evil" would derive every name from it.
 */
export function assertStackIdentity(state: StackState, stack: string, file: string): void {
  // Read as the file may be: any of it may be missing.
  const spec = state.spec as Partial<AwsStackSpec> | undefined;
  const problems = validateSpec({ stack: spec?.stack, target: 'aws', region: spec?.aws?.region }, { existing: true }).problems.filter((p) => p.path === 'stack' || p.path === 'region');
  const account = state.runtime?.accountId;
  const wrong = [
    ...problems.map((p) => `${p.path}: ${p.message}`),
    ...(state.stack !== stack || spec?.stack !== stack ? [`it names stack "${spec?.stack ?? state.stack}", but it is the file of stack "${stack}"`] : []),
    ...(account !== undefined && !/^[0-9]{12}$/.test(String(account)) ? [`runtime.accountId "${String(account)}" is not a 12-digit AWS account id`] : []),
  ];
  if (wrong.length > 0) {
    throw new LivestreamError('STATE_CORRUPT', `The state file ${file} cannot be trusted: ${wrong.join('; ')}. Nothing was changed in AWS.`, {
      hint: `Restore the file, or move it aside and run "livestream down --target aws --region <region> --stack ${stack}" to find the stack in AWS by its names and tag.`,
    });
  }
}

/** Pure: why a record is not the stack's by its names, or undefined when they are the deterministic ones. */
export function nameMismatch(node: Pick<ResourceNode<unknown>, 'id' | 'name'>, rec: ResourceRecord, names: ResourceNames): string | undefined {
  if (rec.name !== node.name) return `its name is "${rec.name}", not the stack's "${node.name}"`;
  if (!rec.physicalId) return undefined;
  const want = expectedPhysicalId(node, names);
  const fits = typeof want === 'string' ? rec.physicalId === want : want.test(rec.physicalId);
  return fits ? undefined : `its id "${rec.physicalId}" is not ${typeof want === 'string' ? `the stack's "${want}"` : `an id of this kind (${want.source})`}`;
}

function expectedPhysicalId(node: Pick<ResourceNode<unknown>, 'id' | 'name'>, names: ResourceNames): string | RegExp {
  switch (node.id) {
    case 'role':
    case 'stop-schedule-role':
      return `arn:aws:iam::${names.accountId}:role/${node.name}`;
    case 'input-security-group':
    case 'input':
    case 'channel':
      return /^[0-9]{1,20}$/;
    case 'origin-oac':
    case 'distribution':
      return /^[A-Z0-9]{1,32}$/;
    case 'cache-policy-playlists':
    case 'cache-policy-segments':
      return /^[A-Za-z0-9-]{1,64}$/;
    case 'origin-policy':
      return node.name.replace(/\/policy$/, '');
    case 'srt-passphrase':
      // Secrets Manager appends "-" and six random characters to the name in the ARN.
      return new RegExp(`^arn:aws:secretsmanager:${names.region}:${names.accountId}:secret:${escapeRegExp(names.srtSecretName)}-[A-Za-z0-9]{6}$`);
    default:
      // Named resources: the physical id is the name (parameter, buckets, container, player, dashboard).
      return node.name;
  }
}

/** Records whose resource lives inside another record's (the origin's policy and player files). */
const INSIDE: Record<string, string> = { 'origin-policy': 'origin', player: 'origin' };

export interface Screening {
  /** Not the stack's: dropped from the state, untouched. */
  refused: Refusal[];
  /** Could not be checked (a read was denied): set aside, untouched, and put back by `restoreUnverified`. */
  unverified: Array<Refusal & { record: ResourceRecord }>;
}

/**
 * Check every record of the state against the stack's names, then against what AWS shows with
 * the stack's names and tag. Changes nothing: `refuseForeign` and `assertRecordsOurs` act on it.
 */
async function screenRecords(ctx: AwsContext, state: StackState, nodes: readonly ResourceNode<AwsContext>[]): Promise<Screening & { found: FoundResource[] }> {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const refusals: Refusal[] = [];
  const unverified: Screening['unverified'] = [];
  const judged = (id: string) => refusals.some((x) => x.id === id) || unverified.some((x) => x.id === id);
  const refuse = (rec: ResourceRecord, reason: string) => refusals.push({ id: rec.id, name: rec.name, physicalId: rec.physicalId, reason });
  const setAside = (rec: ResourceRecord, reason: string) => unverified.push({ id: rec.id, name: rec.name, physicalId: rec.physicalId, reason, record: rec });
  const records = Object.values(state.resources).filter((r) => byId.has(r.id));
  for (const rec of records) {
    const why = nameMismatch(byId.get(rec.id)!, rec, ctx.names);
    if (why) refuse(rec, why);
  }
  // In AWS: what the names and tag find must include the recorded id.
  const live = records.filter((r) => r.physicalId && !INSIDE[r.id] && !judged(r.id));
  // Also looked for: the stack's own resource of each kind refused by name, to take its place.
  const { found, unreadable } = await discoverStack(ctx, new Set([...live, ...records.filter((r) => judged(r.id))].map((r) => r.id)));
  for (const rec of live) {
    const failed = unreadable.find((u) => u.id === rec.id);
    if (failed) setAside(rec, `it could not be checked to be the stack's: ${failed.error.message}`);
    else if (!found.some((f) => f.id === rec.id && f.physicalId === rec.physicalId)) {
      // Not among the stack's: gone (deleted out of band, nothing to touch) or someone else's.
      const node = byId.get(rec.id)!;
      const seen = await node.read(ctx, rec).catch((err: Error) => ({ exists: true, error: err }));
      if ('error' in seen) setAside(rec, `it could not be checked to be the stack's: ${seen.error.message}`);
      else if (seen.exists) refuse(rec, `AWS has a ${node.describe} "${rec.physicalId}", but not with the names and tag of stack "${ctx.names.stack}"`);
    }
  }
  for (const rec of records) {
    const outer = INSIDE[rec.id];
    if (!outer || judged(rec.id)) continue;
    const where = state.resources[outer]?.physicalId || state.resources[outer]?.name;
    if (refusals.some((x) => x.id === outer)) refuse(rec, `it lives in ${where}, which is not the stack's`);
    else if (unverified.some((x) => x.id === outer)) setAside(rec, `it lives in ${where}, which could not be checked`);
  }
  return { refused: refusals, unverified, found };
}

/**
 * Before `down` acts. What is not the stack's is dropped (the host is told, naming it) and the
 * stack's own resource of that kind, when AWS has one, takes its place. What cannot be checked is
 * set aside for this run and stays in the state, so a later `down`, with the permission granted,
 * finishes the job.
 */
export async function refuseForeign(ctx: AwsContext, state: StackState, store: StateStore, host: Host, nodes: readonly ResourceNode<AwsContext>[]): Promise<Screening> {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const { refused, unverified, found } = await screenRecords(ctx, state, nodes);
  for (const r of refused) {
    const node = byId.get(r.id)!;
    host.notify({
      level: 'warn',
      code: 'RESOURCE_NOT_OURS',
      message: `Refused to touch ${node.describe} ${r.physicalId || r.name}: ${r.reason}. The state file named it, but it is not stack "${ctx.names.stack}"'s; nothing of it was changed and the record was dropped.`,
      details: { id: r.id, name: r.name, physicalId: r.physicalId, reason: r.reason },
    });
    await replaceRecord(store, node, r, found.filter((f) => f.id === r.id && f.name === node.name));
  }
  for (const u of unverified) {
    host.notify({
      level: 'warn',
      code: 'RESOURCE_UNVERIFIED',
      message: `Left ${byId.get(u.id)!.describe} ${u.physicalId || u.name} untouched: ${u.reason}. It stays in the state file; run "livestream down" again once the permission is granted.`,
      details: { id: u.id, name: u.name, physicalId: u.physicalId, reason: u.reason },
    });
    await store.removeResource(u.id);
  }
  return { refused, unverified };
}

/**
 * Before `up` resumes a recorded stack: it would attach, write into or start what the records
 * name, so a record that is not the stack's (or cannot be checked) stops it before any change.
 */
export async function assertRecordsOurs(ctx: AwsContext, state: StackState, file: string, nodes: readonly ResourceNode<AwsContext>[]): Promise<void> {
  if (Object.keys(state.resources).length === 0) return;
  const { refused, unverified } = await screenRecords(ctx, state, nodes);
  const wrong = [...refused, ...unverified];
  if (wrong.length === 0) return;
  throw new LivestreamError('STATE_CORRUPT', `The state file ${file} names what is not stack "${ctx.names.stack}"'s, so "up" changed nothing:\n${wrong.map((w) => `  - ${w.id} ${w.physicalId || w.name}: ${w.reason}`).join('\n')}`, {
    hint: `Restore the file, or move it aside: "livestream up" then adopts what AWS has with the stack's names and tag.`,
    details: { resources: wrong.map(({ id, name, physicalId, reason }) => ({ id, name, physicalId, reason })) },
  });
}

/** After `down`: what could not be checked goes back into the state, and counts as not deleted. */
export async function restoreUnverified(store: StateStore, screening: Screening): Promise<Array<{ id: string; name: string; message: string }>> {
  for (const u of screening.unverified) await store.putResource(u.record);
  return screening.unverified.map((u) => ({ id: u.id, name: u.name, message: `not touched: ${u.reason}` }));
}

async function replaceRecord(store: StateStore, node: ResourceNode<AwsContext>, refused: Refusal, ours: FoundResource[]): Promise<void> {
  const mine = ours.find((f) => f.physicalId !== refused.physicalId);
  if (!mine) {
    await store.removeResource(node.id);
    return;
  }
  await store.putResource({ id: node.id, kind: node.kind, name: mine.name, physicalId: mine.physicalId, status: 'ready', attrs: mine.attrs });
}

/**
 * `start` and `stop` act on the recorded channel only when it is the stack's: stopping another
 * stack's channel would take its event off the air. A channel that no longer exists is left to
 * the caller, which says so.
 */
export async function assertOurChannel(ctx: AwsContext, channelId: string): Promise<void> {
  const valid = /^[0-9]{1,20}$/.test(channelId);
  // A denied ListChannels fails here, naming the action: unverified, the channel is not touched.
  if (valid && (await findOurChannels(ctx)).some((c) => c.Id === channelId)) return;
  if (valid && ['MISSING', 'DELETED'].includes(await readChannelState(ctx, channelId))) return;
  throw new LivestreamError('STATE_CORRUPT', `The state file names MediaLive channel "${channelId}", which is not stack "${ctx.names.stack}"'s (no channel of that id has its name ${ctx.names.channelName} and tag); it was not touched.`, {
    hint: `Check the state file; "livestream status --target aws --region ${ctx.names.region} --stack ${ctx.names.stack}" with the file moved aside shows what AWS has of the stack.`,
  });
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
