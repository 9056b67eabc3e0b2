import { afterEach, describe, expect, it, vi } from 'vitest';
import { PlaylistComposer } from '../../../../src/targets/local/encoder/media-playlist.js';
import {
  decideHold,
  isSatisfied,
  PlaylistHolds,
  readDeliveryDirectives,
  readPlaylistPosition,
  resolveObjectKey,
  type PlaylistPosition,
} from '../../../../src/targets/local/origin/blocking-reload.js';

const T0 = Date.parse('2026-12-01T05:00:00.000Z');
const THIRD = 0.333333;

/** The playlist ffmpeg writes: `count` parts of 1/3 s, files `first`.. onwards. */
function ffmpegPlaylist(first: number, count: number, ended = false): string {
  const lines = ['#EXTM3U', '#EXT-X-TARGETDURATION:0', `#EXT-X-MEDIA-SEQUENCE:${first}`];
  for (let i = first; i < first + count; i++) lines.push(`#EXTINF:${THIRD},`, `index_320x180_${String(i).padStart(5, '0')}.ts`);
  if (ended) lines.push('#EXT-X-ENDLIST');
  return lines.join('\n') + '\n';
}

const lowModeComposer = () => new PlaylistComposer({ windowSize: 8, targetDuration: 1, parts: { segmentSeconds: 1, targetSeconds: 0.333334, holdBackSeconds: 1.66667 } });

/** The playlist the low mode's composer writes once ffmpeg has written `parts` parts of 1/3 s (files 1..parts). */
function lowModePlaylist(parts: number, ended = false): string {
  const c = lowModeComposer();
  c.beginRun(1);
  c.setRunStart(1, T0);
  const text = c.update(1, 'index_320x180', ffmpegPlaylist(1, parts, ended), T0 + parts * 333, () => true).text;
  if (text === undefined) throw new Error('no playlist yet');
  return text;
}

const position = (over: Partial<PlaylistPosition> = {}): PlaylistPosition => ({
  canBlockReload: true,
  ended: false,
  targetDurationSeconds: 1,
  partTargetSeconds: 0.333334,
  lastWholeMsn: 4,
  lastPart: { msn: 5, index: 1 },
  preloadHintUri: undefined,
  ...over,
});

describe('readPlaylistPosition, on what the low mode publishes', () => {
  it('finds the last whole segment and the newest part of the segment being written', () => {
    // 17 parts: segments 1-5 whole (parts 1-15), segment 6 has parts 16 and 17.
    const p = readPlaylistPosition(lowModePlaylist(17))!;
    expect(p).toEqual({
      canBlockReload: true, ended: false, targetDurationSeconds: 1, partTargetSeconds: 0.333334, lastWholeMsn: 5, lastPart: { msn: 6, index: 1 },
      preloadHintUri: 'index_320x180_00018.ts', // the part ffmpeg writes next
    });
  });

  it('with the newest segment just made whole, its last part is the newest part', () => {
    const p = readPlaylistPosition(lowModePlaylist(6))!;
    expect(p.lastWholeMsn).toBe(2);
    expect(p.lastPart).toEqual({ msn: 2, index: 2 });
  });

  it('sees the end, and a playlist without CAN-BLOCK-RELOAD (standard mode) as not blocking', () => {
    expect(readPlaylistPosition(lowModePlaylist(9, true))).toMatchObject({ ended: true, preloadHintUri: undefined }); // no hint once ended
    const standard = readPlaylistPosition('#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-MEDIA-SEQUENCE:7\n#EXTINF:4.0,\na.ts\n#EXTINF:4.0,\nb.ts\n')!;
    expect(standard).toMatchObject({ canBlockReload: false, lastWholeMsn: 8, lastPart: undefined, partTargetSeconds: undefined });
  });

  it('is undefined for a multivariant playlist (no target duration)', () => {
    expect(readPlaylistPosition('#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000\nindex_320x180.m3u8\n')).toBeUndefined();
  });
});

describe('readDeliveryDirectives', () => {
  it('reads _HLS_msn and _HLS_part among other parameters', () => {
    expect(readDeliveryDirectives('')).toEqual({ kind: 'none' });
    expect(readDeliveryDirectives('t=123')).toEqual({ kind: 'none' });
    expect(readDeliveryDirectives('_HLS_msn=12')).toEqual({ kind: 'wait-for', msn: 12, part: undefined });
    expect(readDeliveryDirectives('x=1&_HLS_part=2&_HLS_msn=12')).toEqual({ kind: 'wait-for', msn: 12, part: 2 });
  });

  it('calls malformed ones bad (400): a part without a sequence number, signs, fractions, words', () => {
    for (const q of ['_HLS_part=1', '_HLS_msn=-1', '_HLS_msn=1.5', '_HLS_msn=abc', '_HLS_msn=', '_HLS_msn=3&_HLS_part=x', '_HLS_msn=1e3']) {
      expect(readDeliveryDirectives(q).kind, q).toBe('bad');
    }
  });
});

