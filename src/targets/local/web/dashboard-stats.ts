/**
 * The dashboard's numbers: the ten panels of the guide's Appendix D (the reference's CloudWatch
 * dashboard over MediaStore's access logs), computed per minute from the origin's access log,
 * what viewers got from the edge (sampled from its counters), and the channel's health as
 * reported by the encoder. Every panel covers the same span: from the stack's start (or the oldest
 * data kept, if older) to now, at most the window, so a new stack fills its charts.
 *
 * Pure: entries and samples come in, a snapshot for a given clock reading comes out.
 * Memory is bounded: one bucket per minute for the window (older ones dropped), at most
 * MAX_SAMPLES latency samples per minute per operation (a reservoir), at most MAX_HEALTH samples.
 */
import type { AccessLogEntry, OriginOperation } from '../origin/access-log.js';
import type { ChannelHealthSample } from '../encoder/health.js';
import type { EdgeTallies } from '../plumbing/metrics.js';
export type { ChannelHealthSample } from '../encoder/health.js';

// Reading history touches the disk, so it lives in its own module; re-exported for one import site.
export { loadAccessLogHistory } from './access-log-history.js';


export type PanelId =
  | 'ingress-tpm'
  | 'egress-tpm'
  | 'put-latency'
  | 'get-latency'
  | 'ingress-2xx'
  | 'ingress-4xx'
  | 'ingress-5xx'
  | 'egress-2xx'
  | 'egress-4xx'
  | 'egress-5xx'
  | 'health-input-fps'
  | 'health-input-bitrate'
  | 'health-encoder-speed'
  | 'health-input-connected'
  | 'health-input-loss'
  | 'health-restarts'
  | 'health-dropped-frames'
  | 'viewer-count'
  | 'viewer-requests'
  | 'viewer-hit-ratio'
  | 'viewer-bytes-out'
  | 'viewer-errors'
  | 'viewer-delay';

/**
 * The edge's counters at one moment, totals since the stack started (what every worker reported,
 * summed): the dashboard charts their rates. `errors4xx`/`errors5xx` leave out `up`'s own
 * readiness check (edge/server.ts).
 */
export interface EdgeSample {
  /** epoch ms */
  time: number;
  viewers: number;
  requests: number;
  hits: number;
  misses: number;
  bytesSent: number;
  errors4xx: number;
  errors5xx: number;
}

/** A player's report of its viewer's delay behind real time (now minus the program date time on screen). */
export interface ViewerDelaySample {
  /** epoch ms, when the daemon got the report */
  time: number;
  seconds: number;
}

/** Fields another part of the encoder may add to its health sample; read when present. */
type HealthWithOptional = ChannelHealthSample & { droppedFrames?: number };

export interface Series {
  label: string;
  /** One value per entry of the panel's `time`; null where there is nothing to show (no successful request). */
  values: Array<number | null>;
}

export interface Panel {
  id: PanelId;
  title: string;
  unit: string;
  /** Epoch seconds (uPlot's x unit), oldest first. */
  time: number[];
  series: Series[];
}

export interface DashboardData {
  /** Clock reading the snapshot was made for, epoch ms. */
  generatedAt: number;
  windowMinutes: number;
  /** The span every chart shows, epoch seconds: from the stack's start or oldest data (at most the window) to now. */
  range: { from: number; to: number };
  /** The ten Appendix D panels, in the guide's order, one point per minute (the last minute is partial). */
  panels: Panel[];
  /** What viewers got from the edge: rates between consecutive samples of its counters. */
  edge: { panels: Panel[] };
  health: {
    latest: ChannelHealthSample | null;
    panels: Panel[];
  };
}

export const MAX_SAMPLES = 5000;
export const MAX_HEALTH = 2000;
const MINUTE_MS = 60_000;

const INGRESS_OPS = ['PutObject', 'DeleteObject'] as const;
const EGRESS_OPS = ['GetObject'] as const;
type CountedOp = (typeof INGRESS_OPS)[number] | (typeof EGRESS_OPS)[number];
type StatusClass = '2xx' | '4xx' | '5xx';
const STATUS_CLASSES: StatusClass[] = ['2xx', '4xx', '5xx'];

