/**
 * The messages between the cluster's primary (cluster.ts) and its workers (worker.ts),
 * over node:cluster's IPC channel. Plain JSON: Maps travel as arrays of pairs.
 */
import type { EdgeServer } from './server.js';

export type EdgeStats = ReturnType<EdgeServer['stats']>;

/** What a worker needs to serve viewers; no credential: the shield does not ask for one. */
export interface WorkerSettings {
  shieldUrl: string;
  host?: string;
  port?: number;
  segmentSeconds: number;
  logDir: string;
  distributionId?: string;
  maxCacheBytes?: number;
  maxObjectBytes?: number;
  originTimeoutMs?: number;
  headersTimeoutMs?: number;
}

/** A worker's counters, sent every second and once more when it closes. */
export interface WorkerReport {
  stats: EdgeStats;
  requestsByStatus: Array<[number, number]>;
  cacheBytes: number;
  cacheObjects: number;
  /** Viewer keys seen since the last report: the primary counts each viewer once across workers. */
  viewerKeys?: string[];
}

export type ToWorker = { type: 'start'; settings: WorkerSettings } | { type: 'close' };

export type FromWorker =
  | { type: 'hello' } // listening for messages: the primary may send 'start'
  | { type: 'ready'; url: string; port: number }
  | { type: 'failed'; error: { code?: string; message: string; hint?: string } }
  | ({ type: 'report' } & WorkerReport)
  | { type: 'closed' };

export const REPORT_INTERVAL_MS = 1000;
