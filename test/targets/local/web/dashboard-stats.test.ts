import { utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { AccessLogEntry } from '../../../../src/targets/local/origin/access-log.js';
import {
  DashboardStats,
  edgeSampleOf,
  MAX_HEALTH,
  MAX_SAMPLES,
  loadAccessLogHistory,
  percentile,
  type ChannelHealthSample,
  type DashboardData,
  type EdgeSample,
  type Panel,
} from '../../../../src/targets/local/web/dashboard-stats.js';
import { createLocalMetrics } from '../../../../src/targets/local/plumbing/metrics.js';
import { makeTmpDir } from '../../../helpers/tmp-dir.js';

const T0 = Date.UTC(2025, 0, 15, 4, 0, 0); // a minute boundary, in the past (history files are written now)
const MIN = 60_000;

function entry(over: Partial<AccessLogEntry> = {}): AccessLogEntry {
  return {
    RequestTime: new Date(T0 + 1000).toISOString(),
    Operation: 'GetObject',
    Path: '/stream/index_480x270_00001.ts',
    HTTPStatus: 200,
    TurnAroundTime: 1,
    TotalTime: 2,
    ObjectSize: 1000,
    BytesSent: 1000,
    BytesReceived: 0,
    RequestID: 'r',
    RemoteIP: '127.0.0.1',
    UserAgent: 'test',
    Requester: 'edge',
    ContainerName: 'demo',
    ...over,
  };
}

function panel(data: DashboardData, id: string): Panel {
  const p = [...data.panels, ...data.health.panels].find((x) => x.id === id);
  if (!p) throw new Error(`no panel ${id}`);
  return p;
}

/** The panel's values at the last minute of the window, by series label. */
function lastMinute(data: DashboardData, id: string): Record<string, number | null> {
  const p = panel(data, id);
  return Object.fromEntries(p.series.map((s) => [s.label, s.values[s.values.length - 1]]));
}

describe('DashboardStats panels', () => {
  it('has exactly the ten Appendix D panels, in the guide order, one point per minute of the window', () => {
    const data = new DashboardStats({ windowMinutes: 5 }).snapshot(T0 + 30_000);
    expect(data.panels.map((p) => p.title)).toEqual([
      'Ingress TPM (Transactions Per Minute)',
      'Egress TPM (Transactions Per Minute)',
      'Put Object Latencies (Successful Requests)',
      'Get Object Latencies (Successful Requests)',
      'Ingress 2xx Status Count by Operation',
      'Ingress 4xx Status Count by Operation',
      'Ingress 5xx Status Count by Operation',
      'Egress 2xx Status Count by Operation',
      'Egress 4xx Status Count by Operation',
      'Egress 5xx Status Count by Operation',
    ]);
    for (const p of data.panels) {
      expect(p.time).toEqual([-4, -3, -2, -1, 0].map((m) => (T0 + m * MIN) / 1000));
      for (const s of p.series) expect(s.values).toHaveLength(5);
    }
  });

  const cases: Array<{ name: string; entries: Array<Partial<AccessLogEntry>>; panel: string; expected: Record<string, number | null> }> = [
    {
      name: 'ingress TPM counts PutObject and DeleteObject whatever the status, not HEAD or List',
      entries: [
        { Operation: 'PutObject' }, { Operation: 'PutObject', HTTPStatus: 500 }, { Operation: 'PutObject', HTTPStatus: 403 },
        { Operation: 'DeleteObject', HTTPStatus: 204 }, { Operation: 'HeadObject' }, { Operation: 'ListItems' }, { Operation: 'GetObject' },
      ],
      panel: 'ingress-tpm',
      expected: { PutObject: 3, DeleteObject: 1 },
    },
    {
      name: 'egress TPM counts GetObject, including 304 and errors',
      entries: [{}, {}, { HTTPStatus: 304 }, { HTTPStatus: 404 }, { Operation: 'PutObject' }, { Operation: 'HeadObject' }],
      panel: 'egress-tpm',
      expected: { GetObject: 4 },
    },
    {
      name: 'ingress 2xx by operation',
      entries: [{ Operation: 'PutObject', HTTPStatus: 201 }, { Operation: 'PutObject' }, { Operation: 'DeleteObject', HTTPStatus: 204 }, { Operation: 'PutObject', HTTPStatus: 400 }],
      panel: 'ingress-2xx',
      expected: { PutObject: 2, DeleteObject: 1 },
    },
    {
      name: 'ingress 4xx by operation',
      entries: [{ Operation: 'PutObject', HTTPStatus: 401 }, { Operation: 'DeleteObject', HTTPStatus: 404 }, { Operation: 'DeleteObject', HTTPStatus: 404 }, { Operation: 'PutObject', HTTPStatus: 500 }],
      panel: 'ingress-4xx',
      expected: { PutObject: 1, DeleteObject: 2 },
    },
    {
      name: 'ingress 5xx by operation',
      entries: [{ Operation: 'PutObject', HTTPStatus: 500 }, { Operation: 'PutObject', HTTPStatus: 503 }, { Operation: 'DeleteObject', HTTPStatus: 200 }],
      panel: 'ingress-5xx',
      expected: { PutObject: 2, DeleteObject: 0 },
    },
    {
      name: 'egress 2xx: 200 and 206 count, 304 does not',
      entries: [{}, { HTTPStatus: 206 }, { HTTPStatus: 304 }, { Operation: 'HeadObject' }],
      panel: 'egress-2xx',
      expected: { GetObject: 2 },
    },
    {
      name: 'egress 4xx',
      entries: [{ HTTPStatus: 404 }, { HTTPStatus: 416 }, { HTTPStatus: 200 }],
      panel: 'egress-4xx',
      expected: { GetObject: 2 },
    },
    {
      name: 'egress 5xx',
      entries: [{ HTTPStatus: 502 }, { HTTPStatus: 404 }],
      panel: 'egress-5xx',
      expected: { GetObject: 1 },
    },
    {
      name: 'PutObject latency: avg and p99 of both times over successful requests only',
      entries: [
        { Operation: 'PutObject', TurnAroundTime: 2, TotalTime: 10 },
        { Operation: 'PutObject', TurnAroundTime: 4, TotalTime: 30 },
        { Operation: 'PutObject', TurnAroundTime: 900, TotalTime: 900, HTTPStatus: 500 },
        { Operation: 'GetObject', TurnAroundTime: 700, TotalTime: 700 },
      ],
      panel: 'put-latency',
      expected: { 'TurnAroundTime avg': 3, 'TurnAroundTime p99': 4, 'TotalTime avg': 20, 'TotalTime p99': 30 },
    },
    {
      name: 'GetObject latency over 100 requests: p99 is the 99th value',
      entries: Array.from({ length: 100 }, (_, i) => ({ TurnAroundTime: i + 1, TotalTime: 10 * (i + 1) })),
      panel: 'get-latency',
      expected: { 'TurnAroundTime avg': 50.5, 'TurnAroundTime p99': 99, 'TotalTime avg': 505, 'TotalTime p99': 990 },
    },
    {
      name: 'latency is null (a gap, not zero) in a minute with no successful request',
      entries: [{ HTTPStatus: 404, TurnAroundTime: 5, TotalTime: 5 }],
      panel: 'get-latency',
      expected: { 'TurnAroundTime avg': null, 'TurnAroundTime p99': null, 'TotalTime avg': null, 'TotalTime p99': null },
    },
    {
      name: 'entries with an unreadable RequestTime are ignored',
      entries: [{ RequestTime: 'yesterday' }, {}],
      panel: 'egress-tpm',
      expected: { GetObject: 1 },
    },
  ];

  it.each(cases)('$name', ({ entries, panel: id, expected }) => {
    const stats = new DashboardStats({ windowMinutes: 3 });
    for (const e of entries) stats.record(entry(e));
    expect(lastMinute(stats.snapshot(T0 + 59_000), id)).toEqual(expected);
  });

  it('puts each entry in its own minute and shows only the window', () => {
    const stats = new DashboardStats({ windowMinutes: 3 });
    const at = (ms: number) => entry({ RequestTime: new Date(ms).toISOString() });
    stats.record(at(T0 - 5 * MIN)); // before the window
    stats.record(at(T0 - 2 * MIN + 59_999));
    stats.record(at(T0 - MIN));
    stats.record(at(T0 - MIN + 1));
    stats.record(at(T0));
    stats.record(at(T0 + 59_999));
    stats.record(at(T0 + 59_999));
    const tpm = panel(stats.snapshot(T0 + 10_000), 'egress-tpm');
    expect(tpm.series[0].values).toEqual([1, 2, 3]);
  });

  it('keeps at most window + 1 minute buckets however long it runs', () => {
    const stats = new DashboardStats({ windowMinutes: 10 });
    for (let m = 0; m < 500; m++) stats.record(entry({ RequestTime: new Date(T0 + m * MIN).toISOString() }));
    const buckets = (stats as unknown as { buckets: Map<number, unknown> }).buckets;
    expect(buckets.size).toBe(11);
    // A late entry older than every kept bucket is dropped rather than growing memory.
    stats.record(entry({ RequestTime: new Date(T0).toISOString() }));
    expect(buckets.size).toBe(11);
    expect(panel(stats.snapshot(T0 + 499 * MIN), 'egress-tpm').series[0].values).toEqual(Array(10).fill(1));
  });

  it('keeps at most MAX_SAMPLES latency samples per minute, with the average still exact', () => {
    const stats = new DashboardStats({ windowMinutes: 1 });
    const n = 2 * MAX_SAMPLES + 17;
    for (let i = 1; i <= n; i++) stats.record(entry({ TurnAroundTime: i, TotalTime: i }));
    const buckets = (stats as unknown as { buckets: Map<number, { latency: { GetObject: { turnAround: unknown[]; total: unknown[] } } }> }).buckets;
    expect([...buckets.values()][0].latency.GetObject.turnAround).toHaveLength(MAX_SAMPLES);
    expect([...buckets.values()][0].latency.GetObject.total).toHaveLength(MAX_SAMPLES);
    const v = lastMinute(stats.snapshot(T0), 'get-latency');
    expect(v['TurnAroundTime avg']).toBe((n + 1) / 2);
    // The reservoir is a uniform sample: its p99 lands near the true one (0.99 n), far from the median.
    expect(v['TurnAroundTime p99']).toBeGreaterThan(0.95 * n);
  });

  it('defaults to a 60-minute window', () => {
    expect(new DashboardStats({}).snapshot(T0).panels[0].time).toHaveLength(60);
  });
});

describe('percentile (nearest rank)', () => {
  it.each([
    { values: [7], p: 0.99, expected: 7 },
    { values: [3, 1, 2], p: 0.5, expected: 2 },
    { values: Array.from({ length: 100 }, (_, i) => 100 - i), p: 0.99, expected: 99 },
    { values: Array.from({ length: 200 }, (_, i) => i + 1), p: 0.99, expected: 198 },
    { values: Array.from({ length: 1000 }, (_, i) => i + 1), p: 0.99, expected: 990 },
    { values: [5, 5, 5, 1000], p: 0.99, expected: 1000 },
  ])('p$p of $values.length values is $expected', ({ values, p, expected }) => {
    expect(percentile(values, p)).toBe(expected);
  });

  it('is NaN for no values', () => {
    expect(percentile([], 0.99)).toBeNaN();
  });
});

describe('DashboardStats channel health', () => {
  const sample = (over: Partial<ChannelHealthSample>): ChannelHealthSample => ({
    time: T0, state: 'running', inputConnected: true, inputFps: 30, inputBitrate: 2_000_000, encoderSpeed: 1.5, restarts: 0, ...over,
  });

  it('charts every health field over time and reports the latest sample', () => {
    const stats = new DashboardStats({ windowMinutes: 5 });
    stats.recordHealth(sample({ time: T0 }));
    stats.recordHealth(sample({ time: T0 + 10_000, inputConnected: false, inputFps: undefined, inputBitrate: undefined, encoderSpeed: 1.1, restarts: 1, inputLossSeconds: 4, state: 'recovering' }));
    const data = stats.snapshot(T0 + 20_000);
    expect(data.health.latest?.state).toBe('recovering');
    const byId = Object.fromEntries(data.health.panels.map((p) => [p.id, Object.fromEntries(p.series.map((s) => [s.label, s.values]))]));
    expect(data.health.panels[0].time).toEqual([T0 / 1000, T0 / 1000 + 10]);
    expect(byId).toEqual({
      'health-input-fps': { 'Input fps': [30, null] },
      'health-input-bitrate': { 'Input bitrate': [2_000_000, null] },
      'health-encoder-speed': { Speed: [1.5, 1.1] },
      'health-input-connected': { Connected: [1, 0] },
      'health-input-loss': { 'Input lost for': [null, 4] },
      'health-restarts': { Restarts: [0, 1] },
      'health-dropped-frames': { 'Dropped (total)': [null, null] },
    });
  });

  it('keeps samples sorted when one arrives late, and only the window', () => {
    const stats = new DashboardStats({ windowMinutes: 1 });
    stats.recordHealth(sample({ time: T0, restarts: 0 }));
    stats.recordHealth(sample({ time: T0 + 20_000, restarts: 2 }));
    stats.recordHealth(sample({ time: T0 + 10_000, restarts: 1 }));
    stats.recordHealth(sample({ time: T0 + 70_000, restarts: 3 })); // pushes T0 out of the 1-minute window
    const restarts = stats.snapshot(T0 + 70_000).health.panels.find((p) => p.id === 'health-restarts');
    expect(restarts?.series[0].values).toEqual([1, 2, 3]);
  });

  it('keeps at most MAX_HEALTH samples', () => {
    const stats = new DashboardStats({ windowMinutes: 600 });
    for (let i = 0; i < MAX_HEALTH + 50; i++) stats.recordHealth(sample({ time: T0 + i * 100 }));
    const data = stats.snapshot(T0 + (MAX_HEALTH + 50) * 100);
    expect(data.health.panels[0].time).toHaveLength(MAX_HEALTH);
    expect(data.health.latest?.time).toBe(T0 + (MAX_HEALTH + 49) * 100);
  });

  it('has no latest sample before the encoder reports', () => {
    expect(new DashboardStats().snapshot(T0).health.latest).toBeNull();
  });
});

describe('loadAccessLogHistory', () => {
  let dir: string;
  beforeEach(async () => { dir = await makeTmpDir('ls-history-'); });

  const line = (ms: number, op: AccessLogEntry['Operation'] = 'GetObject') => JSON.stringify(entry({ RequestTime: new Date(ms).toISOString(), Operation: op }));

  it('reads every origin-access-*.jsonl file since the given time, oldest first, skipping corrupt lines', async () => {
    await writeFile(path.join(dir, 'origin-access-2026112504.jsonl'), [
      line(T0 + 3000, 'PutObject'),
      '{"RequestTime": "2026-11-25T04:00:0', // truncated by a crash
      'not json',
      '',
      JSON.stringify({ RequestTime: 'never', Operation: 'GetObject', HTTPStatus: 200 }),
      JSON.stringify([1, 2]),
      line(T0 - 10 * MIN), // before sinceMs
    ].join('\n'));
    await writeFile(path.join(dir, 'origin-access-2026112503.jsonl'), `${line(T0 + 1000)}\n${line(T0 + 2000, 'DeleteObject')}\n`);
    await writeFile(path.join(dir, 'edge-access.log'), `${line(T0 + 500)}\n`);
    const entries = await loadAccessLogHistory(dir, T0 - MIN);
    expect(entries.map((e) => [Date.parse(e.RequestTime) - T0, e.Operation])).toEqual([
      [1000, 'GetObject'],
      [2000, 'DeleteObject'],
      [3000, 'PutObject'],
    ]);
  });

  it('skips files last written before the time asked for', async () => {
    const old = path.join(dir, 'origin-access-old.jsonl');
    await writeFile(old, `${line(T0 + 1000)}\n`); // content claims to be recent, but the file is old
    await utimes(old, new Date(T0 - 2 * MIN), new Date(T0 - 2 * MIN));
    expect(await loadAccessLogHistory(dir, T0 - MIN)).toEqual([]);
  });

  it('gives nothing for a folder that does not exist yet', async () => {
    expect(await loadAccessLogHistory(path.join(dir, 'missing'), 0)).toEqual([]);
  });

  it('rebuilds the same charts as live recording', async () => {
    await writeFile(path.join(dir, 'origin-access-a.jsonl'), [line(T0 + 1000, 'PutObject'), line(T0 + 2000)].join('\n'));
    const stats = new DashboardStats({ windowMinutes: 2 });
    for (const e of await loadAccessLogHistory(dir, T0 - 2 * MIN)) stats.record(e);
    const data = stats.snapshot(T0 + 5000);
    expect(lastMinute(data, 'ingress-tpm')).toEqual({ PutObject: 1, DeleteObject: 0 });
    expect(lastMinute(data, 'egress-tpm')).toEqual({ GetObject: 1 });
  });
});

describe('DashboardStats chart span', () => {
  const health = (time: number): ChannelHealthSample => ({ time, state: 'RUNNING', inputConnected: true, restarts: 0 });

  it('charts a new stack from its start, not a fixed hour (the old charts were a sliver at the right edge)', () => {
    const stats = new DashboardStats({ windowMinutes: 60, startedAt: T0 + 20_000 });
    stats.record(entry({ RequestTime: new Date(T0 + 30_000).toISOString() }));
    stats.recordHealth(health(T0 + 40_000));
    const data = stats.snapshot(T0 + 2 * MIN + 10_000);
    // The start's minute to now: three points per minute panel, the range shared by every panel.
    expect(data.range).toEqual({ from: T0 / 1000, to: (T0 + 2 * MIN + 10_000) / 1000 });
    for (const p of data.panels) expect(p.time).toEqual([T0 / 1000, T0 / 1000 + 60, T0 / 1000 + 120]);
    expect(panel(data, 'egress-tpm').series[0].values).toEqual([1, 0, 0]);
    expect(data.health.panels[0].time).toEqual([(T0 + 40_000) / 1000]);
  });

  it('starts at the oldest data when that is older than the start (a restarted daemon read its history), within the window', () => {
    const stats = new DashboardStats({ windowMinutes: 10, startedAt: T0 });
    stats.record(entry({ RequestTime: new Date(T0 - 3 * MIN).toISOString() }));
    expect(stats.snapshot(T0).range.from).toBe((T0 - 3 * MIN) / 1000);
    // Older than the window: the window.
    const long = new DashboardStats({ windowMinutes: 10, startedAt: T0 - 30 * MIN });
    expect(long.snapshot(T0).range.from).toBe((T0 - 10 * MIN) / 1000);
    expect(long.snapshot(T0).panels[0].time).toEqual(Array.from({ length: 10 }, (_, i) => (T0 - (9 - i) * MIN) / 1000));
  });

  it('charts the whole window when it knows neither a start nor any data', () => {
    expect(new DashboardStats({ windowMinutes: 5 }).snapshot(T0).range).toEqual({ from: (T0 - 5 * MIN) / 1000, to: T0 / 1000 });
  });
});

describe('DashboardStats viewer panels', () => {
  const sample = (time: number, over: Partial<EdgeSample> = {}): EdgeSample => ({
    time, viewers: 1, requests: 0, hits: 0, misses: 0, bytesSent: 0, errors4xx: 0, errors5xx: 0, ...over,
  });
  const values = (data: DashboardData, id: string): Record<string, Array<number | null>> =>
    Object.fromEntries(data.edge.panels.find((p) => p.id === id)!.series.map((s) => [s.label, s.values]));

  it('charts viewers, requests/s, hit ratio, bit/s out and errors/s between consecutive samples of the counters', () => {
    const stats = new DashboardStats({ windowMinutes: 10, startedAt: T0 });
    stats.recordEdge(sample(T0));
    stats.recordEdge(sample(T0 + 5_000, { viewers: 2, requests: 50, hits: 40, misses: 10, bytesSent: 625_000, errors4xx: 5, errors5xx: 0 }));
    stats.recordEdge(sample(T0 + 10_000, { viewers: 1, requests: 60, hits: 40, misses: 10, bytesSent: 625_000, errors4xx: 5, errors5xx: 10 }));
    const data = stats.snapshot(T0 + 10_000);
    expect(data.edge.panels.map((p) => p.id)).toEqual(['viewer-count', 'viewer-requests', 'viewer-hit-ratio', 'viewer-bytes-out', 'viewer-errors', 'viewer-delay']);
    expect(data.edge.panels[0].time).toEqual([T0 / 1000 + 5, T0 / 1000 + 10]);
    expect(values(data, 'viewer-count')).toEqual({ Viewers: [2, 1] });
    expect(values(data, 'viewer-requests')).toEqual({ Requests: [10, 2] });
    // No hit and no miss in an interval (only errors): no ratio rather than 0 %.
    expect(values(data, 'viewer-hit-ratio')).toEqual({ Hits: [80, null] });
    expect(values(data, 'viewer-bytes-out')).toEqual({ Sent: [1_000_000, 0] });
    expect(values(data, 'viewer-errors')).toEqual({ '4xx': [1, 0], '5xx': [0, 2] });
  });

  it('leaves a gap where a counter went back (the edge restarted) rather than a negative rate', () => {
    const stats = new DashboardStats({ windowMinutes: 10 });
    stats.recordEdge(sample(T0, { requests: 100 }));
    stats.recordEdge(sample(T0 + 5_000, { requests: 10 }));
    stats.recordEdge(sample(T0 + 10_000, { requests: 20 }));
    expect(values(stats.snapshot(T0 + 10_000), 'viewer-requests')).toEqual({ Requests: [null, 2] });
  });

  it('reads a sample from the edge tallies: requests and errors from the statuses', () => {
    const tallies = createLocalMetrics().edge;
    tallies.requestsByStatus.set(200, 90).set(304, 3).set(404, 4).set(416, 1).set(502, 2);
    Object.assign(tallies, { hits: 80, misses: 13, bytesSent: 12345, viewers: 3 });
    expect(edgeSampleOf(tallies, T0)).toEqual({ time: T0, viewers: 3, requests: 100, hits: 80, misses: 13, bytesSent: 12345, errors4xx: 5, errors5xx: 2 });
  });

  it('charts dropped frames when the encoder reports them, and nothing (not zeros) when it does not', () => {
    const stats = new DashboardStats({ windowMinutes: 10 });
    stats.recordHealth({ time: T0, state: 'RUNNING', inputConnected: true, restarts: 0 });
    stats.recordHealth({ time: T0 + 2_000, state: 'RUNNING', inputConnected: true, restarts: 0, droppedFrames: 7 } as ChannelHealthSample);
    const dropped = stats.snapshot(T0 + 2_000).health.panels.find((p) => p.id === 'health-dropped-frames')!;
    expect(dropped.series[0].values).toEqual([null, 7]);
  });
});
