/**
 * The local edge's own pages: /player/, /dashboard/ and a small JSON API. The edge calls this
 * handler first and proxies to the origin whatever it does not take (it resolves to false).
 * Static files are plain hand-written files under assets/, plus hls.js and uPlot from node_modules
 * (never a CDN: the stack must work offline), read once and then served from memory.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Ladder } from '../../../core/ladder.js';
import type { DashboardData } from './dashboard-stats.js';

export interface WebHandlerOptions {
  stackName: string;
  ladder: Ladder;
  dashboard: () => DashboardData;
  status?: () => unknown;
  /** A player reported its viewer's delay behind real time (POST /api/viewer-delay). */
  onViewerDelay?: (seconds: number) => void;
}

interface StaticFile {
  contentType: string;
  /** Absolute path on disk. */
  file: () => string;
}

interface Loaded {
  contentType: string;
  body: Buffer;
  etag: string;
}

const HTML = 'text/html; charset=utf-8';
const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';
const JSON_TYPE = 'application/json; charset=utf-8';

const require = createRequire(import.meta.url);

/**
 * The assets folder: beside this module when running from src/ (tsx, vitest), or back in src/ when
 * running from dist/, because tsc does not copy non-TypeScript files.
 */
let assetDir: string | undefined;

export function resolveAssetDir(): string {
  if (assetDir) return assetDir;
  const candidates = [new URL('./assets/', import.meta.url), new URL('../../../../src/targets/local/web/assets/', import.meta.url)];
  for (const url of candidates) {
    const dir = fileURLToPath(url);
    if (existsSync(`${dir}player/index.html`)) return (assetDir = dir);
  }
  return fileURLToPath(candidates[0]);
}

const asset = (rel: string) => () => `${resolveAssetDir()}${rel}`;
const nodeModule = (id: string) => () => require.resolve(id);

const PLAYER_FILES: Record<string, StaticFile> = {
  'index.html': { contentType: HTML, file: asset('player/index.html') },
  'player.js': { contentType: JS, file: asset('player/player.js') },
  'player.css': { contentType: CSS, file: asset('player/player.css') },
  'hls.min.js': { contentType: JS, file: nodeModule('hls.js/dist/hls.min.js') },
  'live-sync.js': { contentType: JS, file: asset('player/live-sync.js') },
};

const STATIC_ROUTES: Record<string, StaticFile> = {
  '/player/': PLAYER_FILES['index.html'],
  '/player/player.js': PLAYER_FILES['player.js'],
  '/player/player.css': PLAYER_FILES['player.css'],
  '/player/live-sync.js': PLAYER_FILES['live-sync.js'],
  '/player/hls.min.js': PLAYER_FILES['hls.min.js'],
  '/dashboard/': { contentType: HTML, file: asset('dashboard/index.html') },
  '/dashboard/dashboard.js': { contentType: JS, file: asset('dashboard/dashboard.js') },
  '/dashboard/dashboard.css': { contentType: CSS, file: asset('dashboard/dashboard.css') },
  '/dashboard/uPlot.iife.min.js': { contentType: JS, file: nodeModule('uplot/dist/uPlot.iife.min.js') },
  '/dashboard/uPlot.min.css': { contentType: CSS, file: nodeModule('uplot/dist/uPlot.min.css') },
};

const REDIRECTS: Record<string, string> = {
  '/': '/player/',
  '/player': '/player/',
  '/player/index.html': '/player/',
  '/dashboard': '/dashboard/',
  '/dashboard/index.html': '/dashboard/',
};

// Pages may load the stream from elsewhere (?src=), so connect-src and media-src stay open;
// hls.js runs its transmuxer in a blob: worker; uPlot sizes its elements with inline styles.
const CSP =
  "default-src 'self'; connect-src *; media-src 'self' blob:; worker-src 'self' blob:; img-src 'self' data:; " +
  "style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; frame-ancestors 'self'";