interface LatencyBucket {
  count: number;
  sumTurnAround: number;
  sumTotal: number;
  /** Reservoir of successful requests' times: turnAround[i] and total[i] are the same request (flat arrays: 8 bytes a value). */
  turnAround: number[];
  total: number[];
  /** The last summary and the count it was made at: finished minutes are not sorted again every refresh. */
  memo?: { count: number; summary: LatencySummary };
}

interface MinuteBucket {
  /** Requests per operation, whatever the status (transactions per minute). */
  requests: Record<CountedOp, number>;
  statuses: Record<CountedOp, Record<StatusClass, number>>;
  latency: { PutObject: LatencyBucket; GetObject: LatencyBucket };
}

export class DashboardStats {
  readonly windowMinutes: number;
  /** When the stack started (epoch ms), so the charts start there; undefined: at the oldest data. */
  readonly startedAt: number | undefined;
  private readonly buckets = new Map<number, MinuteBucket>();
  private health: ChannelHealthSample[] = [];
  private edge: EdgeSample[] = [];
  private delays: ViewerDelaySample[] = [];
  /** Deterministic PRNG state for the reservoir (xorshift32), so a replay gives the same picture. */
  private seed = 0x9e3779b9;

  constructor(opts: { windowMinutes?: number; startedAt?: number } = {}) {
    const w = opts.windowMinutes ?? 60;
    this.windowMinutes = Number.isFinite(w) && w >= 1 ? Math.floor(w) : 60;
    this.startedAt = Number.isFinite(opts.startedAt) ? opts.startedAt : undefined;
  }

  record(entry: AccessLogEntry): void {
    const t = Date.parse(entry.RequestTime);
    if (!Number.isFinite(t)) return;
    const op = entry.Operation;
    if (!isCounted(op)) return;
    const bucket = this.bucketFor(Math.floor(t / MINUTE_MS));
    if (!bucket) return;

    bucket.requests[op] += 1;
    const cls = statusClass(entry.HTTPStatus);
    if (cls) bucket.statuses[op][cls] += 1;
    if (cls === '2xx' && (op === 'PutObject' || op === 'GetObject')) {
      this.addLatency(bucket.latency[op], entry.TurnAroundTime, entry.TotalTime);
    }
  }

  recordHealth(sample: ChannelHealthSample): void {
    this.health = this.insertSample(this.health, sample);
  }

  /** A reading of the edge's counters (the daemon takes one every few seconds). */
  recordEdge(sample: EdgeSample): void {
    this.edge = this.insertSample(this.edge, sample);
  }

  /** A player's glass-to-glass figure (web-handler.ts takes its beacon). */
  recordViewerDelay(sample: ViewerDelaySample): void {
    if (!(sample.seconds >= 0) || !Number.isFinite(sample.seconds)) return;
    this.delays = this.insertSample(this.delays, sample);
  }

  /** The newest viewer delay reported, for `status`; undefined when no player reported one. */
  latestViewerDelay(): ViewerDelaySample | undefined {
    return this.delays[this.delays.length - 1];
  }

  /** `list` with `sample` in time order (a late report included), only the window, at most MAX_HEALTH. */
  private insertSample<T extends { time: number }>(list: T[], sample: T): T[] {
    if (!Number.isFinite(sample.time)) return list;
    const last = list[list.length - 1];
    if (last && sample.time < last.time) {
      // Out of order (a late report): keep the series sorted for the chart.
      const i = list.findIndex((s) => s.time > sample.time);
      list.splice(i, 0, sample);
    } else {
      list.push(sample);
    }
    const newest = list[list.length - 1].time;
    const cutoff = newest - this.windowMinutes * MINUTE_MS;
    let drop = 0;
    while (drop < list.length && list[drop].time < cutoff) drop++;
    drop = Math.max(drop, list.length - MAX_HEALTH);
    return drop > 0 ? list.slice(drop) : list;
  }

