/**
 * `up --foreground`: the stack runs inside this terminal with a live status line, and Ctrl-C
 * tears it down cleanly (logs kept), as `down` would.
 */
import { appendFile } from 'node:fs/promises';
import { applyUp, type ResourceNode } from '../../core/graph.js';
import type { RunContext, StackOutputs, TargetDriver } from '../../core/target.js';
import { serveStack, startLocalStack, type LocalStack } from './daemon/local-stack.js';
import { stackLayout } from './daemon/stack-folder.js';
import type { LocalContext } from './resources.js';
import { waitForPlayback } from './daemon/wait-playback.js';

export async function runForeground(run: RunContext, nodes: ResourceNode<LocalContext>[], driver: TargetDriver): Promise<StackOutputs> {
  const layout = stackLayout(run.store.stackDir);
  let stack: LocalStack | undefined;
  let control: Awaited<ReturnType<typeof serveStack>> | undefined;
  const ctx: LocalContext = {
    run,
    layout,
    startInProcess: async () => {
      const log = (line: string) => void appendFile(layout.daemonLog, `${new Date().toISOString()} ${line}\n`).catch(() => {});
      stack = await startLocalStack({ spec: run.spec, ladder: run.ladder, secrets: run.secrets, layout, log });
      control = await serveStack(stack, layout.socket);
      if (run.spec.start) await stack.start();
      return stack.info;
    },
  };
  try {
    await applyUp(nodes, ctx, run.store, run.host);
    if (run.spec.start) {
      await waitForPlayback(`http://127.0.0.1:${stack!.info.edgePort}/stream/index.m3u8`, run.host);
      await run.store.markChannel(true);
    }
    const info = stack!.info;
    for (const [label, url] of [['Player', info.playerUrl], ['Playback URL', info.playbackUrl], ['Dashboard', info.dashboardUrl], ['Push to', info.pushEndpoint]] as const) {
      if (url) run.host.notify({ level: 'info', code: 'OUTPUT', message: `${label}: ${url}` });
    }
    run.host.notify({ level: 'info', code: 'FOREGROUND', message: 'Running in the foreground; press Ctrl-C to stop and tear down (logs are kept).' });
    // Other commands (status, stop, start) may now use the stack.
    await (run.flags.releaseLock as (() => Promise<void>) | undefined)?.();

    const line = run.host.progress('starting');
    const tick = setInterval(() => line.update(statusLine(stack!)), 2_000);
    const why = await new Promise<string>((resolve) => {
      process.once('SIGINT', () => resolve('Ctrl-C'));
      process.once('SIGTERM', () => resolve('SIGTERM'));
      void control!.done.then(() => resolve('livestream down'));
    });
    clearInterval(tick);
    line.succeed(`Stopping (${why})`);
    await control!.close();
    await stack!.close();
    if (why === 'livestream down') return {};
    await run.store.lock('down');
    await driver.down(run, { deleteLogs: false });
    return {};
  } catch (err) {
    await control?.close();
    await stack?.close();
    throw err;
  }
}

function statusLine(stack: LocalStack): string {
  const s = stack.status() as unknown as {
    channel: string; viewers: number; segmentsWritten: number;
    input: { connected?: boolean; fps?: number }; encoder: { speed?: number; restarts?: number };
  };
  return [
    `channel ${s.channel}`,
    `input ${s.input.connected ? `connected${s.input.fps ? ` ${s.input.fps.toFixed(0)} fps` : ''}` : 'LOST'}`,
    s.encoder.speed ? `speed ${s.encoder.speed.toFixed(2)}x` : undefined,
    `segments ${s.segmentsWritten}`,
    `viewers ${s.viewers}`,
    s.encoder.restarts ? `restarts ${s.encoder.restarts}` : undefined,
  ].filter(Boolean).join(' · ');
}
