/**
 * The AWS target, as a description the core lifecycle runs (core/lifecycle.ts): the resource
 * graph, credentials checked once, the channel's start and stop, the channel's state read live
 * from AWS for status, teardown that deletes what bills first and keeps the logs bucket, and a
 * stack with no state file found by its names and tag.
 */
import { describeAwsLatency } from '../../core/latency.js';
import { LivestreamError } from '../../core/errors.js';
import { CLOUDFRONT_NO_LOG_REGIONS } from '../../core/regions.js';
import type { ResourceNode } from '../../core/graph.js';
import type { Ladder } from '../../core/ladder.js';
import { defineTarget, type TargetRun, type TargetState } from '../../core/lifecycle.js';
import type { AwsStackSpec } from '../../core/spec.js';
import { markChannelRun, type StackState } from '../../core/state.js';
import { BILLING_CHANNEL_STATES, type ChannelState, type RunContext, type StackStatus, type StillBilling, type TargetDriver } from '../../core/target.js';
import { toLivestreamError } from './requests/errors.js';
import { needsSrtSecret } from './requests/input.js';
import { assertResourceNames, resourceNames, type ResourceNames } from './requests/names.js';
import { estimateChannelCost, otherCosts, SECRET_PER_MONTH } from './requests/pricing.js';
import { createClients, failedAction, type AwsClients, type ClientOptions } from './clients.js';
import { DEFAULT_TIMINGS, type AwsContext, type AwsLive, type AwsTimings, type PlayerAsset } from './context.js';
import { verifyIdentity } from './identity.js';
import { buildOutputs } from './outputs.js';
import { readChannelState, startChannel, stopChannel, waitForChannel } from './resources/channel.js';
import { buildAwsGraph } from './resources/index.js';
import { assertOurChannel, assertRecordsOurs, assertStackIdentity, refuseForeign, restoreUnverified } from './ownership.js';
import { adoptUnrecorded, recoverUnrecorded, statusUnrecorded } from './unrecorded.js';
import { logsBucketRegionOf } from './resources/logs-bucket.js';
import { readStopFiredAt, setStopSchedule } from './resources/stop-schedule.js';
import { assertExpireDays } from './requests/recording.js';
import { recordedRendition } from '../../core/recording.js';
import { describeLatestRecording, downloadRecordings, listRecordings, type RemuxToMp4 } from './recordings.js';

export interface AwsDriverOptions {
  createClients?: (o: ClientOptions) => AwsClients;
  timings?: Partial<AwsTimings>;
  /** The player page's files, uploaded beside the stream (the CLI passes the local target's page). */
  playerAssets: () => Promise<PlayerAsset[]>;
  /** MPEG-TS to MP4 for `recordings --download` (the CLI passes the local target's ffmpeg remux). */
  remuxToMp4?: RemuxToMp4;
}

/** Plan-time stand-in for the account id, which only STS knows. */
export const ACCOUNT_PLACEHOLDER = 'ACCOUNT';

const CHANNEL_STATES: ChannelState[] = ['CREATING', 'IDLE', 'STARTING', 'RUNNING', 'STOPPING', 'RECOVERING', 'DELETED', 'MISSING'];

/** States in which AWS says the channel does not run: a recorded run has ended. */
const STOPPED_STATES = new Set(['IDLE', 'DELETING', 'DELETED', 'MISSING', 'CREATE_FAILED']);

/**
 * What costs money while it exists, deleted first by `down` whatever else fails: the channel
 * (stopped, then deleted), the input it holds, and the distribution (disabled, then deleted).
 */
const BILLABLE = ['channel', 'input', 'distribution'];
/** Deleted before the channel, ahead of what bills: the stop schedule must not fire into a channel being deleted. */
const FIRST = ['stop-schedule', ...BILLABLE];

type AwsRun = TargetRun<'aws'>;
type AwsState = TargetState<'aws'>;

