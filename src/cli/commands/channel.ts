/** `livestream start` and `livestream stop`: idempotent, they wait for the state. */
import { guarded } from '../guarded.js';
import type { Output } from '../output.js';
import type { GlobalOptions } from '../resolve.js';
import { openExisting } from './existing.js';

export function runChannel(action: 'start' | 'stop', opts: GlobalOptions & { stack?: string }, out: Output): Promise<number> {
  return guarded(out, async () => {
    const { store, driver, run } = await openExisting(opts, out, action);
    try {
      await driver[action](run);
      const status = await driver.status(run);
      // After a start, when it will stop by itself (issue #12): the end every run gets.
      const stops = action === 'start' && status.stop ? `; ${status.stop.line}` : '';
      out.result(`Channel of stack "${run.spec.stack}" is ${status.channel.state}${stops}.`, { stack: run.spec.stack, action, channel: status.channel, ...(status.stop ? { stop: status.stop } : {}) });
    } finally {
      await store.unlock();
    }
  });
}
