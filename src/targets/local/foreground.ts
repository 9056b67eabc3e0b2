/**
 * `up --foreground`: the same `up` as the daemon's, with the stack started in this process
 * instead. What to do with it (show it, hold it until Ctrl-C, tear it down) is the CLI's.
 */
import { appendFile } from 'node:fs/promises';
import { LivestreamError } from '../../core/errors.js';
import { isAlive } from '../../core/state.js';
import type { RunContext, StackOutputs } from '../../core/target.js';
import { formatLiveLine } from './daemon/live-status.js';
import { serveStack, startLocalStack, type LocalStack } from './daemon/local-stack.js';
import { recordStopInState } from './daemon/stop-timer.js';
import { createLocalDriver } from './driver.js';

export interface ForegroundStack {
  outputs: StackOutputs;
  /** Resolves when another command (`livestream down`) asks the stack to shut down. */
  shutdownRequested: Promise<void>;
  /** The live figures in one line, for the terminal. */
  statusLine(): string;
  /** Stop serving; the stack's resources stay for `down`. */
  close(): Promise<void>;
}

/** Creates the stack (or resumes it) with its process this one, and waits until it plays. */
export async function startForeground(run: RunContext): Promise<ForegroundStack> {
  let stack: LocalStack | undefined;
  let control: Awaited<ReturnType<typeof serveStack>> | undefined;
  const close = async () => {
    await control?.close();
    await stack?.close();
  };
  const driver = createLocalDriver({
    startInProcess: async ({ spec, ladder, secrets }, layout) => {
      const log = (line: string) => void appendFile(layout.daemonLog, `${new Date().toISOString()} ${line}\n`).catch(() => {});
      stack = await startLocalStack({ spec, ladder, secrets, layout, log });
      control = await serveStack(stack, layout.socket, { log, onFired: (at) => recordStopInState(run.store, at, log).then(() => undefined) });
      if (spec.start) await stack.start();
      return stack.info;
    },
  });
  const daemon = run.store.get()?.resources.daemon;
  if (daemon?.physicalId && isAlive(Number(daemon.physicalId))) {
    throw new LivestreamError('STATE_LOCKED', `Stack "${run.spec.stack}" already runs in the background (process ${daemon.physicalId}); --foreground starts one in this terminal.`, {
      hint: `Watch it with "livestream status --stack ${run.spec.stack}", or run "livestream down --stack ${run.spec.stack}" first to run it in the foreground.`,
    });
  }
  try {
    const outputs = await driver.up(run);
    const [running, served] = [stack!, control!];
    return { outputs, shutdownRequested: served.done, statusLine: () => formatLiveLine(running.status()), close };
  } catch (err) {
    await close();
    throw err;
  }
}
