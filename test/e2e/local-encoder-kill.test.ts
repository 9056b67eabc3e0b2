/**
 * An encoder (ffmpeg) killed with SIGKILL in a running local stack, read through the edge as a player
 * does, and checked against RFC 8216 and Apple's BANDWIDTH rule (issue 9, defect 4): the window never
 * shrinks under three target durations, the media sequence never goes back, the restart is an
 * EXT-X-DISCONTINUITY counted by EXT-X-DISCONTINUITY-SEQUENCE once it leaves the window, program date
 * times are continuous except there (and written as RFC 3339), and no segment exceeds its variant's
 * BANDWIDTH by more than 10 %, the first one after the restart included.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { watchPlaylists, waitUntil, parseMediaPlaylist, type PlaylistSample, type MediaSegment } from './helpers/hls-watch.js';
import { closeAll, startTestStack, type TestStack } from './helpers/test-stack.js';

interface Measured {
  bytes: number;
  duration: number;
}

/** What was seen of one segment, over all polls of its playlist. */
interface SeenSegment extends MediaSegment {
  sequence: number;
  firstSeenAt: number;
}

const RFC3339_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/;

describe('an encoder killed with SIGKILL in a running local stack', { timeout: 240_000 }, () => {
  let t: TestStack;
  let urls: string[];
  const bandwidth = new Map<string, number>();
  let samples: PlaylistSample[] = [];
  /** Per playlist URL: segment URI -> its size and EXTINF. */
  const measured = new Map<string, Map<string, Measured>>();
  let restartedAt = 0;

  beforeAll(async () => {
    t = await startTestStack({ input: 'URL_PULL' });
    const master = await waitUntil('the master playlist through the edge', async () => {
      const res = await fetch(`${t.edge}/stream/index.m3u8`, { signal: AbortSignal.timeout(5_000) });
      const text = await res.text();
      return res.ok && text.includes('#EXT-X-STREAM-INF') ? text : undefined;
    });
    const lines = master.trim().split('\n');
    lines.forEach((line, i) => {
      const bw = /^#EXT-X-STREAM-INF:.*\bBANDWIDTH=(\d+)/.exec(line);
      if (bw) bandwidth.set(`${t.edge}/stream/${lines[i + 1]}`, Number(bw[1]));
    });
    urls = [...bandwidth.keys()];
    const full = t.ladder.hls.playlistSize;
    await waitUntil('a full window in every playlist', async () => {
      const lists = await Promise.all(urls.map(async (u) => parseMediaPlaylist(await (await fetch(u)).text())));
      return lists.every((p) => p.segments.length >= full);
    }, 90_000);

    const watch = watchPlaylists(urls, 500);
    // Every segment listed is fetched once, as a player would, to measure its bit rate.
    let measuring = true;
    const measureLoop = (async () => {
      while (measuring) {
        for (const url of urls) {
          const latest = watch.samples.filter((s) => s.url === url && s.playlist).at(-1);
          for (const seg of latest?.playlist?.segments ?? []) {
            const known = measured.get(url) ?? new Map<string, Measured>();
            measured.set(url, known);
            if (known.has(seg.uri)) continue;
            const res = await fetch(new URL(seg.uri, url), { signal: AbortSignal.timeout(5_000) }).catch(() => undefined);
            if (res?.ok) known.set(seg.uri, { bytes: (await res.arrayBuffer()).byteLength, duration: seg.duration });
          }
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    })();
    try {
      const first = watch.newest(urls[0]!);
      await waitUntil('two more segments before the kill', () => watch.newest(urls[0]!) >= first + 2, 30_000);
      const before = t.stack.status().encoder as { pid?: number; restarts: number };
      expect(before.pid).toBeDefined();
      process.kill(before.pid!, 'SIGKILL');
      await waitUntil('the encoder restart', () => {
        const s = t.stack.status();
        return (s.encoder as { restarts: number }).restarts === 1 && s.channel === 'RUNNING';
      }, 30_000);
      restartedAt = Date.now();
      // Until the restart's discontinuity has left every window: a window's worth of new segments, and one more.
      const atRestart = urls.map((u) => watch.newest(u));
      await waitUntil('a window of segments after the restart', () => urls.every((u, i) => watch.newest(u) > atRestart[i]! + full), 90_000);
      await new Promise((r) => setTimeout(r, 1_500));
    } finally {
      samples = await watch.stop();
      measuring = false;
      await measureLoop;
    }
  }, 240_000);

  afterAll(async () => {
    await closeAll();
  });

  const polls = (url: string) => samples.filter((s) => s.url === url && s.playlist).map((s) => ({ at: s.at, playlist: s.playlist! }));

  /** Every segment seen in `url`'s playlist, by media sequence number (a number seen with two different segments throws). */
  function timeline(url: string): SeenSegment[] {
    const bySeq = new Map<number, SeenSegment>();
    for (const { at, playlist } of polls(url)) {
      playlist.segments.forEach((seg, i) => {
        const sequence = playlist.mediaSequence + i;
        const known = bySeq.get(sequence);
        if (known && (known.uri !== seg.uri || known.programDateTime !== seg.programDateTime || known.discontinuity !== seg.discontinuity)) {
          throw new Error(`${url}: media sequence ${sequence} was ${known.uri} (${known.programDateTime}), later ${seg.uri} (${seg.programDateTime})`);
        }
        if (!known) bySeq.set(sequence, { ...seg, sequence, firstSeenAt: at });
      });
    }
    return [...bySeq.values()].sort((a, b) => a.sequence - b.sequence);
  }

  it('was polled through the kill and the restart', () => {
    expect(restartedAt).toBeGreaterThan(0);
    for (const url of urls) {
      expect(polls(url).length).toBeGreaterThan(20);
      expect(polls(url).some((p) => p.playlist.discontinuities === 1)).toBe(true);
    }
  });

  it('keeps at least three target durations in every playlist at every poll', () => {
    for (const url of urls) {
      const short = polls(url).filter(({ playlist }) => playlist.segments.reduce((sum, s) => sum + s.duration, 0) < 3 * playlist.targetDuration);
      expect(short.map((p) => `${new Date(p.at).toISOString()}: ${p.playlist.segments.length} segments`), url).toEqual([]);
      expect(new Set(polls(url).map((p) => p.playlist.targetDuration))).toEqual(new Set([t.ladder.hls.segmentSeconds]));
    }
  });

  it('never moves the media sequence back, and a sequence number always names the same segment', () => {
    for (const url of urls) {
      const seqs = polls(url).map((p) => p.playlist.mediaSequence);
      expect(seqs.every((s, i) => i === 0 || s >= seqs[i - 1]!), url).toBe(true);
      const seen = timeline(url);
      expect(seen.map((s) => s.sequence)).toEqual(seen.map((_, i) => seen[0]!.sequence + i));
    }
  });

  it('marks the restart with one discontinuity, counted in EXT-X-DISCONTINUITY-SEQUENCE once it leaves the window', () => {
    for (const url of urls) {
      const seen = timeline(url);
      const tagged = seen.filter((s) => s.discontinuity).map((s) => s.sequence);
      expect(tagged, url).toHaveLength(1);
      for (const { playlist } of polls(url)) {
        const expected = tagged.filter((n) => n < playlist.mediaSequence).length;
        expect(playlist.discontinuitySequence, `${url} at media sequence ${playlist.mediaSequence}`).toBe(expected);
      }
      expect(polls(url).at(-1)!.playlist.discontinuitySequence).toBe(1);
    }
  });

  it('dates every segment in RFC 3339 (+00:00), continuously except at the discontinuity, and never in the future', () => {
    for (const url of urls) {
      const seen = timeline(url);
      for (const s of seen) expect(s.programDateTime, `${url} ${s.uri}`).toMatch(RFC3339_UTC);
      const problems: string[] = [];
      for (let i = 1; i < seen.length; i++) {
        const prev = seen[i - 1]!;
        const cur = seen[i]!;
        const gap = (Date.parse(cur.programDateTime!) - Date.parse(prev.programDateTime!)) / 1000 - prev.duration;
        if (cur.discontinuity ? gap < -0.002 : Math.abs(gap) > 0.002) problems.push(`${cur.uri}: ${gap.toFixed(3)} s after the end of ${prev.uri}`);
        // A segment's frames were all taken before it was listed.
        const end = Date.parse(cur.programDateTime!) + cur.duration * 1000;
        if (end > cur.firstSeenAt + 100) problems.push(`${cur.uri}: ends ${end - cur.firstSeenAt} ms after it was first listed`);
      }
      expect(problems, url).toEqual([]);
    }
  });

  it('keeps every segment within 10 % over its variant BANDWIDTH, the first after the restart included', () => {
    for (const url of urls) {
      const declared = bandwidth.get(url)!;
      const sizes = measured.get(url)!;
      const seen = timeline(url);
      const firstAfter = seen.find((s) => s.discontinuity)!;
      expect(sizes.has(firstAfter.uri), `${firstAfter.uri} was measured`).toBe(true);
      expect(sizes.size).toBeGreaterThanOrEqual(seen.length - 2);
      const over = [...sizes].map(([uri, m]) => ({ uri, rate: Math.round((m.bytes * 8) / m.duration) })).filter((m) => m.rate > 1.1 * declared);
      expect(over, `${url}: BANDWIDTH=${declared}`).toEqual([]);
    }
  });
});
