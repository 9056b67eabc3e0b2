/**
 * Latency bench: `npm run bench:latency -- [--seconds 60] [--modes standard,low] [--profile HD-720p] [--players hlsjs,shaka,videojs,gstreamer,ffplay] [--together] [--out DIR]`
 *
 * Glass to glass, measured against a clock the picture carries. For each latency mode, a local stack
 * as a user starts it (`livestream up --input RTMP_PUSH --latency MODE`, the built CLI: npm run build
 * first) and an ffmpeg publisher pushing RTMP that burns the wall clock of each frame's capture into
 * it: lavfi draws the frame, `setpts=RTCTIME` stamps it with the wall clock at that instant, and
 * drawtext writes that timestamp (`%{pts:hms:0:24HH}`, UTC with milliseconds), so the clock on screen
 * is the capture instant, not the publisher's start plus the stream time. Then, for `--seconds` (60)
 * one after another (or together with --together), five players read the stack's edge:
 *
 *   hlsjs      the stack's own player page (hls.js) in Debian's Chromium (playwright-core);
 *   shaka      Shaka Player (npm shaka-player, pinned) on a page this bench serves, same Chromium,
 *              with its live catch-up on (streaming.liveSync, target 0 s from its seek range's end;
 *              off by default: a slow start then stays behind for good) and its availability window
 *              the playlists' (manifest.availabilityWindowOverride), as the README advises;
 *   gstreamer  gst-launch-1.0 playbin3 reading the edge, its video sink writing one frame a second
 *              (clock region) as PNG, each file written when the frame is presented. playbin3, the
 *              pipeline GStreamer builds its adaptive demuxers (hlsdemux2, 1.22) for: with playbin,
 *              hlsdemux2's buffering messages on 1 s segments make gst-launch pause and refill again
 *              and again (seen: 12 frames in 40 s), which says more about gst-launch than about the stream;
 *   videojs    video.js (npm video.js, pinned; its HLS engine VHS) on a page this bench serves, its defaults
 *              with the live UI on;
 *   ffplay     ffplay as `up` prints it in low mode (ffplayArgs) in a window on a virtual X screen (Xvfb),
 *              the screen grabbed once a second by ffmpeg's x11grab (what was on screen then).
 *
 * Every 2 s each browser player's frame on screen is drawn into a canvas (its clock region) with the
 * page's wall clock at that moment; GStreamer's and ffplay's frames carry their write time. After the run
 * every picture is read by OCR (tesseract, --psm 7, digits only) and glass-to-glass is the picture's
 * wall time minus the clock it shows. Pictures OCR cannot read (a blurred low rendition, a frame
 * caught mid-change) are counted and left out. Beside it, hls.js's and Shaka's own figure: now minus
 * the program date time of the frame on screen (hls.js playingDate; Shaka getPlayheadTimeAsDate).
 * Stalls: the video element's 'waiting' events after playback began (browsers), how long they
 * lasted ('waiting' to the next 'playing': a gap the player jumps in milliseconds is one too) and
 * when; for GStreamer and ffplay, the times the picture fell more than 1.5 s further behind
 * between two pictures a second apart (it froze: ffplay's window keeps showing it, GStreamer
 * presents nothing). Jumps, apart (browsers): the seeks the player makes itself, e.g. hls.js back
 * to its live target when more than liveMaxLatency behind. The picture skips ahead instead of
 * freezing; Chromium fires 'waiting' during every seek, even one inside the buffer, and that one is
 * the jump's, not a stall. The stalls column counts the measured minute (its stalls and jumps are
 * listed beside it, each with its time); a browser's start-up and warm-up (the 15 s before it) are
 * listed apart, so a start that freezes shows too.
 *
 * It prints median and max per mode and player, the stalls, how late the encoder was when each
 * player started (encoderLateness), the players' PDT figure less OCR's, whether the machine's
 * wall clock stepped during the run, and `uptime` before and after. It asserts nothing: figures
 * move with the machine's load (say which load when quoting them).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { run, uptime } from './run-tool.js';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { percentile } from '../src/targets/local/web/dashboard-stats.js';
import { chooseFont } from '../src/targets/local/ingest/clock.js';
import { applyLatency, LOW_LATENCY_PARTS_PER_SEGMENT, type LatencyMode } from '../src/core/latency.js';
import { loadAccessLogHistory } from '../src/targets/local/web/access-log-history.js';
import { loadProfile } from '../src/core/profiles.js';
import { WallClockSteps } from '../src/targets/local/encoder/wall-clock-step.js';

const argv = process.argv.slice(2);
const arg = (name: string): string | undefined => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const SECONDS = Number(arg('seconds') ?? 60);
const MODES = (arg('modes') ?? 'standard,low').split(',');
const PROFILE = arg('profile') ?? 'HD-720p';
const ALL_PLAYERS = ['hlsjs', 'shaka', 'videojs', 'gstreamer', 'ffplay'];
const PLAYERS = (arg('players') ?? ALL_PLAYERS.join(',')).split(',');
const OUT = arg('out');
const TOGETHER = argv.includes('--together');
if (!(SECONDS >= 10) || MODES.some((m) => m !== 'standard' && m !== 'low') || PLAYERS.some((p) => !ALL_PLAYERS.includes(p))) {
  console.error(`Usage: npm run bench:latency -- [--seconds N (10 or more)] [--modes standard,low] [--profile NAME] [--players ${ALL_PLAYERS.join(',')}] [--together] [--out DIR]`);
  process.exit(2);
}

const BIN = fileURLToPath(new URL('../bin/livestream.js', import.meta.url));
const require = createRequire(import.meta.url);
/** Seconds of playback before measuring: the players settle at their live sync point. */
const WARM_UP_S = 15;
const SHOT_EVERY_MS = 2_000;
/** The clock's place in the picture: centred, its top quarter (the publisher draws it at h/12, h/10 high). */
const CLOCK_CROP = { x: 0.15, y: 0, width: 0.7, height: 0.25 };

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// ---- the publisher: the capture instant burned into each frame -----------------------------------