export function createAwsDriver(opts: AwsDriverOptions): TargetDriver<AwsLive> {
  const makeClients = opts.createClients ?? createClients;
  const timings: AwsTimings = { ...DEFAULT_TIMINGS, ...opts.timings };

  function contextFor(run: AwsRun, spec: AwsStackSpec, ladder: Ladder, accountId: string): AwsContext {
    const { aws } = spec;
    return {
      clients: makeClients({ region: aws.region, profile: aws.awsProfile, endpointUrl: aws.endpointUrl }),
      names: resourceNames(spec.stack, aws.region, accountId),
      spec,
      ladder,
      secrets: run.secrets,
      host: run.host,
      timings,
      now: run.now,
      playerAssets: opts.playerAssets,
    };
  }

  /** Credentials once, before anything: one clear failure instead of one per resource. */
  async function accountIdOf(ctx: AwsContext): Promise<string> {
    return verifyIdentity(ctx.clients, ctx.spec.aws.awsProfile);
  }

  /** A stack with no state file (issue 8.14): its names need the account, which only STS knows. */
  async function unrecordedContext(run: AwsRun): Promise<AwsContext> {
    const probe = contextFor(run, run.spec, run.ladder, ACCOUNT_PLACEHOLDER);
    return { ...probe, names: resourceNames(run.spec.stack, run.spec.aws.region, await accountIdOf(probe)) };
  }

  /** The stack's context after checking the credentials, and that they are for the stack's account. */
  async function recordedContext(run: AwsRun, state: AwsState): Promise<AwsContext> {
    const ctx = contextFor(run, state.spec, state.ladder, ACCOUNT_PLACEHOLDER);
    const accountId = await accountIdOf(ctx);
    const known = state.runtime.accountId;
    if (typeof known === 'string' && known && known !== accountId) throw wrongAccount(state.stack, known, accountId);
    if (known !== accountId) await run.store.update((s) => void (s.runtime.accountId = accountId));
    return { ...ctx, names: resourceNames(state.spec.stack, state.spec.aws.region, accountId) };
  }

  /**
   * Make the recorded runs agree with what AWS says the channel does: a run ends only when AWS
   * says the channel stopped, and a channel found running with no open run (a start that was
   * never recorded: livestream killed right after StartChannel, or a start from the console) opens
   * one from now. MediaLive does not say when a channel started (DescribeChannel has no start
   * time), so that run counts "at least since" the moment it was seen.
   */
  async function reconcileRuns(run: RunContext, channelName: string, observed: string, command: string): Promise<void> {
    const state = run.store.get();
    if (!state) return;
    const open = state.channelRuns.some((r) => !r.end);
    const at = run.now().toISOString();
    if (!open && BILLING_CHANNEL_STATES.has(observed) && observed !== 'STOPPING') {
      run.host.notify({ level: 'warn', code: 'CHANNEL_RUN_FOUND', message: `Channel ${channelName} is ${observed} but its start was never recorded; counting from now (it has run at least since ${at}).`, details: { since: at } });
      await run.store.updateIfFree(command, (s) => markChannelRun(s, true, at, true));
    } else if (open && STOPPED_STATES.has(observed)) {
      await run.store.updateIfFree(command, (s) => markChannelRun(s, false, at));
    }
  }

  async function ensureRunning(run: RunContext, ctx: AwsContext, channelId: string): Promise<void> {
    const state = await readChannelState(ctx, channelId).catch((err) => rethrow(err, 'MediaLive channel'));
    // A run still open while AWS says the channel does not run (stopped by the schedule or the
    // console while no livestream command ran) ended before this start: closed, so this start opens
    // a run of its own and its end (--stop-after) counts from now.
    if (STOPPED_STATES.has(state)) await reconcileRuns(run, channelId, state, 'start');
    if (state === 'RUNNING') {
      run.host.notify({ level: 'info', code: 'CHANNEL_ALREADY_RUNNING', message: `Channel ${channelId} is already RUNNING.` });
      await reconcileRuns(run, channelId, state, 'start');
      return;
    }
    if (state === 'MISSING' || state === 'DELETED') throw channelMissing(channelId);
    const progress = run.host.progress('Starting channel... (minutes are normal)');
    try {
      if (state === 'STARTING') await waitForChannel(ctx, channelId, 'RUNNING');
      else await startChannel(ctx, channelId);
      // Billing starts with StartChannel: record it the moment the channel runs. A start found
      // under way was sent by someone else (or a killed livestream), at a time nobody recorded.
      await run.store.markChannel(true, { observed: state === 'STARTING' });
      progress.succeed(`Channel ${channelId} is RUNNING`);
    } catch (err) {
      progress.fail('Channel did not start');
      rethrow(err, 'MediaLive channel');
    }
  }

  /** The channel as status shows it, from its row (read live) and what the state says. */
  function channelOf(ctx: AwsContext, state: AwsState, ch: StackStatus['resources'][number] | undefined): StackStatus['channel'] {
    if (!ch && state.runtime.tornDown) {
      const kept = [
        ...(state.resources['logs-bucket'] ? [`the logs bucket is kept in ${logsBucketRegionOf(ctx.names, state.resources['logs-bucket'])} ("livestream down --delete-logs" removes it)`] : []),
        ...(state.resources['recordings-bucket'] ? ['the recordings bucket is kept ("livestream recordings" lists it, "livestream down --delete-recordings" removes it)'] : []),
      ];
      return { state: 'DELETED', detail: ['torn down', ...kept].join('; ') };
    }
    if (!ch) return { state: 'MISSING', detail: 'no channel recorded' };
    if (ch.exists === null) return { state: 'UNKNOWN', detail: ch.detail };
    if (!ch.exists && ch.status === 'CREATING') return { state: 'MISSING', detail: ch.detail };
    if (!ch.exists) return { state: 'MISSING', detail: `${ch.name} no longer exists in AWS` };
    if (CHANNEL_STATES.includes(ch.status as ChannelState)) return { state: ch.status as ChannelState };
    return { state: 'UNKNOWN', detail: ch.detail ?? ch.status };
  }

  /**
   * After the deletes: what is left that costs money, read from AWS (never assumed), and the
   * channel's run closed only if AWS says the channel no longer runs. A running channel bills its
   * hourly rate; an idle channel or input a small hourly charge until deleted (FACTS.md); an enabled
   * distribution its viewers' traffic.
   */
  async function whatStillBills(run: AwsRun, ctx: AwsContext, nodes: readonly ResourceNode<AwsContext>[]): Promise<StillBilling[]> {
    const left = run.store.require().resources;
    const out: StillBilling[] = [];
    const ch = left.channel;
    if (!ch) {
      // Deleted (the delete waits for DELETED), or never created.
      await reconcileRuns(run, ctx.names.channelName, 'DELETED', 'down');
    } else {
      let seen: string;
      let why = '';
      try {
        seen = await readChannelState(ctx, ch.physicalId);
      } catch (err) {
        seen = 'UNREADABLE';
        why = toLivestreamError(err, { action: failedAction(err) ?? 'medialive:DescribeChannel', resource: `MediaLive channel ${ch.name}` }).message;
      }
      await reconcileRuns(run, ch.name, seen, 'down');
      const what = `MediaLive channel ${ch.name}${ch.physicalId ? ` (${ch.physicalId})` : ''}`;
      const perHour = `about $${estimateChannelCost(ctx.ladder, ctx.names.region).perHour.toFixed(2)}/hour`;
      const base = { id: 'channel', name: ch.name, physicalId: ch.physicalId, state: seen };
      if (seen === 'STOPPING') out.push({ ...base, cost: 'running', message: `${what} is still STOPPING: it bills until MediaLive says IDLE (${perHour}).` });
      else if (BILLING_CHANNEL_STATES.has(seen)) out.push({ ...base, cost: 'running', message: `${what} is still ${seen} and billing (${perHour}): it was not stopped.` });
      else if (seen === 'UNREADABLE') out.push({ ...base, cost: 'unknown', message: `${what} could not be read (${why}); it may still be RUNNING and billing (${perHour}).` });
      else if (!STOPPED_STATES.has(seen) || seen === 'IDLE') out.push({ ...base, cost: 'idle', message: `${what} still exists (${seen}): not running, but MediaLive charges a small hourly fee for it until it is deleted.` });
    }
    const described = { input: 'MediaLive input', distribution: 'CloudFront distribution', 'srt-passphrase': 'Secrets Manager secret' };
    for (const id of ['input', 'distribution', 'srt-passphrase'] as const) {
      const rec = left[id];
      const node = nodes.find((n) => n.id === id);
      if (!rec || !node) continue;
      const base = { id, name: rec.name, physicalId: rec.physicalId };
      const what = `${described[id]} ${id === 'distribution' ? rec.physicalId || rec.name : rec.name}`;
      try {
        const seen = await node.read(ctx, rec);
        if (!seen.exists) continue;
        if (id === 'input') out.push({ ...base, state: seen.status ?? 'exists', cost: 'idle', message: `${what} still exists: MediaLive charges a small hourly fee for an idle push input until it is deleted.` });
        // A secret scheduled for deletion reads as gone (it no longer bills); one that is not still does.
        else if (id === 'srt-passphrase') out.push({ ...base, state: 'exists', cost: 'idle', message: `${what} still exists, holding the SRT passphrase: $${SECRET_PER_MONTH.toFixed(2)} a month until it is deleted ("livestream down" again deletes it).` });
        else if (seen.detail !== 'disabled') out.push({ ...base, state: 'enabled', cost: 'traffic', message: `${what} is still enabled: it serves viewers and bills their traffic.` });
      } catch (err) {
        out.push({ ...base, state: 'UNREADABLE', cost: 'unknown', message: `${what} could not be read (${(err as Error).message}); it may still exist and bill.` });
      }
    }
    return out;
  }

  /**
   * `up` again with a passphrase on stdin, once the stack has its SRT secret: the secret keeps the
   * passphrase it was made with (MediaLive reads it at each start; the encoder may use it now).
   * livestream never reads a secret's value back, so it cannot tell whether this one differs: it
   * says so rather than ignoring it silently (locally, where it can compare, a different one is refused).
   */
  function warnPassphraseKept(run: AwsRun, ctx: AwsContext): void {
    const secret = run.store.require().resources['srt-passphrase'];
    if (!ctx.secrets.srtPassphrase || run.spec.srt?.passphrase !== 'given' || !secret) return;
    run.host.notify({
      level: 'warn', code: 'SRT_PASSPHRASE_KEPT',
      message: `Stack "${run.spec.stack}" already has its SRT passphrase in Secrets Manager (${secret.name}); the one given now was not applied. If it differs, run "livestream down --stack ${run.spec.stack}" and then up again with it.`,
      details: { secret: secret.name },
    });
  }

  return defineTarget<'aws', AwsContext, AwsLive>({
    name: 'aws',
    check(spec) {
      assertResourceNames(spec.stack, spec.aws.region);
      assertExpireDays(spec.aws.recordingsExpireDays);
    },
    // The plan lists the schedule only when the rule sets an end (its group and role always: `schedule` may set one later).
    planGraph: (spec) => buildAwsGraph(spec, resourceNames(spec.stack, spec.aws.region, ACCOUNT_PLACEHOLDER), spec.stop.kind !== 'none'),

    estimateCost(spec, ladder) {
      const record = recordedRendition(spec, ladder);
      const c = estimateChannelCost(ladder, spec.aws.region, { srtSecret: needsSrtSecret(spec), ...(record ? { record } : {}) });
      return {
        perHour: c.perHour,
        currency: c.currency,
        lines: c.lines,
        asOf: c.asOf,
        approximate: c.approximate,
        notes: [
          'MediaLive bills only while the channel runs; the figure above is the channel alone.',
          ...otherCosts(spec.aws.priceClass).map((o) => `${o.item}: ${o.price}`),
        ],
      };
    },

    async openForUp(run) {
      // A rendition the ladder lacks is refused before anything is made (the plan refuses it too).
      recordedRendition(run.spec, run.ladder);
      const probe = contextFor(run, run.spec, run.ladder, ACCOUNT_PLACEHOLDER);
      const accountId = await accountIdOf(probe);
      return { ...probe, names: resourceNames(run.spec.stack, run.spec.aws.region, accountId), forUp: true };
    },

    async openRecorded(run, state, command) {
      if (command !== 'down') return recordedContext(run, state);
      // A state file anyone may have edited: only what is the stack's is touched.
      assertStackIdentity(state, run.store.stack, run.store.file);
      return recordedContext(run, state).catch((err) => nothingTouched(err, state));
    },

    graph: (ctx, spec) => buildAwsGraph(spec, ctx.names, !ctx.forUp).map(mapErrors),

    async beforeUp(run, ctx, nodes) {
      const accountId = ctx.names.accountId;
      const known = run.store.require().runtime.accountId;
      if (typeof known === 'string' && known && known !== accountId) throw wrongAccount(run.spec.stack, known, accountId);
      await run.store.update((s) => void (s.runtime.accountId = accountId));
      refuseUnloggableLogsBucket(run.store.require(), ctx.names);
      // What the state records must be the stack's; what AWS has of it that the state does not (a
      // lost state file) is adopted, not made twice.
      assertStackIdentity(run.store.require(), run.store.stack, run.store.file);
      await assertRecordsOurs(ctx, run.store.require(), run.store.file, nodes);
      await adoptUnrecorded(ctx, run, nodes);
      warnPassphraseKept(run, ctx);
    },

    startAfterUp: (run, ctx) => ensureRunning(run, ctx, channelIdOf(run.store.require())),
    outputsOf: (ctx, state) => buildOutputs(ctx.names, state.resources, state.spec.aws.origin),

    async startChannel(run, ctx, state) {
      await assertOurChannel(ctx, channelIdOf(state));
      await ensureRunning(run, ctx, channelIdOf(state));
    },

    async stopChannel(run, ctx, state) {
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
      // The schedule is removed by the lifecycle's stop (stopSchedule.set(undefined)), one place for both targets.
    },

    status: {
      // Rows as the state recorded them, records this version's graph lacks among them.
      order: 'recorded',
      explainReadFailure(err) {
        if (!(err instanceof LivestreamError && err.code === 'AWS_ACCESS_DENIED')) return undefined;
        const permission = (err.details as { permission?: string } | undefined)?.permission;
        return { status: 'ACCESS_DENIED', detail: `cannot read: access denied${permission ? ` (needs ${permission})` : ''}` };
      },
      async observe(run, ctx, state, rows) {
        const ch = rows.find((r) => r.id === 'channel');
        const channel = channelOf(ctx, state, ch);
        if (ch?.physicalId && ch.exists !== null) await reconcileRuns(run, ch.name, ch.exists ? ch.status ?? 'UNKNOWN' : 'MISSING', 'status');
        const recording = await describeLatestRecording(ctx, run.store.require());
        return {
          channel,
          outputs: { ...state.outputs },
          live: { accountId: ctx.names.accountId, region: ctx.names.region },
          summary: [['Latency', describeAwsLatency(state.ladder)], ...(recording ? [['Recording', recording] as [string, string]] : [])],
        };
      },
    },

    down: {
      keeps: ['logs-bucket'],
      recordings: ['recordings-bucket'],
      billsFirst: FIRST,
      async prepare(run, ctx, state, nodes) {
        const screening = await refuseForeign(ctx, state, run.store, run.host, nodes);
        // A channel running with no recorded start still ran: record it before it is stopped.
        const channelId = run.store.require().resources.channel?.physicalId;
        const before = channelId ? await readChannelState(ctx, channelId).catch(() => 'UNREADABLE') : 'MISSING';
        if (BILLING_CHANNEL_STATES.has(before)) await reconcileRuns(run, ctx.names.channelName, before, 'down');
        return {
          refused: screening.refused,
          afterDeletes: async (result) => void result.failed.push(...(await restoreUnverified(run.store, screening))),
        };
      },
      stillBilling: whatStillBills,
      noteKept(run, ctx, state, kept) {
        for (const { id, name } of kept) {
          if (id === 'recordings-bucket') {
            run.host.notify({ level: 'info', code: 'RECORDINGS_KEPT', message: `Kept the recordings bucket ${name} (S3, ${ctx.names.region}): "livestream recordings" lists them, "livestream down --delete-recordings" removes them.`, details: { name, region: ctx.names.region } });
            continue;
          }
          const region = logsBucketRegionOf(ctx.names, state.resources['logs-bucket']);
          run.host.notify({ level: 'info', code: 'LOGS_KEPT', message: `Kept the CloudFront logs bucket ${name} (S3, ${region}); "livestream down --delete-logs" would have removed it.`, details: { name, region } });
        }
      },
    },

    stopSchedule: {
      set: (run, ctx, _state, at) => setStopSchedule(run, ctx, at),
      firedAt: (_run, ctx, state) => readStopFiredAt(ctx, state),
    },
    recordings: {
      list: (_run, ctx, state) => listRecordings(ctx, state),
      download: (_run, ctx, state, dir) => downloadRecordings(ctx, state, dir, opts.remuxToMp4),
    },

    unrecorded: {
      status: async (run) => statusUnrecorded(await unrecordedContext(run)),
      async recover(run) {
        // No state file: find the stack in AWS by its names and tag, list it, ask, record it.
        const state = await recoverUnrecorded(await unrecordedContext(run), run);
        if (!state) run.host.notify({ level: 'info', code: 'NOTHING_TO_DELETE', message: `Stack "${run.spec.stack}" has nothing left to delete (no state, and nothing in AWS with its names and tag).` });
        return state;
      },
    },
  });
}