  /**
   * Where every chart starts (epoch ms): the minute of the stack's start or of the oldest data
   * kept, whichever is older (so the per-minute panels' first point is on the left edge), but no
   * earlier than the window; the whole window when nothing is known.
   */
  private chartStart(nowMs: number): number {
    const windowStart = nowMs - this.windowMinutes * MINUTE_MS;
    const known = [
      this.startedAt,
      this.buckets.size ? Math.min(...this.buckets.keys()) * MINUTE_MS : undefined,
      this.health[0]?.time,
      this.edge[0]?.time,
    ].filter((t): t is number => t !== undefined && t <= nowMs);
    if (known.length === 0) return windowStart;
    return Math.max(windowStart, Math.floor(Math.min(...known) / MINUTE_MS) * MINUTE_MS);
  }

  snapshot(nowMs: number): DashboardData {
    const nowMinute = Math.floor(nowMs / MINUTE_MS);
    const from = this.chartStart(nowMs);
    const minutes: number[] = [];
    // One point per minute: the minutes that start within the span (the current one is partial).
    for (let m = Math.max(nowMinute - this.windowMinutes + 1, Math.ceil(from / MINUTE_MS)); m <= nowMinute; m++) minutes.push(m);
    const time = minutes.map((m) => (m * MINUTE_MS) / 1000);
    const rows = minutes.map((m) => this.buckets.get(m));

    const panel = (id: PanelId, title: string, unit: string, series: Series[]): Panel => ({ id, title, unit, time, series });
    const count = (pick: (b: MinuteBucket) => number): Array<number | null> => rows.map((b) => (b ? pick(b) : 0));
    const requests = (ops: readonly CountedOp[]): Series[] =>
      ops.map((op) => ({ label: op, values: count((b) => b.requests[op]) }));
    const statuses = (ops: readonly CountedOp[], cls: StatusClass): Series[] =>
      ops.map((op) => ({ label: op, values: count((b) => b.statuses[op][cls]) }));
    const latency = (op: 'PutObject' | 'GetObject'): Series[] => {
      const stats = rows.map((b) => (b ? summarise(b.latency[op]) : undefined));
      return [
        { label: 'TurnAroundTime avg', values: stats.map((s) => s?.turnAroundAvg ?? null) },
        { label: 'TurnAroundTime p99', values: stats.map((s) => s?.turnAroundP99 ?? null) },
        { label: 'TotalTime avg', values: stats.map((s) => s?.totalAvg ?? null) },
        { label: 'TotalTime p99', values: stats.map((s) => s?.totalP99 ?? null) },
      ];
    };

    const panels: Panel[] = [
      panel('ingress-tpm', 'Ingress TPM (Transactions Per Minute)', 'requests/min', requests(INGRESS_OPS)),
      panel('egress-tpm', 'Egress TPM (Transactions Per Minute)', 'requests/min', requests(EGRESS_OPS)),
      panel('put-latency', 'Put Object Latencies (Successful Requests)', 'ms', latency('PutObject')),
      panel('get-latency', 'Get Object Latencies (Successful Requests)', 'ms', latency('GetObject')),
      ...STATUS_CLASSES.map((cls) =>
        panel(`ingress-${cls}` as PanelId, `Ingress ${cls} Status Count by Operation`, 'requests/min', statuses(INGRESS_OPS, cls)),
      ),
      ...STATUS_CLASSES.map((cls) =>
        panel(`egress-${cls}` as PanelId, `Egress ${cls} Status Count by Operation`, 'requests/min', statuses(EGRESS_OPS, cls)),
      ),
    ];

    return {
      generatedAt: nowMs,
      windowMinutes: this.windowMinutes,
      range: { from: from / 1000, to: nowMs / 1000 },
      panels,
      edge: this.viewerSnapshot(from, nowMs),
      health: this.healthSnapshot(from, nowMs),
    };
  }

