/**
 * The AWS target: the resource graph applied with the core engine, plus the channel's
 * start/stop, status read live from AWS, and teardown that keeps the logs bucket.
 */
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { LivestreamError } from '../../core/errors.js';
import { applyDown, applyUp, orderLevels, type ResourceNode } from '../../core/graph.js';
import type { Ladder } from '../../core/ladder.js';
import type { StackSpec } from '../../core/spec.js';
import type { StackState } from '../../core/state.js';
import type {
  ChannelState,
  CostEstimate,
  DownOptions,
  DownReport,
  PlannedResource,
  ResourceStatus,
  RunContext,
  StackOutputs,
  StackStatus,
  TargetDriver,
} from '../../core/target.js';
import { toLivestreamError } from './build/errors.js';
import { resourceNames, type ResourceNames } from './build/names.js';
import { estimateChannelCost, OTHER_COSTS } from './build/pricing.js';
import { createClients, failedAction, type AwsClients, type ClientOptions } from './clients.js';
import { DEFAULT_TIMINGS, type AwsContext, type AwsTimings, type PlayerAsset } from './context.js';
import { buildOutputs } from './outputs.js';
import { readChannelState, startChannel, stopChannel, waitForChannel } from './resources/channel.js';
import { buildAwsGraph } from './resources/index.js';
import { assertOurChannel, assertRecordsOurs, assertStackIdentity, refuseForeign, restoreUnverified } from './ownership.js';
import { adoptUnrecorded, recoverUnrecorded, statusUnrecorded } from './unrecorded.js';

export interface AwsDriverOptions {
  createClients?: (o: ClientOptions) => AwsClients;
  timings?: Partial<AwsTimings>;
  playerAssets?: () => Promise<PlayerAsset[]>;
}

/** Plan-time stand-in for the account id, which only STS knows. */
export const ACCOUNT_PLACEHOLDER = 'ACCOUNT';

const CHANNEL_STATES: ChannelState[] = ['CREATING', 'IDLE', 'STARTING', 'RUNNING', 'STOPPING', 'RECOVERING', 'DELETED', 'MISSING'];