/** ffmpeg pushing 720p30 RTMP with each frame's capture time (UTC, ms) drawn on it; 1 s GOPs, as a low-latency encoder sends. */
function buildPublisherArgs(endpoint: string, fontFile: string): string[] {
  const clock = `drawtext=fontfile='${fontFile}':text='%{pts\\:hms\\:0\\:24HH}':x=(w-text_w)/2:y=h/12:fontsize=h/10:fontcolor=white:box=1:boxcolor=black:boxborderw=16`;
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'error',
    '-re', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30',
    '-re', '-f', 'lavfi', '-i', 'sine=frequency=440:beep_factor=4:sample_rate=48000',
    // pts := the wall clock in ms when the frame passes here (it was drawn a moment before), drawn,
    // then back to a plain 30 fps timeline for the encoder.
    '-vf', `settb=1/1000,setpts=RTCTIME/1000,${clock},setpts=N/30/TB`,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p', '-g', '30', '-b:v', '3000k',
    '-c:a', 'aac', '-b:a', '96k', '-ar', '48000', '-ac', '2',
    '-f', 'flv', endpoint,
  ];
}

// ---- the players --------------------------------------------------------------------------------

/** What `up --json` gave the bench: the stack's URLs, and in low mode the ffplay command it prints. */
interface StackOutputsSeen {
  playerUrl: string;
  playbackUrl: string;
  pushEndpoint: string;
  ffplayCommand?: string;
  /** How much the media playlists list (segments per playlist x segment length), from the ladder and mode. */
  windowSeconds: number;
}

interface Shot {
  file: string;
  wallMs: number;
}

interface PlayerRun {
  name: string;
  shots: Shot[];
  /** The player's own figure, from the program date time (browsers only). */
  pdtDelays: number[];
  /** Stalls over the run; `delays` are its glass-to-glass figures read by OCR, in time order. */
  stalls: (delays: number[]) => Promise<number>;
  /** Each stall and jump with its time, where the player says (browsers). */
  events?: () => Promise<PlayerEvents | undefined>;
  stop: () => Promise<void>;
}

interface StalledTime {
  total: number;
  longest: number;
}

/** A stall: when it began (wall clock, ms; `at`: seconds after playback began) and how long it lasted (ms). */
interface Stall {
  wallMs: number;
  at: number;
  ms: number;
}

/** A seek the player made itself: when and how long, as a Stall, and by how much (s, + is forward; from the last timeupdate, so to a quarter second). */
interface Jump extends Stall {
  by: number;
}

interface PlayerEvents {
  stalls: Stall[];
  jumps: Jump[];
}

async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--autoplay-policy=no-user-gesture-required'],
  });
}

/**
 * The frame on screen, its clock region, as PNG (base64), and the wall clock at that moment: drawn
 * from the video element into a canvas (what the viewer sees, at the picture's own resolution scaled
 * to 1280 wide; a headless screenshot may not composite the video layer).
 */
async function grabClock(page: Page): Promise<{ wallMs: number; png: string } | undefined> {
  return page.evaluate((crop) => {
    const v = document.querySelector('video');
    if (!v || !v.videoWidth) return undefined;
    const c = document.createElement('canvas');
    c.width = Math.round(1280 * crop.width);
    c.height = Math.round(720 * crop.height);
    const ctx = c.getContext('2d')!;
    const wallMs = Date.now();
    ctx.drawImage(v, v.videoWidth * crop.x, v.videoHeight * crop.y, v.videoWidth * crop.width, v.videoHeight * crop.height, 0, 0, c.width, c.height);
    return { wallMs, png: c.toDataURL('image/png').slice('data:image/png;base64,'.length) };
  }, CLOCK_CROP);
}