  /** Each point is the rate over the interval since the sample before it; a counter that went back (a restart) gives a gap. */
  private viewerSnapshot(from: number, nowMs: number): DashboardData['edge'] {
    const samples = this.edge.filter((s) => s.time >= from && s.time <= nowMs);
    const points = samples.slice(1).map((s, i) => {
      const prev = samples[i];
      const seconds = (s.time - prev.time) / 1000;
      const delta = (k: keyof Omit<EdgeSample, 'time' | 'viewers'>): number | null => {
        const d = s[k] - prev[k];
        return d >= 0 && seconds > 0 ? d : null;
      };
      const perSecond = (d: number | null): number | null => (d === null ? null : round(d / seconds));
      const hits = delta('hits');
      const misses = delta('misses');
      const bytes = delta('bytesSent');
      return {
        time: s.time / 1000,
        viewers: s.viewers,
        requests: perSecond(delta('requests')),
        hitRatio: hits !== null && misses !== null && hits + misses > 0 ? round((100 * hits) / (hits + misses)) : null,
        bitsOut: bytes === null ? null : round((bytes * 8) / seconds),
        errors4xx: perSecond(delta('errors4xx')),
        errors5xx: perSecond(delta('errors5xx')),
      };
    });
    const time = points.map((p) => p.time);
    const panel = (id: PanelId, title: string, unit: string, series: Series[]): Panel => ({ id, title, unit, time, series });
    const series = (label: string, pick: (p: (typeof points)[number]) => number | null): Series => ({ label, values: points.map(pick) });
    return {
      panels: [
        panel('viewer-count', 'Viewers', 'count', [series('Viewers', (p) => p.viewers)]),
        panel('viewer-requests', 'Edge requests', 'requests/s', [series('Requests', (p) => p.requests)]),
        panel('viewer-hit-ratio', 'Edge cache hit ratio', '%', [series('Hits', (p) => p.hitRatio)]),
        panel('viewer-bytes-out', 'Bytes out to viewers', 'bit/s', [series('Sent', (p) => p.bitsOut)]),
        panel('viewer-errors', 'Errors to viewers', 'responses/s', [series('4xx', (p) => p.errors4xx), series('5xx', (p) => p.errors5xx)]),
        this.delayPanel(from, nowMs),
      ],
    };
  }

  /** Every report of the players' delay behind real time (each player sends one every few seconds while it plays). */
  private delayPanel(from: number, nowMs: number): Panel {
    const samples = this.delays.filter((s) => s.time >= from && s.time <= nowMs);
    return {
      id: 'viewer-delay',
      title: 'Viewers behind real time (glass to glass)',
      unit: 's',
      time: samples.map((s) => s.time / 1000),
      series: [{ label: 'Behind real time', values: samples.map((s) => round(s.seconds)) }],
    };
  }

  private healthSnapshot(from: number, nowMs: number): DashboardData['health'] {
    const samples: HealthWithOptional[] = this.health.filter((s) => s.time >= from && s.time <= nowMs);
    const time = samples.map((s) => s.time / 1000);
    const series = (label: string, pick: (s: HealthWithOptional) => number | undefined): Series => ({
      label,
      values: samples.map((s) => {
        const v = pick(s);
        return typeof v === 'number' && Number.isFinite(v) ? v : null;
      }),
    });
    const panel = (id: PanelId, title: string, unit: string, s: Series[]): Panel => ({ id, title, unit, time, series: s });
    return {
      latest: samples[samples.length - 1] ?? null,
      panels: [
        panel('health-input-fps', 'Input frame rate', 'fps', [series('Input fps', (s) => s.inputFps)]),
        panel('health-input-bitrate', 'Input bitrate', 'bit/s', [series('Input bitrate', (s) => s.inputBitrate)]),
        panel('health-encoder-speed', 'Encoder speed', '× real time', [series('Speed', (s) => s.encoderSpeed)]),
        panel('health-input-connected', 'Input connected', '1 = yes', [series('Connected', (s) => (s.inputConnected ? 1 : 0))]),
        panel('health-input-loss', 'Input loss', 's', [series('Input lost for', (s) => s.inputLossSeconds)]),
        panel('health-restarts', 'Encoder restarts', 'count', [series('Restarts', (s) => s.restarts)]),
        panel('health-dropped-frames', 'Dropped frames', 'count', [series('Dropped (total)', (s) => s.droppedFrames)]),
      ],
    };
  }

