/**
 * The edge as the daemon runs it: viewers are served by N worker processes (node:cluster, one
 * listening socket shared), each with its own cache, never by the daemon's own event loop, which
 * carries the origin's uploads, the ingest proxies and the frame synchronizer (a fifth of a core at
 * 1080p30). In the bench the same edge code cost 10 to 20 % more CPU per request on a shared event
 * loop than in a worker of its own (bench/README.md).
 * Their misses go to a SHIELD in this process: a plain edge in front of the origin that coalesces
 * and caches, so the origin still sees one request per object per time-to-live whatever the number
 * of workers and viewers (like CloudFront's Origin Shield). The shield also runs the handlers
 * (player, dashboard, /api/) and /metrics, which the workers forward to it uncached; the workers
 * write the CloudFront log, one file each.
 */
import cluster, { type Worker } from 'node:cluster';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { LivestreamError, type ErrorCode } from '../../../core/errors.js';
import { createLocalMetrics, type EdgeTallies } from '../plumbing/metrics.js';
import type { EdgeStats, FromWorker, ToWorker, WorkerReport, WorkerSettings } from './cluster-protocol.js';
import { startEdge, type EdgeOptions, type EdgeServer } from './server.js';
import { ViewerWindow } from './viewer-window.js';
import { SERVER_KEEP_ALIVE_TIMEOUT_MS } from '../plumbing/http-agent.js';
import { stopProcess, waitForExit } from '../plumbing/stop-process.js';

/**
 * Worker processes when the user names none: one per core, as nginx's `worker_processes auto`
 * (with one process a core sat partly idle under load: 200 KB segments at 0.79x nginx against
 * 0.83x with two, bench/README.md), at most four, as each holds its own cache.
 */
export function defaultEdgeWorkers(cores = os.availableParallelism()): number {
  return Math.max(1, Math.min(cores, 4));
}

const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;
const RESPAWN_DELAY_MS = 1_000;

/** Run from dist/ as plain JS; from src/ (tests, tsx) the worker entry is TypeScript too. */
function workerEntry(): { exec: string; execArgv: string[]; args: string[] } {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) return { exec: here.replace(/cluster\.ts$/, 'worker.ts'), execArgv: ['--import', 'tsx'], args: [] };
  return { exec: here.replace(/cluster\.js$/, 'worker.js'), execArgv: [], args: [] };
}

const ZERO_STATS: EdgeStats = { viewers: 0, requests: 0, bytesSent: 0, hits: 0, misses: 0, errors: 0, segmentsServed: 0 };

/**
 * A shield in this process and `workers` (default 1) processes serving viewers. Workers use the
 * real clock (`opts.now` reaches the shield only).
 * `stats()` and /metrics sum what the workers report every second (so they lag by up to 1 s);
 * `viewers` counts distinct viewers over all workers: a player's connections land on any worker
 * (hls.js opens several), so the workers' own counts would count it once per worker.
 */
