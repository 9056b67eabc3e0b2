import { describe, expect, it } from 'vitest';
import { summarizeLive as summarize, type LiveStatus } from '../../../src/targets/local/daemon/live-status.js';
import type { UdpGateCounters } from '../../../src/targets/local/ingest/udp-gate.js';

function liveWith(rtp: UdpGateCounters | undefined): LiveStatus {
  return {
    channel: 'RUNNING', channelState: 'RUNNING',
    input: { type: 'RTP_PUSH', connected: true, refused: 0, losses: 0, ...(rtp ? { rtp } : {}) },
    encoder: { restarts: 0, droppedFrames: 0 }, renditions: [], segmentsWritten: 0, viewers: 0,
    edge: { viewers: 0, requests: 0, bytesSent: 0, hits: 0, misses: 0, errors: 0, segmentsServed: 0 },
    origin: { objects: 0, bytes: 0, expired: 0, puts: 0, gets: 0, errors: 0, held: 0 },
    ffmpeg: { path: 'ffmpeg', version: '5.1', source: 'PATH' },
  };
}

const inputLine = (live: LiveStatus): string => summarize(live).find(([k]) => k === 'Input')![1];

describe('status summary: RTP packets', () => {
  it('says none were lost', () => {
    expect(inputLine(liveWith({ forwarded: 1200, sequenceGaps: 0, droppedAtGate: 0, droppedAtDecoder: 0, receiveBufferBytes: 8388608 })))
      .toContain('1200 RTP packets, none lost');
  });

  it('says where packets were lost', () => {
    expect(inputLine(liveWith({ forwarded: 1200, sequenceGaps: 3, droppedAtGate: 0, droppedAtDecoder: 40, receiveBufferBytes: 8388608 })))
      .toContain('RTP packets lost: 3 before the gate, 0 at the gate, 40 at the decoder');
    expect(inputLine(liveWith({ forwarded: 1200, sequenceGaps: 0, droppedAtGate: 5, receiveBufferBytes: 425984 })))
      .toContain('RTP packets lost: 0 before the gate, 5 at the gate, unknown at the decoder');
  });

  it('adds nothing without the gate counters', () => {
    expect(inputLine(liveWith(undefined))).toBe('RTP_PUSH, connected');
  });
});

describe('status summary: the encoder', () => {
  const encoderLine = (encoder: Partial<LiveStatus['encoder']>): string => summarize({ ...liveWith(undefined), encoder: { restarts: 0, droppedFrames: 0, ...encoder } }).find(([k]) => k === 'Encoder')![1];

  it('shows a speed just below real time as such, with the frames dropped to keep up and the drift', () => {
    expect(encoderLine({ speed: 0.997, droppedFrames: 42, pdtDriftSeconds: 4.44 })).toBe('speed 0.997x, 0 restarts, 42 frames dropped to keep up, newest segment 4.4 s behind the clock');
    expect(encoderLine({ speed: 1, droppedFrames: 0, trimmedFrames: 4 })).toBe('speed 1.000x, 0 restarts, 4 frames skipped to stay live');
  });

  it('says nothing of dropped frames while none were dropped', () => {
    expect(encoderLine({ speed: 1, droppedFrames: 0 })).toBe('speed 1.000x, 0 restarts');
  });
});

describe('status summary: SRT', () => {
  it('counts handshakes refused for their passphrase beside the --cidr refusals', () => {
    const live = liveWith(undefined);
    live.input = { type: 'SRT_LISTENER', connected: false, refused: 4, refusedPassphrase: 2, losses: 0 };
    expect(inputLine(live)).toBe('SRT_LISTENER, NOT connected, 4 refused by --cidr, 2 refused for a wrong passphrase');
  });
});

describe('status summary: the recording', () => {
  const line = (recording: LiveStatus['recording']) => summarize({ ...liveWith(undefined), recording }).find(([k]) => k === 'Recording')?.[1];

  it('shows the current run\'s length, size and place, or why it stopped', () => {
    expect(line({ id: 'r', rendition: '1280x720', seconds: 125, bytes: 44_000_000, where: '/s/recordings/r' })).toBe('1280x720, 2:05 long, 44.0 MB in /s/recordings/r');
    expect(line({ id: 'r', rendition: '1280x720', seconds: 125, bytes: 44_000_000, where: '/s/recordings/r', notice: 'recording stopped: the disk is full (/s/recordings/r); the stream goes on' }))
      .toBe('STOPPED: recording stopped: the disk is full (/s/recordings/r); the stream goes on (1280x720, 2:05 long, 44.0 MB in /s/recordings/r)');
    expect(line(null)).toMatch(/^none now \(the channel is stopped/);
    expect(line(undefined)).toBeUndefined();
  });
});

describe('status summary: the x264 preset and scaler', () => {
  const x264Line = (live: LiveStatus): string | undefined => summarize(live).find(([k]) => k === 'x264')?.[1];

  it('says which were chosen and why', () => {
    const live = { ...liveWith(undefined), encoderChoice: { preset: 'veryfast', scaler: 'bicubic', how: 'calibrated' as const, speed: 1.32, meetsBar: true, calibratedAt: '2026-12-01T12:00:00.000Z' } };
    expect(x264Line(live)).toBe('veryfast + bicubic: 1.32x real time encoding alone here, calibrated 2026-12-01');
    expect(x264Line({ ...live, encoderChoice: { preset: 'ultrafast', scaler: 'fast_bilinear', how: 'pinned' } })).toBe('ultrafast + fast_bilinear: pinned by the ladder file');
  });

  it('has no line from a stack process that does not report it', () => {
    expect(x264Line(liveWith(undefined))).toBeUndefined();
  });
});
