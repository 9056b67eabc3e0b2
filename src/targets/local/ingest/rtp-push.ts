/**
 * RTP_PUSH: MPEG-TS over RTP on UDP (MediaLive's rtp://<address>:5000). A UDP gate enforces the
 * CIDR allow-list and forwards to the decoder's rtp:// input on a loopback port pair (RTP + RTCP).
 */
import { networkInterfaces } from 'node:os';
import type { Ingest, IngestOptions } from './types.js';
import { SINGLE_INPUT_STREAMS } from './types.js';
import { findFreeUdpPortPair } from './ports.js';
import { GATE_SOCKET_BUFFER_BYTES, startUdpGate } from './udp-gate.js';
import { chooseDisplayHost } from '../plumbing/display-host.js';
import { explainListenError } from '../plumbing/listen.js';

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
 * `-buffer_size`: the decoder's socket gets the gate's buffer size too. ffmpeg 5.1 reads its input in
 * the thread that writes raw frames to the daemon, so while the daemon is slow to read them the
 * datagrams wait in this buffer. It must be an input option: ffmpeg 5.1's rtp:// ignores it in the
 * URL (`ss -uam` shows 768 KiB, its default, instead of 8 MiB).
 * `localaddr`: without it ffmpeg binds the internal port on every interface (0.0.0.0), where anyone
 * could send to the decoder past the gate's --cidr check. (The 2018 static build ignores both: no error.)
 */
export function buildRtpInputArgs(internalPort: number): string[] {
  return ['-buffer_size', String(GATE_SOCKET_BUFFER_BYTES), '-i', `rtp://127.0.0.1:${internalPort}?timeout=${RTP_READ_TIMEOUT_US}&localaddr=127.0.0.1`];
}

export async function startRtpIngest(opts: IngestOptions): Promise<Ingest> {
  const log = opts.log ?? (() => {});
  const { listen, rtpPort: port } = opts.spec.local;
  const internalPort = await findFreeUdpPortPair();
  const gate = await startUdpGate({ host: listen, port, cidrs: opts.spec.cidrs, targetPort: internalPort, label: 'RTP', log })
    .catch((err: unknown) => { throw explainListenError(err, 'The RTP input', listen, port, 'a free --rtp-port'); });
  const host = chooseDisplayHost(listen, networkInterfaces());
  return {
    inputArgs: () => buildRtpInputArgs(internalPort),
    pushEndpoint: `rtp://${host}:${gate.port}`,
    streams: SINGLE_INPUT_STREAMS,
    state: () => {
      const sender = gate.lastSender();
      return {
        connected: sender !== undefined && Date.now() - sender.atMs <= RTP_LIVE_MS,
        ...(sender ? { remote: sender.address } : {}),
        refused: gate.refused(),
        bytesIn: gate.bytesIn(),
        ...(gate.lastRefused() ? { lastRefused: gate.lastRefused() } : {}),
        rtp: gate.counters(),
      };
    },
    close: () => gate.close(),
  };
}
