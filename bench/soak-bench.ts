/**
 * Soak bench: `npm run bench:soak -- [--minutes 10] [--viewers 20] [--profile HD-720p] [--no-hog] [--player DIR] [--keep-logs]`
 *
 * A local stack as a user starts it (`livestream up --input URL_PULL`, the built-in demo source),
 * run through the built CLI (npm run build first), with:
 * - N simulated viewers (default 20), each an HTTP client doing what a player does through the edge:
 *   the master playlist once, then its rendition's media playlist every half target duration, and
 *   every segment that is new since the last reload (bodies read in full). Viewer i plays rendition
 *   i mod n, each with its own User-Agent (the edge counts viewers by address and agent);
 * - a CPU hog beside it: `stress-ng --cpu <cores>` when installed, else one spinning child process
 *   per core (`--no-hog` to leave it out).
 *
 * It prints: errors (any non-2xx or failed request; the goal is 0), the newest segment's PDT
 * against the wall clock at the start and the end (how far the timeline slipped), dropped frames
 * (whatever `status` and /metrics report: read as optional fields, so the figure is "not reported"
 * on a build that counts none), p50/p99 of segment and playlist fetch times, the RSS of every process
 * of the stack (daemon, edge workers, ffmpeg) at start and end, the origin folder's size, `uptime`.
 * With `--player DIR`, a real Chromium (playwright-core, /usr/bin/chromium or CHROMIUM_PATH) also plays
 * /player/ for the whole run: it prints the page's "Behind real time" (program date time against
 * the wall clock) and "Behind live edge" figures, and saves a screenshot a minute into DIR, named
 * with the wall clock at the moment it was taken, to read the demo's burned-in clock against.
 * It asserts nothing: figures move with the machine's load.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { run, uptime } from './run-tool.js';
import { mkdir, mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { percentile } from '../src/targets/local/web/dashboard-stats.js';

const argv = process.argv.slice(2);
const arg = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const MINUTES = Number(arg('minutes') ?? 10);
const VIEWERS = Number(arg('viewers') ?? 20);
const PROFILE = arg('profile');
const HOG = !argv.includes('--no-hog');
const PLAYER_DIR = arg('player');
/** Keep the stack's logs (ffmpeg, daemon, access logs) for a look at what went wrong. */
const KEEP_LOGS = argv.includes('--keep-logs');
const playerWithoutDir = argv.includes('--player') && (!PLAYER_DIR || PLAYER_DIR.startsWith('--'));
if (!(MINUTES > 0) || !(VIEWERS >= 0) || playerWithoutDir) {
  console.error('Usage: npm run bench:soak -- [--minutes N (above 0)] [--viewers N (0 or more)] [--profile NAME] [--no-hog] [--player SCREENSHOT_DIR] [--keep-logs]');
  process.exit(2);
}

const BIN = fileURLToPath(new URL('../bin/livestream.js', import.meta.url));
const STACK = 'soak';

// ---- a player's view of HLS (only what the bench needs) ------------------------------------------

interface MediaPlaylist {
  targetDuration: number;
  mediaSequence: number;
  segments: Array<{ uri: string; duration: number; pdt?: number }>;
}

function parseMedia(text: string): MediaPlaylist {
  const lines = text.split('\n').map((l) => l.trim());
  let targetDuration = 4;
  let mediaSequence = 0;
  let duration = 0;
  let pdt: number | undefined;
  const segments: MediaPlaylist['segments'] = [];
  for (const l of lines) {
    if (l.startsWith('#EXT-X-TARGETDURATION:')) targetDuration = Number(l.slice(22));
    else if (l.startsWith('#EXT-X-MEDIA-SEQUENCE:')) mediaSequence = Number(l.slice(22));
    else if (l.startsWith('#EXTINF:')) duration = parseFloat(l.slice(8));
    else if (l.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) pdt = Date.parse(l.slice(25));
    else if (l && !l.startsWith('#')) {
      segments.push({ uri: l, duration, pdt });
      // A PDT tag applies to its segment; the next one's follows from the durations.
      pdt = pdt === undefined ? undefined : pdt + duration * 1000;
    }
  }
  return { targetDuration, mediaSequence, segments };
}

