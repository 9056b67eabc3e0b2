/**
 * Find a stack's resources in AWS without its state file (the laptop that ran `up` is lost):
 * each by its deterministic name (build/names.ts) and, where the service tags, by the
 * `livestream:stack` tag too. Read-only. `up` adopts what it finds, `status` lists it and `down`
 * records it and removes it.
 *
 * What proves a resource is the stack's, per kind (README "Only what is ours"):
 * - IAM role, SSM parameter, Secrets Manager secret, MediaLive channel and input, CloudFront distribution: name (the
 *   distribution's comment) AND the tag, which the create call itself sets.
 * - MediaLive input security group: the tag (groups have no name).
 * - S3 buckets: the name, which holds the account id and region, owned by this account
 *   (ExpectedBucketOwner); the tag is set in a call after CreateBucket, so a bucket without it
 *   counts as an interrupted create, but a bucket tagged for another stack is not ours.
 * - CloudFront cache policies, origin access control and the player function, CloudWatch dashboard:
 *   the name (unique in the account; these are not tagged).
 * - MediaStore container: the name, looked for only with --endpoint-url or a MediaStore stack
 *   (AWS ended MediaStore).
 * - EventBridge Scheduler group: name AND tag; the stop schedule (schedules take no tags): its
 *   name inside that group.
 */
import { GetDashboardCommand } from '@aws-sdk/client-cloudwatch';
import { GetRoleCommand } from '@aws-sdk/client-iam';
import { paginateListInputSecurityGroups } from '@aws-sdk/client-medialive';
import { DescribeContainerCommand } from '@aws-sdk/client-mediastore';
import { GetBucketTaggingCommand, HeadBucketCommand } from '@aws-sdk/client-s3';
import { GetScheduleCommand } from '@aws-sdk/client-scheduler';
import { GetParameterCommand, ListTagsForResourceCommand } from '@aws-sdk/client-ssm';
import type { AttrValue } from '../../core/state.js';
import type { LivestreamError } from '../../core/errors.js';
import { isNotFound, toLivestreamError } from './requests/errors.js';
import { failedAction } from './clients.js';
import { TAG_KEY, type ResourceNames } from './requests/names.js';
import type { AwsContext } from './context.js';
import { findCachePolicyByName } from './resources/cache-policy.js';
import { findOurChannels } from './resources/channel.js';
import { findOurDistributions } from './resources/distribution.js';
import { findOurInputs } from './resources/input.js';
import { findOacByName } from './resources/origin-oac.js';
import { findPlayerFunction } from './resources/player-function.js';
import { readScheduleGroup } from './resources/schedule-group.js';
import { findOurSecret } from './resources/srt-passphrase.js';

/** One resource of the stack found in AWS, in the shape of the state record `up` would have made. */
export interface FoundResource {
  /** The graph node it belongs to: 'role', 'channel', ... */
  id: string;
  name: string;
  physicalId: string;
  attrs: Record<string, AttrValue>;
  /** The provider's status where it has one (RUNNING, Deployed...). */
  status?: string;
}

type Finder = (ctx: AwsContext) => Promise<FoundResource[]>;

/** Every finder, by graph node id. The origin is looked for as a bucket and, with an emulator, as a container. */
const FINDERS: Array<[string, Finder]> = [
  ['role', (ctx) => findRole(ctx, 'role', ctx.names.roleName)],
  ['stop-schedule-role', (ctx) => findRole(ctx, 'stop-schedule-role', ctx.names.schedulerRoleName)],
  ['stop-schedule-group', findScheduleGroup],
  ['stop-schedule', findStopSchedule],
  ['source-password', findParameter],
  ['srt-passphrase', findSecret],
  ['input-security-group', findSecurityGroups],
  ['input', findInputs],
  ['channel', findChannels],
  ['origin', (ctx) => findBucket(ctx, 'origin', ctx.names.originBucket, ctx.names.region)],
  ['origin', findContainer],
  // In us-east-1 for a stack in an opt-in region (CloudFront delivers no logs there); an older
  // livestream made it in the stack's own region, so it is looked for there too.
  ['logs-bucket', findLogsBucket],
  ['recordings-bucket', (ctx) => findBucket(ctx, 'recordings-bucket', ctx.names.recordingsBucket, ctx.names.region)],
  ['origin-oac', (ctx) => byName('origin-oac', ctx.names.oacName, () => findOacByName(ctx, ctx.names.oacName))],
  ['cache-policy-playlists', (ctx) => byName('cache-policy-playlists', ctx.names.cachePolicyNames.playlists, () => findCachePolicyByName(ctx, ctx.names.cachePolicyNames.playlists))],
  ['cache-policy-segments', (ctx) => byName('cache-policy-segments', ctx.names.cachePolicyNames.segments, () => findCachePolicyByName(ctx, ctx.names.cachePolicyNames.segments))],
  ['player-function', findFunction],
  ['distribution', findDistributions],
  ['dashboard', findDashboard],
];

