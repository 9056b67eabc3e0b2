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

type LiveSync = (targetDuration: number, partHoldBack?: number) => Record<string, unknown>;

type CatchUpRate = (delay: number, bufferAhead: number, targetDuration: number, currentRate: number, maxRate: number, behindEdgeSeconds?: number) => number | null;
type ViewerChoseRate = (rate: number, sync: Record<string, unknown>) => boolean;
interface PlayerScript { livestreamLiveSync: LiveSync; livestreamCatchUpRate: CatchUpRate; livestreamViewerChoseRate: ViewerChoseRate }

async function loadPlayerScript(): Promise<PlayerScript> {
  const source = await readFile(`${resolveAssetDir()}player/live-sync.js`, 'utf8');
  const window = {} as PlayerScript;
  new Function('window', source)(window);
  return window;
}

async function loadLiveSync(): Promise<LiveSync> {
  return (await loadPlayerScript()).livestreamLiveSync;
}

describe('player live-sync settings (live-sync.js)', () => {
  it.each([
    [1, 0, { mode: 'low', liveSyncDurationCount: 3, behindEdgeSeconds: 3, liveMaxLatencyDurationCount: 8, maxLiveSyncPlaybackRate: 1.1, catchUpRate: 1.1 }],
    [2, 0, { mode: 'low', liveSyncDurationCount: 3, behindEdgeSeconds: 6, liveMaxLatencyDurationCount: 8, maxLiveSyncPlaybackRate: 1.1, catchUpRate: 1.1 }],
    // The local low mode: parts and blocking reload, so hls.js sits PART-HOLD-BACK behind the newest part.
    [1, 1.66667, { mode: 'low, LL-HLS parts', liveSyncDurationCount: 3, behindEdgeSeconds: 1.66667, liveMaxLatencyDurationCount: 4, maxLiveSyncPlaybackRate: 1.1, catchUpRate: 1.1 }],
    [4, 0, { mode: 'standard', liveSyncDurationCount: 3, behindEdgeSeconds: 12, liveMaxLatencyDurationCount: Infinity, maxLiveSyncPlaybackRate: 1, catchUpRate: 1.1 }],
    [6, 0, { mode: 'standard', liveSyncDurationCount: 3, behindEdgeSeconds: 18, liveMaxLatencyDurationCount: Infinity, maxLiveSyncPlaybackRate: 1, catchUpRate: 1.1 }],
  ])('target duration %d s, PART-HOLD-BACK %d -> %j', async (target, partHoldBack, expected) => {
    expect((await loadLiveSync())(target, partHoldBack)).toEqual(expected);
  });
});

describe('a speed the viewer picked is left alone (live-sync.js viewerChoseRate)', () => {
  it.each([
    ['low', 1, 1, false],
    ['low', 1.1, 1, false], // hls.js's or the page's own catch-up
    ['low', 1.25, 1, true],
    ['low', 0.5, 1, true],
    ['standard', 1.1, 4, false], // the page's catch-up (hls.js stays at 1x in standard)
    ['standard', 2, 4, true],
    ['standard', 0.75, 4, true],
  ])('%s mode, rate %d: picked by the viewer %s', async (_mode, rate, target, expected) => {
    const { livestreamLiveSync, livestreamViewerChoseRate } = await loadPlayerScript();
    expect(livestreamViewerChoseRate(rate, livestreamLiveSync(target))).toBe(expected);
  });
});

describe('catching up by the true delay (live-sync.js catchUpRate)', () => {
  // Standard: 4 s segments, the delay to hold is 3 x 4 + 1.5 = 13.5 s, sped up beyond 14.5 s. Low: 3 x 1 + 1 = 4 s, sped up beyond 4.5 s.
  it.each([
    ['standard, 19 s behind with 8 s buffered: speeds up', 19, 8, 4, 1, 1.1],
    ['standard, 14 s behind (within a second of 13.5): left alone', 14, 8, 4, 1, null],
    ['standard, 19 s behind but only 3 s buffered (less than a segment): not sped up', 19, 3, 4, 1, null],
    ['standard, catching up, still 14 s behind: goes on', 14, 8, 4, 1.1, null],
    ['standard, catching up, 13.7 s behind (within a quarter second): back to 1x', 13.7, 8, 4, 1.1, 1],
    ['standard, catching up, the buffer fell to 1.5 s: back to 1x before it stalls', 17, 1.5, 4, 1.1, 1],
    ['low, 4.7 s behind with 2 s buffered: speeds up (more than half a segment beyond 4 s)', 4.7, 2, 1, 1, 1.1],
    ['low, 4.4 s behind: left alone', 4.4, 3, 1, 1, null],
    ['low, catching up, 4.3 s behind: goes on', 4.3, 3, 1, 1.1, null],
    ['low, catching up, 4.2 s behind: back to 1x', 4.2, 3, 1, 1.1, 1],
    ['no program date time: left to hls.js', NaN, 8, 4, 1, null],
  ])('%s', async (_what, delay, buffer, target, rate, expected) => {
    const { livestreamCatchUpRate } = await loadPlayerScript();
    expect(livestreamCatchUpRate(delay, buffer, target, rate, 1.1)).toBe(expected);
  });

  // LL-HLS parts: the delay to hold is PART-HOLD-BACK (1.67 s) + 1 = 2.67 s, sped up beyond 3.17 s.
  it.each([
    ['parts, 3.3 s behind with 1.5 s buffered: speeds up', 3.3, 1.5, 1, 1.1],
    ['parts, 3.1 s behind: left alone', 3.1, 1.5, 1, null],
    ['parts, catching up, 3 s behind: goes on', 3, 1.5, 1.1, null],
    ['parts, catching up, 2.8 s behind: back to 1x', 2.8, 1.5, 1.1, 1],
  ])('%s', async (_what, delay, buffer, rate, expected) => {
    const { livestreamCatchUpRate, livestreamLiveSync } = await loadPlayerScript();
    const { behindEdgeSeconds } = livestreamLiveSync(1, 1.66667) as { behindEdgeSeconds: number };
    expect(livestreamCatchUpRate(delay, buffer, 1, rate, 1.1, behindEdgeSeconds)).toBe(expected);
  });

  it('never speeds up when the mode allows no catching up (max rate 1)', async () => {
    const { livestreamCatchUpRate } = await loadPlayerScript();
    expect(livestreamCatchUpRate(30, 20, 4, 1, 1)).toBeNull();
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
