/**
 * RTP_PUSH: MPEG-TS over RTP on UDP (MediaLive's rtp://<address>:5000). A UDP gate enforces the
 * CIDR allow-list and forwards to the decoder's rtp:// input on a loopback port pair (RTP + RTCP).
 */
import { networkInterfaces } from 'node:os';
import type { Ingest, IngestOptions } from './ingest.js';
import { SINGLE_INPUT_STREAMS } from './ingest.js';
import { findFreeUdpPortPair } from './ports.js';
import { startUdpGate } from './udp-gate.js';
import { choosePushHost } from './push-endpoint.js';
import { explainListenError } from '../listen.js';

export const DEFAULT_RTP_PORT = 5000;
/** A datagram from an allowed source within this window means "connected". */
export const RTP_LIVE_MS = 3_000;
/**
 * The decoder gives up after this long without a datagram ("rtp://...: Connection timed out"), so the
 * supervisor sees the source drop instead of a decoder blocked forever. In microseconds, as ffmpeg wants.
 */
export const RTP_READ_TIMEOUT_US = 5_000_000;

/**
 * ffmpeg reads MPEG-TS over RTP without an SDP: payload type 33 (MP2T) is static, so a plain
 * rtp:// input works (checked with ffmpeg 5.1 and an `-f rtp_mpegts` publisher).
 */
export function buildRtpInputArgs(internalPort: number): string[] {
  return ['-i', `rtp://127.0.0.1:${internalPort}?timeout=${RTP_READ_TIMEOUT_US}`];
}

export async function startRtpIngest(opts: IngestOptions): Promise<Ingest> {
  const log = opts.log ?? (() => {});
  const listen = opts.spec.local?.listen ?? '127.0.0.1';
  const port = opts.rtpPort ?? DEFAULT_RTP_PORT;
  const internalPort = await findFreeUdpPortPair();
  const gate = await startUdpGate({ host: listen, port, cidrs: opts.spec.cidrs, targetPort: internalPort, label: 'RTP', log })
    .catch((err: unknown) => { throw explainListenError(err, 'The RTP input', listen, port, 'a free --rtp-port'); });
  const host = choosePushHost(listen, networkInterfaces());
  return {
    inputArgs: () => buildRtpInputArgs(internalPort),
    pushEndpoint: `rtp://${host}:${gate.port}`,
    streams: SINGLE_INPUT_STREAMS,
    state: () => {
      const sender = gate.lastSender();
      return {
        connected: sender !== undefined && Date.now() - sender.atMs <= RTP_LIVE_MS,
        ...(sender ? { remote: sender.address } : {}),
        refused: gate.refusals.count,
        bytesIn: gate.bytesIn(),
        ...(gate.refusals.last ? { lastRefused: gate.refusals.last } : {}),
      };
    },
    close: () => gate.close(),
  };
}
