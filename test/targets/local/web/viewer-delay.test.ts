/**
 * Glass to glass, from the player to `status`: the player's live-sync settings per segment length
 * (live-sync.js, evaluated as the browser would), its delay beacon taken by the web handler, the
 * dashboard's panel of the reports, and status's Latency line.
 */
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProfile } from '../../../../src/core/profiles.js';
import { DashboardStats } from '../../../../src/targets/local/web/dashboard-stats.js';
import { createWebHandler, resolveAssetDir, VIEWER_DELAY_PATH } from '../../../../src/targets/local/web/web-handler.js';
import { describeLiveLatency } from '../../../../src/targets/local/daemon/live-status.js';

type LiveSync = (targetDuration: number) => Record<string, unknown>;

async function loadLiveSync(): Promise<LiveSync> {
  const source = await readFile(`${resolveAssetDir()}player/live-sync.js`, 'utf8');
  const window: { livestreamLiveSync?: LiveSync } = {};
  new Function('window', source)(window);
  return window.livestreamLiveSync!;
}

describe('player live-sync settings (live-sync.js)', () => {
  it.each([
    [1, { mode: 'low', liveSyncDurationCount: 3, liveMaxLatencyDurationCount: 8, maxLiveSyncPlaybackRate: 1.1 }],
    [2, { mode: 'low', liveSyncDurationCount: 3, liveMaxLatencyDurationCount: 8, maxLiveSyncPlaybackRate: 1.1 }],
    [4, { mode: 'standard', liveSyncDurationCount: 3, liveMaxLatencyDurationCount: Infinity, maxLiveSyncPlaybackRate: 1 }],
    [6, { mode: 'standard', liveSyncDurationCount: 3, liveMaxLatencyDurationCount: Infinity, maxLiveSyncPlaybackRate: 1 }],
  ])('target duration %d s -> %j', async (target, expected) => {
    expect((await loadLiveSync())(target)).toEqual(expected);
  });
});

describe('the player\'s delay beacon', () => {
  let server: http.Server;
  let base: string;
  const stats = new DashboardStats({ windowMinutes: 5 });
  const taken: number[] = [];

  beforeAll(async () => {
    const handle = createWebHandler({
      stackName: 'demo',
      ladder: await loadProfile('SD-540p'),
      dashboard: () => stats.snapshot(Date.now()),
      onViewerDelay: (s) => {
        taken.push(s);
        stats.recordViewerDelay({ time: Date.now(), seconds: s });
      },
    });
    server = http.createServer((req, res) => {
      void handle(req, res).then((handled) => (handled ? undefined : res.writeHead(404).end()));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const post = (body: string) => fetch(base + VIEWER_DELAY_PATH, { method: 'POST', body });

  it('takes a delay (204) and the dashboard plots it', async () => {
    expect((await post('{"delaySeconds":3.25}')).status).toBe(204);
    expect((await post('{"delaySeconds":4.5}')).status).toBe(204);
    expect(taken).toEqual([3.25, 4.5]);
    const panel = (await (await fetch(`${base}/api/dashboard`)).json()).edge.panels.find((p: { id: string }) => p.id === 'viewer-delay');
    expect(panel).toMatchObject({ title: 'Viewers behind real time (glass to glass)', unit: 's', series: [{ label: 'Behind real time', values: [3.25, 4.5] }] });
    expect(panel.time).toHaveLength(2);
    expect(stats.latestViewerDelay()?.seconds).toBe(4.5);
  });

  it.each([
    ['not JSON', 'delay=3', 400],
    ['a negative delay', '{"delaySeconds":-1}', 400],
    ['a delay of an hour (a wrong clock)', '{"delaySeconds":3600}', 400],
    ['a string', '{"delaySeconds":"3"}', 400],
    ['a body over 1 KB', JSON.stringify({ delaySeconds: 3, pad: 'x'.repeat(2000) }), 413],
  ])('refuses %s', async (_what, body, status) => {
    const before = taken.length;
    expect((await post(body)).status).toBe(status);
    expect(taken).toHaveLength(before);
  });

  it('a GET of the beacon path is not taken', async () => {
    expect((await fetch(base + VIEWER_DELAY_PATH)).status).toBe(404);
  });
});

describe('status: Latency line', () => {
  it.each([
    [{ mode: 'low', segmentSeconds: 1 } as const, 'low (1 s segments); no player has reported its delay yet (open the player)'],
    [{ mode: 'standard', segmentSeconds: 4, viewerDelaySeconds: 14.25, viewerDelayAt: '2026-12-01T12:00:00.000Z' } as const,
      'standard (4 s segments); a viewer was 14.3 s behind real time (player report at 2026-12-01T12:00:00.000Z)'],
  ])('%j', (latency, line) => {
    expect(describeLiveLatency(latency)).toBe(line);
  });
});