async function startBrowserPlayer(browser: Browser, name: string, url: string, dir: string, readDelay: string): Promise<PlayerRun & { sample: () => Promise<void> }> {
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
  await page.addInitScript(() => {
    // A stall: the video element waits for data while playing ('waiting' to the next 'playing'; a
    // gap the player jumps in milliseconds is one too, the time tells them apart). A jump: the
    // player seeks itself (hls.js back to its live target when too far behind, Shaka out of its
    // seek window); the picture skips instead of freezing. Chromium fires 'waiting' during any seek,
    // even inside the buffer, and those are the jump's, not stalls (as QoE metrics count rebuffering).
    // No named helpers in here: tsx would wrap them in a __name() this page does not have.
    const bench = { played: false, playedAt: 0, stalls: [] as Stall[], jumps: [] as Jump[], waitingSince: -1, seekingSince: -1, lastTime: 0 };
    (window as any).__bench = bench;
    document.addEventListener('timeupdate', (e) => { if (bench.seekingSince < 0) bench.lastTime = (e.target as HTMLVideoElement).currentTime; }, true);
    document.addEventListener('seeking', (e) => {
      if (!bench.played) return;
      if (bench.seekingSince < 0) bench.seekingSince = performance.now();
      bench.jumps.push({ wallMs: Date.now(), at: (performance.now() - bench.playedAt) / 1000, by: (e.target as HTMLVideoElement).currentTime - bench.lastTime, ms: 0 });
    }, true);
    document.addEventListener('seeked', () => {
      if (bench.seekingSince < 0) return;
      bench.jumps[bench.jumps.length - 1]!.ms = performance.now() - bench.seekingSince;
      bench.seekingSince = -1;
    }, true);
    document.addEventListener('playing', () => {
      if (!bench.played) {
        bench.played = true;
        bench.playedAt = performance.now();
      }
      if (bench.waitingSince < 0) return;
      bench.stalls[bench.stalls.length - 1]!.ms = performance.now() - bench.waitingSince;
      bench.waitingSince = -1;
    }, true);
    document.addEventListener('waiting', () => {
      if (!bench.played || bench.seekingSince >= 0 || bench.waitingSince >= 0) return;
      bench.waitingSince = performance.now();
      bench.stalls.push({ wallMs: Date.now(), at: (performance.now() - bench.playedAt) / 1000, ms: 0 });
    }, true);
  });
  await page.goto(url);
  await page.waitForFunction(() => { const v = document.querySelector('video'); return !!v && v.currentTime > 0; }, undefined, { timeout: 60_000 });
  const shots: Shot[] = [];
  const pdtDelays: number[] = [];
  let n = 0;
  let seen: PlayerEvents | undefined;
  return {
    name,
    shots,
    pdtDelays,
    stalls: async () => seen?.stalls.length ?? NaN,
    events: async () => seen,
    async stop() {
      seen = await page.evaluate(() => (window as any).__bench as PlayerEvents).catch(() => undefined);
      await page.close();
    },
    async sample() {
      const grabbed = await grabClock(page);
      if (!grabbed) return;
      const file = path.join(dir, `${name}-${String(n++).padStart(4, '0')}.png`);
      await writeFile(file, Buffer.from(grabbed.png, 'base64'));
      shots.push({ file, wallMs: grabbed.wallMs });
      const pdt = await page.evaluate(readDelay).catch(() => NaN);
      if (typeof pdt === 'number' && Number.isFinite(pdt)) pdtDelays.push(pdt);
    },
  };
}

/** A page of ours on loopback: `html` at every path but the `files` (path -> [file, content type]) served from disk. */
async function servePage(html: string, files: Record<string, [string, string]>): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const file = files[req.url ?? ''];
    if (file) {
      res.writeHead(200, { 'content-type': file[1] });
      createReadStream(file[0]).pipe(res);
    } else res.writeHead(200, { 'content-type': 'text/html' }).end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** A page of our own with Shaka Player (from node_modules, served here) playing the edge; `windowSeconds`: the playlists' window. */
async function serveShakaPage(playbackUrl: string, windowSeconds: number): Promise<{ url: string; close: () => Promise<void> }> {
  const script = require.resolve('shaka-player/dist/shaka-player.compiled.js');
  const html = `<!doctype html><meta charset="utf-8"><title>shaka</title>
<video id="v" muted autoplay playsinline style="width:1280px;height:720px;background:#000"></video>
<script src="shaka.js"></script>
<script>
  shaka.polyfill.installAll();
  const video = document.getElementById('v');
  const player = new shaka.Player();
  // Shaka's live catch-up (off by default): after a slow start it plays at up to 1.1x until it is
  // back within a quarter second of its live edge (its seek range's end: PART-HOLD-BACK behind the
  // newest part, or 3 segments behind the newest), as hls.js does by default; it sits at that
  // quarter second. Its availability window fixed at the playlists' (README, Ladders): by
  // default 5.2.12 works it out again at every playlist update from the streams it has loaded, and
  // right after a rendition switch it sometimes shrank to nothing, dropped the parts under the
  // playhead from its index and fetched nothing for 3-9 s. Its other settings are its own.
  player.configure({
    streaming: { liveSync: { enabled: true, targetLatency: 0, targetLatencyTolerance: 0.25 } },
    manifest: { availabilityWindowOverride: ${windowSeconds} },
  });
  player.attach(video).then(() => player.load(${JSON.stringify(playbackUrl)})).then(() => video.play()).catch((e) => { document.title = 'error ' + (e.code || e); });
  window.__shakaDelay = () => { const d = player.getPlayheadTimeAsDate(); return d ? (Date.now() - d.getTime()) / 1000 : NaN; };
</script>`;
  return servePage(html, { '/shaka.js': [script, 'text/javascript'] });
}

