/**
 * The up / status / down skeleton every target shares, written once. A target describes its
 * resource graph and the steps only it knows (a TargetDescription); `defineTarget` makes the
 * TargetDriver the CLI calls. The skeleton: the plan in dependency order, the graph applied and
 * the links recorded, one status row per record read from its node, the graph torn down with
 * what is kept kept and the state settled. A third target is one more description.
 */
import { LivestreamError } from './errors.js';
import { applyDown, applyUp, orderLevels, type DownResult, type ResourceNode } from './graph.js';
import type { Ladder } from './ladder.js';
import { recordedRendition, type Recording } from './recording.js';
import type { SpecOf, StackSpec, StopRule, TargetName } from './spec.js';
import type { ResourceRecord, StackState } from './state.js';
import { checkBudget, endOfRun, formatClock, formatSpan, MIN_STOP_AHEAD_SECONDS, stopRuleOf } from './stop-rule.js';
import { describeStackStop, recordScheduledStop, spentOnFinishedRuns, spentSoFar } from './stop-status.js';
import type {
  CostEstimate,
  DownReport,
  PlannedResource,
  ResourceStatus,
  RunContext,
  StackOutputs,
  StackStatus,
  StackStop,
  StillBilling,
  TargetDriver,
} from './target.js';

/** A run whose spec is the target's own. */
export type TargetRun<N extends TargetName> = RunContext<SpecOf<N>>;
/** A state whose spec is the target's own. */
export type TargetState<N extends TargetName> = StackState<SpecOf<N>>;

/** What `plan` lists of a node. */
export type PlanNode = Pick<ResourceNode<unknown>, 'id' | 'kind' | 'name' | 'describe' | 'dependsOn'>;

/** The commands that work on a recorded stack. */
export type RecordedCommand = 'status' | 'start' | 'stop' | 'down' | 'schedule' | 'recordings';

/** What status reads beside the resources: the channel, the links, the target's live figures. */
export interface Observed<Live> {
  channel: StackStatus['channel'];
  outputs: StackOutputs;
  live?: Live;
  summary?: Array<[string, string]>;
}

/** What a target's preparation for `down` leaves for after the deletes. */
export interface Teardown {
  /** Records found not to be the stack's: left untouched and dropped from the state. */
  refused?: DownReport['refused'];
  /** After the deletes, before what is left is read (AWS: records it could not screen go back). */
  afterDeletes?(result: DownResult): Promise<void>;
}

