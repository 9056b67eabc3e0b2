/** `livestream down`: stop the channel, then delete everything in reverse order. */
import { LivestreamError } from '../../core/errors.js';
import { guarded } from '../guarded.js';
import type { Output } from '../output.js';
import type { GlobalOptions } from '../resolve.js';
import { openExisting } from './existing.js';
import { EXIT } from '../exit-codes.js';

export function runDown(opts: GlobalOptions & { stack?: string; deleteLogs?: boolean }, out: Output): Promise<number> {
  return guarded(out, async () => {
    const { store, state, driver, run } = await openExisting(opts, out, 'down', Boolean(opts.deleteLogs));
    try {
      const count = Object.keys(state.resources).length;
      if (out.interactive && !out.yes && count > 0) {
        const what = opts.deleteLogs ? 'everything, including the access logs' : 'everything but the access logs';
        const ok = await out.host().confirm(`Stop and delete ${what} of stack "${state.stack}" (${count} resources on ${state.target})?`);
        if (!ok) throw new LivestreamError('ABORTED', 'Nothing was deleted.');
      }
      const report = await driver.down(run, { deleteLogs: Boolean(opts.deleteLogs) });
      const incomplete = report.failed.length > 0 || report.blocked.length > 0;
      const lines = [
        incomplete
          ? out.paint('yellow', `Stack "${state.stack}" is partly torn down.`)
          : out.paint('green', `Stack "${state.stack}" is torn down; nothing of it is left running.`),
        ...report.failed.map((f) => `  could not delete ${f.id} (${f.name}): ${f.message}`),
        ...report.blocked.map((b) => `  left in place: ${b} (something that uses it could not be deleted)`),
        ...report.keptNames.map((k) => `  kept: ${k} (delete it with "livestream down --delete-logs", or by hand)`),
        report.archivedState ? `  state archived to ${report.archivedState}` : '',
        incomplete ? `Run "livestream down --stack ${state.stack}" again once the cause is fixed; the state file holds exactly what still exists.` : '',
      ].filter(Boolean);
      out.result(lines.join('\n'), { stack: state.stack, target: state.target, ...report, complete: !incomplete });
      return incomplete ? EXIT.FAILED : EXIT.OK;
    } finally {
      await store.unlock();
    }
  });
}
