/**
 * Raw video frames with explicit timestamps, framed as a live Matroska stream for the encoder's stdin.
 *
 * Why not plain `-f rawvideo`: a raw stream has no timestamps, so ffmpeg numbers the frames
 * (PTS = n / fps), and every frame the synchronizer drops because the encoder is behind shifts the
 * whole timeline back by one frame interval: the program date time drifted 4.3 s behind the wall
 * clock in 44 minutes on a busy machine. Each frame here carries the time of its synchronizer tick,
 * so a dropped tick leaves a gap in frames (the encoder, with `-vsync vfr`, keeps the gap) instead of
 * a shift. `-use_wallclock_as_timestamps` was the alternative, but it stamps a frame when ffmpeg reads
 * it, after it waited in the pipe behind the backlog: jitter of up to the backlog, on a busy CPU.
 *
 * Only what ffmpeg's matroska demuxer needs is written: EBML header, a Segment of unknown size, Info
 * (timestamps in microseconds), one V_UNCOMPRESSED track (ColourSpace "I420" = yuv420p), then one
 * Cluster per frame. Written by hand rather than with an EBML library so the frame itself is never
 * copied (a 1080p frame is 3 MB, 30 times a second): the caller writes `frameHeader()` and then the
 * frame buffer as is.
 */

/** Matroska element IDs (https://www.matroska.org/technical/elements.html). */
const ID = {
  EBML: 0x1a45dfa3,
  EBMLVersion: 0x4286,
  EBMLReadVersion: 0x42f7,
  EBMLMaxIDLength: 0x42f2,
  EBMLMaxSizeLength: 0x42f3,
  DocType: 0x4282,
  DocTypeVersion: 0x4287,
  DocTypeReadVersion: 0x4285,
  Segment: 0x18538067,
  Info: 0x1549a966,
  TimestampScale: 0x2ad7b1,
  MuxingApp: 0x4d80,
  WritingApp: 0x5741,
  Tracks: 0x1654ae6b,
  TrackEntry: 0xae,
  TrackNumber: 0xd7,
  TrackUID: 0x73c5,
  TrackType: 0x83,
  FlagLacing: 0x9c,
  CodecID: 0x86,
  DefaultDuration: 0x23e383,
  Video: 0xe0,
  PixelWidth: 0xb0,
  PixelHeight: 0xba,
  ColourSpace: 0x2eb524,
  Cluster: 0x1f43b675,
  Timestamp: 0xe7,
  SimpleBlock: 0xa3,
} as const;

/** Timestamps are in microseconds: TimestampScale is in nanoseconds per unit. */
export const MKV_TIMESTAMP_SCALE_NS = 1000;

/** The 8-byte "unknown size" of a live Segment (EBML, RFC 8794 section 6.2). */
const UNKNOWN_SIZE = Buffer.from([0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);

/** An element size as an 8-byte EBML variable-size integer (always 8 bytes: simple and valid). */
function size8(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUIntBE(n, 2, 6);
  b[0] = 0x01;
  return b;
}

function idBytes(id: number): Buffer {
  const len = id > 0xffffff ? 4 : id > 0xffff ? 3 : id > 0xff ? 2 : 1;
  const b = Buffer.alloc(len);
  b.writeUIntBE(id, 0, len);
  return b;
}

function uint(n: number): Buffer {
  const len = n > 0xffffffffff ? 6 : n > 0xffffffff ? 5 : n > 0xffffff ? 4 : n > 0xffff ? 3 : n > 0xff ? 2 : 1;
  const b = Buffer.alloc(len);
  b.writeUIntBE(n, 0, len);
  return b;
}

function element(id: number, ...data: Buffer[]): Buffer {
  const body = Buffer.concat(data);
  return Buffer.concat([idBytes(id), size8(body.length), body]);
}

/** The stream header: written once, before the first frame of an encoder run. */
export function mkvStreamHeader(video: { width: number; height: number; fps: number }): Buffer {
  const ebml = element(
    ID.EBML,
    element(ID.EBMLVersion, uint(1)),
    element(ID.EBMLReadVersion, uint(1)),
    element(ID.EBMLMaxIDLength, uint(4)),
    element(ID.EBMLMaxSizeLength, uint(8)),
    element(ID.DocType, Buffer.from('matroska')),
    element(ID.DocTypeVersion, uint(4)),
    element(ID.DocTypeReadVersion, uint(2)),
  );
  const info = element(
    ID.Info,
    element(ID.TimestampScale, uint(MKV_TIMESTAMP_SCALE_NS)),
    element(ID.MuxingApp, Buffer.from('livestream')),
    element(ID.WritingApp, Buffer.from('livestream')),
  );
  const track = element(
    ID.TrackEntry,
    element(ID.TrackNumber, uint(1)),
    element(ID.TrackUID, uint(1)),
    element(ID.TrackType, uint(1)), // video
    element(ID.FlagLacing, uint(0)),
    element(ID.CodecID, Buffer.from('V_UNCOMPRESSED')),
    // The nominal rate (ffmpeg reports it as the stream's frame rate); the timestamps are what counts.
    element(ID.DefaultDuration, uint(Math.round(1e9 / video.fps))),
    element(ID.Video, element(ID.PixelWidth, uint(video.width)), element(ID.PixelHeight, uint(video.height)), element(ID.ColourSpace, Buffer.from('I420'))),
  );
  return Buffer.concat([ebml, idBytes(ID.Segment), UNKNOWN_SIZE, info, element(ID.Tracks, track)]);
}

/** The most bytes `mkvFrameHeader` returns (its timestamp takes 1 to 6 bytes). */
export const MKV_FRAME_HEADER_MAX_BYTES = 40;

/** Everything before one frame's bytes: a Cluster at `timestampUs` holding one key SimpleBlock of track 1. */
export function mkvFrameHeader(timestampUs: number, frameBytes: number): Buffer {
  const timestamp = element(ID.Timestamp, uint(timestampUs));
  // SimpleBlock: track number 1 as a 1-byte vint, relative timestamp 0 (int16), flags 0x80 = keyframe.
  const blockHead = Buffer.from([0x81, 0x00, 0x00, 0x80]);
  const simpleBlockLen = blockHead.length + frameBytes;
  const clusterBody = timestamp.length + idBytes(ID.SimpleBlock).length + 8 + simpleBlockLen;
  return Buffer.concat([idBytes(ID.Cluster), size8(clusterBody), timestamp, idBytes(ID.SimpleBlock), size8(simpleBlockLen), blockHead]);
}