/** `N`: the target's name; `C`: the context its resource nodes work in; `Live`: its live figures. */
export interface TargetDescription<N extends TargetName, C, Live = unknown> {
  name: N;
  /** Pure: refuses a spec the target cannot build (plan and up). */
  check?(spec: SpecOf<N>): void;
  /** Pure: the graph as `plan` lists it, before any provider is asked (names only it knows are placeholders). */
  planGraph(spec: SpecOf<N>): readonly PlanNode[];
  /** Pure: what the stack costs per hour while the channel runs (undefined: nothing to pay). */
  estimateCost(spec: SpecOf<N>, ladder: Ladder): CostEstimate | undefined;
  /** The context `up` works in (AWS: credentials checked once, before anything is written). */
  openForUp(run: TargetRun<N>): Promise<C>;
  /** The context of a recorded stack. */
  openRecorded(run: TargetRun<N>, state: TargetState<N>, command: RecordedCommand): Promise<C>;
  /** The graph a run applies, reads and tears down. */
  graph(ctx: C, spec: SpecOf<N>): ResourceNode<C>[];
  /** After the state exists, before the graph is applied: refusals, adopting what exists (AWS). */
  beforeUp?(run: TargetRun<N>, ctx: C, nodes: readonly ResourceNode<C>[]): Promise<void>;
  /** `up` of a spec whose channel starts: start it, wait until it plays, record the run. */
  startAfterUp(run: TargetRun<N>, ctx: C): Promise<void>;
  /** The user's links, from what the state records. */
  outputsOf(ctx: C, state: TargetState<N>): StackOutputs;
  startChannel(run: TargetRun<N>, ctx: C, state: TargetState<N>): Promise<void>;
  stopChannel(run: TargetRun<N>, ctx: C, state: TargetState<N>): Promise<void>;
  status: {
    /**
     * The order of the resource rows: as the state recorded them (records the graph no longer
     * has among them), or in the graph's order (those after).
     */
    order: 'recorded' | 'graph';
    /** A read that failed, as its row says it; undefined: ERROR and the message. */
    explainReadFailure?(err: unknown): { status: string; detail: string } | undefined;
    observe(run: TargetRun<N>, ctx: C, state: TargetState<N>, rows: readonly ResourceStatus[]): Promise<Observed<Live>>;
  };
  /** The recordings of the stack's runs (optional until every target has them: none then). */
  recordings?: {
    /** Oldest first; a recording a crash left unfinished is finalised first. */
    list(run: TargetRun<N>, ctx: C, state: TargetState<N>): Promise<Recording[]>;
    /** One MP4 per recording into `dir`, an existing writable folder (checked by the CLI), with a progress indicator. */
    download(run: TargetRun<N>, ctx: C, state: TargetState<N>, dir: string): Promise<Array<{ recording: Recording; file: string }>>;
  };
  down: {
    /** Ids of records `down` keeps unless --delete-logs (the logs). */
    keeps: readonly string[];
    /** Ids of records `down` keeps unless --delete-recordings (the recordings folder or bucket). */
    recordings?: readonly string[];
    /** Ids deleted before everything else, whatever else fails: what bills while it exists. */
    billsFirst?: readonly string[];
    /** Archive the state even while kept records remain (local: a logs folder needs no state to be found). */
    archiveKept?: boolean;
    /** Before the deletes: stop the channel, screen the records... */
    prepare?(run: TargetRun<N>, ctx: C, state: TargetState<N>, nodes: readonly ResourceNode<C>[]): Promise<Teardown | void>;
    /** After the deletes: what is left that costs money, read from the provider. */
    stillBilling?(run: TargetRun<N>, ctx: C, nodes: readonly ResourceNode<C>[]): Promise<StillBilling[]>;
    /** Say what was kept and where (the records are still in the state). */
    noteKept?(run: TargetRun<N>, ctx: C, state: TargetState<N>, kept: readonly ResourceRecord[]): void;
    /** After the state was archived (local: the stack's emptied folder goes). */
    afterArchive?(ctx: C): Promise<void>;
  };
  /**
   * How the target itself stops the channel at the end of a run (issue #12): AWS by EventBridge
   * Scheduler, local by the daemon's timer. Absent: the target sets no end (the rule is recorded only).
   */
  stopSchedule?: {
    /** Make the target stop the channel at `at` (replacing any earlier end); undefined removes it. */
    set(run: TargetRun<N>, ctx: C, state: TargetState<N>, at: Date | undefined): Promise<void>;
    /** Whether the channel's last stop was the schedule's (read from the target), for status. */
    firedAt?(run: TargetRun<N>, ctx: C, state: TargetState<N>): Promise<Date | undefined>;
  };
  /** A stack with no state file here (AWS: looked for by its names and tag). */
  unrecorded?: {
    status(run: TargetRun<N>): Promise<StackStatus<Live>>;
    /** Find it, ask, and record it; undefined when there is nothing (having said so). */
    recover(run: TargetRun<N>): Promise<StackState | undefined>;
  };
}

const INTERRUPTED = 'creation was interrupted; "livestream up" resumes it';