/** A page of our own with video.js (npm video.js, pinned; its HLS engine VHS) playing the edge, as its docs set up a live stream. */
async function serveVideoJsPage(playbackUrl: string): Promise<{ url: string; close: () => Promise<void> }> {
  const dist = path.dirname(require.resolve('video.js/dist/video.min.js'));
  const html = `<!doctype html><meta charset="utf-8"><title>video.js</title>
<link href="video-js.min.css" rel="stylesheet">
<video id="v" class="video-js" muted autoplay playsinline width="1280" height="720"></video>
<script src="video.min.js"></script>
<script>
  // Its defaults, with the live UI on (it keeps the live-edge tracker running). VHS starts at its
  // seekable range's end: HOLD-BACK, or three target durations, before the playlist's end.
  const player = videojs('v', { liveui: true, muted: true, autoplay: true });
  player.src({ src: ${JSON.stringify(playbackUrl)}, type: 'application/x-mpegURL' });
  player.ready(() => player.play().catch((e) => { document.title = 'error ' + e; }));
</script>`;
  return servePage(html, {
    '/video.min.js': [path.join(dist, 'video.min.js'), 'text/javascript'],
    '/video-js.min.css': [path.join(dist, 'video-js.min.css'), 'text/css'],
  });
}

/** The crop of the clock's region out of a 1280x720 picture, as a GStreamer `videocrop` or an ffmpeg `crop`. */
const CLOCK_PIXELS = { x: Math.round(1280 * CLOCK_CROP.x), width: Math.round(1280 * CLOCK_CROP.width), height: Math.round(720 * CLOCK_CROP.height) };

/** A picture that fell this much further behind from one shot to the next (a second apart) froze: a stall. */
const FREEZE_S = 1.5;

/**
 * A player outside the browser whose presented frames land as PNG files in `dir` (name `prefix`...),
 * one a second, each written when it was on screen: the file's time is the wall clock of the shot.
 * Stalls: the times its picture froze (FREEZE_S).
 */
function fileFramePlayer(name: string, dir: string, prefix: string, procs: ChildProcess[], stderrOf: () => string): PlayerRun {
  const shots: Shot[] = [];
  const collect = async (): Promise<void> => {
    const files = (await readdir(dir)).filter((f) => f.startsWith(prefix)).sort();
    shots.length = 0;
    // At most one a second (a player catching up after a stall presents frames in a burst).
    for (const f of files) {
      const wallMs = (await stat(path.join(dir, f))).mtimeMs;
      if (shots.length === 0 || wallMs - shots[shots.length - 1]!.wallMs >= 900) shots.push({ file: path.join(dir, f), wallMs });
    }
  };
  return {
    name,
    shots,
    pdtDelays: [],
    // A frozen picture (ffplay's window keeps showing it; GStreamer presents nothing, a gap) shows
    // as the delay growing from one picture to the next by the time it stood still.
    stalls: async (delays) => delays.slice(1).filter((d, i) => d - delays[i]! > FREEZE_S).length,
    async stop() {
      for (const p of procs) p.kill('SIGINT');
      await sleep(500);
      for (const p of procs) p.kill('SIGKILL');
      await collect();
      if (shots.length === 0) console.error(`${name} wrote no frame: ${stderrOf().trim().split('\n').slice(-3).join(' | ')}`);
    },
  };
}

function keepTail(proc: ChildProcess): () => string {
  let tail = '';
  proc.stderr?.on('data', (c: Buffer) => { tail = (tail + c.toString()).slice(-2000); });
  return () => tail;
}

/** GStreamer's playbin3: one presented frame a second, its clock region, as PNG written at presentation. */
function startGstreamer({ playbackUrl }: StackOutputsSeen, dir: string): { run: PlayerRun; procs: ChildProcess[] } {
  // 1280x720 whatever rendition ABR picks, so the crop is the same; crop to the clock's region.
  const crop = `videocrop left=${CLOCK_PIXELS.x} right=${1280 - CLOCK_PIXELS.x - CLOCK_PIXELS.width} top=0 bottom=${720 - CLOCK_PIXELS.height}`;
  const sink = `videorate max-rate=1 ! videoconvert ! videoscale ! video/x-raw,width=1280,height=720 ! ${crop} ! pngenc ! multifilesink sync=true location=${path.join(dir, 'gst-%05d.png')}`;
  const proc = spawn('gst-launch-1.0', ['-q', 'playbin3', `uri=${playbackUrl}`, `video-sink=${sink}`, 'audio-sink=fakesink'], { stdio: ['ignore', 'ignore', 'pipe'] });
  return { procs: [proc], run: fileFramePlayer('gstreamer', dir, 'gst-', [proc], keepTail(proc)) };
}

/**
 * ffplay's options and URL here: in low mode the command `up` prints for it (its `ffplayCommand`:
 * the top rendition's playlist, two whole segments from the end instead of three, `-fflags
 * nobuffer`; src/core/latency.ts), in standard mode the playback URL with `-fflags nobuffer`.
 * `-fflags nobuffer`, what ffplay's documentation gives for less delay, drops the packets read
 * while it probes the streams instead of playing them first; without it ffplay plays everything
 * its probe read from three segments back and stays there (measured: 9.0 s behind in low mode
 * against 4.9 s with it, same machine and load). `-sync ext`, added in both, times the pictures by
 * the system clock rather than the sound card's: this machine has no sound card, and SDL's dummy one
 * runs about 1.5 % slow, so with the sound as the clock ffplay drifted 1 s further behind a minute
 * (5.3 -> 6.2 s), which a real sound card would not do. FFPLAY_FLAGS='...' replaces the options in
 * every mode, on the playback URL (FFPLAY_FLAGS='' measures ffplay's defaults).
 */