function mediaUris(master: string): string[] {
  return master.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
}

// ---- viewers ------------------------------------------------------------------------------------

interface Tally {
  playlistMs: number[];
  segmentMs: number[];
  errors: Map<string, number>;
  segments: number;
  playlists: number;
  bytes: number;
  /** Wall clock minus the end of the newest segment (its PDT plus duration), per playlist read. */
  pdtLag: Array<{ at: number; lagMs: number }>;
}

const tally: Tally = { playlistMs: [], segmentMs: [], errors: new Map(), segments: 0, playlists: 0, bytes: 0, pdtLag: [] };

function noteError(what: string): void {
  tally.errors.set(what, (tally.errors.get(what) ?? 0) + 1);
}

async function timedGet(url: string, ua: string, kind: 'playlist' | 'segment'): Promise<{ text?: string; ok: boolean }> {
  const t0 = performance.now();
  try {
    const res = await fetch(url, { headers: { 'User-Agent': ua }, signal: AbortSignal.timeout(15_000) });
    const body = Buffer.from(await res.arrayBuffer());
    const ms = performance.now() - t0;
    if (!res.ok) {
      noteError(`${kind} HTTP ${res.status}`);
      return { ok: false };
    }
    (kind === 'playlist' ? tally.playlistMs : tally.segmentMs).push(ms);
    if (kind === 'playlist') tally.playlists++;
    else tally.segments++;
    tally.bytes += body.length;
    return { ok: true, text: kind === 'playlist' ? body.toString('utf8') : undefined };
  } catch (err) {
    noteError(`${kind} ${(err as Error).name === 'TimeoutError' ? 'timeout (15 s)' : (err as Error).message}`);
    return { ok: false };
  }
}

async function viewer(i: number, masterUrl: string, until: number): Promise<void> {
  const ua = `soak-viewer/${i}`;
  const master = await timedGet(masterUrl, ua, 'playlist');
  const uris = master.text ? mediaUris(master.text) : [];
  if (uris.length === 0) return noteError('viewer without a master playlist');
  const mediaUrl = new URL(uris[i % uris.length], masterUrl).toString();
  let nextSeq = -1;
  // Stagger the viewers as real ones arrive, over one second.
  await sleep((i * 1000) / VIEWERS);
  while (Date.now() < until) {
    const started = Date.now();
    const got = await timedGet(mediaUrl, ua, 'playlist');
    let reload = 2_000;
    if (got.text) {
      const pl = parseMedia(got.text);
      reload = (pl.targetDuration * 1000) / 2;
      const last = pl.segments[pl.segments.length - 1];
      if (last?.pdt !== undefined) tally.pdtLag.push({ at: Date.now(), lagMs: Date.now() - (last.pdt + last.duration * 1000) });
      // A player starts three segments from the live edge, then takes every new one in order.
      const firstNew = nextSeq < 0 ? Math.max(pl.mediaSequence, pl.mediaSequence + pl.segments.length - 3) : nextSeq;
      for (let k = firstNew - pl.mediaSequence; k < pl.segments.length; k++) {
        if (k < 0) continue;
        await timedGet(new URL(pl.segments[k].uri, mediaUrl).toString(), ua, 'segment');
      }
      nextSeq = pl.mediaSequence + pl.segments.length;
    }
    await sleep(Math.max(0, reload - (Date.now() - started)));
  }
}

// ---- a real player ----------------------------------------------------------------------------------

interface PlayerReading {
  behindRealTime: number[];
  behindLiveEdge: number[];
  shots: string[];
}

