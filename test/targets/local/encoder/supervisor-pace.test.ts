/**
 * The runtime pace check end to end with real ffmpeg: an encoder far too slow for its ladder (x264
 * placebo at 720p30, single-digit frames per second on any machine) drops pictures for a whole
 * window, and the supervisor restarts it with the cheaper pair it is given; the playlist continues.
 * No speed is asserted: placebo at 720p is slower than real time by an order of magnitude anywhere.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Ladder } from '../../../../src/core/ladder.js';
import { EncoderSupervisor } from '../../../../src/targets/local/encoder/supervisor.js';
import type { PaceVerdict } from '../../../../src/targets/local/encoder/pace-check.js';
import { startPutServer } from './put-server.js';
import { TEST_LADDER } from './test-ladder.js';
import { makeTmpDir } from '../../../helpers/tmp-dir.js';
import { requireTool } from '../../../helpers/tools.js';

const FFMPEG = await requireTool('ffmpeg');
const TOKEN = 'test-write-token-pace';

const SLOW: Ladder = {
  ...TEST_LADDER,
  renditions: [{ width: 1280, height: 720, bitrate: 1_500_000, maxBitrate: 1_500_000, framerate: 30, profile: 'high', level: 'auto', gopSeconds: 2, qvbrQuality: 7 }],
  local: { preset: 'placebo', scaler: 'bilinear' },
};

async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('EncoderSupervisor: an encoder that falls behind', () => {
  it('is restarted with the cheaper pair it is given, says so in status and the log, and the playlist continues', async () => {
    const dir = await makeTmpDir('encoder-pace-');
    const server = await startPutServer(path.join(dir, 'origin'), TOKEN);
    const verdicts: Array<{ verdict: PaceVerdict; current: { preset: string; scaler: string } }> = [];
    const logFile = path.join(dir, 'logs', 'ffmpeg.log');
    const sup = new EncoderSupervisor({
      ffmpegPath: FFMPEG,
      ladder: SLOW,
      originUrl: server.url,
      writeToken: () => TOKEN,
      logFile,
      inputArgs: () => ['-re', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'],
      onFellBehind: (verdict, current) => {
        verdicts.push({ verdict, current });
        return { preset: 'ultrafast', scaler: 'bilinear' };
      },
    });
    try {
      await sup.start();
      await waitFor('the pace check to step down', () => verdicts.length > 0, 120_000);
      expect(verdicts[0]!.current).toEqual({ preset: 'placebo', scaler: 'bilinear' });
      expect(verdicts[0]!.verdict).toMatchObject({ behind: true, windowSeconds: 30 });
      expect(sup.status().encoder.fellBehind).toMatch(/^encoder fell behind at placebo \+ bilinear \(dropped \d+ frames in 30 s\); now ultrafast \+ bilinear$/);

      // The restarted encoder runs ultrafast, and its segments continue the playlist after a discontinuity.
      const playlist = path.join(dir, 'origin', 'stream', 'index_1280x720.m3u8');
      await waitFor('two segments after the restart', async () => {
        const text = await readFile(playlist, 'utf8').catch(() => '');
        const after = text.split('#EXT-X-DISCONTINUITY\n')[1];
        return after !== undefined && after.split('\n').filter((l) => l.endsWith('.ts')).length >= 2;
      }, 90_000);
      const log = await readFile(logFile, 'utf8');
      expect(log).toMatch(/\[channel\] encoder fell behind at placebo \+ bilinear \(dropped \d+ frames in 30 s\); now ultrafast \+ bilinear: restarting the encoder/);
      const encoderLines = log.split('\n').filter((l) => l.includes('-preset'));
      expect(encoderLines.at(-1)).toContain('-preset ultrafast');
      expect(sup.status().encoder.restarts).toBe(1);
    } finally {
      await sup.stop();
      await server.close();
    }
  }, 240_000);
});