function ffplayArgs(outputs: StackOutputsSeen): string[] {
  if (process.env.FFPLAY_FLAGS !== undefined) return [...process.env.FFPLAY_FLAGS.split(' ').filter(Boolean), outputs.playbackUrl];
  if (!outputs.ffplayCommand) return ['-fflags', 'nobuffer', '-sync', 'ext', outputs.playbackUrl];
  const [, ...options] = outputs.ffplayCommand.split(' ');
  const url = options.pop()!;
  return [...options, '-sync', 'ext', url];
}

/**
 * ffplay (ffmpeg's own player and HLS demuxer, which reads whole segments, three from the playlist's
 * end unless told otherwise; ffplayArgs) in a window filling a virtual X screen (Xvfb), the screen grabbed once a second
 * by ffmpeg's x11grab, cropped to the clock and written as PNG: what was on screen at that moment.
 */
async function startFfplay(outputs: StackOutputsSeen, dir: string): Promise<{ run: PlayerRun; procs: ChildProcess[] }> {
  // Xvfb picks a free display itself and writes its number to fd 3 once it accepts clients.
  const xvfb = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x720x24', '-nolisten', 'tcp'], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
  const display = await new Promise<string>((resolve, reject) => {
    let out = '';
    (xvfb.stdio[3] as NodeJS.ReadableStream).on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('\n')) resolve(`:${out.trim()}`);
    });
    xvfb.once('exit', (code) => reject(new Error(`Xvfb exited (${code}) before it had a display`)));
  });
  const env = { ...process.env, DISPLAY: display, SDL_AUDIODRIVER: 'dummy' };
  const ffplay = spawn('ffplay', ['-hide_banner', '-loglevel', 'error', '-noborder', '-left', '0', '-top', '0', '-x', '1280', '-y', '720', ...ffplayArgs(outputs)], { stdio: ['ignore', 'ignore', 'pipe'], env });
  const grab = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-f', 'x11grab', '-framerate', '1', '-video_size', '1280x720', '-i', display,
    '-vf', `crop=${CLOCK_PIXELS.width}:${CLOCK_PIXELS.height}:${CLOCK_PIXELS.x}:0`, '-f', 'image2', path.join(dir, 'ffplay-%05d.png')], { stdio: ['ignore', 'ignore', 'pipe'], env });
  const tails = [keepTail(ffplay), keepTail(grab), keepTail(xvfb)];
  const procs = [grab, ffplay, xvfb];
  return { procs, run: fileFramePlayer('ffplay', dir, 'ffplay-', procs, () => tails.map((t) => t()).join(' | ')) };
}

// ---- OCR ----------------------------------------------------------------------------------------

/**
 * The UTC time of day (ms) tesseract reads in each picture, undefined where it reads none. One
 * tesseract for all (a list of files: the model loads once); its pages come separated by form feeds.
 */
async function readClocks(files: string[], dir: string): Promise<Array<number | undefined>> {
  if (files.length === 0) return [];
  const list = path.join(dir, `ocr-${Date.now()}.txt`);
  await writeFile(list, files.join('\n') + '\n');
  const { stdout } = await run('tesseract', [list, 'stdout', '--psm', '7', '-c', 'tessedit_char_whitelist=0123456789:.'], 600_000);
  const pages = stdout.split('\f');
  return files.map((_, i) => {
    const m = /(\d{2}):(\d{2}):(\d{2})\.(\d{3})/.exec((pages[i] ?? '').replace(/\s/g, ''));
    if (!m) return undefined;
    const [h, mi, s, ms] = m.slice(1).map(Number) as [number, number, number, number];
    if (h > 23 || mi > 59 || s > 59) return undefined;
    return ((h * 60 + mi) * 60 + s) * 1000 + ms;
  });
}

/** Wall time minus the clock shown, in seconds, across midnight too; undefined when implausible (a misread). */
function glassToGlass(wallMs: number, clockOfDayMs: number): number | undefined {
  const day = 86_400_000;
  let d = (((wallMs % day) - clockOfDayMs) % day + day) % day;
  if (d > day / 2) d -= day;
  return d >= 0 && d <= 120_000 ? d / 1000 : undefined;
}

interface Figures {
  mode: string;
  player: string;
  read: number;
  shots: number;
  delays: number[];
  pdt: number[];
  stalls: number;
  /** Browsers: how long the minute's stalls lasted; its stalls and jumps, and those before it (start-up and warm-up). */
  stalled?: StalledTime;
  minute?: PlayerEvents;
  startUp?: PlayerEvents;
  /** When the player was started (wall clock), and how late the encoder was then (encoderLateness). */
  startedAtMs: number;
  encoderLateAtStart?: number;
}

