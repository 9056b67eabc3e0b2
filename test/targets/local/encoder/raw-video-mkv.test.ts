/** The synchronizer's timestamped frames as ffmpeg reads them: real ffprobe on the stream. */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { mkvFrameHeader, mkvStreamHeader, MKV_FRAME_HEADER_MAX_BYTES } from '../../../../src/targets/local/encoder/raw-video-mkv.js';
import { requireTool } from '../../../helpers/tools.js';

const FFPROBE = await requireTool('ffprobe');

const VIDEO = { width: 64, height: 36, fps: 30 };
const FRAME_BYTES = (VIDEO.width * VIDEO.height * 3) / 2;

function probe(stream: Buffer): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(FFPROBE, ['-v', 'error', '-f', 'matroska', '-i', 'pipe:0', '-show_entries', 'stream=codec_name,pix_fmt,width,height:packet=pts_time', '-of', 'json']);
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
    child.stdin.end(stream);
  });
}

describe('raw video in Matroska', () => {
  it('gives ffmpeg yuv420p frames at the timestamps written, gaps included', async () => {
    const ticks = [0, 1, 2, 4, 5, 9, 10]; // ticks 3 and 6-8 dropped
    const parts = [mkvStreamHeader(VIDEO)];
    for (const t of ticks) {
      const header = mkvFrameHeader(Math.round((t * 1e6) / VIDEO.fps), FRAME_BYTES);
      expect(header.length).toBeLessThanOrEqual(MKV_FRAME_HEADER_MAX_BYTES);
      parts.push(header, Buffer.alloc(FRAME_BYTES, t));
    }
    const { code, out, err } = await probe(Buffer.concat(parts));
    expect(err).toBe('');
    expect(code).toBe(0);
    const json = JSON.parse(out) as { streams: Array<Record<string, unknown>>; packets: Array<{ pts_time: string }> };
    expect(json.streams).toEqual([{ codec_name: 'rawvideo', pix_fmt: 'yuv420p', width: 64, height: 36 }]);
    expect(json.packets.map((p) => Math.round(Number(p.pts_time) * VIDEO.fps))).toEqual(ticks);
  });
});
