/** The MPEG-TS → MP4 remux `recordings --download` uses (#13): stream copy, AAC re-wrapped, index first. */
import { describe, expect, it } from 'vitest';
import { buildRemuxArgs } from '../../../../src/targets/local/encoder/remux-mp4.js';

describe('buildRemuxArgs', () => {
  it('copies the first video and audio stream into a fast-start MP4', () => {
    expect(buildRemuxArgs('/in/run.ts', '/out/run.mp4')).toEqual([
      '-hide_banner', '-loglevel', 'error', '-y',
      '-fflags', '+genpts',
      '-i', '/in/run.ts',
      '-map', '0:v:0', '-map', '0:a:0?',
      '-c', 'copy',
      '-bsf:a', 'aac_adtstoasc',
      '-movflags', '+faststart',
      '-f', 'mp4', '/out/run.mp4',
    ]);
  });
});
