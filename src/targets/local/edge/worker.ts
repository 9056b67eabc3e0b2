/**
 * Entry point of one edge worker process (forked by cluster.ts through node:cluster).
 * It waits for its settings over IPC, serves viewers on the port all workers share, fetches
 * misses from the primary's shield and forwards everything outside /stream/ to it uncached.
 */
import { LivestreamError } from '../../../core/errors.js';
import { createLocalMetrics } from '../plumbing/metrics.js';
import { REPORT_INTERVAL_MS, type FromWorker, type ToWorker, type WorkerSettings } from './cluster-protocol.js';
import { startEdge, type EdgeServer } from './server.js';

const send = (message: FromWorker): void => {
  if (process.connected) process.send?.(message);
};

// Node's cluster already exits a worker whose primary went away; say so here too, so a worker can
// never outlive its daemon whatever the Node version.
process.once('disconnect', () => process.exit(0));

let edge: EdgeServer | undefined;
let reporter: NodeJS.Timeout | undefined;
const metrics = createLocalMetrics();

function report(): void {
  if (edge === undefined) return;
  const t = metrics.edge;
  send({ type: 'report', stats: edge.stats(), requestsByStatus: [...t.requestsByStatus], cacheBytes: t.cacheBytes, cacheObjects: t.cacheObjects, viewerKeys: edge.takeViewerKeys() });
}

async function start(s: WorkerSettings): Promise<void> {
  try {
    edge = await startEdge({
      originUrl: s.shieldUrl,
      credential: 'shield', // the shield asks for none; the origin's credential stays in the primary
      host: s.host,
      port: s.port,
      segmentSeconds: s.segmentSeconds,
      logDir: s.logDir,
      distributionId: s.distributionId,
      maxCacheBytes: s.maxCacheBytes,
      maxObjectBytes: s.maxObjectBytes,
      originTimeoutMs: s.originTimeoutMs,
      headersTimeoutMs: s.headersTimeoutMs,
      metrics,
      passThrough: () => true, // asked only for paths outside /stream/
    });
  } catch (err) {
    const e = err as Partial<LivestreamError> & Error;
    send({ type: 'failed', error: { code: e instanceof LivestreamError ? e.code : undefined, message: e.message, hint: e.hint } });
    process.exitCode = 1;
    process.disconnect();
    return;
  }
  reporter = setInterval(report, REPORT_INTERVAL_MS);
  send({ type: 'ready', url: edge.url, port: edge.port });
}

async function close(): Promise<void> {
  clearInterval(reporter);
  // Flushes the CloudFront log; then one last report so the primary's totals miss nothing.
  await edge?.close();
  report();
  // Disconnect once the report is written to the channel (the primary then sees the exit).
  if (process.connected) process.send?.({ type: 'closed' }, () => process.disconnect());
}

process.on('message', (message: ToWorker) => {
  if (message.type === 'start') void start(message.settings);
  else if (message.type === 'close') void close().catch(() => process.exit(1));
});
send({ type: 'hello' });
