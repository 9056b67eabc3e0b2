/**
 * Entry point of the detached daemon started by `livestream up --target local`.
 * Argv: --state-dir DIR --stack NAME. The source password arrives on stdin (never argv or env,
 * which other users can read), and one line goes back on stdout: {"ready":info} or {"error":...}.
 */
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { StateStore } from '../../../core/state.js';
import { LivestreamError } from '../../../core/errors.js';
import type { Secrets } from '../../../core/spec.js';
import { stackLayout } from './stack-folder.js';
import { serveStack, startLocalStack } from './local-stack.js';
import { recordStopInState } from './stop-timer.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'state-dir': { type: 'string' }, stack: { type: 'string' } } });
  const store = new StateStore(values['state-dir']!, values.stack!);
  const state = await store.load();
  if (!state) throw new LivestreamError('STACK_NOT_FOUND', `No state for stack ${values.stack}.`);
  const layout = stackLayout(store.stackDir);
  await mkdir(layout.logs, { recursive: true });
  const logStream = createWriteStream(layout.daemonLog, { flags: 'a', mode: 0o600 });
  const log = (line: string) => logStream.write(`${new Date().toISOString()} ${line}\n`);
  const secrets = JSON.parse((await readStdin()) || '{}') as Secrets;

  const { spec } = state;
  if (spec.target !== 'local') throw new LivestreamError('INTERNAL', `Stack ${values.stack} is not a local stack (its target is ${spec.target}).`);
  const stack = await startLocalStack({ spec, ladder: state.ladder, secrets, layout, log });
  const control = await serveStack(stack, layout.socket, { log, onFired: (at) => recordStopInState(store, at, log).then(() => undefined) });
  if (spec.start) await stack.start();
  log(`ready: edge ${stack.info.edgePort}, origin ${stack.info.originPort}`);
  process.stdout.write(JSON.stringify({ ready: stack.info }) + '\n');

  const shutdown = async (why: string) => {
    log(`shutting down (${why})`);
    await control.close().catch(() => {});
    await stack.close();
    logStream.end();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  // The parent closes our stdout once it has read the ready line: writes after that must not kill us.
  process.stdout.on('error', () => {});
  await control.done;
  await shutdown('down');
}

main().catch((err: unknown) => {
  const e = err instanceof LivestreamError ? err : undefined;
  process.stdout.write(JSON.stringify({ error: { code: e?.code ?? 'DAEMON_FAILED', message: (err as Error)?.message ?? String(err), hint: e?.hint } }) + '\n');
  process.exit(1);
});