/** Chromium playing /player/ until `until`: the page's two delay figures every second, a screenshot a minute. */
async function watchInChromium(playerUrl: string, until: number, dir: string): Promise<PlayerReading> {
  const { chromium } = await import('playwright-core');
  await mkdir(dir, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--autoplay-policy=no-user-gesture-required'],
  });
  const out: PlayerReading = { behindRealTime: [], behindLiveEdge: [], shots: [] };
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(playerUrl);
    let nextShot = Date.now() + 60_000;
    while (Date.now() < until) {
      await sleep(1_000);
      const read = await page.evaluate(() => [document.getElementById('s-delay')?.textContent ?? '', document.getElementById('s-latency')?.textContent ?? '']);
      const [real, edge] = read.map((t) => (/^\d+(\.\d+)? s$/.test(t) ? parseFloat(t) : NaN));
      if (Number.isFinite(real)) out.behindRealTime.push(real);
      if (Number.isFinite(edge)) out.behindLiveEdge.push(edge);
      if (Date.now() >= nextShot) {
        nextShot += 60_000;
        const file = path.join(dir, `player-${new Date().toISOString().replace(/[:.]/g, '-')}.png`);
        await page.screenshot({ path: file });
        out.shots.push(file);
      }
    }
  } finally {
    await browser.close();
  }
  return out;
}

// ---- the stack's processes ------------------------------------------------------------------------

interface Proc {
  pid: number;
  name: string;
  rssKb: number;
}

async function procInfo(pid: number): Promise<{ ppid: number; rssKb: number; name: string } | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const cmd = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').filter(Boolean);
    const ppid = Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]);
    const rssKb = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
    return { ppid, rssKb, name: describeCommand(cmd) };
  } catch {
    return undefined;
  }
}

function describeCommand(cmd: string[]): string {
  const exe = path.basename(cmd[0] ?? '?');
  if (exe === 'ffmpeg') {
    // The decoder reads the source; the encoder writes the ladder over HTTP; slate/probe runs are short.
    const ins = cmd.filter((a, i) => cmd[i - 1] === '-i');
    if (ins.some((a) => a.startsWith('pipe:') || a.startsWith('/dev/fd') || a === '-')) return 'ffmpeg (encoder)';
    // The demo is drawn by lavfi in the decoder itself (ingest/url-pull.ts).
    if (ins.some((a) => /lavfi|testsrc|sine/.test(a)) || cmd.includes('lavfi')) return 'ffmpeg (decoder drawing the demo)';
    return 'ffmpeg (decoder)';
  }
  if (/node$/.test(exe)) return cmd.some((a) => /edge\/worker\.(js|ts)/.test(a)) ? 'node (edge worker)' : 'node (daemon)';
  return exe;
}

/** The daemon and every process below it. */
async function stackProcesses(daemonPid: number): Promise<Proc[]> {
  const all = new Map<number, { ppid: number; rssKb: number; name: string }>();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const info = await procInfo(Number(name));
    if (info) all.set(Number(name), info);
  }
  const out: Proc[] = [];
  const visit = (pid: number): void => {
    const info = all.get(pid);
    if (!info) return;
    out.push({ pid, name: info.name, rssKb: info.rssKb });
    for (const [child, c] of all) if (c.ppid === pid) visit(child);
  };
  visit(daemonPid);
  return out;
}

async function folderBytes(dir: string): Promise<{ bytes: number; files: number }> {
  let bytes = 0;
  let files = 0;
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) {
        bytes += (await stat(p).catch(() => ({ size: 0 }))).size;
        files++;
      }
    }
  };
  await walk(dir);
  return { bytes, files };
}

// ---- what the stack says about itself ------------------------------------------------------------

/** Every numeric field whose name says "dropped" (e.g. live.encoder.droppedFrames), by its dot path. */
function droppedFields(obj: unknown, prefix = ''): Array<[string, number]> {
  if (typeof obj !== 'object' || obj === null) return [];
  const out: Array<[string, number]> = [];
  for (const [k, v] of Object.entries(obj)) {
    const p = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'number' && /dropped/i.test(k)) out.push([p, v]);
    else if (typeof v === 'object') out.push(...droppedFields(v, p));
  }
  return out;
}

async function readStatus(stateDir: string): Promise<Record<string, unknown> | undefined> {
  const r = await run(process.execPath, [BIN, 'status', '--stack', STACK, '--state-dir', stateDir, '--json'], 60_000);
  try {
    return JSON.parse(r.stdout).live;
  } catch {
    return undefined;
  }
}

async function droppedFromMetrics(metricsUrl: string): Promise<Array<[string, number]>> {
  try {
    const text = await (await fetch(metricsUrl)).text();
    return text.split('\n').filter((l) => /^livestream_\S*dropped\S*\s/.test(l)).map((l) => [l.split(/\s+/)[0], Number(l.split(/\s+/)[1])]);
  } catch {
    return [];
  }
}

