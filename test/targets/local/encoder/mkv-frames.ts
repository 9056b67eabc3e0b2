/**
 * What the encoder sees on its stdin, for tests: the frames and their timestamps.
 * A live Matroska stream from the frame synchronizer (raw-video-mkv.ts) is read Cluster by Cluster;
 * a plain rawvideo stream (no timestamps) is numbered as ffmpeg's rawvideo demuxer does: n / fps.
 */
import { mkvStreamHeader } from '../../../../src/targets/local/encoder/raw-video-mkv.js';

export interface EncoderFrame {
  /** Milliseconds from the stream's timestamp 0. */
  timeMs: number;
  data: Buffer;
}

const EBML_MAGIC = Buffer.from([0x1a, 0x45, 0xdf, 0xa3]);
const CLUSTER = 0x1f43b675;

export function encoderFrames(chunks: Buffer[], raw: { width: number; height: number; fps: number }): EncoderFrame[] {
  const buf = Buffer.concat(chunks);
  const frameSize = (raw.width * raw.height * 3) / 2;
  if (buf.length === 0) return [];
  if (!buf.subarray(0, 4).equals(EBML_MAGIC)) {
    const frames: EncoderFrame[] = [];
    for (let off = 0, n = 0; off + frameSize <= buf.length; off += frameSize, n++) frames.push({ timeMs: (n * 1000) / raw.fps, data: buf.subarray(off, off + frameSize) });
    return frames;
  }
  const header = mkvStreamHeader(raw);
  if (!buf.subarray(0, header.length).equals(header)) throw new Error('the stream does not start with the expected Matroska header');
  const frames: EncoderFrame[] = [];
  let off = header.length;
  while (off < buf.length) {
    if (buf.readUInt32BE(off) !== CLUSTER) throw new Error(`no Cluster at byte ${off}`);
    const clusterSize = Number(buf.readBigUInt64BE(off + 4) & 0x00ffffffffffffffn);
    const body = buf.subarray(off + 12, off + 12 + clusterSize);
    // Timestamp (0xE7, 8-byte size, value), then SimpleBlock (0xA3, 8-byte size, 4-byte block head, frame).
    if (body[0] !== 0xe7) throw new Error('Cluster without a Timestamp first');
    const tsLen = Number(body.readBigUInt64BE(1) & 0x00ffffffffffffffn);
    const timestampUs = body.readUIntBE(9, tsLen);
    const block = 9 + tsLen;
    if (body[block] !== 0xa3) throw new Error('Cluster without a SimpleBlock');
    const blockLen = Number(body.readBigUInt64BE(block + 1) & 0x00ffffffffffffffn);
    const data = body.subarray(block + 9 + 4, block + 9 + blockLen);
    if (data.length !== frameSize) throw new Error(`frame of ${data.length} bytes, expected ${frameSize}`);
    frames.push({ timeMs: timestampUs / 1000, data });
    off += 12 + clusterSize;
  }
  return frames;
}
