/**
 * What every local input type provides to the encoder: ffmpeg input arguments, the streams to map,
 * a push endpoint and a live state. Each input module implements `Ingest`; start.ts picks one.
 */
import type { LocalStackSpec, Secrets } from '../../../core/spec.js';
import type { FfmpegCaps } from '../encoder/ffmpeg-caps.js';
import type { UdpGateCounters } from './udp-gate.js';

export interface IngestState {
  /** A publisher is connected (push) / the source answers (pull) / the device is present. */
  connected: boolean;
  /** Publisher address for push inputs (the last one seen for RTP). */
  remote?: string;
  /** Connections (RTMP) or datagrams (RTP, SRT) refused by the CIDR allow-list. */
  refused: number;
  lastRefused?: { address: string; time: string };
  /** SRT: handshakes refused for a wrong or missing passphrase (counted from libsrt's log), and the last one. */
  refusedPassphrase?: number;
  lastRefusedPassphrase?: string;
  /** URL_PULL: the source answered 401/403 to the proxy (wrong or missing credentials). */
  unauthorized?: boolean;
  /** What the source is when the input type does not say (the built-in demo). */
  source?: string;
  /** What went wrong last, for `status` (never a secret). */
  lastError?: string;
  /** Compressed bytes received from the source so far (push gates, pull proxy); absent for capture devices. */
  bytesIn?: number;
  /** RTP_PUSH: datagrams forwarded, missing from the RTP sequence, dropped by the gate or at the decoder. */
  rtp?: UdpGateCounters;
}

/** ffmpeg -map specifiers for the streams the encoder should use. */
export interface IngestStreams {
  video: string;
  /** Ends in "?" when the source may have no audio (ffmpeg then maps nothing). */
  audio: string;
}

export interface Ingest {
  /** ffmpeg input arguments for the decoder process, asked again at each (re)start. No secret appears in them. */
  inputArgs(): string[];
  /** Each line the decoder ffmpeg logs (redacted), for inputs that learn from it (SRT: passphrase refusals). */
  watchDecoderLine?: (line: string) => void;
  /** Where a user pushes to (RTMP/RTP/SRT), or undefined; never with a secret. e.g. rtmp://192.168.1.10:1935/<stack>/stream */
  pushEndpoint?: string;
  /** Which input streams to map; device inputs carry audio as a second input. */
  streams: IngestStreams;
  state(): IngestState;
  close(): Promise<void>;
}

export interface IngestOptions {
  /** Its local options say where push inputs listen (listen, rtmpPort, rtpPort; 0 = any free port). */
  spec: LocalStackSpec;
  secrets: Secrets;
  ffmpegPath: string;
  /** What the ffmpeg can do (findFfmpeg's `caps`); default a modern one (5.1). */
  caps?: FfmpegCaps;
  workDir: string;
  log?: (line: string) => void;
  /** Wall clock in ms for the burned-in demo clock; Date.now by default (tests may pin it). */
  now?: () => number;
}

export const SINGLE_INPUT_STREAMS: IngestStreams = { video: '0:v:0', audio: '0:a:0?' };
