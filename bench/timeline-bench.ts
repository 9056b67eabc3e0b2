/**
 * Timeline benchmark: `npx tsx bench/timeline-bench.ts [--minutes 5] [--profile HD-720p] [--hog 2] [--kill-at 120]`
 *
 * Runs the encoder supervisor on a live 30 fps test source (testsrc2 + tone, paced with -re) into a
 * stand-in origin, with `--hog` stress-ng CPU workers beside it, and optionally kills the encoder
 * with SIGKILL `--kill-at` seconds in. Then prints, from what reached the origin:
 *
 *   - PDT drift: for each segment of the top rendition, the time its playlist reached the origin
 *     minus the end of its content on the wall clock (PDT + duration): the whole encoder latency.
 *     If the timeline slipped behind the clock (frames counted instead of timed) this grows with
 *     every dropped frame; the slope (s/min) says whether it does;
 *   - dropped frames and the encoder's speed, from the supervisor's status;
 *   - each rendition's highest segment bit rate (bytes x 8 / EXTINF) against its BANDWIDTH.
 *
 * Other processes share the CPU: figures are indicative, not a specification.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadProfile } from '../src/core/profiles.js';
import { renditionName } from '../src/core/ladder.js';
import { buildMasterPlaylist } from '../src/targets/local/encoder/master-playlist.js';
import { EncoderSupervisor } from '../src/targets/local/encoder/supervisor.js';
import { parseMediaPlaylist } from '../test/e2e/helpers/hls-watch.js';
import { startPutServer } from '../test/targets/local/encoder/put-server.js';

const argv = process.argv.slice(2);
const opt = (name: string, def: number): number => (argv.includes(`--${name}`) ? Number(argv[argv.indexOf(`--${name}`) + 1]) : def);
const MINUTES = opt('minutes', 5);
const HOG = opt('hog', 2);
const KILL_AT = opt('kill-at', 0);
const PROFILE = argv.includes('--profile') ? argv[argv.indexOf('--profile') + 1]! : 'HD-720p';
const FFMPEG = process.env.LIVESTREAM_FFMPEG ?? 'ffmpeg';
const TOKEN = 'bench-token';

const ladder = await loadProfile(PROFILE);
const top = ladder.renditions[0]!;
const dir = await mkdtemp(path.join(os.tmpdir(), 'timeline-bench-'));
const server = await startPutServer(path.join(dir, 'origin'), TOKEN);
const sup = new EncoderSupervisor({
  ffmpegPath: FFMPEG,
  ladder,
  originUrl: server.url,
  writeToken: () => TOKEN,
  logFile: path.join(dir, 'ffmpeg.log'),
  inputArgs: () => ['-re', '-f', 'lavfi', '-i', `testsrc2=size=${top.width}x${top.height}:rate=30`, '-re', '-f', 'lavfi', '-i', 'sine=sample_rate=48000'],
});
const hog: ChildProcess | undefined = HOG > 0 ? spawn('stress-ng', ['--cpu', String(HOG), '--quiet'], { stdio: 'ignore' }) : undefined;

/** Segment URI -> PDT (epoch ms), duration, and when the first playlist listing it reached the origin. */
const seen = new Map<string, { pdt: number; duration: number; listedAt: number; discontinuity: boolean }>();
const playlistFile = path.join(dir, 'origin', 'stream', `index${renditionName(top)}.m3u8`);
const speeds: number[] = [];
const loadAverages: number[] = [];
const startedAt = Date.now();
await sup.start();
console.log(`${PROFILE}, ${MINUTES} min, ${HOG} stress-ng CPU workers, load average at start ${os.loadavg()[0]!.toFixed(1)}`);
let killed = false;
while (Date.now() - startedAt < MINUTES * 60_000) {
  await new Promise((r) => setTimeout(r, 500));
  const listedAt = server.events.filter((e) => e.path.endsWith(`index${renditionName(top)}.m3u8`)).at(-1)?.at ?? Date.now();
  const text = await readFile(playlistFile, 'utf8').catch(() => '');
  for (const seg of parseMediaPlaylist(text).segments) {
    if (!seg.programDateTime || seen.has(seg.uri)) continue;
    seen.set(seg.uri, { pdt: Date.parse(seg.programDateTime), duration: seg.duration, listedAt, discontinuity: seg.discontinuity });
  }
  const s = sup.status();
  if (s.encoder.speed !== undefined) speeds.push(s.encoder.speed);
  loadAverages.push(os.loadavg()[0]!);
  if (KILL_AT > 0 && !killed && Date.now() - startedAt > KILL_AT * 1000 && s.encoder.pid) {
    process.kill(s.encoder.pid, 'SIGKILL');
    killed = true;
    console.log(`killed the encoder (pid ${s.encoder.pid}) at ${Math.round((Date.now() - startedAt) / 1000)} s`);
  }
}
const status = sup.status();