/** `minuteFromMs`: when the measured minute began (wall clock); what the player reports before it is its start-up. */
async function figuresOf(mode: string, p: PlayerRun, dir: string, minuteFromMs: number, startedAtMs: number): Promise<Figures> {
  const clocks = await readClocks(p.shots.map((s) => s.file), dir);
  const delays = p.shots.flatMap((shot, i) => {
    const clock = clocks[i];
    const d = clock === undefined ? undefined : glassToGlass(shot.wallMs, clock);
    return d === undefined ? [] : [d];
  });
  const events = await p.events?.().catch(() => undefined);
  if (!events) return { mode, player: p.name, read: delays.length, shots: p.shots.length, delays, pdt: p.pdtDelays, stalls: await p.stalls(delays).catch(() => NaN), startedAtMs };
  const inMinute = (e: Stall) => e.wallMs >= minuteFromMs;
  const stalls = events.stalls.filter(inMinute);
  return {
    mode, player: p.name, read: delays.length, shots: p.shots.length, delays, pdt: p.pdtDelays,
    stalls: stalls.length,
    stalled: { total: stalls.reduce((t, s) => t + s.ms, 0) / 1000, longest: Math.max(0, ...stalls.map((s) => s.ms)) / 1000 },
    minute: { stalls, jumps: events.jumps.filter(inMinute) },
    startUp: { stalls: events.stalls.filter((e) => !inMinute(e)), jumps: events.jumps.filter((e) => !inMinute(e)) },
    startedAtMs,
  };
}

/** The players outside the browser, each started into its own folder of frames. */
const FILE_FRAME_PLAYERS: Record<string, (outputs: StackOutputsSeen, dir: string) => Promise<{ run: PlayerRun; procs: ChildProcess[] }> | { run: PlayerRun; procs: ChildProcess[] }> = {
  gstreamer: startGstreamer,
  ffplay: startFfplay,
};

/** These players at once on the running stack: warm-up, SECONDS of pictures, then OCR. */
async function measurePlayers(names: string[], mode: string, outputs: StackOutputsSeen, shotsDir: string, browser: Browser | undefined): Promise<Figures[]> {
  const players: Array<PlayerRun & { sample?: () => Promise<void> }> = [];
  const startedAt = new Map<PlayerRun, number>();
  const pages: Array<{ close: () => Promise<void> }> = [];
  const procs: ChildProcess[] = [];
  try {
    // A player that does not start is reported and left out; the others go on.
    const tryStart = async (name: string, start: () => Promise<PlayerRun & { sample: () => Promise<void> }>) => {
      try {
        const at = Date.now();
        const started = await start();
        startedAt.set(started, at);
        players.push(started);
      } catch (err) {
        console.error(`${mode}: ${name} did not play: ${(err as Error).message.split('\n')[0]}`);
      }
    };
    if (browser && names.includes('hlsjs')) await tryStart('hls.js', () => startBrowserPlayer(browser, 'hls.js', outputs.playerUrl, shotsDir, '(window.__player && window.__player.delay) ? window.__player.delay() : NaN'));
    if (browser && names.includes('shaka')) {
      const page = await serveShakaPage(outputs.playbackUrl, outputs.windowSeconds);
      pages.push(page);
      await tryStart('shaka', () => startBrowserPlayer(browser, 'shaka', page.url, shotsDir, 'window.__shakaDelay ? window.__shakaDelay() : NaN'));
    }
    if (browser && names.includes('videojs')) {
      const page = await serveVideoJsPage(outputs.playbackUrl);
      pages.push(page);
      await tryStart('video.js', () => startBrowserPlayer(browser, 'video.js', page.url, shotsDir, 'NaN'));
    }
    if (players.length > 0) await sleep(WARM_UP_S * 1000);
    const fileFramePlayers: PlayerRun[] = [];
    for (const name of names.filter((n) => n in FILE_FRAME_PLAYERS)) {
      const dir = path.join(shotsDir, name);
      await mkdir(dir, { recursive: true });
      const at = Date.now();
      const started = await FILE_FRAME_PLAYERS[name]!(outputs, dir);
      startedAt.set(started.run, at);
      procs.push(...started.procs);
      fileFramePlayers.push(started.run);
      players.push(started.run);
    }
    // The players outside the browser need their own warm-up: their first frames (and gaps) are left out below.
    const start = Date.now();
    const fileFramesFrom = start + WARM_UP_S * 1000;
    if (players.some((p) => p.sample)) {
      for (let tick = start; Date.now() - start < SECONDS * 1000; tick += SHOT_EVERY_MS) {
        for (const p of players) await p.sample?.().catch((err: unknown) => console.error(`${p.name}: ${(err as Error).message}`));
        await sleep(Math.max(0, tick + SHOT_EVERY_MS - Date.now()));
      }
    }
    // Their minute, after their warm-up (beside the browsers' minute when together).
    if (fileFramePlayers.length > 0) await sleep(Math.max(0, fileFramesFrom + SECONDS * 1000 - Date.now()));
    // Every player stopped before any OCR: tesseract's CPU would otherwise delay the ones still playing.
    for (const p of players) await p.stop();
    const figures: Figures[] = [];
    for (const p of players) {
      if (fileFramePlayers.includes(p)) {
        const kept = p.shots.filter((s) => s.wallMs >= fileFramesFrom && s.wallMs <= fileFramesFrom + SECONDS * 1000);
        p.shots.splice(0, p.shots.length, ...kept);
      }
      figures.push(await figuresOf(mode, p, shotsDir, start, startedAt.get(p)!));
    }
    return figures;
  } finally {
    for (const proc of procs) proc.kill('SIGKILL');
    for (const page of pages) await page.close();
  }
}

