/** `livestream schedule`: change when the channel stops by itself (issue #12). */
import { LivestreamError, formatProblems, type Problem } from '../../core/errors.js';
import { checkStopOptions, type RawSpec, type StopRule } from '../../core/spec.js';
import { checkBudget } from '../../core/stop-rule.js';
import { describeStackStop, spentSoFar } from '../../core/stop-status.js';
import { guarded } from '../guarded.js';
import type { Output } from '../output.js';
import { machineClock, type GlobalOptions } from '../resolve.js';
import { openExisting } from './existing.js';

export interface ScheduleOptions extends GlobalOptions, Pick<RawSpec, 'stopAfter' | 'stopAt' | 'budget'> {
  stack?: string;
  clear?: boolean;
}

const HOW = 'give one of --stop-after 2h, --stop-at 2026-12-02T22:00, --budget 40 or --clear';

function refuse(problems: Problem[]): never {
  throw new LivestreamError('SPEC_INVALID', `The options do not say when the channel should stop:\n${formatProblems(problems)}`, {
    hint: 'Fix the options above; "livestream schedule --help" shows examples.',
    details: { problems },
  });
}

export function runSchedule(opts: ScheduleOptions, out: Output): Promise<number> {
  return guarded(out, async () => {
    const given = [opts.stopAfter, opts.stopAt, opts.budget].filter((v) => v !== undefined).length + (opts.clear ? 1 : 0);
    if (given !== 1) refuse([{ path: 'stop', message: given === 0 ? 'no new end was given' : 'more than one end was given', fix: HOW }]);
    const { store, driver, run, state } = await openExisting(opts, out, 'schedule');
    try {
      const clock = machineClock();
      const problems: Problem[] = [];
      const rule: StopRule | undefined = opts.clear
        ? { kind: 'none' }
        : checkStopOptions(opts, state.target, clock, (path, message, fix) => problems.push({ path, message, fix }));
      if (!rule || problems.length > 0) refuse(problems);
      const perHour = driver.estimateCost(state.spec, state.ladder)?.perHour;
      const budget = checkBudget(rule, perHour, spentSoFar(state.channelRuns, perHour, clock.now));
      if (budget) refuse([{ path: 'budget', message: budget.message, fix: budget.fix }]);
      const { stopAt } = await driver.schedule(run, rule);
      const now = new Date();
      const line = describeStackStop(store.require(), now, { ...(perHour ? { perHour } : {}), timeZone: clock.timeZone });
      out.result(`Stack "${state.stack}": ${line}.`, { stack: state.stack, rule, ...(stopAt ? { stopAt } : {}), line });
    } finally {
      await store.unlock();
    }
  });
}