export function createWebHandler(opts: WebHandlerOptions): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const cache = new Map<string, Promise<Loaded>>();
  const load = (spec: StaticFile): Promise<Loaded> => {
    const key = spec.file();
    let p = cache.get(key);
    if (!p) {
      p = readFile(key).then((body) => ({ contentType: spec.contentType, body, etag: etagOf(body) }));
      // A failed read (file missing) is not cached, so fixing the install fixes the page.
      p.catch(() => cache.delete(key));
      cache.set(key, p);
    }
    return p;
  };

  const api: Record<string, () => unknown> = {
    '/api/dashboard': () => opts.dashboard(),
    '/api/status': () => opts.status?.() ?? null,
    '/api/ladder': () => opts.ladder,
    '/api/info': () => ({
      stackName: opts.stackName,
      ladder: opts.ladder.name,
      playbackPath: '/stream/index.m3u8',
      playerPath: '/player/',
      dashboardPath: '/dashboard/',
    }),
  };

  return async (req, res) => {
    if (req.method === 'POST' && pathnameOf(req.url) === VIEWER_DELAY_PATH) {
      await takeViewerDelay(req, res, opts.onViewerDelay);
      return true;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const pathname = pathnameOf(req.url);
    if (pathname === undefined) return false;

    const redirect = REDIRECTS[pathname];
    if (redirect) {
      const query = req.url?.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
      res.writeHead(302, { Location: redirect + query, 'Content-Length': '0' });
      res.end();
      return true;
    }

    const produce = api[pathname];
    if (produce) {
      let body: Buffer;
      try {
        body = Buffer.from(JSON.stringify(produce()));
      } catch {
        send(req, res, 500, { 'Content-Type': JSON_TYPE, 'Cache-Control': 'no-cache' }, Buffer.from(JSON.stringify({ error: 'internal error' })));
        return true;
      }
      send(req, res, 200, { 'Content-Type': JSON_TYPE, 'Cache-Control': 'no-cache' }, body);
      return true;
    }

    const spec = STATIC_ROUTES[pathname];
    if (!spec) return false;
    let file: Loaded;
    try {
      file = await load(spec);
    } catch {
      const msg = `${pathname} is missing from this install; reinstall livestream (npm ci).\n`;
      send(req, res, 500, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' }, Buffer.from(msg));
      return true;
    }
    const headers: Record<string, string> = {
      'Content-Type': file.contentType,
      // Revalidate every time (cheap: an ETag match is a 304), so an upgrade shows at once.
      'Cache-Control': 'no-cache',
      ETag: file.etag,
    };
    if (file.contentType === HTML) headers['Content-Security-Policy'] = CSP;
    if (req.headers['if-none-match'] === file.etag) {
      res.writeHead(304, headers);
      res.end();
      return true;
    }
    send(req, res, 200, headers, file.body);
    return true;
  };
}

/** Where the player sends its viewer's delay: `{"delaySeconds": 3.2}`, at most every few seconds per viewer. */
export const VIEWER_DELAY_PATH = '/api/viewer-delay';
const MAX_BEACON_BYTES = 1024;
/** A delay beyond this is a wrong clock or a paused player, not a live viewer: left out. */
const MAX_DELAY_SECONDS = 600;

/** The player's beacon: a small JSON body, read with a cap; 204 when taken, 400 when not a delay. */
async function takeViewerDelay(req: IncomingMessage, res: ServerResponse, onDelay: ((seconds: number) => void) | undefined): Promise<void> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BEACON_BYTES) {
      send(req, res, 413, { 'Content-Type': JSON_TYPE, 'Cache-Control': 'no-store' }, Buffer.from(JSON.stringify({ error: 'beacon too large' })));
      return;
    }
    chunks.push(chunk);
  }
  let seconds: unknown;
  try {
    seconds = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { delaySeconds?: unknown }).delaySeconds;
  } catch {
    seconds = undefined;
  }
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0 || seconds > MAX_DELAY_SECONDS) {
    send(req, res, 400, { 'Content-Type': JSON_TYPE, 'Cache-Control': 'no-store' }, Buffer.from(JSON.stringify({ error: `expected {"delaySeconds": 0-${MAX_DELAY_SECONDS}}` })));
    return;
  }
  onDelay?.(seconds);
  res.writeHead(204, { 'Cache-Control': 'no-store' });
  res.end();
}

/** The player's files with paths relative to /player/, for the AWS target to upload beside the stream. */
export async function playerAssets(): Promise<Array<{ path: string; contentType: string; body: Buffer }>> {
  return Promise.all(
    Object.entries(PLAYER_FILES).map(async ([path, spec]) => ({ path, contentType: spec.contentType, body: await readFile(spec.file()) })),
  );
}

function send(req: IncomingMessage, res: ServerResponse, status: number, headers: Record<string, string>, body: Buffer): void {
  res.writeHead(status, { ...headers, 'Content-Length': String(body.length), 'X-Content-Type-Options': 'nosniff' });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function pathnameOf(url: string | undefined): string | undefined {
  if (!url || !url.startsWith('/')) return undefined;
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

function etagOf(body: Buffer): string {
  return `"${createHash('sha1').update(body).digest('base64url').slice(0, 20)}"`;
}
