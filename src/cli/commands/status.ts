/** `livestream status` (one stack, read live) and `status --all` (every stack in the state folder). */
import { channelSeconds, listStates, type StackState } from '../../core/state.js';
import type { StackStatus, TargetDriver } from '../../core/target.js';
import { loadDriver } from '../drivers.js';
import { guarded } from '../guarded.js';
import { outputRows, table, type Output } from '../output.js';
import { DEFAULT_STATE_DIR, type GlobalOptions } from '../resolve.js';
import { openExisting, type UnrecordedOptions } from './existing.js';
import path from 'node:path';

export interface StatusReport extends StackStatus {
  runningSeconds: number;
  costSoFar?: number;
  costPerHour?: number;
}

export function runStatus(opts: GlobalOptions & UnrecordedOptions & { stack?: string; all?: boolean }, out: Output): Promise<number> {
  return guarded(out, async () => {
    if (opts.all) return void (await statusAll(opts, out));
    const { driver, run, state } = await openExisting(opts, out);
    const report = withCost(await driver.status(run), state, driver, new Date());
    out.result(formatStatus(out, report), report);
  });
}

export function withCost(status: StackStatus, state: StackState, driver: TargetDriver, now: Date): StatusReport {
  const runningSeconds = channelSeconds(state.channelRuns, now);
  const estimate = driver.estimateCost(state.spec, state.ladder);
  return {
    ...status,
    runningSeconds: Math.round(runningSeconds),
    ...(estimate ? { costPerHour: estimate.perHour, costSoFar: round2((runningSeconds / 3600) * estimate.perHour) } : {}),
  };
}

async function statusAll(opts: GlobalOptions, out: Output): Promise<void> {
  const states = await listStates(path.resolve(opts.stateDir ?? DEFAULT_STATE_DIR));
  const now = new Date();
  const rows = await Promise.all(
    states.map(async (state) => {
      const driver = await loadDriver(state.target);
      let channel = 'UNKNOWN';
      try {
        const { run } = await openExisting({ ...opts, stack: state.stack }, out);
        channel = (await driver.status(run)).channel.state;
      } catch (err) {
        channel = `UNKNOWN (${(err as Error).message.split('\n')[0]})`;
      }
      const seconds = channelSeconds(state.channelRuns, now);
      const estimate = driver.estimateCost(state.spec, state.ladder);
      return {
        stack: state.stack, target: state.target, channel, profile: state.ladder.name,
        runningSeconds: Math.round(seconds), costSoFar: estimate ? round2((seconds / 3600) * estimate.perHour) : 0,
        resources: Object.keys(state.resources).length,
      };
    }),
  );
  const human = rows.length === 0
    ? 'No stacks in this state folder.'
    : table([
        ['stack', 'target', 'channel', 'profile', 'running', 'cost so far', 'resources'],
        ...rows.map((r) => [r.stack, r.target, paintState(out, r.channel), r.profile, duration(r.runningSeconds), `$${r.costSoFar.toFixed(2)}`, String(r.resources)]),
      ]) + (rows.some((r) => r.channel === 'RUNNING' && r.target === 'aws') ? `\n\n${out.paint('yellow', 'A channel is RUNNING on AWS and billing; "livestream stop --stack NAME" or "livestream down --stack NAME" when the event is over.')}` : '');
  out.result(human, { stacks: rows });
}

export function formatStatus(out: Output, r: StatusReport): string {
  const lines = [
    `${out.paint('bold', `Stack "${r.stack}"`)} on ${r.target}: channel ${paintState(out, r.channel.state)}${r.channel.detail ? ` (${r.channel.detail})` : ''}`,
    `Running ${duration(r.runningSeconds)}${r.costSoFar !== undefined ? `, cost so far ≈ $${r.costSoFar.toFixed(2)} at ≈ $${r.costPerHour!.toFixed(2)}/h` : ''}`,
    '',
    table([['resource', 'name', 'state'], ...r.resources.map((x) => [x.kind, x.name, x.exists ? x.status ?? 'exists' : out.paint('red', 'MISSING')])]),
  ];
  if (r.summary && r.summary.length > 0) lines.push('', table(r.summary.map(([k, v]) => [k, v])));
  const outputs = outputRows(r.outputs);
  if (outputs.length > 0) lines.push('', table(outputs));
  return lines.join('\n');
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