// Bit rate of each segment still in the origin, against its variant's BANDWIDTH.
const master = buildMasterPlaylist(ladder);
const bandwidths = [...master.matchAll(/BANDWIDTH=(\d+),.*\n(\S+)\n/g)].map((m) => ({ playlist: m[2]!, bandwidth: Number(m[1]) }));
const rates: string[] = [];
for (const { playlist, bandwidth } of bandwidths) {
  const text = await readFile(path.join(dir, 'origin', 'stream', playlist), 'utf8').catch(() => '');
  let worst = { ratio: 0, what: '' };
  for (const seg of parseMediaPlaylist(text).segments) {
    const bytes = await stat(path.join(dir, 'origin', 'stream', seg.uri)).then((st) => st.size, () => 0);
    const ratio = (bytes * 8) / seg.duration / bandwidth;
    if (ratio > worst.ratio) worst = { ratio, what: `${seg.uri}: ${bytes} B in ${seg.duration} s` };
  }
  rates.push(`${playlist} ${Math.round(worst.ratio * 100)} % (${worst.what})`);
}
// Keyframe alignment: each rendition's segments (by file number) against the top rendition's, same duration?
const byNumber = async (playlist: string) =>
  new Map(parseMediaPlaylist(await readFile(path.join(dir, 'origin', 'stream', playlist), 'utf8').catch(() => '')).segments.map((g) => [g.number, g]));
const topSegments = await byNumber(bandwidths[0]!.playlist);
const misaligned: string[] = [];
for (const { playlist } of bandwidths.slice(1)) {
  for (const [n, g] of await byNumber(playlist)) {
    const t = topSegments.get(n);
    if (t && (Math.abs(t.duration - g.duration) > 0.001 || t.programDateTime !== g.programDateTime)) misaligned.push(`${g.uri} ${g.duration} s vs ${t.duration} s`);
  }
}
await sup.stop();
hog?.kill('SIGKILL');
await server.close();

const segs = [...seen.values()].sort((a, b) => a.pdt - b.pdt);
const drift = segs.map((s) => ({ t: (s.listedAt - startedAt) / 60_000, d: (s.listedAt - s.pdt - s.duration * 1000) / 1000 }));
const slope = (() => {
  const n = drift.length;
  const mt = drift.reduce((a, p) => a + p.t, 0) / n;
  const md = drift.reduce((a, p) => a + p.d, 0) / n;
  return drift.reduce((a, p) => a + (p.t - mt) * (p.d - md), 0) / drift.reduce((a, p) => a + (p.t - mt) ** 2, 0);
})();
const gaps = segs.slice(1).map((s, i) => ({ gap: (s.pdt - segs[i]!.pdt) / 1000 - segs[i]!.duration, discontinuity: s.discontinuity }));
const fmt = (x: number) => x.toFixed(3);
console.log(`segments of ${renditionName(top)}: ${segs.length}; encoder restarts ${status.encoder.restarts}`);
console.log(`PDT drift (playlist at origin - segment end), s: first ${fmt(drift[0]?.d ?? NaN)}, median ${fmt(drift.map((p) => p.d).sort((a, b) => a - b)[drift.length >> 1] ?? NaN)}, max ${fmt(Math.max(...drift.map((p) => p.d)))}, last ${fmt(drift.at(-1)?.d ?? NaN)}; slope ${fmt(slope)} s/min`);
console.log(`PDT gaps between consecutive segments without a discontinuity, max |gap| s: ${fmt(Math.max(0, ...gaps.filter((g) => !g.discontinuity).map((g) => Math.abs(g.gap))))}; at discontinuities: ${gaps.filter((g) => g.discontinuity).map((g) => fmt(g.gap)).join(', ') || 'none'}`);
console.log(`dropped frames ${status.encoder.droppedFrames} of ${Math.round(((Date.now() - startedAt) / 1000) * Math.max(...ladder.renditions.map((r) => r.framerate)))} ticks; encoder speed min ${fmt(Math.min(...speeds))}, median ${fmt(speeds.sort((a, b) => a - b)[speeds.length >> 1] ?? NaN)}`);
console.log(`highest segment bit rate / BANDWIDTH (segments still in the origin): ${rates.join(', ')}`);
console.log(`segments not aligned with the top rendition's (same number, other duration or PDT): ${misaligned.length ? misaligned.join('; ') : 'none'}`);
console.log(`load average during the run: median ${fmt(loadAverages.sort((a, b) => a - b)[loadAverages.length >> 1] ?? NaN)}, max ${fmt(Math.max(...loadAverages))}`);
if (argv.includes('--keep')) console.log(`kept ${dir}`);
else await rm(dir, { recursive: true, force: true });
