/** `livestream down`: stop the channel, then delete everything in reverse order. */
import path from 'node:path';
import { LivestreamError } from '../../core/errors.js';
import { formatBytes } from '../../core/recording.js';
import type { DownReport } from '../../core/target.js';
import { guarded } from '../guarded.js';
import type { Output } from '../output.js';
import { openStore, type GlobalOptions } from '../resolve.js';
import { openExisting, type Existing, type UnrecordedOptions } from './existing.js';
import { EXIT } from '../exit-codes.js';

export type DownCommandOptions = GlobalOptions & UnrecordedOptions & { stack?: string; deleteLogs?: boolean; deleteRecordings?: boolean };

export function runDown(opts: DownCommandOptions, out: Output): Promise<number> {
  return guarded(out, async () => {
    if (opts.deleteLogs && !out.interactive && !out.yes) {
      throw new LivestreamError('MISSING_OPTIONS', '"down --delete-logs" deletes the access logs for good, and there is no terminal to confirm on.', {
        hint: 'Add --yes to confirm, or run it on a terminal; without --delete-logs the logs are kept.',
      });
    }
    if (opts.deleteRecordings && !out.interactive && !out.yes) {
      throw new LivestreamError('MISSING_OPTIONS', '"down --delete-recordings" deletes the recordings for good, and there is no terminal to confirm on.', {
        hint: 'Add --yes to confirm, or run it on a terminal; "livestream recordings --download DIR" saves them first.',
      });
    }
    let existing: Existing;
    try {
      existing = await openExisting(opts, out, 'down', Boolean(opts.deleteLogs || opts.deleteRecordings));
    } catch (err) {
      if (err instanceof LivestreamError && err.code === 'STACK_NOT_FOUND') return nothingLeft(opts, out);
      throw err;
    }
    const { store, state, driver, run } = existing;
    try {
      const count = Object.keys(state.resources).length;
      if (out.interactive && !out.yes && count > 0) {
        const gone = [opts.deleteLogs ? 'the access logs' : '', opts.deleteRecordings ? 'the recordings' : ''].filter(Boolean);
        const kept = [opts.deleteLogs ? '' : 'the access logs', opts.deleteRecordings ? '' : 'the recordings'].filter(Boolean);
        const what = kept.length === 0 ? `everything, including ${gone.join(' and ')}` : `everything but ${kept.join(' and ')}`;
        const ok = await out.host().confirm(`Stop and delete ${what} of stack "${state.stack}" (${count} resources on ${state.target})?`);
        if (!ok) throw new LivestreamError('ABORTED', 'Nothing was deleted.');
      }
      const report = await driver.down(run, { deleteLogs: Boolean(opts.deleteLogs), deleteRecordings: Boolean(opts.deleteRecordings) });
      const incomplete = report.failed.length > 0 || report.blocked.length > 0;
      out.result(formatDown(out, state.stack, report), { stack: state.stack, target: state.target, stillBilling: report.stillBilling ?? [], ...report, complete: !incomplete });
      return incomplete ? EXIT.FAILED : EXIT.OK;
    } finally {
      await store.unlock();
    }
  });
}

/** The summary leads with what still costs money; the rest follows. */
export function formatDown(out: Output, stack: string, report: DownReport): string {
  const incomplete = report.failed.length > 0 || report.blocked.length > 0;
  const billing = report.stillBilling ?? [];
  const header = billing.length > 0
    ? out.paint('red', `Stack "${stack}" is NOT torn down, and still costs money:`)
    : incomplete
      ? out.paint('yellow', `Stack "${stack}" is partly torn down; nothing left bills by the hour.`)
      : out.paint('green', `Stack "${stack}" is torn down; nothing of it is left running.`);
  const lines = [
    header,
    ...billing.map((b) => `  ${out.paint('red', '$')} ${b.message}`),
    ...(billing.length > 0 && (report.failed.length > 0 || report.blocked.length > 0) ? ['Also left:'] : []),
    ...report.failed.map((f) => `  could not delete ${f.id} (${f.name}): ${f.message}`),
    ...report.blocked.map((b) => `  left in place: ${b} (something that uses it could not be deleted)`),
    ...(report.refused ?? []).map((r) => `  refused: ${r.id} ${r.physicalId || r.name} is not this stack's (${r.reason}); not touched`),
    ...report.keptNames.map((k) => `  kept: ${k} (delete it with "livestream down --delete-logs", or by hand)`),
    describeRecordings(stack, report.recordings),
    report.archivedState ? `  state archived to ${report.archivedState}` : '',
    incomplete ? `Run "livestream down --stack ${stack}" again once the cause is fixed; the state file holds exactly what still exists.` : '',
  ];
  return lines.filter(Boolean).join('\n');
}

/** How many recordings `down` kept (and where) or removed, and how big they are. */
function describeRecordings(stack: string, r: DownReport['recordings']): string {
  if (!r) return '';
  const what = `${r.count} recording${r.count === 1 ? '' : 's'} (${formatBytes(r.bytes)})`;
  if (r.action === 'deleted') return `  deleted: ${what}`;
  return `  kept: ${what} in ${commonFolder(r.where)} (save them with "livestream recordings --stack ${stack} --download DIR"; "livestream down --stack ${stack} --delete-recordings" removes them)`;
}

/** The folder the recordings share, or the one place they are. */
function commonFolder(where: readonly string[]): string {
  if (where.length === 1) return where[0]!;
  const dirs = where.map((w) => path.dirname(w.endsWith('.mp4') ? path.dirname(w) : w));
  return dirs.every((d) => d === dirs[0]) ? dirs[0]! : where.join(', ');
}

/**
 * No state: a stack already torn down (its state archived to history/) or never created here.
 * Either way nothing recorded is left to delete, which is success.
 */
async function nothingLeft(opts: DownCommandOptions, out: Output): Promise<number> {
  const store = openStore(opts);
  const [archived] = await store.archivedStates();
  const message = archived
    ? `Stack "${store.stack}" is already torn down; nothing of it is left (its last state is in ${archived}).`
    : `Stack "${store.stack}" has no state in ${store.stateDir}: nothing recorded is left to delete. If it was created from another folder, pass that folder with --state-dir; if on AWS from another machine, "livestream down --target aws --region REGION --stack ${store.stack}" finds it by its names and tag.`;
  out.result(message, { stack: store.stack, complete: true, nothingLeft: true, archivedState: archived ?? null, stillBilling: [], deleted: [], kept: [], failed: [], blocked: [], keptNames: [] });
  return EXIT.OK;
}
