/**
 * A recorded stack's stop (issue #12): what it cost so far, the schedule's stop written into the
 * state, and the line status shows. Pure; the rule itself is in stop-rule.ts.
 */
import { channelSeconds, markChannelRun, type ChannelRun, type StackState } from './state.js';
import { describeRule, describeStop, formatClock, stopRuleOf, type PriceView } from './stop-rule.js';

/** What the stack's finished runs cost (the open one is the run an end is being set for). */
export function spentOnFinishedRuns(runs: readonly ChannelRun[], perHour: number | undefined, now: Date): number {
  if (!perHour) return 0;
  return (channelSeconds(runs.filter((r) => r.end), now) / 3600) * perHour;
}

/** What every run so far cost, the open one up to now. */
export function spentSoFar(runs: readonly ChannelRun[], perHour: number | undefined, now: Date): number {
  return perHour ? (channelSeconds(runs, now) / 3600) * perHour : 0;
}

/**
 * The schedule stopped the channel at `firedAt`: close the run it ended there and say so. Applied
 * by whoever learns of it first (the daemon, or a command reading the target); a second
 * application, or one after a newer start, changes nothing. True when it changed the state.
 */
export function recordScheduledStop(state: StackState, firedAt: Date): boolean {
  const open = state.channelRuns.find((r) => !r.end);
  if (!open || Date.parse(open.start) > firedAt.getTime()) return false;
  markChannelRun(state, false, firedAt.toISOString());
  state.runtime.stoppedBy = 'schedule';
  delete state.runtime.stopAt;
  return true;
}

/**
 * The stack's stop as status says it: stopped by the schedule, the end of the current run, the
 * rule for the next start, or none.
 */
export function describeStackStop(state: StackState, now: Date, price: Omit<PriceView, 'spentSoFar'>): string {
  const rule = stopRuleOf(state.spec);
  if (state.runtime.stoppedBy === 'schedule') {
    const ended = [...state.channelRuns].reverse().find((r) => r.end)?.end;
    return `stopped by the schedule${ended ? ` at ${formatClock(new Date(ended), now, price.timeZone)}` : ''}; "livestream start" runs it again with a new end`;
  }
  const stopAt = typeof state.runtime.stopAt === 'string' ? new Date(state.runtime.stopAt) : undefined;
  if (stopAt) return describeStop(stopAt, now, { ...price, spentSoFar: spentSoFar(state.channelRuns, price.perHour, now) });
  if (rule.kind === 'none') return describeRule(rule, now, price);
  const running = state.channelRuns.some((r) => !r.end);
  const next = describeRule(rule, now, { ...price, spentSoFar: spentSoFar(state.channelRuns, price.perHour, now) });
  return running ? `no end is set for this run; the rule: it ${next}` : `not running; once started it ${next}`;
}
