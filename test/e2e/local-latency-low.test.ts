/**
 * `livestream up --latency low` on the local target, through the real CLI: the plan says what low
 * latency costs, the playlists carry 1 s segments with program date time and their LL-HLS parts
 * (each segment's file its parts joined), a real Chromium plays the
 * stack's player tuned for them and reports its delay, and `status` shows it; a viewer left behind is
 * sped up, and a speed the viewer picks stays. The ffplay command `up` prints plays the stream.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/browser.js';
import { livestream } from '../helpers/cli.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';
import { readPlaylistPosition } from '../../src/targets/local/origin/blocking-reload.js';

const ladder = new URL('../fixtures/ladders/tiny.json', import.meta.url).pathname;

/** The part a media playlist hints (EXT-X-PRELOAD-HINT), if any. */
function lastHint(playlist: string): string | undefined {
  return readPlaylistPosition(playlist)?.preloadHintUri;
}

/** The newest part a media playlist lists: its segment's media sequence number and its index in that segment. */
function lastPart(playlist: string): { msn: number; index: number } {
  return readPlaylistPosition(playlist)!.lastPart!;
}

describe('livestream up --latency low (local, demo source)', { timeout: 240_000 }, () => {
  let dir: string;
  let browser: Browser | undefined;
  const common = () => ['--stack', 'e2e-low', '--state-dir', path.join(dir, 'state')];

  beforeAll(async () => {
    dir = await makeTmpDir('e2e-low-');
  });

  afterAll(async () => {
    await browser?.close();
    await livestream(['down', ...common(), '--json', '--delete-logs', '--yes']);
  });

  it('plans low latency with its cost, then plays 1 s segments in the player, which reports its delay to status', async () => {
    const plan = await livestream(['plan', '--input', 'URL_PULL', '--latency', 'low', '--profile', ladder, ...common()]);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('Latency low: 1 s segments, each also listed as 3 parts of 0.33 s (LL-HLS) with a keyframe each (the built-in ladders: 4 s segments), 8 segments per playlist');
    expect(plan.stdout).toContain('costs 4x the requests per viewer: 7200 playlist + segment requests a viewer-hour instead of 1800');

    const up = await livestream(['up', '--input', 'URL_PULL', '--latency', 'low', '--profile', ladder, '--yes', '--json', ...common()]);
    expect(up.code, up.stderr).toBe(0);
    const outputs = up.json.outputs as Record<string, string>;
    const base = outputs.playbackUrl!.replace(/index\.m3u8$/, '');
    const master = await (await fetch(outputs.playbackUrl!)).text();
    const media = master.split('\n').find((l) => l.endsWith('.m3u8'))!;
    // A few segments in: every one 1 s, each with its program date time, at most 8 listed.
    let playlist = '';
    for (let i = 0; i < 60 && (playlist.match(/#EXTINF/g) ?? []).length < 4; i++) {
      playlist = await (await fetch(base + media)).text();
      await new Promise((r) => setTimeout(r, 1000));
    }
    expect(playlist).toContain('#EXT-X-TARGETDURATION:1\n');
    const durations = [...playlist.matchAll(/#EXTINF:([\d.]+),/g)].map((m) => Number(m[1]));
    expect(durations.length).toBeGreaterThanOrEqual(4);
    expect(durations.length).toBeLessThanOrEqual(8);
    for (const d of durations.slice(1)) expect(d).toBeCloseTo(1, 1);
    // Each segment has its date; so has the one being written, whose parts are listed before it is whole.
    // (The playlist ends with the hint either way: a segment is being written if it has parts listed.)
    const position = readPlaylistPosition(playlist)!;
    const open = position.lastPart !== undefined && position.lastPart.msn > position.lastWholeMsn ? 1 : 0;
    expect(playlist.match(/#EXT-X-PROGRAM-DATE-TIME:/g)).toHaveLength(durations.length + open);

    // LL-HLS parts: a third of a second, each marked as opening with a keyframe (read from its file),
    // and the segment's file the same bytes as its parts' files end to end.
    expect(playlist).toContain('#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.666670\n#EXT-X-PART-INF:PART-TARGET=0.333334\n');
    const whole = [...playlist.matchAll(/((?:#EXT-X-PART:[^\n]*\n)+)#EXTINF:[\d.]+,\n(\S+)\n/g)];
    expect(whole.length).toBeGreaterThanOrEqual(2);
    for (const [, partText, uri] of whole) {
      const parts = [...partText!.matchAll(/DURATION=([\d.]+),URI="([^"]+)"(,INDEPENDENT=YES)?/g)];
      expect(parts.map((p) => Boolean(p[3]))).toEqual([true, true, true]);
      for (const p of parts) expect(Number(p[1])).toBeCloseTo(1 / 3, 5);
      const bytes = async (name: string) => Buffer.from(await (await fetch(base + name)).arrayBuffer());
      const joined = Buffer.concat(await Promise.all(parts.map((p) => bytes(p[2]!))));
      expect((await bytes(uri!)).equals(joined), uri).toBe(true);
    }

    // Blocking playlist reload, through the edge: a request for the part after the newest is held
    // until the playlist lists it, and answered with that playlist; one too far ahead is refused.
    // The first answer may come at once (the playlist above is seconds old); the second asks for the
    // part after one just listed, which no playlist has yet: an edge or origin that ignored the
    // directives would answer with a playlist without it.
    const askNext = async (p: { msn: number; index: number }) => {
      const r = await fetch(`${base}${media}?_HLS_msn=${p.msn}&_HLS_part=${p.index + 1}`);
      expect(r.status).toBe(200);
      const got = lastPart(await r.text());
      expect(got.msn > p.msn || (got.msn === p.msn && got.index > p.index), JSON.stringify({ asked: p, got })).toBe(true);
      return got;
    };
    const after = await askNext(await askNext(lastPart(playlist)));
    expect((await fetch(`${base}${media}?_HLS_msn=${after.msn + 5}&_HLS_part=0`)).status).toBe(400);
    // The playlist ends with a hint of the part ffmpeg writes next: asked for through the edge the
    // moment the playlist that hints it arrives (before it exists), it comes once written (the
    // origin holds the request), a whole part of TS.
    const fresh = await (await fetch(`${base}${media}?_HLS_msn=${after.msn}&_HLS_part=${after.index + 1}`)).text();
    const hint = lastHint(fresh);
    expect(hint, fresh.slice(-300)).toMatch(/^index_\d+x\d+_\d{5}\.ts$/);
    const hinted = await fetch(base + hint);
    expect(hinted.status).toBe(200);
    const hintedBytes = Buffer.from(await hinted.arrayBuffer());
    expect(hintedBytes.length % 188).toBe(0);
    expect(hintedBytes[0]).toBe(0x47);

    // The ffplay command up prints, run with ffmpeg (the same HLS demuxer ffplay reads with, and no
    // window needed): it takes every option (one it did not know would fail here) and reads the
    // top rendition through the edge, two whole segments from the end.
    const ffplay = up.json.ffplayCommand as string;
    expect(ffplay).toBe(`ffplay -fflags nobuffer -live_start_index -2 ${base}index_480x270.m3u8`);
    const options = ffplay.split(' ').slice(1, -1);
    const read = await promisify(execFile)('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', ...options, '-i', outputs.playbackUrl!, '-map', '0:v:0', '-t', '2', '-f', 'null', '-'], { timeout: 60_000 });
    expect(read.stderr).toBe('');

    browser = await launchChromium();
    const page = await browser.newPage();
    await page.goto(outputs.playerUrl!);
    await page.waitForFunction(() => (window as any).__player?.video?.currentTime > 3, undefined, { timeout: 60_000 });
    // hls.js reads the parts (lowLatencyMode, with the playlists' CAN-BLOCK-RELOAD).
    expect(await page.locator('#s-mode').textContent()).toBe('low, LL-HLS parts (1 s segments)');
    expect(await page.locator('#s-delay').textContent()).toMatch(/^\d+\.\d s$/);

    // The player's beacon reaches status (every 5 s while it plays).
    let line = '';
    for (let i = 0; i < 30 && !/behind real time/.test(line); i++) {
      const status = await livestream(['status', ...common()]);
      line = status.stdout.split('\n').find((l) => l.startsWith('Latency')) ?? '';
      if (!/behind real time/.test(line)) await new Promise((r) => setTimeout(r, 1000));
    }
    expect(line).toMatch(/^Latency\s+low \(1 s segments\); a viewer was \d+\.\d s behind real time \(player report at \S+\)$/);
    const json = await livestream(['status', ...common(), '--json']);
    expect(json.json.live.latency).toMatchObject({ mode: 'low', segmentSeconds: 1, viewerDelaySeconds: expect.any(Number) });

    // A speed the viewer picks stays, neither the page's catch-up nor hls.js's (which adjusts the
    // rate every timeupdate in low mode) setting it back...
    const rate = () => page.evaluate(() => (window as any).__player.video.playbackRate as number);
    const setRate = (r: number) => page.evaluate((v) => { (window as any).__player.video.playbackRate = v; }, r);
    await setRate(0.5);
    await page.waitForTimeout(2_500);
    expect(await rate()).toBe(0.5);
    // ...and once the viewer is back at 1x, a viewer set 2 s back (still buffered) is brought back:
    // sped up by the page (more than 4.5 s behind), or, past 8 s behind, by hls.js jumping to its
    // target (in CI, with other browsers beside it, the page's speed-up was not seen within 20 s,
    // twice; the state at the time is in the message if neither happens)...
    await setRate(1);
    const behindBefore = await page.evaluate(() => (window as any).__player.hls.latency as number);
    await page.evaluate(() => { const v = (window as any).__player.video as HTMLVideoElement; v.currentTime = Math.max(0, v.currentTime - 2); });
    // First the seek shows (hls.js's latency grows by it), unless the page already speeds up.
    await page.waitForFunction((before) => { const p = (window as any).__player; return p.video.playbackRate > 1 || p.hls.latency > before + 1.5; }, behindBefore, { timeout: 5_000 });
    const broughtBack = await page
      .waitForFunction((before) => { const p = (window as any).__player; return p.video.playbackRate > 1 || p.hls.latency < before + 0.5; }, behindBefore, { timeout: 20_000 })
      .then(() => true, () => false);
    const state = await page.evaluate(() => {
      const p = (window as any).__player;
      const v = p.video as HTMLVideoElement;
      const ahead = v.buffered.length ? v.buffered.end(v.buffered.length - 1) - v.currentTime : 0;
      return { rate: v.playbackRate, paused: v.paused, latency: p.hls.latency, ahead, delay: document.getElementById('s-delay')?.textContent };
    });
    expect(broughtBack, JSON.stringify({ behindBefore, ...state })).toBe(true);
    // ...until the viewer picks a speed in the middle of it.
    await setRate(0.75);
    await page.waitForTimeout(2_500);
    expect(await rate()).toBe(0.75);
  });
});
