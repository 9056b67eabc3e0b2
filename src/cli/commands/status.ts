/** `livestream status` (one stack, read live) and `status --all` (every stack in the state folder). */
import { channelSeconds, listStates, type StackState } from '../../core/state.js';
import { BILLING_CHANNEL_STATES, type StackStatus, type StackStop, type TargetDriver } from '../../core/target.js';
import { formatClock, formatSpan } from '../../core/stop-rule.js';
import { loadDriver } from '../drivers.js';
import { guarded } from '../guarded.js';
import { EXIT } from '../exit-codes.js';
import { outputRows, table, type Output } from '../output.js';
import { DEFAULT_STATE_DIR, machineClock, type GlobalOptions } from '../resolve.js';
import { openExisting, type UnrecordedOptions } from './existing.js';
import path from 'node:path';

export interface StatusReport extends StackStatus {
  runningSeconds: number;
  /**
   * A run's start was not recorded (found running): the time and cost are a lower bound, counted
   * from when livestream first saw the channel running.
   */
  runningAtLeast?: boolean;
  /**
   * The channel runs but no run of it is recorded here and none could be (status without a state
   * file writes nothing): how long it has run is unknown, so no time or cost so far is claimed.
   */
  runningStartUnknown?: boolean;
  costSoFar?: number;
  costPerHour?: number;
}

export function runStatus(opts: GlobalOptions & UnrecordedOptions & { stack?: string; all?: boolean }, out: Output): Promise<number> {
  return guarded(out, async () => {
    if (opts.all) return void (await statusAll(opts, out));
    const { driver, run, state } = await openExisting(opts, out);
    const status = await driver.status(run);
    // The driver may have recorded a run it found (a channel running with no recorded start).
    const report = withCost(status, run.store.get() ?? state, driver, new Date());
    out.result(formatStatus(out, report), report);
    // Nothing could be read (every resource denied or failing): not a status a script may trust.
    const unreadable = report.resources.length > 0 && report.resources.every((r) => r.exists === null);
    return unreadable ? EXIT.FAILED : EXIT.OK;
  });
}

export function withCost(status: StackStatus, state: StackState, driver: TargetDriver, now: Date): StatusReport {
  const runningSeconds = channelSeconds(state.channelRuns, now);
  const estimate = driver.estimateCost(state.spec, state.ladder);
  if (BILLING_CHANNEL_STATES.has(status.channel.state) && !state.channelRuns.some((r) => !r.end)) {
    return { ...status, runningSeconds: 0, runningStartUnknown: true, ...(estimate ? { costPerHour: estimate.perHour } : {}) };
  }
  return {
    ...status,
    runningSeconds: Math.round(runningSeconds),
    ...(state.channelRuns.some((r) => r.startObserved) ? { runningAtLeast: true } : {}),
    ...(estimate ? { costPerHour: estimate.perHour, costSoFar: round2((runningSeconds / 3600) * estimate.perHour) } : {}),
  };
}

async function statusAll(opts: GlobalOptions, out: Output): Promise<void> {
  const damaged: Array<{ file: string; message: string }> = [];
  const states = await listStates(path.resolve(opts.stateDir ?? DEFAULT_STATE_DIR), (file, err) => damaged.push({ file, message: (err as Error).message.split('\n')[0]! }));
  const now = new Date();
  const rows = await Promise.all(
    states.map(async (state) => {
      const driver = await loadDriver(state.target);
      let channel = 'UNKNOWN';
      let stop: StackStop | undefined;
      try {
        const { run } = await openExisting({ ...opts, stack: state.stack }, out);
        const status = await driver.status(run);
        channel = status.channel.state;
        stop = status.stop;
      } catch (err) {
        channel = `UNKNOWN (${(err as Error).message.split('\n')[0]})`;
      }
      const seconds = channelSeconds(state.channelRuns, now);
      const estimate = driver.estimateCost(state.spec, state.ladder);
      return {
        stack: state.stack, target: state.target, channel, profile: state.ladder.name,
        runningSeconds: Math.round(seconds), costSoFar: estimate ? round2((seconds / 3600) * estimate.perHour) : 0,
        resources: Object.keys(state.resources).length,
        ...(stop ? { stop } : {}),
      };
    }),
  );
  const { timeZone } = machineClock();
  const human = rows.length === 0
    ? 'No stacks in this state folder.'
    : table([
        ['stack', 'target', 'channel', 'profile', 'running', 'cost so far', 'stops', 'resources'],
        ...rows.map((r) => [r.stack, r.target, paintState(out, r.channel), r.profile, duration(r.runningSeconds), `$${r.costSoFar.toFixed(2)}`, shortStop(r.stop, now, timeZone), String(r.resources)]),
      ]) + (rows.some((r) => r.channel === 'RUNNING' && r.target === 'aws') ? `\n\n${out.paint('yellow', 'A channel is RUNNING on AWS and billing; "livestream stop --stack NAME" or "livestream down --stack NAME" when the event is over.')}` : '');
  const warnings = damaged.map((d) => out.paint('red', `Cannot read ${d.file}: ${d.message}`));
  out.result([human, ...warnings].join('\n'), { stacks: rows, damaged });
}

