/** What start, stop, status and down share: an existing stack, its driver and a run context. */
import type { RunContext, TargetDriver } from '../../core/target.js';
import type { StateStore, StackState } from '../../core/state.js';
import { loadDriver } from '../drivers.js';
import type { Output } from '../output.js';
import { openStore, type GlobalOptions } from '../resolve.js';

export interface Existing {
  store: StateStore;
  state: StackState;
  driver: TargetDriver;
  run: RunContext;
}

/** `restoreArchived`: a stack whose state `down` archived while keeping its logs is brought back (down --delete-logs). */
export async function openExisting(opts: GlobalOptions & { stack?: string }, out: Output, lockFor?: string, restoreArchived = false): Promise<Existing> {
  const store = openStore(opts);
  if (lockFor) await store.lock(lockFor);
  try {
    if (!(await store.load()) && restoreArchived) await store.restoreArchived();
    const state = store.require();
    const driver = await loadDriver(state.target);
    const run: RunContext = {
      spec: state.spec, ladder: state.ladder, secrets: {}, store, host: out.host(), now: () => new Date(), flags: {},
    };
    return { store, state, driver, run };
  } catch (err) {
    await store.unlock();
    throw err;
  }
}