export function createAwsDriver(opts: AwsDriverOptions = {}): TargetDriver {
  const makeClients = opts.createClients ?? createClients;
  const timings: AwsTimings = { ...DEFAULT_TIMINGS, ...opts.timings };
  const loadPlayerAssets = opts.playerAssets ?? (async () => (await import('../local/web/web-handler.js')).playerAssets());

  function awsOf(spec: StackSpec) {
    if (!spec.aws) throw new LivestreamError('INTERNAL', 'The AWS target needs spec.aws (region, origin).');
    return spec.aws;
  }

  function contextFor(run: RunContext, spec: StackSpec, ladder: Ladder, accountId: string): AwsContext {
    const aws = awsOf(spec);
    return {
      clients: makeClients({ region: aws.region, profile: aws.awsProfile, endpointUrl: aws.endpointUrl }),
      names: resourceNames(spec.stack, aws.region, accountId),
      spec,
      ladder,
      secrets: run.secrets,
      host: run.host,
      timings,
      now: run.now,
      playerAssets: loadPlayerAssets,
    };
  }

  async function accountIdOf(ctx: AwsContext): Promise<string> {
    try {
      const who = await ctx.clients.sts.send(new GetCallerIdentityCommand({}));
      if (!who.Account) throw new Error('STS returned no account id');
      return who.Account;
    } catch (err) {
      throw toLivestreamError(err, { action: 'sts:GetCallerIdentity', resource: 'your AWS identity' });
    }
  }

  /** Load the stack's state, or undefined when there is none. */
  async function stateOf(run: RunContext): Promise<StackState | undefined> {
    return run.store.get() ?? (await run.store.load());
  }

  /** A stack with no state file (issue 8.14): its names need the account, which only STS knows. */
  async function unrecordedContext(run: RunContext): Promise<AwsContext> {
    const probe = contextFor(run, run.spec, run.ladder, ACCOUNT_PLACEHOLDER);
    return { ...probe, names: resourceNames(run.spec.stack, awsOf(run.spec).region, await accountIdOf(probe)) };
  }

  async function recordedContext(run: RunContext, state: StackState): Promise<AwsContext> {
    const known = state.runtime.accountId;
    if (typeof known === 'string' && known) return contextFor(run, state.spec, state.ladder, known);
    const ctx = contextFor(run, state.spec, state.ladder, ACCOUNT_PLACEHOLDER);
    const accountId = await accountIdOf(ctx);
    await run.store.update((s) => void (s.runtime.accountId = accountId));
    return { ...ctx, names: resourceNames(state.spec.stack, awsOf(state.spec).region, accountId) };
  }

  function graphOf(spec: StackSpec, names: ResourceNames): ResourceNode<AwsContext>[] {
    return buildAwsGraph(spec, names).map(mapErrors);
  }

  async function writeOutputs(run: RunContext, ctx: AwsContext): Promise<StackOutputs> {
    const state = run.store.require();
    const outputs = buildOutputs(ctx.names, state.resources, awsOf(state.spec).origin);
    await run.store.update((s) => {
      s.outputs = Object.fromEntries(Object.entries(outputs).filter((e): e is [string, string] => typeof e[1] === 'string'));
    });
    return outputs;
  }

  async function ensureRunning(run: RunContext, ctx: AwsContext, channelId: string): Promise<void> {
    const state = await readChannelState(ctx, channelId).catch((err) => rethrow(err, 'MediaLive channel'));
    if (state === 'RUNNING') {
      run.host.notify({ level: 'info', code: 'CHANNEL_ALREADY_RUNNING', message: `Channel ${channelId} is already RUNNING.` });
      await run.store.markChannel(true);
      return;
    }
    if (state === 'MISSING' || state === 'DELETED') throw channelMissing(channelId);
    const progress = run.host.progress('Starting channel... (minutes are normal)');
    try {
      if (state === 'STARTING') await waitForChannel(ctx, channelId, 'RUNNING');
      else await startChannel(ctx, channelId);
      // Billing starts with StartChannel: record it the moment the channel runs.
      await run.store.markChannel(true);
      progress.succeed(`Channel ${channelId} is RUNNING`);
    } catch (err) {
      progress.fail('Channel did not start');
      rethrow(err, 'MediaLive channel');
    }
  }

  function channelIdOf(state: StackState): string {
    const rec = state.resources.channel;
    if (!rec?.physicalId) {
      throw new LivestreamError('CHANNEL_STATE', `Stack "${state.stack}" has no MediaLive channel yet.`, { hint: 'Run "livestream up" to finish creating it.' });
    }
    return rec.physicalId;
  }

  return {
    name: 'aws',

    plan(spec, _ladder): PlannedResource[] {
      const nodes = buildAwsGraph(spec, resourceNames(spec.stack, awsOf(spec).region, ACCOUNT_PLACEHOLDER));
      const byId = new Map(nodes.map((n) => [n.id, n]));
      return orderLevels(nodes).flat().map((id) => {
        const n = byId.get(id)!;
        return { id: n.id, kind: n.kind, name: n.name, describe: n.describe, dependsOn: [...n.dependsOn] };
      });
    },

    estimateCost(spec, ladder): CostEstimate {
      const c = estimateChannelCost(ladder, awsOf(spec).region);
      return {
        perHour: c.perHour,
        currency: c.currency,
        lines: c.lines,
        asOf: c.asOf,
        approximate: c.approximate,
        notes: [
          'MediaLive bills only while the channel runs; the figure above is the channel alone.',
          ...OTHER_COSTS.map((o) => `${o.item}: ${o.price}`),
        ],
      };
    },

    async up(run) {
      const spec = run.spec;
      const probe = contextFor(run, spec, run.ladder, ACCOUNT_PLACEHOLDER);
      const accountId = await accountIdOf(probe);
      const ctx: AwsContext = { ...probe, names: resourceNames(spec.stack, awsOf(spec).region, accountId) };
      const existing = await stateOf(run);
      if (!existing) await run.store.create({ target: 'aws', spec, ladder: run.ladder });
      const known = run.store.require().runtime.accountId;
      if (typeof known === 'string' && known && known !== accountId) {
        throw new LivestreamError('STACK_SPEC_CHANGED', `Stack "${spec.stack}" was created in AWS account ${known}, but your credentials are for account ${accountId}.`, {
          hint: 'Use the profile of the account that owns the stack (--aws-profile), or another --stack name.',
        });
      }
      await run.store.update((s) => void (s.runtime.accountId = accountId));
      // What the state records must be the stack's; what AWS has of it that the state does not (a
      // lost state file) is adopted, not made twice.
      assertStackIdentity(run.store.require(), run.store.stack, run.store.file);
      await assertRecordsOurs(ctx, run.store.require(), run.store.file, graphOf(spec, ctx.names));
      await adoptUnrecorded(ctx, run, graphOf(spec, ctx.names));
      await applyUp(graphOf(spec, ctx.names), ctx, run.store, run.host);
      if (spec.start) await ensureRunning(run, ctx, channelIdOf(run.store.require()));
      return writeOutputs(run, ctx);
    },

    async start(run) {
      const state = (await stateOf(run)) ?? run.store.require();
      const ctx = await recordedContext(run, state);
      await assertOurChannel(ctx, channelIdOf(state));
      await ensureRunning(run, ctx, channelIdOf(state));
    },

    async stop(run) {
      const state = (await stateOf(run)) ?? run.store.require();
      const ctx = await recordedContext(run, state);
      const id = channelIdOf(state);
      await assertOurChannel(ctx, id);
      const now = await readChannelState(ctx, id).catch((err) => rethrow(err, 'MediaLive channel'));
      if (now === 'IDLE') {
        run.host.notify({ level: 'info', code: 'CHANNEL_ALREADY_STOPPED', message: `Channel ${id} is already stopped (IDLE).` });
        await run.store.markChannel(false);
        return;
      }
      if (now === 'MISSING' || now === 'DELETED') throw channelMissing(id);
      const progress = run.host.progress('Stopping channel...');
      try {
        await stopChannel(ctx, id);
        await run.store.markChannel(false);
        progress.succeed(`Channel ${id} is stopped (IDLE)`);
      } catch (err) {
        progress.fail('Channel did not stop');
        rethrow(err, 'MediaLive channel');
      }
    },

    async status(run): Promise<StackStatus> {
      const state = await stateOf(run);
      if (!state) return statusUnrecorded(await unrecordedContext(run));
      const ctx = await recordedContext(run, state);
      const nodes = graphOf(state.spec, ctx.names);
      const byId = new Map(nodes.map((n) => [n.id, n]));
      const resources: ResourceStatus[] = await Promise.all(
        Object.values(state.resources).map(async (rec) => {
          const base = { id: rec.id, kind: rec.kind, name: rec.name, physicalId: rec.physicalId };
          const node = byId.get(rec.id);
          if (!node) return { ...base, exists: false, status: 'UNKNOWN', detail: 'not part of this livestream version' };
          if (!rec.physicalId) return { ...base, exists: false, status: 'CREATING', detail: 'creation was interrupted; "livestream up" resumes it' };
          try {
            const seen = await node.read(ctx, rec);
            return { ...base, exists: seen.exists, ...(seen.status ? { status: seen.status } : {}), ...(seen.detail ? { detail: seen.detail } : {}), ...(rec.status === 'creating' ? { detail: 'creation was interrupted; "livestream up" resumes it' } : {}) };
          } catch (err) {
            return { ...base, exists: false, status: 'ERROR', detail: err instanceof Error ? err.message : String(err) };
          }
        }),
      );
      const ch = resources.find((r) => r.id === 'channel');
      let channel: StackStatus['channel'];
      if (!ch && state.runtime.tornDown) channel = { state: 'DELETED', detail: 'torn down; the logs bucket is kept ("livestream down --delete-logs" removes it)' };
      else if (!ch) channel = { state: 'MISSING', detail: 'no channel recorded' };
      else if (!ch.exists && ch.status === 'CREATING') channel = { state: 'MISSING', detail: ch.detail };
      else if (!ch.exists && ch.status !== 'ERROR') channel = { state: 'MISSING', detail: `${ch.name} no longer exists in AWS` };
      else if (CHANNEL_STATES.includes(ch.status as ChannelState)) channel = { state: ch.status as ChannelState };
      else channel = { state: 'UNKNOWN', detail: ch.detail ?? ch.status };
      return {
        stack: state.stack,
        target: 'aws',
        channel,
        resources,
        outputs: { ...state.outputs },
        live: { accountId: ctx.names.accountId, region: ctx.names.region },
      };
    },

    async down(run, opts: DownOptions): Promise<DownReport> {
      // No state file: find the stack in AWS by its names and tag, list it, ask, record it.
      const state = (await stateOf(run)) ?? (await recoverUnrecorded(await unrecordedContext(run), run));
      if (!state) {
        run.host.notify({ level: 'info', code: 'NOTHING_TO_DELETE', message: `Stack "${run.spec.stack}" has nothing left to delete (no state, and nothing in AWS with its names and tag).` });
        return { deleted: [], kept: [], failed: [], blocked: [], keptNames: [] };
      }
      // A state file anyone may have edited: only what is the stack's is touched.
      assertStackIdentity(state, run.store.stack, run.store.file);
      const ctx = await recordedContext(run, state);
      const screening = await refuseForeign(ctx, state, run.store, run.host, graphOf(state.spec, ctx.names));
      const channel = state.resources.channel;
      if (channel?.physicalId) {
        const now = await readChannelState(ctx, channel.physicalId).catch(() => 'UNKNOWN');
        if (now === 'RUNNING' || now === 'STARTING' || now === 'RECOVERING' || now === 'STOPPING') {
          const progress = run.host.progress(`Stopping channel ${channel.physicalId}...`);
          try {
            await stopChannel(ctx, channel.physicalId);
            progress.succeed(`Channel ${channel.physicalId} stopped`);
          } catch (err) {
            // The channel's own delete tries again and reports the failure with its name.
            progress.fail(`Channel ${channel.physicalId} did not stop: ${err instanceof Error ? err.message : String(err)}`);
          }
        }
      }
      await run.store.markChannel(false);
      const keep = (rec: { id: string }) => rec.id === 'logs-bucket' && !opts.deleteLogs;
      const result = await applyDown(graphOf(state.spec, ctx.names), ctx, run.store, run.host, { keep });
      result.failed.push(...(await restoreUnverified(run.store, screening)));
      const remaining = Object.values(run.store.require().resources);
      const keptNames = remaining.filter(keep).map((r) => r.name);
      const report: DownReport = { ...result, keptNames, ...(screening.refused.length > 0 ? { refused: screening.refused } : {}) };
      for (const name of keptNames) {
        run.host.notify({ level: 'info', code: 'LOGS_KEPT', message: `Kept the CloudFront logs bucket ${name}; "livestream down --delete-logs" would have removed it.`, details: { name } });
      }
      const archived = await run.store.settleAfterDown(keep);
      if (archived) report.archivedState = archived;
      return report;
    },
  };
}

