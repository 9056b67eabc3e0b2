import { describe, expect, it } from 'vitest';
import { createProgressParser, parseProgress } from '../../../../src/targets/local/encoder/progress.js';

const BLOCK = [
  'frame=150', 'fps=29.97', 'stream_0_0_q=23.0', 'bitrate=2400.5kbits/s', 'total_size=N/A',
  'out_time_us=5000000', 'out_time_ms=5000000', 'out_time=00:00:05.000000', 'dup_frames=1', 'drop_frames=2', 'speed=1.02x', 'progress=continue',
].join('\n');

describe('parseProgress', () => {
  it('turns a key=value block into a sample', () => {
    const p = createProgressParser();
    expect(parseProgress(p, `${BLOCK}\n`)).toEqual([
      { end: false, frame: 150, fps: 29.97, speed: 1.02, bitrate: 2400500, outTimeSeconds: 5, dropFrames: 2, dupFrames: 1 },
    ]);
  });

  it('keeps a block split across chunks until it is complete, and reports the end', () => {
    const p = createProgressParser();
    const text = `${BLOCK}\nframe=151\nspeed=N/A\nbitrate=N/A\nprogress=end\n`;
    const cut = 37;
    expect(parseProgress(p, text.slice(0, cut))).toEqual([]);
    const samples = parseProgress(p, text.slice(cut));
    expect(samples.map((s) => [s.frame, s.speed, s.end])).toEqual([[150, 1.02, false], [151, undefined, true]]);
  });
});