  /** The bucket for a minute, created on demand; undefined when the minute is older than every bucket kept. */
  private bucketFor(minute: number): MinuteBucket | undefined {
    const existing = this.buckets.get(minute);
    if (existing) return existing;
    const keep = this.windowMinutes + 1;
    if (this.buckets.size >= keep) {
      const oldest = Math.min(...this.buckets.keys());
      if (minute < oldest) return undefined;
    }
    const bucket = newBucket();
    this.buckets.set(minute, bucket);
    // Drop the oldest minutes beyond the window (keyed by the newest minute seen, not the clock: this stays pure).
    const newest = Math.max(...this.buckets.keys());
    for (const m of [...this.buckets.keys()]) if (m <= newest - keep) this.buckets.delete(m);
    return bucket;
  }

  private addLatency(l: LatencyBucket, turnAround: number, total: number): void {
    if (!Number.isFinite(turnAround) || !Number.isFinite(total)) return;
    l.count += 1;
    l.sumTurnAround += turnAround;
    l.sumTotal += total;
    if (l.turnAround.length < MAX_SAMPLES) {
      l.turnAround.push(turnAround);
      l.total.push(total);
      return;
    }
    // Reservoir sampling (Algorithm R): every request of the minute has the same chance to be kept.
    const j = this.random() % l.count;
    if (j < MAX_SAMPLES) {
      l.turnAround[j] = turnAround;
      l.total[j] = total;
    }
  }

  private random(): number {
    let x = this.seed;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.seed = x >>> 0;
    return this.seed;
  }
}

/** The edge's counters as the dashboard samples them (the cluster keeps `tallies` summed over its workers). */
export function edgeSampleOf(tallies: EdgeTallies, nowMs: number): EdgeSample {
  let requests = 0;
  let errors4xx = 0;
  let errors5xx = 0;
  for (const [status, n] of tallies.requestsByStatus) {
    requests += n;
    if (status >= 400 && status < 500) errors4xx += n;
    else if (status >= 500) errors5xx += n;
  }
  return { time: nowMs, viewers: tallies.viewers, requests, hits: tallies.hits, misses: tallies.misses, bytesSent: tallies.bytesSent, errors4xx, errors5xx };
}

function newBucket(): MinuteBucket {
  const zero = (): Record<StatusClass, number> => ({ '2xx': 0, '4xx': 0, '5xx': 0 });
  const lat = (): LatencyBucket => ({ count: 0, sumTurnAround: 0, sumTotal: 0, turnAround: [], total: [] });
  return {
    requests: { PutObject: 0, DeleteObject: 0, GetObject: 0 },
    statuses: { PutObject: zero(), DeleteObject: zero(), GetObject: zero() },
    latency: { PutObject: lat(), GetObject: lat() },
  };
}

function isCounted(op: OriginOperation): op is CountedOp {
  return op === 'PutObject' || op === 'DeleteObject' || op === 'GetObject';
}

function statusClass(status: number): StatusClass | undefined {
  if (status >= 200 && status < 300) return '2xx';
  if (status >= 400 && status < 500) return '4xx';
  if (status >= 500 && status < 600) return '5xx';
  return undefined;
}

interface LatencySummary {
  turnAroundAvg: number;
  turnAroundP99: number;
  totalAvg: number;
  totalP99: number;
}

function summarise(l: LatencyBucket): LatencySummary | undefined {
  if (l.count === 0) return undefined;
  if (l.memo?.count === l.count) return l.memo.summary;
  const summary = {
    turnAroundAvg: round(l.sumTurnAround / l.count),
    turnAroundP99: round(percentile(l.turnAround, 0.99)),
    totalAvg: round(l.sumTotal / l.count),
    totalP99: round(percentile(l.total, 0.99)),
  };
  l.memo = { count: l.count, summary };
  return summary;
}

/** Exact nearest-rank percentile: the smallest value with at least p of the values at or below it. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[rank - 1];
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}