describe('decideHold and isSatisfied (RFC 8216bis 6.2.5.2)', () => {
  const ask = (msn: number, part?: number) => ({ kind: 'wait-for' as const, msn, part });

  it('answers at once what the playlist already has, holds what it does not', () => {
    expect(decideHold(position(), ask(5, 1))).toBe('answer');
    expect(decideHold(position(), ask(5, 0))).toBe('answer');
    expect(decideHold(position(), ask(3))).toBe('answer'); // long gone: the playlist as it is
    expect(decideHold(position(), ask(5, 2))).toBe('hold');
    expect(decideHold(position(), ask(5))).toBe('hold'); // segment 5 whole: not yet
    expect(decideHold(position(), ask(6, 0))).toBe('hold');
  });

  it('takes a part index past a segment\'s last part as part 0 of the next segment', () => {
    const wholeFive = position({ lastWholeMsn: 5, lastPart: { msn: 5, index: 2 } });
    expect(isSatisfied(wholeFive, 5, 3)).toBe(false);
    const sixStarted = position({ lastWholeMsn: 5, lastPart: { msn: 6, index: 0 } });
    expect(isSatisfied(sixStarted, 5, 3)).toBe(true);
    expect(isSatisfied(sixStarted, 5, 7)).toBe(true);
    expect(isSatisfied(sixStarted, 6, 1)).toBe(false);
  });

  it('refuses a sequence number more than two segments ahead, and parts past the Advance Part Limit (3 s of parts)', () => {
    expect(decideHold(position(), ask(7, 0))).toBe('hold');
    expect(decideHold(position(), ask(8, 0))).toEqual({ refuse: expect.stringContaining('more than two segments') });
    // From part 1 of 5, the Advance Part Limit is 3 / PART-TARGET = 8.99998 parts (3 s).
    expect(decideHold(position(), ask(7, 3))).toBe('hold'); // 2*3 + 3 - 1 = 8
    expect(decideHold(position(), ask(7, 4))).toEqual({ refuse: expect.stringContaining('parts (3 s) past') }); // 9
    // A PART-TARGET of a second or more: three parts.
    const long = position({ targetDurationSeconds: 6, partTargetSeconds: 2, lastPart: { msn: 5, index: 1 } });
    expect(decideHold(long, ask(5, 4))).toBe('hold');
    expect(decideHold(long, ask(5, 5))).toEqual({ refuse: expect.stringContaining('more than 3.00 parts') });
  });

  it('ignores the directives of a playlist that has ended or does not block', () => {
    expect(decideHold(position({ ended: true }), ask(9, 0))).toBe('answer');
    expect(decideHold(position({ canBlockReload: false }), ask(6, 2))).toBe('answer');
  });
});

describe('PlaylistHolds', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('answers a hold when an upload lists its part, and not before', async () => {
    const holds = new PlaylistHolds();
    holds.update('stream/a.m3u8', lowModePlaylist(16)); // segment 6 has part 0
    const wait = holds.wait('stream/a.m3u8', 6, 1, 3000);
    let outcome: string | undefined;
    void wait.outcome.then((o) => (outcome = o));
    holds.update('stream/a.m3u8', lowModePlaylist(16)); // the same again: still not there
    await Promise.resolve();
    expect(outcome).toBeUndefined();
    expect(holds.held).toBe(1);
    holds.update('stream/a.m3u8', lowModePlaylist(17));
    expect(await wait.outcome).toBe('ready');
    expect(holds.held).toBe(0);
  });

  it('gives up after its limit, and ends holds when the playlist is deleted, ends, or the origin closes', async () => {
    vi.useFakeTimers();
    const holds = new PlaylistHolds();
    holds.update('stream/a.m3u8', lowModePlaylist(16));
    const late = holds.wait('stream/a.m3u8', 7, 0, 3000);
    vi.advanceTimersByTime(2999);
    const deleted = holds.wait('stream/a.m3u8', 7, 0, 3000);
    vi.advanceTimersByTime(1);
    expect(await late.outcome).toBe('timeout');
    holds.forget('stream/a.m3u8');
    expect(await deleted.outcome).toBe('gone');

    holds.update('stream/b.m3u8', lowModePlaylist(16));
    const atEnd = holds.wait('stream/b.m3u8', 7, 0, 3000);
    holds.update('stream/b.m3u8', lowModePlaylist(17, true));
    expect(await atEnd.outcome).toBe('ready');

    const closing = holds.wait('stream/b.m3u8', 9, 0, 3000);
    const left = holds.wait('stream/b.m3u8', 9, 0, 3000);
    left.cancel();
    expect(await left.outcome).toBe('closed');
    expect(holds.held).toBe(1);
    holds.close();
    expect(await closing.outcome).toBe('closed');
    expect(holds.held).toBe(0);
  });
});