// ---- figures ------------------------------------------------------------------------------------

function median(values: number[]): number {
  return percentile(values, 0.5);
}

const fmtMs = (v: number): string => (Number.isFinite(v) ? `${v.toFixed(1)} ms` : '–');
const fmtMb = (kb: number): string => `${(kb / 1024).toFixed(1)} MB`;

function printProcesses(title: string, procs: Proc[]): void {
  console.log(`  ${title}:`);
  for (const p of procs) console.log(`    ${String(p.pid).padStart(7)}  ${p.name.padEnd(22)} ${fmtMb(p.rssKb).padStart(9)}`);
  console.log(`    total ${fmtMb(procs.reduce((s, p) => s + p.rssKb, 0))}`);
}

// ---- the run --------------------------------------------------------------------------------------

function startHog(): ChildProcess[] {
  const cores = os.availableParallelism();
  const seconds = Math.ceil(MINUTES * 60 + 120);
  if (process.platform === 'linux') {
    const hog = spawn('stress-ng', ['--cpu', String(cores), '--timeout', `${seconds}s`, '--quiet'], { stdio: 'ignore' });
    let failed = false;
    hog.once('error', () => (failed = true));
    if (!failed && hog.pid !== undefined) return [hog];
  }
  // No stress-ng: one child spinning per core, ending on its own should this bench die.
  return Array.from({ length: cores }, () =>
    spawn(process.execPath, ['-e', `const end = Date.now() + ${seconds * 1000}; while (Date.now() < end) {}`], { stdio: 'ignore' }),
  );
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'soak-bench-'));
  const stateDir = path.join(dir, 'state');
  const common = ['--stack', STACK, '--state-dir', stateDir, '--json'];
  const hogs: ChildProcess[] = [];
  let up = false;
  const cleanUp = async (): Promise<void> => {
    for (const h of hogs) h.kill('SIGKILL');
    if (up) await run(process.execPath, [BIN, 'down', ...common, ...(KEEP_LOGS ? [] : ['--delete-logs']), '--yes'], 120_000);
    if (KEEP_LOGS) console.log(`logs kept in ${path.join(stateDir, STACK, 'logs')}`);
    else await rm(dir, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void cleanUp().then(() => process.exit(130)));

  try {
    console.log(`soak: ${MINUTES} min, ${VIEWERS} viewers, CPU hog ${HOG ? 'on' : 'off'}, Node ${process.version}, ${os.availableParallelism()} cores`);
    console.log(`uptime at start: ${await uptime()}`);
    const upArgs = ['up', '--input', 'URL_PULL', '--yes', ...(PROFILE ? ['--profile', PROFILE] : []), ...common];
    const t0 = Date.now();
    const res = await run(process.execPath, [BIN, ...upArgs], 300_000);
    up = true;
    if (res.code !== 0) throw new Error(`livestream up failed (exit ${res.code}): ${res.stdout}${res.stderr}`);
    const outputs = JSON.parse(res.stdout).outputs as Record<string, string>;
    console.log(`up: playing through the edge after ${((Date.now() - t0) / 1000).toFixed(1)} s (${outputs.playbackUrl})`);

    const state = JSON.parse(await readFile(path.join(stateDir, `${STACK}.json`), 'utf8'));
    const daemonPid = Number(state.resources.daemon.physicalId);
    const originDir = path.join(stateDir, STACK, 'origin');
    const profile = state.ladder?.name ?? PROFILE ?? '?';
    console.log(`profile ${profile}; daemon pid ${daemonPid}`);

    if (HOG) hogs.push(...startHog());
    const procsStart = await stackProcesses(daemonPid);
    const statusStart = await readStatus(stateDir);
    const metricsStart = await droppedFromMetrics(outputs.metricsUrl);

    const started = Date.now();
    const until = started + MINUTES * 60_000;
    const viewers = Array.from({ length: VIEWERS }, (_, i) => viewer(i, outputs.playbackUrl, until));
    const player = PLAYER_DIR ? watchInChromium(outputs.playerUrl, until, path.resolve(PLAYER_DIR)) : undefined;
    const progress = setInterval(() => {
      const errs = [...tally.errors.values()].reduce((a, b) => a + b, 0);
      console.log(`  ${((Date.now() - started) / 60_000).toFixed(1)} min: ${tally.playlists} playlists, ${tally.segments} segments, ${errs} errors`);
    }, 60_000);
    await Promise.all(viewers);
    const watched = await player;
    clearInterval(progress);

    const procsEnd = await stackProcesses(daemonPid);
    const statusEnd = await readStatus(stateDir);
    const metricsEnd = await droppedFromMetrics(outputs.metricsUrl);
    const origin = await folderBytes(originDir);
    const loadEnd = await uptime();

    // PDT lag: median over the first and the last minute of the run (a single read depends on where
    // in its segment the encoder was).
    const firstMinute = tally.pdtLag.filter((x) => x.at < started + 60_000).map((x) => x.lagMs);
    const lastMinute = tally.pdtLag.filter((x) => x.at >= until - 60_000).map((x) => x.lagMs);
    const errors = [...tally.errors.entries()];
    const errorCount = errors.reduce((s, [, n]) => s + n, 0);

    console.log('\n== figures ==');
    console.log(`errors: ${errorCount} of ${tally.playlists + tally.segments + errorCount} requests${errors.length ? ` (${errors.map(([k, n]) => `${n}× ${k}`).join(', ')})` : ''}`);
    console.log(`requests: ${tally.playlists} playlists, ${tally.segments} segments, ${(tally.bytes / 1e9).toFixed(2)} GB to viewers`);
    console.log(`playlist fetch: p50 ${fmtMs(median(tally.playlistMs))}, p99 ${fmtMs(percentile(tally.playlistMs, 0.99))}, max ${fmtMs(Math.max(...tally.playlistMs))}`);
    console.log(`segment fetch:  p50 ${fmtMs(median(tally.segmentMs))}, p99 ${fmtMs(percentile(tally.segmentMs, 0.99))}, max ${fmtMs(Math.max(...tally.segmentMs))}`);
    const lagStart = median(firstMinute) / 1000;
    const lagEnd = median(lastMinute) / 1000;
    console.log(`PDT: newest segment ends ${lagStart.toFixed(2)} s behind the wall clock in the first minute, ${lagEnd.toFixed(2)} s in the last (drift ${(lagEnd - lagStart >= 0 ? '+' : '')}${(lagEnd - lagStart).toFixed(2)} s over ${MINUTES} min)`);
    const dropped = (s: Record<string, unknown> | undefined, m: Array<[string, number]>): string => {
      const all = [...droppedFields(s, 'status'), ...m];
      return all.length ? all.map(([k, v]) => `${k}=${v}`).join(', ') : 'not reported by this build';
    };
    console.log(`dropped frames at start: ${dropped(statusStart, metricsStart)}`);
    console.log(`dropped frames at end:   ${dropped(statusEnd, metricsEnd)}`);
    const viewersSeen = (statusEnd as { viewers?: number } | undefined)?.viewers;
    console.log(`viewers counted by the stack at the end: ${viewersSeen ?? '?'} (of ${VIEWERS}${watched ? ' and a Chromium player' : ''})`);
    if (watched) {
      const fmtS = (v: number[]): string => (v.length ? `median ${median(v).toFixed(1)} s, min ${Math.min(...v).toFixed(1)} s, max ${Math.max(...v).toFixed(1)} s` : 'no reading');
      console.log(`player (Chromium): behind real time (PDT) ${fmtS(watched.behindRealTime)}; behind live edge ${fmtS(watched.behindLiveEdge)}`);
      for (const f of watched.shots) console.log(`  screenshot ${f} (read the burned-in clock against the time in its name, UTC)`);
    }
    console.log('RSS:');
    printProcesses('at start', procsStart);
    printProcesses('at end', procsEnd);
    console.log(`origin folder: ${(origin.bytes / 1e6).toFixed(1)} MB in ${origin.files} files`);
    console.log(`uptime at end: ${loadEnd}`);
  } finally {
    await cleanUp();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
