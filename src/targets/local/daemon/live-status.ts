/**
 * What the stack process reports about itself, one type from the daemon to the control socket's
 * answer, the driver's status (and --json), and the lines people read: `status`'s summary and
 * `up --foreground`'s status line.
 */
import { describeLatencyMode } from '../../../core/latency.js';
import type { InputType } from '../../../core/spec.js';
import type { EdgeStats } from '../edge/cluster-protocol.js';
import type { EncoderStatus } from '../encoder/supervisor.js';
import { describeChoice, type EncoderChoice } from '../encoder/preset-search.js';
import type { IngestState } from '../ingest/types.js';
import type { UdpGateCounters } from '../ingest/udp-gate.js';
import type { OriginServer } from '../origin/server.js';
import type { RecordingStatus } from '../recording/channel-recorder.js';
import { formatBytes, formatDuration } from '../../../core/recording.js';

/** Who the stack process is and where it serves; recorded as the daemon resource's attributes. */
export interface DaemonInfo {
  pid: number;
  edgePort: number;
  originPort: number;
  playerUrl: string;
  playbackUrl: string;
  dashboardUrl: string;
  metricsUrl: string;
  pushEndpoint?: string;
}

/** The input as the ingest and the encoder see it, with the bitrate the daemon metered. */
export type LiveInput = { type: InputType } & IngestState & EncoderStatus['input'];

export interface LiveStatus {
  channel: EncoderStatus['state'];
  /** The dashboard header reads this name. */
  channelState: EncoderStatus['state'];
  input: LiveInput;
  encoder: EncoderStatus['encoder'];
  renditions: EncoderStatus['renditions'];
  segmentsWritten: number;
  viewers: number;
  edge: EdgeStats;
  origin: ReturnType<OriginServer['stats']>;
  /** The latency mode, and the newest glass-to-glass figure a player reported (absent before one did). */
  latency?: LiveLatency;
  ffmpeg: { path: string; version: string; source: string };
  /** The recording of the current run (null: the channel is stopped); absent when the stack records nothing. */
  recording?: RecordingStatus | null;
  /** The x264 preset and scaler the encoder runs with, and why (calibrated, cached or pinned). */
  encoderChoice?: EncoderChoice;
}

export interface LiveLatency {
  mode: 'standard' | 'low';
  segmentSeconds: number;
  /** Now minus the program date time on a viewer's screen, as the player measured it. */
  viewerDelaySeconds?: number;
  /** When that report came (ISO). */
  viewerDelayAt?: string;
}

/** The live figures as lines for people (`status`). */
export function summarizeLive(live: LiveStatus): Array<[string, string]> {
  const { input, encoder: enc, edge, renditions } = live;
  return [
    ['Input', [
      input.type,
      input.source,
      input.connected ? `connected${input.fps ? `, ${input.fps.toFixed(1)} fps` : ''}${input.bitrate ? `, ${(input.bitrate / 1e6).toFixed(2)} Mb/s` : ''}${input.remote ? ` from ${input.remote}` : ''}` : `NOT connected${input.lossSince ? ` since ${input.lossSince} (slate on air)` : ''}`,
      input.losses ? `${input.losses} losses` : undefined,
      input.refused ? `${input.refused} refused by --cidr` : undefined,
      input.refusedPassphrase ? `${input.refusedPassphrase} refused for a wrong passphrase` : undefined,
      input.rtp ? describeRtpLoss(input.rtp) : undefined,
      input.lastError,
    ].filter(Boolean).join(', ')],
    ['Encoder', [
      enc.speed !== undefined ? `speed ${enc.speed.toFixed(3)}x` : 'not running',
      enc.fps !== undefined ? `${enc.fps.toFixed(0)} fps` : undefined,
      `${enc.restarts} restarts`,
      // Frames dropped to stay on the wall clock: the picture stutters, the timeline does not slip.
      enc.droppedFrames ? `${enc.droppedFrames} frames dropped to keep up` : undefined,
      // A pushed source that sends faster than real time, or a burst, shows here (its delay was removed).
      enc.trimmedFrames ? `${enc.trimmedFrames} frames skipped to stay live` : undefined,
      enc.pdtDriftSeconds !== undefined ? `newest segment ${enc.pdtDriftSeconds.toFixed(1)} s behind the clock` : undefined,
      enc.lastError ? `last error: ${enc.lastError}` : undefined,
    ].filter(Boolean).join(', ')],
    ...(live.encoderChoice ? [['x264', describeChoice(live.encoderChoice)] as [string, string]] : []),
    ['Renditions', renditions.map((r) => `${r.width}x${r.height}@${r.framerate} ${Math.round(r.bitrate / 1000)}k`).join(', ')],
    ['Viewers', `${live.viewers} now; ${edge.segmentsServed} segments served, ${edge.requests} requests (${edge.hits} hits, ${edge.misses} misses), ${edge.errors} errors`],
    ['Segments', `${live.segmentsWritten} written by the encoder`],
    ...(live.latency ? [['Latency', describeLiveLatency(live.latency)] as [string, string]] : []),
    ['ffmpeg', `${live.ffmpeg.path} ${live.ffmpeg.version} (from ${live.ffmpeg.source})`],
    ...(live.recording !== undefined ? [['Recording', describeRecording(live.recording)] as [string, string]] : []),
  ];
}

/** The mode, and the newest viewer delay a player reported (the player measures it from the program date time). */
export function describeLiveLatency(l: LiveLatency): string {
  const mode = describeLatencyMode(l.mode, l.segmentSeconds);
  if (l.viewerDelaySeconds === undefined) return `${mode}; no player has reported its delay yet (open the player)`;
  return `${mode}; a viewer was ${l.viewerDelaySeconds.toFixed(1)} s behind real time (player report at ${l.viewerDelayAt})`;
}

/** The live figures in one line, for the terminal `up --foreground` runs in. */
export function formatLiveLine(live: LiveStatus): string {
  return [
    `channel ${live.channel}`,
    `input ${live.input.connected ? `connected${live.input.fps ? ` ${live.input.fps.toFixed(0)} fps` : ''}` : 'LOST'}`,
    live.encoder.speed ? `speed ${live.encoder.speed.toFixed(2)}x` : undefined,
    `segments ${live.segmentsWritten}`,
    `viewers ${live.viewers}`,
    live.encoder.restarts ? `restarts ${live.encoder.restarts}` : undefined,
  ].filter(Boolean).join(' · ');
}

/** RTP datagrams lost on the way to the decoder, by where (udp-gate.ts). */
function describeRtpLoss(rtp: UdpGateCounters): string {
  const lost = rtp.sequenceGaps + rtp.droppedAtGate + (rtp.droppedAtDecoder ?? 0);
  if (lost === 0) return `${rtp.forwarded} RTP packets, none lost`;
  return `RTP packets lost: ${rtp.sequenceGaps} before the gate, ${rtp.droppedAtGate} at the gate, ${rtp.droppedAtDecoder ?? 'unknown'} at the decoder`;
}

/** The current run's recording: its length and size, or why it stopped. */
function describeRecording(rec: RecordingStatus | null): string {
  if (!rec) return 'none now (the channel is stopped; "livestream recordings" lists the earlier runs)';
  const what = `${rec.rendition}, ${formatDuration(rec.seconds)} long, ${formatBytes(rec.bytes)} in ${rec.where}`;
  return rec.notice ? `STOPPED: ${rec.notice} (${what})` : what;
}
