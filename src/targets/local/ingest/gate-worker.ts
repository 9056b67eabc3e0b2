/**
 * A UDP gate's worker thread, from the daemon's side (udp-gate.ts for RTP, srt-gate.ts for SRT):
 * start it, wait until its socket listens (or say why not), pass on its log lines and its own
 * messages, and close it. Why a thread: see udp-gate.ts (the daemon's event loop stalls; a
 * datagram not read in time is lost, or for SRT, late).
 */
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/** What every gate worker says; each adds messages of its own. */
export type GateWorkerMessage =
  | { type: 'ready'; port: number }
  | { type: 'failed'; message: string; code?: string }
  | { type: 'log'; line: string };

export interface OpenGateWorker {
  /** The public port the worker bound. */
  port: number;
  close(): Promise<void>;
}

/**
 * Starts the worker module `name` (beside this one, e.g. "udp-gate-worker") with `settings` and
 * resolves once it listens; `onMessage` gets the worker's own messages.
 */
export async function openGateWorker<M extends { type: string }>(
  name: string,
  settings: unknown,
  o: { label: string; log: (line: string) => void; onMessage: (m: M) => void },
): Promise<OpenGateWorker> {
  const worker = startGateWorker(name, settings);
  let closing = false;
  const listening = new Promise<number>((resolve, reject) => {
    worker.on('message', (m: GateWorkerMessage | M) => {
      if (m.type === 'ready') return resolve((m as { port: number }).port);
      if (m.type === 'failed') {
        const f = m as { message: string; code?: string };
        return reject(Object.assign(new Error(f.message), f.code ? { code: f.code } : {}));
      }
      if (m.type === 'log') return o.log((m as { line: string }).line);
      o.onMessage(m as M);
    });
    worker.once('error', (err) => {
      reject(err);
      o.log(`${o.label}: the gate stopped: ${err.message}`);
    });
    worker.once('exit', (code) => {
      reject(new Error(`the ${o.label} gate exited (code ${code}) before it listened`));
      if (!closing) o.log(`${o.label}: the gate exited (code ${code}); the input is down until the stack restarts`);
    });
  });
  const port = await listening.catch(async (err: unknown) => {
    closing = true;
    await worker.terminate();
    throw err;
  });
  return {
    port,
    close: async () => {
      closing = true;
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.postMessage({ type: 'close' });
      const timer = setTimeout(() => void worker.terminate(), 2_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Run from dist/ as plain JS; from src/ (tests, tsx) the worker is TypeScript, loaded through tsx. */
function startGateWorker(name: string, settings: unknown): Worker {
  const here = fileURLToPath(import.meta.url);
  if (!here.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, import.meta.url), { workerData: settings });
  const entry = new URL(`./${name}.ts`, import.meta.url).href;
  const boot = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(boot, { eval: true, workerData: settings });
}