/**
 * How late the encoder was, from the origin's access log: each of the top rendition's parts (or
 * segments) arrived at some moment; its number times the part length is its place on the clock.
 * Lateness is the arrival minus that place, beyond the quickest parts' (so it is what a busy moment
 * added, not the whole path). Players that fix their distance from the live edge when they start
 * (Shaka, ffplay, GStreamer) keep what the encoder was late by then.
 */
async function encoderLateness(logsDir: string, fileSeconds: number): Promise<Array<{ atMs: number; lateS: number }>> {
  const entries = await loadAccessLogHistory(path.join(logsDir, 'origin'), 0);
  const files = entries.flatMap((e) => {
    const m = e.Operation === 'PutObject' && e.HTTPStatus < 300 ? /\/index_(\d+)x\d+_(\d+)\.ts$/.exec(e.Path) : null;
    return m ? [{ width: Number(m[1]), n: Number(m[2]), atMs: Date.parse(e.RequestTime) + e.TotalTime }] : [];
  });
  const top = Math.max(...files.map((f) => f.width));
  const ours = files.filter((f) => f.width === top);
  // The quickest: the 5th percentile, not the first, since a part cut short when the encoder stops
  // (or restarts) arrives early.
  const quickest = percentile(ours.map((f) => f.atMs - f.n * fileSeconds * 1000), 0.05);
  return ours.map((f) => ({ atMs: f.atMs, lateS: (f.atMs - quickest - f.n * fileSeconds * 1000) / 1000 }));
}

/** The most the encoder was late in the first 10 s after each player started. */
function noteEncoderLateness(figures: Figures[], lateness: Array<{ atMs: number; lateS: number }>): void {
  for (const f of figures) {
    const then = lateness.filter((l) => l.atMs >= f.startedAtMs && l.atMs <= f.startedAtMs + 10_000).map((l) => l.lateS);
    if (then.length > 0) f.encoderLateAtStart = Math.max(...then);
  }
}

// ---- one mode -----------------------------------------------------------------------------------

