import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProfile } from '../../../../src/core/profiles.js';
import type { Ladder } from '../../../../src/core/ladder.js';
import { DashboardStats } from '../../../../src/targets/local/web/dashboard-stats.js';
import { createWebHandler, playerAssets } from '../../../../src/targets/local/web/web-handler.js';

const require = createRequire(import.meta.url);

describe('createWebHandler', () => {
  let server: http.Server;
  let base: string;
  let ladder: Ladder;
  const passedOn: string[] = [];

  beforeAll(async () => {
    ladder = await loadProfile('SD-540p');
    const stats = new DashboardStats({ windowMinutes: 5 });
    const handle = createWebHandler({
      stackName: 'demo',
      ladder,
      dashboard: () => stats.snapshot(Date.now()),
      status: () => ({ channel: { state: 'running' }, viewers: 3 }),
    });
    server = http.createServer((req, res) => {
      handle(req, res).then((handled) => {
        if (handled) return;
        // What the edge would do: proxy to the origin. Here: record and 404.
        passedOn.push(`${req.method} ${req.url}`);
        res.writeHead(404).end();
      }, (err) => { res.writeHead(599).end(String(err)); });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const get = (path: string, init?: RequestInit) => fetch(base + path, { redirect: 'manual', ...init });

  it.each([
    { path: '/player/', type: 'text/html; charset=utf-8', contains: '<video' },
    { path: '/player/?src=https://example.invalid/x.m3u8', type: 'text/html; charset=utf-8', contains: 'player.js' },
    { path: '/player/player.js', type: 'text/javascript; charset=utf-8', contains: 'LEVEL_SWITCHED' },
    { path: '/player/player.css', type: 'text/css; charset=utf-8', contains: 'video' },
    { path: '/player/hls.min.js', type: 'text/javascript; charset=utf-8', contains: 'MANIFEST_PARSED' },
    { path: '/dashboard/', type: 'text/html; charset=utf-8', contains: 'uPlot.iife.min.js' },
    { path: '/dashboard/dashboard.js', type: 'text/javascript; charset=utf-8', contains: 'api/dashboard' },
    { path: '/dashboard/dashboard.css', type: 'text/css; charset=utf-8', contains: '.panel' },
    { path: '/dashboard/uPlot.iife.min.js', type: 'text/javascript; charset=utf-8', contains: 'uPlot' },
    { path: '/dashboard/uPlot.min.css', type: 'text/css; charset=utf-8', contains: '.uplot' },
  ])('serves $path as $type', async ({ path, type, contains }) => {
    const res = await get(path);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(type);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const body = await res.text();
    expect(body).toContain(contains);
    expect(Number(res.headers.get('content-length'))).toBe(Buffer.byteLength(body));
  });

  it('serves hls.js and uPlot byte for byte from node_modules', async () => {
    for (const [path, id] of [['/player/hls.min.js', 'hls.js/dist/hls.min.js'], ['/dashboard/uPlot.iife.min.js', 'uplot/dist/uPlot.iife.min.js']]) {
      const body = Buffer.from(await (await get(path)).arrayBuffer());
      expect(body.equals(await readFile(require.resolve(id)))).toBe(true);
    }
  });

  it('pages load nothing from another host (no CDN)', async () => {
    for (const path of ['/player/', '/dashboard/']) {
      const html = await (await get(path)).text();
      expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    }
  });

  it.each([
    { path: '/', location: '/player/' },
    { path: '/player', location: '/player/' },
    { path: '/player?src=a.m3u8', location: '/player/?src=a.m3u8' },
    { path: '/dashboard', location: '/dashboard/' },
  ])('redirects $path to $location', async ({ path, location }) => {
    const res = await get(path);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(location);
  });

  it('answers HEAD with the headers and no body', async () => {
    const res = await get('/player/player.js', { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(Number(res.headers.get('content-length'))).toBeGreaterThan(100);
    expect(await res.text()).toBe('');
  });

  it('answers a conditional GET with 304', async () => {
    const first = await get('/dashboard/dashboard.css');
    const etag = first.headers.get('etag');
    expect(etag).toBeTruthy();
    expect(first.headers.get('cache-control')).toBe('no-cache');
    const again = await get('/dashboard/dashboard.css', { headers: { 'If-None-Match': etag! } });
    expect(again.status).toBe(304);
  });

  it('serves the API as JSON that is never cached', async () => {
    const dash = await get('/api/dashboard');
    expect(dash.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(dash.headers.get('cache-control')).toBe('no-cache');
    const data = await dash.json();
    expect(data.panels).toHaveLength(10);
    expect(data.windowMinutes).toBe(5);

    expect(await (await get('/api/status')).json()).toEqual({ channel: { state: 'running' }, viewers: 3 });
    expect(await (await get('/api/ladder')).json()).toEqual(ladder);
    const info = await (await get('/api/info')).json();
    expect(info).toMatchObject({ stackName: 'demo', ladder: 'SD-540p', playbackPath: '/stream/index.m3u8' });
  });

  it('passes everything else on to the edge (resolves false)', async () => {
    passedOn.length = 0;
    const cases: Array<[string, string]> = [
      ['GET', '/stream/index.m3u8'],
      ['GET', '/stream/index_960x540_00001.ts'],
      ['GET', '/player/missing.js'],
      ['GET', '/api/unknown'],
      ['GET', '/metrics'],
      ['POST', '/api/dashboard'],
      ['PUT', '/player/'],
      ['DELETE', '/dashboard/'],
    ];
    for (const [method, path] of cases) {
      const res = await get(path, { method });
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    expect(passedOn).toEqual(cases.map(([m, p]) => `${m} ${p}`));
  });

  it('status is null when the daemon gives no status function', async () => {
    const handle = createWebHandler({ stackName: 's', ladder, dashboard: () => new DashboardStats().snapshot(0) });
    const s = http.createServer((req, res) => void handle(req, res));
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    try {
      const res = await fetch(`http://127.0.0.1:${(s.address() as AddressInfo).port}/api/status`);
      expect(await res.json()).toBeNull();
    } finally {
      await new Promise((resolve) => s.close(resolve));
    }
  });
});

describe('playerAssets', () => {
  it('gives the five player files with paths relative to /player/ and their content types', async () => {
    const assets = await playerAssets();
    expect(assets.map((a) => [a.path, a.contentType])).toEqual([
      ['index.html', 'text/html; charset=utf-8'],
      ['player.js', 'text/javascript; charset=utf-8'],
      ['player.css', 'text/css; charset=utf-8'],
      ['hls.min.js', 'text/javascript; charset=utf-8'],
      ['live-sync.js', 'text/javascript; charset=utf-8'],
    ]);
    const html = assets[0].body.toString();
    // Relative references only, so the same files work at https://<cloudfront>/player/.
    expect(html).toContain('src="hls.min.js"');
    expect(html).toContain('src="player.js"');
    expect(html).toContain('src="live-sync.js"');
    const js = assets[1].body.toString();
    expect(js).toContain("'../stream/index.m3u8'");
    expect(assets[3].body.length).toBeGreaterThan(100_000);
  });
});