export async function startEdgeCluster(opts: EdgeOptions & { workers?: number }): Promise<EdgeServer> {
  const count = Math.max(1, Math.floor(opts.workers ?? 1));

  const metrics = opts.metrics ?? createLocalMetrics();
  // The shield's own counters stay private: /metrics shows what viewers got, summed over workers,
  // and the shield's origin requests (the ones that reach the origin) and its origin latency.
  const shieldTallies = createLocalMetrics().edge;
  // Only the workers talk to the shield: it keeps their idle connections longer than their agents do
  // (http-agent.ts), so a worker never sends a request on a connection the shield is closing.
  const shield = await startEdge({
    ...opts, host: '127.0.0.1', port: 0, accessLog: false, sendAge: true, passThrough: undefined, metrics: { ...metrics, edge: shieldTallies },
    keepAliveMs: SERVER_KEEP_ALIVE_TIMEOUT_MS,
  });

  const settings: WorkerSettings = {
    shieldUrl: shield.url,
    host: opts.host,
    port: opts.port,
    segmentSeconds: opts.segmentSeconds,
    logDir: opts.logDir,
    distributionId: opts.distributionId,
    maxCacheBytes: opts.maxCacheBytes,
    maxObjectBytes: opts.maxObjectBytes,
    originTimeoutMs: opts.originTimeoutMs,
    headersTimeoutMs: opts.headersTimeoutMs,
  };
  const live = new Map<Worker, WorkerReport | undefined>();
  const viewers = new ViewerWindow();
  // Counters of workers that exited, so totals never go backwards when one is replaced.
  const retired: WorkerReport = { stats: { ...ZERO_STATS }, requestsByStatus: [], cacheBytes: 0, cacheObjects: 0 };
  let closing = false;

  function aggregate(): void {
    const t: EdgeTallies = metrics.edge;
    const sum = sumReports([...live.values(), retired]);
    t.requestsByStatus.clear();
    for (const [status, n] of sum.requestsByStatus) t.requestsByStatus.set(status, n);
    t.bytesSent = sum.stats.bytesSent;
    t.hits = sum.stats.hits;
    t.misses = sum.stats.misses;
    t.viewers = viewers.count(Date.now());
    t.originFetches = shieldTallies.originFetches;
    // Memory held by the edge: every worker's cache and the shield's.
    t.cacheBytes = sumReports([...live.values()]).cacheBytes + shieldTallies.cacheBytes;
    t.cacheObjects = sumReports([...live.values()]).cacheObjects + shieldTallies.cacheObjects;
  }

  function retire(worker: Worker): void {
    const last = live.get(worker);
    live.delete(worker);
    if (last !== undefined) {
      const sum = sumReports([retired, last]);
      Object.assign(retired, { stats: { ...sum.stats, viewers: 0 }, requestsByStatus: sum.requestsByStatus });
    }
    aggregate();
  }

  function forkWorker(port: number): Promise<{ url: string; port: number }> {
    cluster.setupPrimary(workerEntry());
    const worker = cluster.fork();
    live.set(worker, undefined);
    const send = (m: ToWorker): void => {
      if (worker.isConnected()) worker.send(m);
    };
    return new Promise((resolve, reject) => {
      let ready = false;
      const timer = setTimeout(() => {
        reject(new Error(`an edge worker did not start within ${START_TIMEOUT_MS / 1000} s`));
        worker.process.kill('SIGKILL');
      }, START_TIMEOUT_MS);
      worker.on('message', (m: FromWorker) => {
        if (m.type === 'hello') send({ type: 'start', settings: { ...settings, port } });
        else if (m.type === 'ready') {
          ready = true;
          clearTimeout(timer);
          resolve({ url: m.url, port: m.port });
        } else if (m.type === 'failed') {
          clearTimeout(timer);
          reject(m.error.code ? new LivestreamError(m.error.code as ErrorCode, m.error.message, { hint: m.error.hint }) : new Error(m.error.message));
        } else if (m.type === 'report') {
          live.set(worker, { stats: m.stats, requestsByStatus: m.requestsByStatus, cacheBytes: m.cacheBytes, cacheObjects: m.cacheObjects });
          viewers.note(m.viewerKeys ?? [], Date.now());
          aggregate();
        }
      });
      worker.on('error', () => undefined); // a failed send to a dying worker; its 'exit' follows
      worker.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`an edge worker exited (${signal ?? `code ${code}`}) before it was ready`));
        retire(worker);
        // A worker that crashed while serving is replaced: it joins the socket the others share
        // (same host and port, the same key in the primary), or binds the port again if none is left.
        if (ready && !closing) {
          setTimeout(() => {
            if (!closing) forkWorker(port).catch(() => undefined);
          }, RESPAWN_DELAY_MS).unref();
        }
      });
    });
  }

  /** Asked over IPC, a worker closes its server gracefully; one that cannot be asked gets SIGTERM. */
  async function stopWorker(worker: Worker): Promise<void> {
    if (worker.isDead()) return;
    let asked = false;
    try {
      if (worker.isConnected()) {
        worker.send({ type: 'close' } satisfies ToWorker);
        asked = true;
      }
    } catch {
      // The channel closed under us: signal instead.
    }
    if (asked && (await waitForExit(worker.process, STOP_TIMEOUT_MS))) return;
    await stopProcess(worker.process, { signal: asked ? 'SIGKILL' : 'SIGTERM', graceMs: STOP_TIMEOUT_MS });
  }

  async function closeAll(): Promise<void> {
    closing = true;
    await Promise.all([...live.keys()].map(stopWorker));
    await shield.close();
  }

  let first: { url: string; port: number };
  try {
    // Workers on port 0 would share the port the first bind picks, but only while one of them
    // holds it: a replacement forked after all had died would get another. So pick it here.
    const port = opts.port ? opts.port : await pickFreePort(opts.host ?? '127.0.0.1');
    const started = await Promise.all(Array.from({ length: count }, () => forkWorker(port)));
    first = started[0];
  } catch (err) {
    await closeAll();
    throw err;
  }

  return {
    url: first.url,
    port: first.port,
    stats: () => ({ ...sumReports([...live.values(), retired]).stats, viewers: viewers.count(Date.now()) }),
    takeViewerKeys: () => [],
    close: closeAll,
  };
}

export { ViewerWindow } from './viewer-window.js';

/** A port nobody listens on now (the kernel's choice for port 0). */
function pickFreePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

function sumReports(reports: Array<WorkerReport | undefined>): { stats: EdgeStats; requestsByStatus: Array<[number, number]>; cacheBytes: number; cacheObjects: number } {
  const stats = { ...ZERO_STATS };
  const byStatus = new Map<number, number>();
  let cacheBytes = 0;
  let cacheObjects = 0;
  for (const r of reports) {
    if (r === undefined) continue;
    for (const k of Object.keys(stats) as Array<keyof EdgeStats>) stats[k] += r.stats[k];
    for (const [status, n] of r.requestsByStatus) byStatus.set(status, (byStatus.get(status) ?? 0) + n);
    cacheBytes += r.cacheBytes;
    cacheObjects += r.cacheObjects;
  }
  return { stats, requestsByStatus: [...byStatus], cacheBytes, cacheObjects };
}