describe('preload hints (RFC 8216bis 6.2.6)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('resolves a hint against its playlist, and only relative ones', () => {
    expect(resolveObjectKey('stream/index_320x180.m3u8', 'index_320x180_00018.ts')).toBe('stream/index_320x180_00018.ts');
    expect(resolveObjectKey('stream/a/b.m3u8', '../c%20d.ts')).toBe('stream/c d.ts');
    expect(resolveObjectKey('stream/b.m3u8', 'https://elsewhere.example/x.ts')).toBeUndefined();
    expect(resolveObjectKey('stream/b.m3u8', '//elsewhere.example/x.ts')).toBeUndefined();
  });

  it('holds a GET of the hinted part until it is stored; the hint moves on with the playlist, and goes when it ends', async () => {
    vi.useFakeTimers();
    const holds = new PlaylistHolds();
    holds.update('stream/index_320x180.m3u8', lowModePlaylist(16));
    expect(holds.hintedPartLimitMs('stream/index_320x180_00017.ts')).toBe(3000);
    expect(holds.hintedPartLimitMs('stream/index_320x180_00018.ts')).toBeUndefined(); // not hinted (yet)
    const wait = holds.waitForPart('stream/index_320x180_00017.ts', 3000);
    holds.stored('stream/index_320x180_00016.ts'); // another object
    expect(holds.held).toBe(1);
    holds.stored('stream/index_320x180_00017.ts');
    expect(await wait.outcome).toBe('ready');

    holds.update('stream/index_320x180.m3u8', lowModePlaylist(17));
    expect(holds.hintedPartLimitMs('stream/index_320x180_00017.ts')).toBeUndefined();
    expect(holds.hintedPartLimitMs('stream/index_320x180_00018.ts')).toBe(3000);
    const never = holds.waitForPart('stream/index_320x180_00018.ts', 3000);
    vi.advanceTimersByTime(3000);
    expect(await never.outcome).toBe('timeout');

    holds.update('stream/index_320x180.m3u8', lowModePlaylist(18, true));
    expect(holds.hintedPartLimitMs('stream/index_320x180_00019.ts')).toBeUndefined();
    holds.update('stream/index_320x180.m3u8', lowModePlaylist(18));
    holds.forget('stream/index_320x180.m3u8');
    expect(holds.hintedPartLimitMs('stream/index_320x180_00019.ts')).toBeUndefined();
  });

  it('keeps holding a hinted part the next playlist lists (its upload may still be on the way)', async () => {
    vi.useFakeTimers();
    const holds = new PlaylistHolds();
    holds.update('stream/index_320x180.m3u8', lowModePlaylist(16));
    const wait = holds.waitForPart('stream/index_320x180_00017.ts', 3000);
    holds.update('stream/index_320x180.m3u8', lowModePlaylist(17)); // lists 00017, hints 00018
    expect(holds.held).toBe(1);
    holds.stored('stream/index_320x180_00017.ts');
    expect(await wait.outcome).toBe('ready');
  });

  it('ends the hold on a hinted part at once when the playlist skips it: the encoder restarted and goes on after it', async () => {
    vi.useFakeTimers();
    const c = lowModeComposer();
    c.beginRun(1);
    c.setRunStart(1, T0);
    const holds = new PlaylistHolds();
    holds.update('stream/index_320x180.m3u8', c.update(1, 'index_320x180', ffmpegPlaylist(1, 16), T0 + 5333, () => true).text!);
    const held = holds.waitForPart('stream/index_320x180_00017.ts', 3000);
    // The encoder is killed while writing 00017 and restarted: its first part is numbered after the hinted one.
    c.beginRun(2);
    c.setRunStart(2, T0 + 6000);
    expect(c.nextFileNumber()).toBe(18);
    const restarted = c.update(2, 'index_320x180', ffmpegPlaylist(18, 1), T0 + 6333, () => true).text!;
    expect(restarted).not.toContain('index_320x180_00017.ts');
    holds.update('stream/index_320x180.m3u8', restarted);
    expect(holds.held).toBe(0); // answered by this upload, no timer advanced: not the 3 s limit
    expect(await held.outcome).toBe('gone');
    expect(holds.hintedPartLimitMs('stream/index_320x180_00017.ts')).toBeUndefined(); // a new GET of it: 404 at once
    expect(holds.hintedPartLimitMs('stream/index_320x180_00019.ts')).toBe(3000);
  });
});