function channelMissing(id: string): LivestreamError {
  return new LivestreamError('CHANNEL_STATE', `MediaLive channel ${id} no longer exists.`, {
    hint: 'Run "livestream up" to create it again, or "livestream down" to remove the rest.',
  });
}

/** A channel failure outside the graph, named like the graph names its failures. */
function rethrow(err: unknown, resource: string): never {
  const e = toLivestreamError(err, { action: failedAction(err) ?? 'medialive:DescribeChannel', resource });
  throw new LivestreamError(e.code, e.message, { hint: e.hint, details: { resource: 'channel', ...(e.details as object) }, cause: err });
}

/** AWS errors become plain LivestreamErrors naming the action that failed and the resource. */
function mapErrors(node: ResourceNode<AwsContext>): ResourceNode<AwsContext> {
  const map = (err: unknown, verb: string): never => {
    throw toLivestreamError(err, { action: failedAction(err) ?? `${verb} ${node.kind}`, resource: `${node.describe} ${node.name}` });
  };
  return {
    ...node,
    create: async (ctx, run) => {
      // Record the intent before the first call: if the answer is lost (a crash, a timeout after
      // AWS acted), `down` still knows to look for this resource by its deterministic name.
      if (!run.existing) await run.save({ name: node.name, physicalId: '' });
      return node.create(ctx, run).catch((err) => map(err, 'create'));
    },
    read: (ctx, rec) => node.read(ctx, rec).catch((err) => map(err, 'read')),
    delete: (ctx, rec) => node.delete(ctx, rec).catch((err) => map(err, 'delete')),
  };
}