export interface Discovery {
  found: FoundResource[];
  /** Kinds that could not be looked for (access denied...): nothing can be said of them. */
  unreadable: Array<{ id: string; error: LivestreamError }>;
}

/**
 * Everything of the stack that exists now, every match of a kind included (an earlier livestream
 * could make a second channel of the same stack). `only` limits the search to those node ids. A
 * kind that cannot be read is reported as such, never taken for absent.
 */
export async function discoverStack(ctx: AwsContext, only?: ReadonlySet<string>): Promise<Discovery> {
  const result: Discovery = { found: [], unreadable: [] };
  await Promise.all(
    FINDERS.filter(([id]) => !only || only.has(id)).map(async ([id, find]) => {
      try {
        result.found.push(...(await find(ctx)));
      } catch (err) {
        result.unreadable.push({ id, error: toLivestreamError(err, { action: failedAction(err) ?? 'read', resource: `the stack's ${id}` }) });
      }
    }),
  );
  return result;
}

/** The tag proves a tagged resource is this stack's (a MediaLive Tags map or an AWS TagList). */
export function hasStackTag(names: ResourceNames, tags: Record<string, string> | Array<{ Key?: string; Value?: string }> | undefined): boolean {
  if (!tags) return false;
  if (Array.isArray(tags)) return tags.some((t) => t.Key === TAG_KEY && t.Value === names.stack);
  return tags[TAG_KEY] === names.stack;
}

async function findRole(ctx: AwsContext, id: string, name: string): Promise<FoundResource[]> {
  const role = await orUndefined(async () => (await ctx.clients.iam.send(new GetRoleCommand({ RoleName: name }))).Role);
  if (!role?.Arn || !hasStackTag(ctx.names, role.Tags)) return [];
  return [{ id, name, physicalId: role.Arn, attrs: {} }];
}

async function findScheduleGroup(ctx: AwsContext): Promise<FoundResource[]> {
  const name = ctx.names.scheduleGroupName;
  const g = await readScheduleGroup(ctx, name);
  if (!g || g.state === 'DELETING' || !hasStackTag(ctx.names, g.tags)) return [];
  return [{ id: 'stop-schedule-group', name, physicalId: name, attrs: { arn: g.arn }, status: g.state }];
}

async function findStopSchedule(ctx: AwsContext): Promise<FoundResource[]> {
  // Only inside the stack's own group: the group's tag is what makes the schedule the stack's.
  if ((await findScheduleGroup(ctx)).length === 0) return [];
  const { scheduleName: name, scheduleGroupName: group } = ctx.names;
  const s = await orUndefined(() => ctx.clients.scheduler.send(new GetScheduleCommand({ Name: name, GroupName: group })));
  return s ? [{ id: 'stop-schedule', name, physicalId: name, attrs: { arn: s.Arn ?? '' }, ...(s.State ? { status: s.State } : {}) }] : [];
}

async function findParameter(ctx: AwsContext): Promise<FoundResource[]> {
  const name = ctx.names.parameterName;
  // WithDecryption false: finding the parameter never reads the secret.
  const p = await orUndefined(async () => (await ctx.clients.ssm.send(new GetParameterCommand({ Name: name, WithDecryption: false }))).Parameter);
  if (!p) return [];
  const tags = await ctx.clients.ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: name }));
  return hasStackTag(ctx.names, tags.TagList) ? [{ id: 'source-password', name, physicalId: name, attrs: {} }] : [];
}

async function findSecret(ctx: AwsContext): Promise<FoundResource[]> {
  // DescribeSecret never returns the value.
  const s = await findOurSecret(ctx);
  return s ? [{ id: 'srt-passphrase', name: s.name, physicalId: s.arn, attrs: {} }] : [];
}

async function findSecurityGroups(ctx: AwsContext): Promise<FoundResource[]> {
  const found: FoundResource[] = [];
  for await (const page of paginateListInputSecurityGroups({ client: ctx.clients.medialive }, {})) {
    for (const g of page.InputSecurityGroups ?? []) {
      if (!g.Id || g.State === 'DELETED' || !hasStackTag(ctx.names, g.Tags)) continue;
      const cidrs = (g.WhitelistRules ?? []).map((r) => r.Cidr).filter((c): c is string => Boolean(c));
      found.push({ id: 'input-security-group', name: `${ctx.names.stack}-input-sg`, physicalId: g.Id, attrs: { arn: g.Arn ?? '', cidrs }, ...(g.State ? { status: g.State } : {}) });
    }
  }
  return found;
}

