import { afterEach, describe, expect, it } from 'vitest';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { startIngest } from '../../../../src/targets/local/ingest/start.js';
import type { Ingest } from '../../../../src/targets/local/ingest/types.js';
import { startDemoSource } from '../../../../src/targets/local/ingest/demo-source.js';
import { makeTmpDir } from '../../../helpers/tmp-dir.js';
import { killAll, makeSpec, run, waitFor, FFMPEG, FFPROBE } from './helpers.js';

let ingest: Ingest | undefined;
let cleanup: (() => Promise<void>) | undefined;

afterEach(async () => {
  await killAll();
  await ingest?.close();
  ingest = undefined;
  await cleanup?.();
});

describe('built-in demo source (URL_PULL without --source-url)', () => {
  it('generates live HLS into workDir/demo, serves it on loopback and pulls it through the proxy: 1280x720 video + audio', async () => {
    const dir = await makeTmpDir('ingest-test-');
    const lines: string[] = [];
    ingest = await startIngest({
      spec: makeSpec({ input: 'URL_PULL' }), secrets: {}, ffmpegPath: FFMPEG, workDir: dir, log: (l) => lines.push(l),
    });
    expect(lines.some((l) => /^demo: built-in demo source at http:\/\/127\.0\.0\.1:\d+\/index\.m3u8$/.test(l))).toBe(true);
    const url = ingest.inputArgs().at(-1)!;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/index\.m3u8$/);
    expect(ingest.inputArgs()).toEqual(expect.arrayContaining(['-live_start_index', '-1']));

    const files = await readdir(join(dir, 'demo'));
    expect(files).toContain('index.m3u8');
    expect(files.some((f) => /^seg_\d+\.ts$/.test(f))).toBe(true);

    const playlist = await fetch(url).then((r) => r.text());
    expect(playlist).toContain('#EXT-X-TARGETDURATION:2');
    expect(playlist).toContain('#EXT-X-PROGRAM-DATE-TIME:');
    expect(playlist).not.toContain('#EXT-X-ENDLIST');

    const probe = await run(FFPROBE, ['-v', 'error', '-show_entries', 'stream=codec_type,codec_name,width,height,r_frame_rate', '-of', 'json', url], 30_000);
    expect(probe.code, probe.stderr).toBe(0);
    const streams = (JSON.parse(probe.stdout) as { streams: Record<string, unknown>[] }).streams;
    expect(streams).toEqual(expect.arrayContaining([
      expect.objectContaining({ codec_type: 'video', codec_name: 'h264', width: 1280, height: 720, r_frame_rate: '30/1' }),
      expect.objectContaining({ codec_type: 'audio', codec_name: 'aac' }),
    ]));
    expect(ingest.state()).toMatchObject({ connected: true, refused: 0 });

    await ingest.close();
    ingest = undefined;
    // The generator is gone with the ingest: its folder stops changing and nothing answers.
    await expect(fetch(url)).rejects.toThrow();
  });
});

describe('demo generator', () => {
  it('is restarted when it dies, and its media sequence keeps increasing', async () => {
    const dir = await makeTmpDir('ingest-test-');
    const lines: string[] = [];
    const demo = await startDemoSource({
      ffmpegPath: FFMPEG, workDir: dir, log: (l) => lines.push(l), now: Date.now,
      settings: { width: 320, height: 180, fps: 15 },
    });
    cleanup = demo.close;

    const sequence = async (): Promise<number> => {
      const text = await fetch(demo.url).then((r) => r.text()).catch(() => '');
      return Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text)?.[1] ?? -1);
    };
    const before = await sequence();
    expect(before).toBeGreaterThan(0);
    const firstPid = demo.pid();
    expect(firstPid).toBeTypeOf('number');
    process.kill(firstPid!, 'SIGKILL');

    expect(await waitFor(() => demo.pid() !== undefined && demo.pid() !== firstPid, 10_000)).toBe(true);
    expect(lines.some((l) => l.startsWith('demo: generator exited (SIGKILL)') && l.endsWith('restarting in 1 s'))).toBe(true);
    expect(await waitFor(async () => (await sequence()) > before, 15_000)).toBe(true);
  });
});