export function defineTarget<N extends TargetName, C, Live>(desc: TargetDescription<N, C, Live>): TargetDriver<Live> {
  const specOf = (spec: StackSpec): SpecOf<N> => {
    // The CLI picks the driver by the stack's target: a mismatch is a bug, not a user's mistake.
    if (spec.target !== desc.name) throw new LivestreamError('INTERNAL', `The ${desc.name} target was handed a ${String(spec.target)} stack.`);
    return spec as SpecOf<N>;
  };
  const runOf = (run: RunContext): TargetRun<N> => ({ ...run, spec: specOf(run.spec) });
  const stateOf = (state: StackState): TargetState<N> => {
    specOf(state.spec);
    return state as TargetState<N>;
  };
  const recorded = async (run: RunContext): Promise<StackState | undefined> => run.store.get() ?? (await run.store.load());

  /** The recorded stack and its context, for start and stop. */
  async function openForChannel(run: RunContext, command: 'start' | 'stop' | 'schedule') {
    const r = runOf(run);
    const state = stateOf((await recorded(run)) ?? run.store.require());
    return { r, state, ctx: await desc.openRecorded(r, state, command) };
  }

  const zoneOf = (run: RunContext) => run.timeZone ?? 'UTC';
  const perHourOf = (state: StackState) => desc.estimateCost(specOf(state.spec), state.ladder)?.perHour;

  /** The schedule stopped the channel before this command: write that down (once) from what the target says. */
  async function reconcileStop(r: TargetRun<N>, ctx: C, state: TargetState<N>, write: (change: (s: StackState) => void) => Promise<unknown>): Promise<Date | undefined> {
    // Only what status says depends on it: a target that cannot tell (a read refused) must not block start, stop or status.
    const firedAt = await desc.stopSchedule?.firedAt?.(r, ctx, state).catch(() => undefined);
    if (firedAt && state.channelRuns.some((run) => !run.end && Date.parse(run.start) <= firedAt.getTime())) await write((s) => void recordScheduledStop(s, firedAt));
    return firedAt;
  }

  /** Before a start: a budget already spent or an end already past would stop the channel at once. */
  function refuseSpentRule(run: RunContext, state: StackState): void {
    const rule = stopRuleOf(state.spec);
    const now = run.now();
    const perHour = perHourOf(state);
    const spent = spentSoFar(state.channelRuns, perHour, now);
    const budget = checkBudget(rule, perHour, spent);
    const past = rule.kind === 'at' && Date.parse(rule.at) <= now.getTime();
    if (!budget && !past) return;
    const why = budget ? `The stack's budget is spent: ${budget.message}.` : `The stack's stop time (${formatClock(new Date((rule as { at: string }).at), now, zoneOf(run))}) has passed.`;
    throw new LivestreamError('CHANNEL_STATE', `${why} Starting the channel now would stop it at once.`, {
      hint: budget
        ? `Raise it with "livestream schedule --stack ${state.stack} --budget ${Math.ceil(spent + (perHour ?? 1))}", or "livestream schedule --stack ${state.stack} --clear" to run until stopped, then "livestream start".`
        : `Set a new end with "livestream schedule --stack ${state.stack} --stop-after 2h" (or --stop-at, --clear), then "livestream start".`,
      details: { rule, spent },
    });
  }

  /**
   * A new rule for a running channel whose end would already be past (`--stop-after 2h` three
   * hours into the run): refused, as stopping at once is not what anyone asking for an end means.
   */
  function refusePastEnd(run: RunContext, state: StackState, rule: StopRule): void {
    const open = state.channelRuns.find((c) => !c.end);
    if (!open) return;
    const perHour = perHourOf(state);
    const now = run.now();
    const end = endOfRun(rule, new Date(open.start), perHour, spentOnFinishedRuns(state.channelRuns, perHour, now));
    if (!end || end.getTime() > now.getTime() + MIN_STOP_AHEAD_SECONDS * 1000) return;
    const ran = formatSpan((now.getTime() - Date.parse(open.start)) / 1000);
    throw new LivestreamError('SPEC_INVALID', `That end is already past or under a minute away: this run started ${ran} ago, and --stop-after counts from its start.`, {
      hint: `Give more (e.g. --stop-after ${formatSpan((now.getTime() - Date.parse(open.start)) / 1000 + 3600).replace(/ /g, '')}), a time with --stop-at, or "livestream stop --stack ${state.stack}" if the event is over.`,
    });
  }

  /** After a start (or a new rule while it runs): the end of the current run, handed to the target and recorded. */
  async function applyEnd(r: TargetRun<N>, ctx: C): Promise<string | undefined> {
    if (!desc.stopSchedule) return undefined;
    const state = stateOf(r.store.require());
    const open = state.channelRuns.find((run) => !run.end);
    const perHour = perHourOf(state);
    const end = open ? endOfRun(stopRuleOf(state.spec), new Date(open.start), perHour, spentOnFinishedRuns(state.channelRuns, perHour, r.now())) : undefined;
    await desc.stopSchedule.set(r, ctx, state, end).catch((err: unknown) => {
      if (!end || !(err instanceof LivestreamError)) throw err;
      // The channel runs: say that it has no end, and how to give it one or stop it.
      throw new LivestreamError(err.code, `${err.message} The channel is RUNNING, and its stop at ${end.toISOString()} is not scheduled.`, {
        hint: `${err.hint ? `${err.hint}; then ` : ''}"livestream schedule --stack ${state.stack} --stop-after 2h" sets the end, or "livestream stop --stack ${state.stack}" stops the channel.`,
        details: err.details,
        cause: err,
      });
    });
    await r.store.update((s) => {
      if (end) s.runtime.stopAt = end.toISOString();
      else delete s.runtime.stopAt;
    });
    return end?.toISOString();
  }

  /** What status says of the stop, from the state as it is after reconciling. */
  function stackStop(run: RunContext, state: StackState): StackStop {
    const stopAt = typeof state.runtime.stopAt === 'string' ? state.runtime.stopAt : undefined;
    return {
      rule: stopRuleOf(state.spec),
      ...(stopAt ? { stopAt } : {}),
      ...(state.runtime.stoppedBy === 'schedule' ? { stoppedBy: 'schedule' as const } : {}),
      line: describeStackStop(state, run.now(), { perHour: perHourOf(state), timeZone: zoneOf(run) }),
    };
  }

  async function openForRecordings(run: RunContext) {
    const r = runOf(run);
    const state = stateOf((await recorded(run)) ?? run.store.require());
    return { r, state, ctx: await desc.openRecorded(r, state, 'recordings') };
  }

  async function readRow(ctx: C, node: ResourceNode<C> | undefined, rec: ResourceRecord): Promise<ResourceStatus> {
    const base = { id: rec.id, kind: rec.kind, name: rec.name, physicalId: rec.physicalId };
    if (!node) return { ...base, exists: false, status: 'UNKNOWN', detail: 'not part of this livestream version' };
    if (!rec.physicalId) return { ...base, exists: false, status: 'CREATING', detail: INTERRUPTED };
    try {
      const seen = await node.read(ctx, rec);
      return { ...base, exists: seen.exists, ...(seen.status ? { status: seen.status } : {}), ...(seen.detail ? { detail: seen.detail } : {}), ...(rec.status === 'creating' ? { detail: INTERRUPTED } : {}) };
    } catch (err) {
      // Not readable is not gone: a refusal says nothing about whether it exists.
      const why = desc.status.explainReadFailure?.(err) ?? { status: 'ERROR', detail: `cannot read: ${err instanceof Error ? err.message : String(err)}` };
      return { ...base, exists: null, ...why };
    }
  }

  function rowRecords(state: StackState, nodes: readonly ResourceNode<C>[]): ResourceRecord[] {
    const all = Object.values(state.resources);
    if (desc.status.order === 'recorded') return all;
    const inGraph = nodes.flatMap((n) => (state.resources[n.id] ? [state.resources[n.id]!] : []));
    return [...inGraph, ...all.filter((rec) => !nodes.some((n) => n.id === rec.id))];
  }

  return {
    name: desc.name,

    plan(spec, ladder): PlannedResource[] {
      const own = specOf(spec);
      desc.check?.(own);
      recordedRendition(own, ladder);
      const nodes = desc.planGraph(own);
      const byId = new Map(nodes.map((n) => [n.id, n]));
      return orderLevels(nodes).flat().map((id) => {
        const n = byId.get(id)!;
        return { id: n.id, kind: n.kind, name: n.name, describe: n.describe, dependsOn: [...n.dependsOn] };
      });
    },

    estimateCost: (spec, ladder) => desc.estimateCost(specOf(spec), ladder),

    async up(run) {
      const r = runOf(run);
      desc.check?.(r.spec);
      recordedRendition(r.spec, run.ladder);
      const ctx = await desc.openForUp(r);
      if (!(await recorded(run))) await run.store.create({ target: desc.name, spec: r.spec, ladder: run.ladder });
      const nodes = desc.graph(ctx, r.spec);
      await desc.beforeUp?.(r, ctx, nodes);
      // A new stop rule on the `up` of an existing stack applies as `schedule` would.
      if (JSON.stringify(stopRuleOf(run.store.require().spec)) !== JSON.stringify(r.spec.stop)) {
        refusePastEnd(run, run.store.require(), r.spec.stop);
        await run.store.update((s) => void (s.spec.stop = r.spec.stop));
      }
      if (r.spec.start) {
        // As `start` does: a stop the schedule made since the last command is recorded (closing
        // that run when it fired), and the channel is no longer "stopped by the schedule".
        await reconcileStop(r, ctx, stateOf(run.store.require()), (change) => run.store.update(change));
        if (run.store.require().runtime.stoppedBy) await run.store.update((s) => void delete s.runtime.stoppedBy);
        refuseSpentRule(run, run.store.require());
      }
      await applyUp(nodes, ctx, run.store, run.host);
      if (r.spec.start) {
        await desc.startAfterUp(r, ctx);
        await applyEnd(r, ctx);
      }
      const outputs = desc.outputsOf(ctx, stateOf(run.store.require()));
      await run.store.update((s) => {
        s.outputs = Object.fromEntries(Object.entries(outputs).filter((e): e is [string, string] => typeof e[1] === 'string'));
      });
      return outputs;
    },

    async start(run) {
      const { r, state, ctx } = await openForChannel(run, 'start');
      await reconcileStop(r, ctx, state, (change) => run.store.update(change));
      refuseSpentRule(run, run.store.require());
      if (run.store.require().runtime.stoppedBy) await run.store.update((s) => void delete s.runtime.stoppedBy);
      await desc.startChannel(r, ctx, stateOf(run.store.require()));
      await applyEnd(r, ctx);
    },

    async stop(run) {
      const { r, state, ctx } = await openForChannel(run, 'stop');
      await reconcileStop(r, ctx, state, (change) => run.store.update(change));
      await desc.stopChannel(r, ctx, stateOf(run.store.require()));
      // A stopped channel has no end to enforce (the next start sets a new one). A schedule left
      // behind can only stop a channel that is already stopped: a warning, not a failed stop.
      await desc.stopSchedule?.set(r, ctx, stateOf(run.store.require()), undefined).catch((err: unknown) =>
        run.host.notify({ level: 'warn', code: 'STOP_SCHEDULE_KEPT', message: `The channel is stopped, but its scheduled stop could not be removed (${err instanceof Error ? err.message : String(err)}); it cannot stop a stopped channel, the next start replaces it, and "livestream down" removes it.` }));
      if (run.store.require().runtime.stopAt !== undefined) await run.store.update((s) => void delete s.runtime.stopAt);
    },

    async schedule(run, rule: StopRule) {
      const { r, state, ctx } = await openForChannel(run, 'schedule');
      await reconcileStop(r, ctx, state, (change) => run.store.update(change));
      const current = run.store.require();
      const running = current.channelRuns.some((c) => !c.end);
      const perHour = perHourOf(current);
      const refused = running ? checkBudget(rule, perHour, spentSoFar(current.channelRuns, perHour, run.now())) : undefined;
      if (refused) {
        throw new LivestreamError('SPEC_INVALID', `The budget cannot be used: ${refused.message}.`, { hint: `${refused.fix[0]!.toUpperCase()}${refused.fix.slice(1)}, or "livestream stop --stack ${current.stack}" if the event is over.` });
      }
      if (running) refusePastEnd(run, current, rule);
      await run.store.update((s) => void (s.spec.stop = rule));
      if (!running) return {};
      const stopAt = await applyEnd(r, ctx);
      return stopAt ? { stopAt } : {};
    },

    async status(run): Promise<StackStatus<Live>> {
      const r = runOf(run);
      const found = await recorded(run);
      if (!found && desc.unrecorded) return desc.unrecorded.status(r);
      const state = stateOf(found ?? run.store.require());
      const ctx = await desc.openRecorded(r, state, 'status');
      const nodes = desc.graph(ctx, state.spec);
      const byId = new Map(nodes.map((n) => [n.id, n]));
      const resources = await Promise.all(rowRecords(state, nodes).map((rec) => readRow(ctx, byId.get(rec.id), rec)));
      // The schedule may have stopped the channel since the last command: recorded if the stack is free, shown either way.
      const firedAt = await reconcileStop(r, ctx, state, (change) => run.store.updateIfFree('status', change));
      const seen = await desc.status.observe(r, ctx, state, resources);
      // Read after observe, which may have recorded a run it found (AWS).
      const shown = structuredClone(run.store.get() ?? state);
      if (firedAt) recordScheduledStop(shown, firedAt);
      const stop = stackStop(run, shown);
      return {
        stack: state.stack,
        target: desc.name,
        channel: seen.channel,
        resources,
        outputs: seen.outputs,
        ...(seen.live !== undefined ? { live: seen.live } : {}),
        summary: [['Stops', stop.line], ...(seen.summary ?? [])],
        stop,
      };
    },

    async recordings(run) {
      if (!desc.recordings) return [];
      const { r, state, ctx } = await openForRecordings(run);
      return desc.recordings.list(r, ctx, state);
    },

    async downloadRecordings(run, dir) {
      if (!desc.recordings) return [];
      const { r, state, ctx } = await openForRecordings(run);
      return desc.recordings.download(r, ctx, state, dir);
    },

    async down(run, opts): Promise<DownReport> {
      const r = runOf(run);
      const found = (await recorded(run)) ?? (desc.unrecorded ? await desc.unrecorded.recover(r) : run.store.require());
      if (!found) return { deleted: [], kept: [], failed: [], blocked: [], keptNames: [] };
      const state = stateOf(found);
      const ctx = await desc.openRecorded(r, state, 'down');
      const nodes = desc.graph(ctx, state.spec);
      const teardown = (await desc.down.prepare?.(r, ctx, state, nodes)) ?? {};
      const keep = (rec: { id: string }) =>
        (desc.down.keeps.includes(rec.id) && !opts.deleteLogs) || (Boolean(desc.down.recordings?.includes(rec.id)) && !opts.deleteRecordings);
      // What --delete-recordings removes is measured before it goes; what is kept, after the channel is gone.
      const listRecordings = async (): Promise<Recording[]> => (desc.recordings ? desc.recordings.list(r, ctx, state).catch(() => []) : []);
      const removing = opts.deleteRecordings ? await listRecordings() : undefined;
      const result = await applyDown(nodes, ctx, run.store, run.host, { keep, first: desc.down.billsFirst });
      const recordings = removing ?? (desc.recordings ? await listRecordings() : []);
      await teardown.afterDeletes?.(result);
      const stillBilling = await desc.down.stillBilling?.(r, ctx, nodes);
      const kept = Object.values(run.store.require().resources).filter(keep);
      const report: DownReport = {
        ...(stillBilling ? { stillBilling } : {}),
        ...result,
        // The logs; the recordings have a line of their own (how many, how big).
        keptNames: kept.filter((rec) => !desc.down.recordings?.includes(rec.id)).map((rec) => rec.name),
        ...(teardown.refused && teardown.refused.length > 0 ? { refused: teardown.refused } : {}),
        ...(recordings.length > 0 ? { recordings: summarizeRecordings(recordings, removing ? 'deleted' : 'kept') } : {}),
      };
      for (const b of stillBilling ?? []) run.host.notify({ level: 'warn', code: 'STILL_BILLING', message: b.message, details: { id: b.id, state: b.state, cost: b.cost } });
      if (kept.length > 0) desc.down.noteKept?.(r, ctx, state, kept);
      const archived = await run.store.settleAfterDown(keep, { archiveKept: desc.down.archiveKept });
      if (archived) {
        report.archivedState = archived;
        await desc.down.afterArchive?.(ctx);
      }
      return report;
    },
  };
}

/** What `down` says of the recordings: how many, how big, where. */
function summarizeRecordings(recordings: readonly Recording[], action: 'kept' | 'deleted'): NonNullable<DownReport['recordings']> {
  return {
    action,
    count: recordings.length,
    bytes: recordings.reduce((sum, rec) => sum + rec.bytes, 0),
    where: [...new Set(recordings.map((rec) => rec.where))],
  };
}
