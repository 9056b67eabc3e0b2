import { describe, expect, it } from 'vitest';
import { formatProgramDateTime, parseFfmpegPlaylist, PlaylistComposer } from '../../../../src/targets/local/encoder/media-playlist.js';

/** ffmpeg's playlist of a run: its media sequence and segment durations (files index_320x180_NNNNN.ts). */
function ffmpegPlaylist(firstFile: number, durations: number[], ended = false): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-TARGETDURATION:4', `#EXT-X-MEDIA-SEQUENCE:${firstFile}`, '#EXT-X-DISCONTINUITY'];
  durations.forEach((d, i) => {
    lines.push('#EXT-X-PROGRAM-DATE-TIME:2026-12-01T05:00:00.000+0000', `#EXTINF:${d.toFixed(6)},`, `index_320x180_${String(firstFile + i).padStart(5, '0')}.ts`);
  });
  if (ended) lines.push('#EXT-X-ENDLIST');
  return lines.join('\n') + '\n';
}

const T0 = Date.parse('2026-12-01T05:00:00.000Z');

describe('parseFfmpegPlaylist', () => {
  it('reads the segments with their numbers, durations and names, and the end', () => {
    const text = ffmpegPlaylist(7, [4, 3.966667], true).replace('index_320x180_00008.ts', 'http://127.0.0.1:1/k/stream/index_320x180_00008.ts');
    expect(parseFfmpegPlaylist(text)).toEqual({
      segments: [
        { sequence: 7, duration: 4, uri: 'index_320x180_00007.ts' },
        { sequence: 8, duration: 3.966667, uri: 'index_320x180_00008.ts' },
      ],
      ended: true,
    });
  });
});

describe('formatProgramDateTime', () => {
  it('writes RFC 3339 with a +00:00 offset and milliseconds', () => {
    expect(formatProgramDateTime(T0 + 1234.4)).toBe('2026-12-01T05:00:01.234+00:00');
  });
});