function channelIdOf(state: StackState): string {
  const rec = state.resources.channel;
  if (!rec?.physicalId) {
    throw new LivestreamError('CHANNEL_STATE', `Stack "${state.stack}" has no MediaLive channel yet.`, { hint: 'Run "livestream up" to finish creating it.' });
  }
  return rec.physicalId;
}

/**
 * Credentials failed before anything was sent: say that nothing was stopped, and that a channel
 * recorded running keeps billing.
 */
function nothingTouched(err: unknown, state: StackState): never {
  const open = state.channelRuns.find((r) => !r.end);
  const ch = state.resources.channel;
  if (!(err instanceof LivestreamError) || !open || !ch?.physicalId) throw err;
  throw new LivestreamError(err.code, `${err.message} Nothing was stopped or deleted: MediaLive channel ${ch.name} (${ch.physicalId}) was RUNNING when livestream last saw it (since ${open.start}) and keeps billing until it is stopped.`, {
    hint: err.hint,
    details: { ...(err.details as object), channelRunning: true, channelId: ch.physicalId },
    cause: err,
  });
}

/**
 * A logs bucket an older livestream created in an opt-in region (where CloudFront delivers no
 * logs): CreateDistribution would fail on it after everything else exists. Say how to move it.
 */
function refuseUnloggableLogsBucket(state: StackState, names: ResourceNames): void {
  const rec = state.resources['logs-bucket'];
  const region = logsBucketRegionOf(names, rec);
  if (!rec || region === names.logsBucketRegion) return;
  const why = CLOUDFRONT_NO_LOG_REGIONS.has(region) ? ', where CloudFront cannot deliver logs (an older livestream created it there)' : '';
  throw new LivestreamError('STACK_SPEC_CHANGED', `Stack "${state.stack}" has its CloudFront logs bucket ${rec.name} in ${region}${why}; livestream keeps it in ${names.logsBucketRegion}.`, {
    hint: `Run "livestream down --target aws --region ${names.region} --stack ${state.stack} --delete-logs" (it deletes that bucket and its logs: copy them first if you need them), then "livestream up" again.`,
    details: { bucket: rec.name, region, expected: names.logsBucketRegion },
  });
}

function wrongAccount(stack: string, known: string, accountId: string): LivestreamError {
  return new LivestreamError('STACK_SPEC_CHANGED', `Stack "${stack}" was created in AWS account ${known}, but your credentials are for account ${accountId}.`, {
    hint: 'Use the profile of the account that owns the stack (--aws-profile), or another --stack name.',
  });
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