async function runMode(mode: string, root: string, fontFile: string, browser: Browser | undefined): Promise<Figures[]> {
  const stateDir = path.join(root, `state-${mode}`);
  const shotsDir = path.join(OUT ?? root, `shots-${mode}`);
  await mkdir(shotsDir, { recursive: true });
  const stack = `lat-${mode}`;
  const rtmpPort = await freePort();
  const common = ['--stack', stack, '--state-dir', stateDir, '--json'];
  const up = await run(process.execPath, [BIN, 'up', '--input', 'RTMP_PUSH', '--cidr', '127.0.0.1/32', '--rtmp-port', String(rtmpPort), '--latency', mode, '--profile', PROFILE, '--yes', ...common]);
  if (up.code !== 0) throw new Error(`livestream up failed (${up.code}): ${up.stdout.slice(-800)} ${up.stderr.slice(-800)}`);
  const result = JSON.parse(up.stdout) as { outputs: Omit<StackOutputsSeen, 'ffplayCommand' | 'windowSeconds'>; ffplayCommand?: string };
  const { hls } = applyLatency(await loadProfile(PROFILE), mode as LatencyMode);
  const outputs: StackOutputsSeen = { ...result.outputs, ...(result.ffplayCommand ? { ffplayCommand: result.ffplayCommand } : {}), windowSeconds: hls.playlistSize * hls.segmentSeconds };
  const publisher = spawn('ffmpeg', buildPublisherArgs(outputs.pushEndpoint, fontFile), { stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    // The source reaches the playlists a segment or three later.
    await sleep(8_000);
    const figures: Figures[] = [];
    // One player at a time (each has the machine beside the stack to itself, as a viewer's device
    // would), or all together with --together.
    for (const group of TOGETHER ? [PLAYERS] : PLAYERS.map((p) => [p])) {
      figures.push(...(await measurePlayers(group, mode, outputs, shotsDir, browser)));
    }
    const fileSeconds = mode === 'low' ? hls.segmentSeconds / LOW_LATENCY_PARTS_PER_SEGMENT : hls.segmentSeconds;
    noteEncoderLateness(figures, await encoderLateness(path.join(stateDir, stack, 'logs'), fileSeconds));
    return figures;
  } finally {
    publisher.kill('SIGINT');
    await run(process.execPath, [BIN, 'down', '--yes', ...common]);
  }
}

// ---- main ---------------------------------------------------------------------------------------

/** E.g. "stall at 3 s (2.41 s), jump at 5 s (+2.1 s)". */
function describeEvents({ stalls, jumps }: PlayerEvents): string {
  return [
    ...stalls.map((e) => ({ at: e.at, text: `stall at ${e.at.toFixed(0)} s (${(e.ms / 1000).toFixed(2)} s)` })),
    ...jumps.map((e) => ({ at: e.at, text: `jump at ${e.at.toFixed(0)} s (${e.by >= 0 ? '+' : ''}${e.by.toFixed(1)} s)` })),
  ].sort((a, b) => a.at - b.at).map((e) => e.text).join(', ');
}

function fmt(values: number[], pick: (v: number[]) => number): string {
  return values.length ? `${pick(values).toFixed(1)} s` : '–';
}

async function main(): Promise<void> {
  const fontFile = chooseFont(existsSync);
  if (!fontFile) throw new Error('no font for the burned-in clock: apt-get install fonts-dejavu-core');
  const playerTools: Record<string, string[]> = { gstreamer: ['gst-launch-1.0'], ffplay: ['ffplay', 'Xvfb'] };
  for (const tool of ['ffmpeg', 'tesseract', ...PLAYERS.flatMap((p) => playerTools[p] ?? [])]) {
    if ((await run('sh', ['-c', `command -v ${tool}`])).code !== 0) throw new Error(`${tool} is not installed`);
  }
  const root = await mkdtemp(path.join(os.tmpdir(), 'latency-bench-'));
  const before = await uptime();
  console.log(`Latency bench: ${PROFILE}, ${SECONDS} s per mode, players ${PLAYERS.join(', ')} (${TOGETHER ? 'all at once' : 'one after another'} on the same stack), ${os.cpus().length} cores${PLAYERS.includes('ffplay') ? (process.env.FFPLAY_FLAGS !== undefined ? `, ffplay flags '${process.env.FFPLAY_FLAGS}'` : ', ffplay as up prints it (low) or with -fflags nobuffer (standard), -sync ext') : ''}`);
  console.log(`uptime before: ${before}`);
  const browser = PLAYERS.some((p) => !(p in FILE_FRAME_PLAYERS)) ? await launchChromium() : undefined;
  const all: Figures[] = [];
  // Every figure here is a difference of wall clocks: a step of the machine's clock in the run
  // (one of 7.2 s was seen: a paused VM) shows in them, so it is watched and reported.
  const clockSteps: string[] = [];
  const wallClock = new WallClockSteps();
  const clockWatch = setInterval(() => {
    const stepMs = wallClock.check();
    if (stepMs !== 0) clockSteps.push(`${(stepMs / 1000).toFixed(2)} s at ${new Date().toISOString()}`);
  }, 100);
  try {
    for (const mode of MODES) {
      console.log(`\n${mode}: up, publisher, players...`);
      const figures = await runMode(mode, root, fontFile, browser);
      all.push(...figures);
      console.log(`uptime after ${mode}: ${await uptime()}`);
    }
  } finally {
    clearInterval(clockWatch);
    await browser?.close();
  }
  const rows = [['mode', 'player', 'glass-to-glass median (OCR)', 'max (OCR)', 'pictures read', 'player PDT median', 'PDT max', 'PDT - OCR', 'stalls', 'stalled: total / longest', 'in the minute (s after the first picture)', 'before it', 'encoder late at its start']];
  for (const f of all) {
    rows.push([f.mode, f.player, fmt(f.delays, (v) => percentile(v, 0.5)), fmt(f.delays, (v) => Math.max(...v)), `${f.read} of ${f.shots}`,
      fmt(f.pdt, (v) => percentile(v, 0.5)), fmt(f.pdt, (v) => Math.max(...v)),
      f.pdt.length > 0 && f.delays.length > 0 ? `${(percentile(f.pdt, 0.5) - percentile(f.delays, 0.5)).toFixed(2)} s` : '–',
      Number.isNaN(f.stalls) ? '–' : String(f.stalls),
      f.stalled ? `${f.stalled.total.toFixed(2)} / ${f.stalled.longest.toFixed(2)} s` : '–',
      f.minute ? describeEvents(f.minute) || 'nothing' : '–',
      f.startUp ? describeEvents(f.startUp) || 'nothing' : '–',
      f.encoderLateAtStart === undefined ? '–' : `${f.encoderLateAtStart.toFixed(1)} s`]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  console.log('');
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join('  '));
  console.log(`\nuptime at the end: ${await uptime()}`);
  console.log('Goal on 2 cores: low <= 5 s median, standard <= 18 s, 0 stalls over the minute.');
  console.log("PDT - OCR: the player's delay by the playlists' program date times less the delay by the clock in the picture (medians); about -0.3 s, as the dates are when a picture entered the stack, after the publisher's encoder and RTMP.");
  console.log(clockSteps.length > 0 ? `The machine's wall clock stepped during the run (figures around it are off by as much): ${clockSteps.join('; ')}.` : "The machine's wall clock did not step during the run.");
  console.log("Encoder late at its start: the most the top rendition's parts reached the origin late (beyond the stack's quickest, their 5th percentile) in the 10 s after the player started.");
  await writeFile(path.join(OUT ?? root, 'latency.json'), JSON.stringify(all, null, 2));
  if (!OUT) await rm(root, { recursive: true, force: true });
  else console.log(`screenshots and figures in ${OUT}`);
}

main().catch((err: unknown) => {
  console.error((err as Error).stack ?? String(err));
  process.exit(1);
});