describe('PlaylistComposer', () => {
  it('dates each segment from its run start on the wall clock plus the durations before it', () => {
    const c = new PlaylistComposer({ windowSize: 5, targetDuration: 4 });
    c.beginRun(1);
    c.setRunStart(1, T0);
    expect(c.update(1, 'index_320x180', ffmpegPlaylist(1, [4]), T0 + 6000).text).toBe(
      [
        '#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-TARGETDURATION:4', '#EXT-X-MEDIA-SEQUENCE:1', '#EXT-X-DISCONTINUITY-SEQUENCE:0', '#EXT-X-INDEPENDENT-SEGMENTS',
        '#EXT-X-PROGRAM-DATE-TIME:2026-12-01T05:00:00.000+00:00', '#EXTINF:4.000000,', 'index_320x180_00001.ts',
      ].join('\n') + '\n',
    );
    const { text, added } = c.update(1, 'index_320x180', ffmpegPlaylist(1, [4, 4.033333]), T0 + 10_000);
    expect(added.map((s) => [s.sequence, s.programDateTime])).toEqual([[2, T0 + 4000]]);
    expect(text).toContain('#EXT-X-PROGRAM-DATE-TIME:2026-12-01T05:00:04.000+00:00\n#EXTINF:4.033333,\nindex_320x180_00002.ts\n');
    // The same playlist again adds nothing and publishes nothing.
    expect(c.update(1, 'index_320x180', ffmpegPlaylist(1, [4, 4.033333]), T0 + 10_500).text).toBeUndefined();
  });

  it('dates a run\'s segments from when its first picture entered the pipeline: its tick less the time it waited in the queue, continuously', () => {
    const c = new PlaylistComposer({ windowSize: 5, targetDuration: 1 });
    c.beginRun(1);
    c.setRunStart(1, T0);
    c.noteCaptureLag(1, 0, 120);
    c.noteCaptureLag(1, 1, 480);
    c.noteCaptureLag(2, 2, 999); // another run's: ignored
    const { added } = c.update(1, 'index_320x180', ffmpegPlaylist(1, [1, 1.000001, 1]), T0 + 4000);
    // One lag for the run (its first picture's), so each date is the previous one plus its duration.
    expect(added.map((s) => s.programDateTime)).toEqual([T0 - 120, T0 + 1000 - 120, T0 + 2000.001 - 120]);
  });

  it('dates the segments after a step of the wall clock on the stepped clock, from the first that starts after it, and a new run afresh', () => {
    const c = new PlaylistComposer({ windowSize: 10, targetDuration: 4 });
    c.beginRun(1);
    c.setRunStart(1, T0);
    c.noteCaptureLag(1, 0, 100);
    c.noteClockStep(1, 9.3, 7200); // forward 7.2 s inside the third segment (8-12 s)
    c.noteClockStep(1, 16, -3000); // back 3 s exactly where the fifth starts
    c.noteClockStep(2, 4, 999_999); // another run's: ignored
    const { added, text } = c.update(1, 'index_320x180', ffmpegPlaylist(1, [4, 4, 4, 4, 4, 4]), T0 + 30_000);
    expect(added.map((s) => s.programDateTime - T0)).toEqual([-100, 3900, 7900, 11_900 + 7200, 15_900 + 4200, 19_900 + 4200]);
    expect(text).toContain('#EXT-X-PROGRAM-DATE-TIME:2026-12-01T05:00:19.100+00:00\n#EXTINF:4.000000,\nindex_320x180_00004.ts\n');
    // A new encoder run takes the wall clock afresh: the old run's steps are in its start already.
    c.beginRun(2);
    c.setRunStart(2, T0 + 40_000);
    expect(c.update(2, 'index_320x180', ffmpegPlaylist(7, [4]), T0 + 45_000).added.map((s) => s.programDateTime - T0)).toEqual([40_000]);
  });

  it('keeps the window through an encoder restart, marks the discontinuity, and counts it once it leaves the window', () => {
    const c = new PlaylistComposer({ windowSize: 3, targetDuration: 4 });
    c.beginRun(1);
    c.setRunStart(1, T0);
    c.update(1, 'index_320x180', ffmpegPlaylist(1, [4, 4, 4]), T0 + 14_000);
    // The encoder is killed while writing file 4; the new one starts 7 s later with file 5.
    c.beginRun(2);
    c.setRunStart(2, T0 + 19_000);
    const late = c.update(1, 'index_320x180', ffmpegPlaylist(1, [4, 4, 4, 4]), T0 + 19_100);
    expect(late.text).toBeUndefined(); // a playlist of the dead run is ignored
    expect(c.nextFileNumber()).toBe(4); // file 4 was never finished: the new run writes it again
    const first = c.update(2, 'index_320x180', ffmpegPlaylist(5, [4]), T0 + 25_000).text!;
    expect(first.split('\n').filter((l) => l.endsWith('.ts'))).toEqual(['index_320x180_00002.ts', 'index_320x180_00003.ts', 'index_320x180_00005.ts']);
    expect(first).toContain('#EXT-X-MEDIA-SEQUENCE:2\n#EXT-X-DISCONTINUITY-SEQUENCE:0\n');
    expect(first).toContain('index_320x180_00003.ts\n#EXT-X-DISCONTINUITY\n#EXT-X-PROGRAM-DATE-TIME:2026-12-01T05:00:19.000+00:00\n#EXTINF:4.000000,\nindex_320x180_00005.ts');
    const second = c.update(2, 'index_320x180', ffmpegPlaylist(5, [4, 4]), T0 + 29_000).text!;
    expect(second).toContain('#EXT-X-MEDIA-SEQUENCE:3\n#EXT-X-DISCONTINUITY-SEQUENCE:0\n');
    expect(second).toContain('#EXT-X-PROGRAM-DATE-TIME:2026-12-01T05:00:23.000+00:00\n#EXTINF:4.000000,\nindex_320x180_00006.ts');
    // Two more: the discontinuity's segment leaves the window, and the sequence counts it.
    const third = c.update(2, 'index_320x180', ffmpegPlaylist(5, [4, 4, 4, 4]), T0 + 37_000).text!;
    expect(third).toContain('#EXT-X-MEDIA-SEQUENCE:5\n#EXT-X-DISCONTINUITY-SEQUENCE:1\n');
    expect(third).not.toContain('#EXT-X-DISCONTINUITY\n');
  });

  it('passes the end of the stream on, and a new run after it continues the window after a discontinuity', () => {
    const c = new PlaylistComposer({ windowSize: 4, targetDuration: 2 });
    c.beginRun(1);
    c.setRunStart(1, T0);
    c.update(1, 'a', ffmpegPlaylist(1, [2]), T0 + 3000);
    expect(c.update(1, 'a', ffmpegPlaylist(1, [2], true), T0 + 3500).text).toMatch(/#EXT-X-ENDLIST\n$/);
    c.beginRun(2);
    c.setRunStart(2, T0 + 60_000);
    const resumed = c.update(2, 'a', ffmpegPlaylist(2, [2]), T0 + 63_000).text!;
    expect(resumed).not.toContain('#EXT-X-ENDLIST');
    expect(resumed).toContain('#EXT-X-DISCONTINUITY\n#EXT-X-PROGRAM-DATE-TIME:2026-12-01T05:01:00.000+00:00');
  });

  it('never lowers the target duration, and raises it for a segment that rounds above it', () => {
    const c = new PlaylistComposer({ windowSize: 4, targetDuration: 2 });
    c.beginRun(1);
    c.setRunStart(1, T0);
    expect(c.update(1, 'a', ffmpegPlaylist(1, [1.2]), T0).text).toContain('#EXT-X-TARGETDURATION:2\n');
    expect(c.update(1, 'a', ffmpegPlaylist(1, [1.2, 2.6]), T0).text).toContain('#EXT-X-TARGETDURATION:3\n');
    // Still 3 once that segment has left the window.
    expect(c.update(1, 'a', ffmpegPlaylist(1, [1.2, 2.6, 2, 2, 2, 2]), T0).text).toContain('#EXT-X-TARGETDURATION:3\n');
  });
});

describe('PlaylistComposer with parts (the local low mode)', () => {
  const PARTS = { segmentSeconds: 1, targetSeconds: 0.333334, holdBackSeconds: 1.000002 };
  const third = 0.333333;
  /** Every part opens with a keyframe, as the low mode encodes them. */
  const allKey = () => true;
  const composer = (windowSize = 8) => {
    const c = new PlaylistComposer({ windowSize, targetDuration: 1, parts: PARTS });
    c.beginRun(1);
    c.setRunStart(1, T0);
    return c;
  };
  const partLines = (text: string) => text.split('\n').filter((l) => l.startsWith('#EXT-X-PART:'));

  it('lists parts as they come, with PART-INF and PART-HOLD-BACK, and makes a segment of three once whole', () => {
    const c = composer();
    // No playlist before the first whole segment (a player that reads whole segments would find none).
    const first = c.update(1, 'index_320x180', ffmpegPlaylist(1, [third, third]), T0 + 700, allKey);
    expect(first).toEqual({ text: undefined, added: [], removed: [] });

    const whole = c.update(1, 'index_320x180', ffmpegPlaylist(1, [third, third, third, third]), T0 + 1400, allKey);
    expect(whole.text).toContain('#EXT-X-TARGETDURATION:1\n#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.000002\n#EXT-X-PART-INF:PART-TARGET=0.333334\n');
    // The date before each segment's first part, whole or not yet.
    expect(whole.text).toContain('#EXT-X-PROGRAM-DATE-TIME:2026-12-01T05:00:00.000+00:00\n' +
      '#EXT-X-PART:DURATION=0.333333,URI="index_320x180_00001.ts",INDEPENDENT=YES\n#EXT-X-PART:DURATION=0.333333,URI="index_320x180_00002.ts",INDEPENDENT=YES\n');
    expect(whole.added).toHaveLength(1);
    expect(whole.added[0]).toMatchObject({ sequence: 1, duration: 0.999999, uri: 'index_320x180_s00001.ts', programDateTime: T0 });
    expect(whole.added[0]!.parts!.map((p) => p.uri)).toEqual(['index_320x180_00001.ts', 'index_320x180_00002.ts', 'index_320x180_00003.ts']);
    expect(whole.text).toContain('URI="index_320x180_00003.ts",INDEPENDENT=YES\n#EXTINF:0.999999,\nindex_320x180_s00001.ts\n' +
      '#EXT-X-PROGRAM-DATE-TIME:2026-12-01T05:00:01.000+00:00\n#EXT-X-PART:DURATION=0.333333,URI="index_320x180_00004.ts",INDEPENDENT=YES\n');
    expect(whole.text).toContain('#EXT-X-INDEPENDENT-SEGMENTS\n');
    // The part ffmpeg writes next, hinted at the end (players ask for it before it exists; the origin holds them).
    expect(whole.text!.endsWith('URI="index_320x180_00004.ts",INDEPENDENT=YES\n#EXT-X-PRELOAD-HINT:TYPE=PART,URI="index_320x180_00005.ts"\n')).toBe(true);
    // ffmpeg's numbers count parts; a new run would skip 5, the hinted part that run never wrote.
    expect(c.nextFileNumber()).toBe(6);
  });

  it('lists parts only for the last three target durations, and whole segments for the rest of the window', () => {
    const c = composer();
    const text = c.update(1, 'index_320x180', ffmpegPlaylist(1, Array(17).fill(third)), T0 + 6000, allKey).text!;
    expect(text.match(/#EXTINF/g)).toHaveLength(5);
    // The parts of the segments that start within 3 s of the end: the fourth and fifth (whole), the sixth (being written).
    // Not the third: it starts 3.67 s from the end (RFC 8216bis 6.2.2: parts SHOULD go once more than 3 target durations from it).
    expect(partLines(text).map((l) => /_(\d+)\.ts/.exec(l)![1])).toEqual(['00010', '00011', '00012', '00013', '00014', '00015', '00016', '00017']);
  });

  it('groups parts of uneven length (25 fps: 9, 8 and 8 frames) into whole seconds', () => {
    const c = new PlaylistComposer({ windowSize: 8, targetDuration: 1, parts: { segmentSeconds: 1, targetSeconds: 0.36, holdBackSeconds: 1.08 } });
    c.beginRun(1);
    c.setRunStart(1, T0);
    const { added, text } = c.update(1, 'index_320x180', ffmpegPlaylist(1, [0.36, 0.32, 0.32, 0.36, 0.32, 0.32, 0.36]), T0 + 3000, allKey);
    expect(added.map((s) => [s.duration, s.parts!.length, s.programDateTime - T0])).toEqual([[1, 3, 0], [1, 3, 1000]]);
    expect(text).toContain('#EXT-X-PART-INF:PART-TARGET=0.360000\n');
    expect(text).toContain('#EXT-X-PROGRAM-DATE-TIME:2026-12-01T05:00:02.000+00:00\n#EXT-X-PART:DURATION=0.360000,URI="index_320x180_00007.ts",INDEPENDENT=YES\n');
  });

  it('marks only the parts that start with a keyframe, and claims independent segments only while every segment starts with one', () => {
    const c = composer();
    const keyEveryThird = (uri: string) => (Number(/_(\d+)\.ts$/.exec(uri)![1]) - 1) % 3 === 0;
    const text = c.update(1, 'index_320x180', ffmpegPlaylist(1, Array(6).fill(third)), T0 + 2000, keyEveryThird).text!;
    expect(text.split('\n').filter((l) => l.includes('INDEPENDENT=YES')).map((l) => /_(\d+)\.ts/.exec(l)![1])).toEqual(['00001', '00004']);
    expect(text).toContain('#EXT-X-INDEPENDENT-SEGMENTS\n');
    // A segment that opens without a keyframe (an encoder that did not cut where asked): the claim goes.
    const offBeat = c.update(1, 'index_320x180', ffmpegPlaylist(1, Array(9).fill(third)), T0 + 3000, (uri) => !uri.endsWith('_00007.ts')).text!;
    expect(offBeat).not.toContain('#EXT-X-INDEPENDENT-SEGMENTS');
    expect(offBeat).toContain('#EXT-X-PART:DURATION=0.333333,URI="index_320x180_00007.ts"\n');
  });

  it("closes a killed run's unfinished segment at the new run's first part, with a discontinuity, and writes no part twice", () => {
    const c = composer();
    const last = c.update(1, 'index_320x180', ffmpegPlaylist(1, [third, third, third, third, third]), T0 + 2000, allKey);
    expect(last.text).toMatch(/#EXT-X-PRELOAD-HINT:TYPE=PART,URI="index_320x180_00006.ts"\n$/);
    c.beginRun(2);
    c.setRunStart(2, T0 + 9000);
    // The killed run's last playlist hinted file 6: the new run starts at 7, so a player waiting for
    // 6 is never handed the new run's first part (another timeline) in its place.
    expect(c.nextFileNumber()).toBe(7);
    const { added, text } = c.update(2, 'index_320x180', ffmpegPlaylist(7, [third]), T0 + 9400, allKey);
    expect(added.map((s) => s.uri)).toEqual(['index_320x180_s00002.ts']);
    expect(added[0]!.parts!.map((p) => p.uri)).toEqual(['index_320x180_00004.ts', 'index_320x180_00005.ts']);
    expect(text).toContain('index_320x180_s00002.ts\n#EXT-X-DISCONTINUITY\n#EXT-X-PROGRAM-DATE-TIME:2026-12-01T05:00:09.000+00:00\n#EXT-X-PART:DURATION=0.333333,URI="index_320x180_00007.ts",INDEPENDENT=YES\n');
  });

  it('closes the last segment at the end of the stream and lists no unfinished part after EXT-X-ENDLIST', () => {
    const c = composer();
    const { added, text } = c.update(1, 'index_320x180', ffmpegPlaylist(1, [third, third, third, third], true), T0 + 2000, allKey);
    expect(added.map((s) => s.parts!.length)).toEqual([3, 1]);
    expect(text!.trimEnd().split('\n').slice(-3)).toEqual(['#EXTINF:0.333333,', 'index_320x180_s00002.ts', '#EXT-X-ENDLIST']);
  });

  it('reports the segments that leave the window (their joined files are deleted later)', () => {
    const c = composer(3);
    const { removed } = c.update(1, 'index_320x180', ffmpegPlaylist(1, Array(15).fill(third)), T0 + 6000, allKey);
    expect(removed.map((s) => s.uri)).toEqual(['index_320x180_s00001.ts', 'index_320x180_s00002.ts']);
  });
});
