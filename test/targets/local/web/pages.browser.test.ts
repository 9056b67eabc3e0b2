/**
 * The player and the dashboard in a real Chromium, over a real HLS stream made by ffmpeg.
 * Screenshots go to LIVESTREAM_SCREENSHOT_DIR when set (to look at them), else to the test's folder.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProfile } from '../../../../src/core/profiles.js';
import type { AccessLogEntry } from '../../../../src/targets/local/origin/access-log.js';
import { DashboardStats } from '../../../../src/targets/local/web/dashboard-stats.js';
import { createWebHandler } from '../../../../src/targets/local/web/web-handler.js';
import { launchChromium } from '../../../helpers/browser.js';
import { makeHlsFixture } from '../../../helpers/hls-fixture.js';
import { makeTmpDir } from '../../../helpers/tmp-dir.js';

const APPENDIX_D_TITLES = [
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
];

const TYPES: Record<string, string> = { '.m3u8': 'application/vnd.apple.mpegurl', '.ts': 'video/mp2t' };

describe('player and dashboard in Chromium', () => {
  let dir: string;
  let shots: string;
  let server: http.Server;
  let base: string;
  let browser: Browser;
  const stats = new DashboardStats({ windowMinutes: 15 });
  /** What /api/dashboard serves: `stats` (ten minutes of traffic), or a young stack in one test. */
  let dashboardStats = stats;
  let liveStart = 0;
  /** What the player's beacon reported (POST /api/viewer-delay). */
  const delayReports: Array<{ at: number; seconds: number }> = [];

  beforeAll(async () => {
    dir = await makeTmpDir('ls-web-');
    shots = process.env.LIVESTREAM_SCREENSHOT_DIR ?? dir;
    await makeHlsFixture(dir, { seconds: 10 });
    feedSyntheticTraffic(stats, Date.now());

    const handle = createWebHandler({
      stackName: 'browser-test',
      ladder: await loadProfile('SD-540p'),
      dashboard: () => dashboardStats.snapshot(Date.now()),
      status: () => ({ channel: { state: 'running' }, viewers: 7 }),
      onViewerDelay: (seconds) => delayReports.push({ at: Date.now(), seconds }),
    });
    liveStart = Date.now();
    server = http.createServer((req, res) => {
      handle(req, res).then(async (handled) => {
        if (handled) return;
        const live = livePlaylist((req.url ?? '').split('?')[0], Date.now() - liveStart, liveStart);
        if (live !== undefined) {
          res.writeHead(200, { 'Content-Type': TYPES['.m3u8'], 'Cache-Control': 'no-cache' }).end(live);
          return;
        }
        // Stands in for the edge: the fixture under /stream/ (and again under /alt/ for ?src=).
        const m = /^\/(stream|alt)\/([A-Za-z0-9_.-]+)$/.exec((req.url ?? '').split('?')[0]);
        const file = m ? path.join(dir, 'stream', m[2]) : undefined;
        const info = file ? await stat(file).catch(() => undefined) : undefined;
        if (!file || !info?.isFile()) {
          res.writeHead(404).end();
          return;
        }
        res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'Content-Length': info.size });
        createReadStream(file).pipe(res);
      }, () => res.writeHead(500).end());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
    server?.closeAllConnections();
  });

  /** A page that records its console errors and uncaught exceptions. */
  async function openPage(width: number, height: number): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage({ viewport: { width, height } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    return { page, errors };
  }

  it('Chromium can decode H.264 and AAC through Media Source Extensions', async () => {
    const { page } = await openPage(320, 240);
    try {
      expect(await page.evaluate(() => MediaSource.isTypeSupported('video/mp4; codecs="avc1.42E01E,mp4a.40.2"'))).toBe(true);
      // The built-in ladders are High (1080p: level 4, 720p: 3.1); Main for ladder files that say so.
      for (const codec of ['avc1.640028', 'avc1.64001f', 'avc1.4d401f']) {
        expect(await page.evaluate((c) => MediaSource.isTypeSupported(`video/mp4; codecs="${c},mp4a.40.2"`), codec), codec).toBe(true);
      }
    } finally {
      await page.close();
    }
  });

  it('/player/ plays the stream and shows its two renditions', async () => {
    const { page, errors } = await openPage(1280, 760);
    try {
      await page.goto(`${base}/player/`);
      await page.waitForFunction(() => (window as any).__player.video.currentTime > 2, undefined, { timeout: 30_000 });
      expect(await page.locator('#ladder tbody tr').allTextContents()).toEqual([
        expect.stringContaining('480x270'),
        expect.stringContaining('320x180'),
      ]);
      // The rendition playing is highlighted once hls.js reports LEVEL_SWITCHED.
      await page.locator('#ladder tr.playing').waitFor({ timeout: 10_000 });
      expect(await page.locator('#s-level').textContent()).toMatch(/^(480x270|320x180) \(auto\)$/);
      expect(await page.locator('#s-buffer').textContent()).toMatch(/^\d+\.\d s$/);
      expect(await page.locator('#banner').isHidden()).toBe(true);
      await page.screenshot({ path: path.join(shots, 'player.png') });

      // A fixed rendition from the picker.
      await page.selectOption('#picker', { label: '320x180 · 290 kb/s' });
      await page.waitForFunction(() => document.querySelector('#ladder tr.playing')?.textContent?.includes('320x180'), undefined, { timeout: 20_000 });
      expect(await page.evaluate(() => (window as any).__player.hls.autoLevelEnabled)).toBe(false);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('/player/ plays a live stream through a discontinuity and shows its latency', async () => {
    const { page, errors } = await openPage(800, 600);
    try {
      await page.goto(`${base}/player/?src=../live/index.m3u8`);
      await page.waitForFunction(() => (window as any).__player.video.currentTime > 0, undefined, { timeout: 30_000 });
      const start = await page.evaluate(() => (window as any).__player.video.currentTime as number);
      // The window starts 3 segments before the wrap back to segment 0 (a discontinuity, as after a slate).
      await page.waitForFunction((t0) => (window as any).__player.video.currentTime > t0 + 7, start, { timeout: 30_000 });
      expect(await page.locator('#s-state').textContent()).toMatch(/live$/);
      expect(await page.locator('#s-latency').textContent()).toMatch(/^\d+\.\d s$/);
      expect(await page.locator('#banner').isHidden()).toBe(true);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('/player/ shows the delay behind real time from program date time, beyond the live-edge latency', async () => {
    const { page, errors } = await openPage(1280, 760);
    try {
      await page.goto(`${base}/player/?src=../live/index.m3u8`);
      await page.waitForFunction(() => (window as any).__player.video.currentTime > 3, undefined, { timeout: 30_000 });
      await page.waitForFunction(() => /^\d+\.\d s$/.test(document.getElementById('s-delay')!.textContent!), undefined, { timeout: 10_000 });
      const seconds = async (id: string) => parseFloat((await page.locator(id).textContent())!);
      const delay = await seconds('#s-delay');
      const edge = await seconds('#s-latency');
      // The live playlist stamps each segment PIPELINE_DELAY_S before it appears (the encoder's and
      // the origin's share of the path): the live-edge figure cannot see that part, the PDT one does.
      expect(delay - edge).toBeGreaterThan(PIPELINE_DELAY_S - 2);
      expect(delay - edge).toBeLessThan(PIPELINE_DELAY_S + 2 * SEGMENT_S + 2);
      expect(await page.locator('#stats dt', { hasText: 'Behind real time' }).count()).toBe(1);
      expect(await page.locator('#stats dt', { hasText: 'Behind live edge' }).count()).toBe(1);
      // The ladder's column is the declared peak; what arrives is measured beside it.
      expect(await page.locator('#ladder thead th').nth(1).textContent()).toBe('Peak (declared)');
      await page.waitForFunction(() => /b\/s$/.test(document.getElementById('s-measured')!.textContent!), undefined, { timeout: 10_000 });
      await page.screenshot({ path: path.join(shots, 'player-live.png') });
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('/player/ computes the delay from the known program date time, and reports it to the stack for the dashboard', async () => {
    const { page, errors } = await openPage(1280, 760);
    try {
      await page.goto(`${base}/player/?src=../live/index.m3u8`);
      await page.waitForFunction(() => (window as any).__player.video.currentTime > 3, undefined, { timeout: 30_000 });
      // Independent of hls.js's playingDate: the segment on screen, from the playlist we served, and
      // how far into it playback is. Its PDT is known (livePlaylist), so the delay is now minus that.
      // Polled: between a level switch and its playlist, or at a fragment's edge, no fragment holds t.
      const probe = (await (await page.waitForFunction(() => {
        const p = (window as any).__player;
        const t = p.video.currentTime;
        const frag = p.hls.levels[p.hls.currentLevel]?.details?.fragments.find((f: any) => f.start <= t && t < f.start + f.duration);
        return frag ? { now: Date.now(), sn: frag.sn as number, into: t - frag.start, shown: p.delay() as number } : undefined;
      }, undefined, { timeout: 15_000 })).jsonValue())!;
      // livePlaylist stamps segment sn with this PDT.
      const pdt = liveStart + (probe.sn - (FIXTURE_SEGMENTS - 1)) * SEGMENT_S * 1000 - (PIPELINE_DELAY_S + SEGMENT_S) * 1000;
      const expected = (probe.now - (pdt + probe.into * 1000)) / 1000;
      expect(Math.abs(probe.shown - expected)).toBeLessThan(0.25);
      expect(await page.locator('#s-mode').textContent()).toBe('low (2 s segments)');
      // The beacon: every 5 s while playing, the figure the page shows.
      const before = delayReports.length;
      await expect.poll(() => delayReports.length, { timeout: 15_000 }).toBeGreaterThan(before);
      const report = delayReports[delayReports.length - 1]!;
      expect(Math.abs(report.seconds - expected)).toBeLessThan(6);
      expect(await page.locator('#s-stalls').textContent()).toMatch(/^\d+$/);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('/player/ autoplays muted and offers a visible unmute button', async () => {
    const { page } = await openPage(800, 600);
    try {
      await page.goto(`${base}/player/`);
      await page.waitForFunction(() => (window as any).__player.video.currentTime > 0.5, undefined, { timeout: 30_000 });
      expect(await page.evaluate(() => (window as any).__player.video.muted)).toBe(true);
      expect(await page.locator('video').getAttribute('controls')).not.toBeNull();
      await page.locator('#unmute').click();
      expect(await page.evaluate(() => (window as any).__player.video.muted)).toBe(false);
      await page.locator('#unmute').waitFor({ state: 'hidden', timeout: 5_000 });
    } finally {
      await page.close();
    }
  });

  it('/player/?src= plays another stream', async () => {
    const { page } = await openPage(800, 600);
    try {
      await page.goto(`${base}/player/?src=${encodeURIComponent('../alt/index.m3u8')}`);
      await page.waitForFunction(() => (window as any).__player.video.currentTime > 0.5, undefined, { timeout: 30_000 });
      expect(await page.locator('#source').textContent()).toBe(`${base}/alt/index.m3u8`);
    } finally {
      await page.close();
    }
  });

  it('/player/ shows a visible banner, and keeps retrying, when the stream is not there', async () => {
    const { page } = await openPage(800, 600);
    try {
      await page.goto(`${base}/player/?src=../missing/index.m3u8`);
      await page.locator('#banner').waitFor({ state: 'visible', timeout: 15_000 });
      expect(await page.locator('#banner').textContent()).toMatch(/stream is not available.*Retrying/);
    } finally {
      await page.close();
    }
  });

  it('/dashboard/ draws the ten Appendix D panels and the channel health with data', async () => {
    const { page, errors } = await openPage(1440, 900);
    try {
      await page.goto(`${base}/dashboard/`);
      await page.waitForFunction(() => (window as any).__dashboard.updates >= 1, undefined, { timeout: 15_000 });
      const titles = await page.locator('#origin-panels .panel h3').allTextContents();
      expect(titles.map((t) => t.replace(/ \([^()]*\)$/, ''))).toEqual(APPENDIX_D_TITLES);

      // Every chart has points, and the synthetic traffic shows on every panel.
      const charts = await page.evaluate(() => {
        const d = (window as any).__dashboard;
        return Object.fromEntries(
          Object.entries(d.charts as Record<string, { data: Array<Array<number | null>> }>).map(([id, u]) => [
            id,
            { points: u.data[0].length, nonZero: u.data.slice(1).some((s) => s.some((v) => v != null && v !== 0)) },
          ]),
        );
      });
      // Ten Appendix D panels, six viewer panels (the players' delay among them), seven health panels.
      expect(Object.keys(charts)).toHaveLength(23);
      for (const [id, c] of Object.entries(charts)) {
        expect(c.points, id).toBeGreaterThan(0);
        expect(c.nonZero, id).toBe(true);
      }
      expect(await page.locator('#stack-name').textContent()).toBe('browser-test');
      expect(await page.locator('#h-state').textContent()).toBe('running');
      expect(await page.locator('#h-viewers').textContent()).toBe('7');
      expect(await page.locator('#playback-url').textContent()).toBe(`${base}/stream/index.m3u8`);
      await page.screenshot({ path: path.join(shots, 'dashboard.png'), fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('/dashboard/ fills every chart for a 2-minute-old stack, all rows with the same time ticks and clock format', async () => {
    const young = new DashboardStats({ windowMinutes: 60, startedAt: Date.now() - 120_000 });
    feedSyntheticTraffic(young, Date.now(), 120);
    dashboardStats = young;
    const { page, errors } = await openPage(1440, 900);
    try {
      await page.goto(`${base}/dashboard/`);
      await page.waitForFunction(() => (window as any).__dashboard.updates >= 1, undefined, { timeout: 15_000 });
      const charts = await page.evaluate(() => {
        const d = (window as any).__dashboard;
        return Object.entries(d.charts as Record<string, any>).map(([id, u]) => {
          const ax = u.axes[0];
          const splits = ax.splits(u, 0, u.scales.x.min, u.scales.x.max);
          return { id, min: u.scales.x.min, max: u.scales.x.max, first: u.data[0][0], last: u.data[0][u.data[0].length - 1], ticks: ax.values(u, splits) };
        });
      });
      const range = await page.evaluate(() => (window as any).__dashboard.data.range);
      expect(charts).toHaveLength(23);
      for (const c of charts) {
        // The span is the stack's life (its start's minute to now), not a fixed hour.
        expect(c.min, c.id).toBe(range.from);
        expect(c.max, c.id).toBe(range.to);
        expect(c.max - c.min, c.id).toBeLessThan(4 * 60);
        // The data reaches from the left edge (within its first minute) to the right one.
        expect(c.first - c.min, c.id).toBeLessThan(70);
        expect(c.max - c.last, c.id).toBeLessThan(70);
        expect(c.ticks, c.id).toEqual(charts[0].ticks);
      }
      expect(charts[0].ticks.length).toBeGreaterThanOrEqual(3);
      for (const t of charts[0].ticks) expect(t).toMatch(/^\d\d:\d\d(:\d\d)?$/);
      await page.screenshot({ path: path.join(shots, 'dashboard-young.png'), fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      dashboardStats = stats;
      await page.close();
    }
  });
});

const LIVE_WINDOW = 3;
const SEGMENT_S = 2;
/** How long before a segment appears in the live playlist its program date time is: the path before the edge. */
const PIPELINE_DELAY_S = 12;
const FIXTURE_SEGMENTS = 5;

/**
 * A live sliding-window stream made of the fixture's five segments, looping: media playlists under
 * /live/ advance one 2 s segment every 2 s, with EXT-X-DISCONTINUITY where the loop restarts (the
 * timestamps jump back, as they do around the encoder's slate). Undefined for other paths.
 */
function livePlaylist(pathname: string, elapsedMs: number, liveStart: number): string | undefined {
  if (pathname === '/live/index.m3u8') {
    return ['#EXTM3U', '#EXT-X-VERSION:3',
      '#EXT-X-STREAM-INF:BANDWIDTH=510400,RESOLUTION=480x270,CODECS="avc1.42c015,mp4a.40.2"', 'index_480x270.m3u8',
      '#EXT-X-STREAM-INF:BANDWIDTH=290400,RESOLUTION=320x180,CODECS="avc1.42c00c,mp4a.40.2"', 'index_320x180.m3u8', ''].join('\n');
  }
  const m = /^\/live\/index_(480x270|320x180)\.m3u8$/.exec(pathname);
  if (!m) return undefined;
  const last = Math.floor(elapsedMs / 2000) + FIXTURE_SEGMENTS - 1;
  const first = last - LIVE_WINDOW + 1;
  const lines = ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-TARGETDURATION:2', `#EXT-X-MEDIA-SEQUENCE:${first}`,
    `#EXT-X-DISCONTINUITY-SEQUENCE:${Math.floor(first / FIXTURE_SEGMENTS)}`];
  for (let i = first; i <= last; i++) {
    if (i > first && i % FIXTURE_SEGMENTS === 0) lines.push('#EXT-X-DISCONTINUITY');
    // Segment i appears at liveStart + (i - 4) * 2 s; its pictures were taken PIPELINE_DELAY_S and one segment before.
    const pdt = liveStart + (i - (FIXTURE_SEGMENTS - 1)) * SEGMENT_S * 1000 - (PIPELINE_DELAY_S + SEGMENT_S) * 1000;
    lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(pdt).toISOString()}`);
    lines.push('#EXTINF:2.000000,', `/stream/index_${m[1]}_${String(i % FIXTURE_SEGMENTS).padStart(5, '0')}.ts`);
  }
  return `${lines.join('\n')}\n`;
}

/** `seconds` (default ten minutes) of a small channel: PUTs, DELETEs and GETs with some errors, edge counters, and health reports. */
function feedSyntheticTraffic(stats: DashboardStats, now: number, seconds = 600): void {
  const e = (t: number, Operation: AccessLogEntry['Operation'], HTTPStatus: number, ms: number): AccessLogEntry => ({
    RequestTime: new Date(t).toISOString(), Operation, Path: '/stream/x.ts', HTTPStatus, TurnAroundTime: ms, TotalTime: ms * 3,
    ObjectSize: 1, BytesSent: 1, BytesReceived: 1, RequestID: 'r', RemoteIP: '127.0.0.1', UserAgent: 't', Requester: 'edge', ContainerName: 'c',
  });
  const edge = { viewers: 0, requests: 0, hits: 0, misses: 0, bytesSent: 0, errors4xx: 0, errors5xx: 0 };
  for (let s = seconds; s >= 0; s -= 2) {
    const t = now - s * 1000;
    const wave = 1 + Math.sin(s / 40);
    stats.record(e(t, 'PutObject', 200, 2 + wave));
    stats.record(e(t, 'GetObject', 200, 1 + wave));
    stats.record(e(t + 1, 'GetObject', 200, 1.5));
    if (s % 8 === 0) stats.record(e(t, 'DeleteObject', 204, 1));
    if (s % 30 === 0) stats.record(e(t, 'GetObject', 404, 1));
    if (s % 50 === 0) stats.record(e(t, 'PutObject', 403, 1));
    if (s % 90 === 0) stats.record(e(t, 'GetObject', 503, 1));
    // A player's delay report every 6 s (the player sends one every 5 s while it plays).
    if (s % 6 === 0) stats.recordViewerDelay({ time: t, seconds: 4 + wave });
    if (s % 120 === 0) stats.record(e(t, 'PutObject', 500, 1));
    if (s % 5 === 0 || s % 2 === 0) {
      const lost = s > 200 && s < 240;
      stats.recordHealth({
        time: t, state: lost ? 'recovering' : 'running', inputConnected: !lost, inputFps: lost ? 0 : 30 - (s % 3),
        inputBitrate: lost ? 0 : 2_500_000 + 200_000 * Math.sin(s / 30), encoderSpeed: 1.4 + 0.1 * Math.sin(s / 20),
        restarts: s > 300 ? 0 : 1, inputLossSeconds: lost ? 240 - s : 0, droppedFrames: Math.floor((seconds - s) / 20),
      } as Parameters<DashboardStats['recordHealth']>[0]);
    }
    if (s % 6 === 0) {
      edge.viewers = 5 + Math.round(3 * Math.sin(s / 50));
      edge.hits += 90 + (s % 7);
      edge.misses += 6;
      edge.requests += 96 + (s % 7) + (s % 30 === 0 ? 2 : 0);
      edge.bytesSent += 4_000_000 + 500_000 * Math.sin(s / 25);
      if (s % 30 === 0) edge.errors4xx += 1;
      if (s % 90 === 0) edge.errors5xx += 1;
      stats.recordEdge({ time: t, ...edge });
    }
  }
}