async function findInputs(ctx: AwsContext): Promise<FoundResource[]> {
  return (await findOurInputs(ctx)).map((i) => ({
    id: 'input',
    name: ctx.names.inputName,
    physicalId: i.Id!,
    // The same attributes `up` records: push inputs print their endpoints from them.
    attrs: {
      arn: i.Arn ?? '',
      type: i.Type ?? '',
      endpoints: (i.Destinations ?? []).map((d) => d.Url).filter((u): u is string => Boolean(u)),
      ...(i.SrtSettings?.SrtListenerSettings?.StreamId ? { streamId: i.SrtSettings.SrtListenerSettings.StreamId } : {}),
    },
    ...(i.State ? { status: i.State } : {}),
  }));
}

async function findChannels(ctx: AwsContext): Promise<FoundResource[]> {
  return (await findOurChannels(ctx)).map((c) => ({ id: 'channel', name: ctx.names.channelName, physicalId: c.Id!, attrs: { arn: c.Arn ?? '' }, ...(c.State ? { status: c.State } : {}) }));
}

async function findLogsBucket(ctx: AwsContext): Promise<FoundResource[]> {
  const { logsBucket, logsBucketRegion, region } = ctx.names;
  try {
    return await findBucket(ctx, 'logs-bucket', logsBucket, logsBucketRegion);
  } catch (err) {
    // S3 answers 301 PermanentRedirect for a bucket that exists in another region.
    if (logsBucketRegion === region || httpStatus(err) !== 301) throw err;
    return findBucket(ctx, 'logs-bucket', logsBucket, region);
  }
}

async function findBucket(ctx: AwsContext, id: string, bucket: string, region: string): Promise<FoundResource[]> {
  const s3 = ctx.clients.s3In(region);
  const owner = ctx.names.accountId;
  try {
    // A bucket of this name in another account answers 403 here, as does a denied s3:ListBucket:
    // either way it cannot be called ours, nor absent, so the 403 is reported.
    await s3.send(new HeadBucketCommand({ Bucket: bucket, ExpectedBucketOwner: owner }));
  } catch (err) {
    if (isNotFound(err) || httpStatus(err) === 404) return [];
    throw err;
  }
  const tags = await orUndefined(async () => (await s3.send(new GetBucketTaggingCommand({ Bucket: bucket, ExpectedBucketOwner: owner }))).TagSet, ['NoSuchTagSet']);
  const otherStack = tags?.some((t) => t.Key === TAG_KEY && t.Value !== ctx.names.stack);
  return otherStack ? [] : [{ id, name: bucket, physicalId: bucket, attrs: { region } }];
}

async function findContainer(ctx: AwsContext): Promise<FoundResource[]> {
  // AWS ended MediaStore on 2025-11-13: only an emulator, or a stack recorded with it, has one.
  if (!ctx.spec.aws.endpointUrl && ctx.spec.aws.origin !== 'mediastore') return [];
  const name = ctx.names.containerName;
  const c = await orUndefined(async () => (await ctx.clients.mediastore.send(new DescribeContainerCommand({ ContainerName: name }))).Container, ['ContainerNotFoundException']);
  if (!c) return [];
  return [{ id: 'origin', name, physicalId: name, attrs: { endpoint: c.Endpoint ?? '', arn: c.ARN ?? '' }, ...(c.Status ? { status: c.Status } : {}) }];
}

async function findDistributions(ctx: AwsContext): Promise<FoundResource[]> {
  return (await findOurDistributions(ctx)).map((d) => ({
    id: 'distribution',
    name: ctx.names.distributionComment,
    physicalId: d.Id!,
    attrs: { domainName: d.DomainName ?? '', arn: d.ARN ?? '' },
    ...(d.Status ? { status: d.Status } : {}),
  }));
}

async function findFunction(ctx: AwsContext): Promise<FoundResource[]> {
  const f = await findPlayerFunction(ctx);
  return f ? [{ id: 'player-function', name: f.name, physicalId: f.name, attrs: { arn: f.arn }, ...(f.status ? { status: f.status } : {}) }] : [];
}

async function findDashboard(ctx: AwsContext): Promise<FoundResource[]> {
  const name = ctx.names.dashboardName;
  const got = await orUndefined(() => ctx.clients.cloudwatch.send(new GetDashboardCommand({ DashboardName: name })));
  return got ? [{ id: 'dashboard', name, physicalId: name, attrs: {} }] : [];
}

async function byName(id: string, name: string, find: () => Promise<string | undefined>): Promise<FoundResource[]> {
  const physicalId = await find();
  return physicalId ? [{ id, name, physicalId, attrs: {} }] : [];
}

/** The answer, or undefined when AWS says the thing does not exist. */
async function orUndefined<T>(fn: () => Promise<T>, notFoundNames: string[] = []): Promise<T | undefined> {
  try {
    return await fn();
  } catch (err) {
    if (isNotFound(err) || notFoundNames.includes((err as Error).name)) return undefined;
    throw err;
  }
}

function httpStatus(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}