/** The stop in a table cell of `status --all`: the time, or who stopped it, or that nothing will. */
function shortStop(stop: StackStop | undefined, now: Date, timeZone: string): string {
  if (!stop) return '-';
  if (stop.stoppedBy === 'schedule') return 'stopped by the schedule';
  if (stop.stopAt && Date.parse(stop.stopAt) <= now.getTime()) return `due at ${formatClock(new Date(stop.stopAt), now, timeZone)}`;
  if (stop.stopAt) return `${formatClock(new Date(stop.stopAt), now, timeZone)} (in ${formatSpan((Date.parse(stop.stopAt) - now.getTime()) / 1000)})`;
  return stop.rule.kind === 'none' ? 'until stopped' : '-';
}

/** The channel's time: "Running" while it runs; once stopped, what its runs added up to. */
function runningLabel(state: string): string {
  return BILLING_CHANNEL_STATES.has(state) || state === 'UNKNOWN' ? 'Running' : 'Not running; ran';
}

export function formatStatus(out: Output, r: StatusReport): string {
  const lines = [
    `${out.paint('bold', `Stack "${r.stack}"`)} on ${r.target}: channel ${paintState(out, r.channel.state)}${r.channel.detail ? ` (${r.channel.detail})` : ''}`,
    r.runningStartUnknown
      ? `Running since a time livestream never recorded (no state file here)${r.costPerHour !== undefined ? `; it costs ≈ $${r.costPerHour.toFixed(2)}/h while it runs` : ''}`
      : `${runningLabel(r.channel.state)} ${r.runningAtLeast ? 'at least ' : ''}${duration(r.runningSeconds)}${r.costSoFar !== undefined ? `, cost so far ${r.runningAtLeast ? '≥' : '≈'} $${r.costSoFar.toFixed(2)} at ≈ $${r.costPerHour!.toFixed(2)}/h` : ''}` +
      (r.runningAtLeast ? ' (a start livestream did not record: counted from when it first saw the channel running)' : ''),
    '',
    table([['resource', 'name', 'state'], ...r.resources.map((x) => [x.kind, x.name, resourceState(out, x)])]),
  ];
  if (r.summary && r.summary.length > 0) lines.push('', table(r.summary.map(([k, v]) => [k, v])));
  const outputs = outputRows(r.outputs);
  if (outputs.length > 0) lines.push('', table(outputs));
  return lines.join('\n');
}

/** Unreadable is not gone: a resource that could not be read says why, never MISSING. */
function resourceState(out: Output, r: StatusReport['resources'][number]): string {
  if (r.exists === null) return out.paint('yellow', r.detail ?? 'cannot read');
  return r.exists ? r.status ?? 'exists' : out.paint('red', 'MISSING');
}

function paintState(out: Output, s: string): string {
  if (s === 'RUNNING') return out.paint('green', s);
  if (s.startsWith('UNKNOWN') || s === 'MISSING' || s === 'RECOVERING') return out.paint('red', s);
  return out.paint('yellow', s);
}

export function duration(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(s).padStart(2, '0')}s` : `${s}s`;
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
