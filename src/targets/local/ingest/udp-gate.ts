/**
 * A UDP gate in front of the decoder ffmpeg for RTP_PUSH: every datagram's source is checked against
 * the CIDR allow-list; refused ones are dropped, counted and logged at most once per address per
 * minute; allowed ones are forwarded unchanged (RTP header included) to ffmpeg's rtp:// input on
 * loopback. RTCP (port + 1) is not relayed: ffmpeg's MPEG-TS over RTP input does not need it.
 *
 * RTP must lose nothing the network delivered, and a datagram not read in time is lost for good:
 * the kernel drops it once the socket's receive buffer is full. The daemon's own event loop carries
 * the frame synchronizer, the origin and the edge's shield, and stalls for hundreds of ms on a busy
 * machine; in it the gate lost thousands of packets (issue 9). So the gate runs in a worker thread
 * of its own (udp-gate-worker.ts), whose event loop does nothing else, with receive buffers sized
 * for seconds of a stall (GATE_SOCKET_BUFFER_BYTES, as far as net.core.rmem_max allows).
 * Why not let ffmpeg own the public port: its rtp:// input can only match exact source addresses
 * (`sources=`), not a CIDR range, and the port would go dark at each decoder restart. A thread
 * rather than a process: nothing to orphan, and the counters are shared memory the daemon reads
 * without a message round trip.
 * Counters (status): datagrams forwarded, refused, missing from the RTP sequence at the gate, and
 * dropped by the kernel on the gate's socket or on the decoder's (Linux: /proc/net/udp).
 */
import type { GateOptions } from './gate.js';
import { openGateWorker, type GateWorkerMessage } from './gate-worker.js';

/** What happened to datagrams between the network and the decoder. */
export interface UdpGateCounters {
  /** Datagrams forwarded to the decoder. */
  forwarded: number;
  /** RTP packets missing from the sequence numbers the gate saw: lost before it read them. */
  sequenceGaps: number;
  /** Datagrams lost by the gate: its socket's buffer overflowed (Linux only), or a send failed. */
  droppedAtGate: number;
  /** Datagrams the decoder's socket overflowed with (ffmpeg did not read in time); absent where unknown. */
  droppedAtDecoder?: number;
  /** The receive buffer the kernel granted the gate's socket, in bytes. */
  receiveBufferBytes: number;
}

export interface UdpGate {
  port: number;
  /** The last allowed sender and when it was heard. */
  lastSender(): { address: string; atMs: number } | undefined;
  forwarded(): number;
  /** Bytes of admitted datagrams, for the input bitrate. */
  bytesIn(): number;
  /** Datagrams refused by the CIDR allow-list, and the last one. */
  refused(): number;
  lastRefused(): { address: string; time: string } | undefined;
  counters(): UdpGateCounters;
  close(): Promise<void>;
}

/**
 * Asked for the gate's socket and the decoder's: about 2 s of a 20 Mb/s stream at the kernel's
 * accounting (a 1,344-byte datagram costs about 2.3 KB of buffer). Linux grants at most
 * net.core.rmem_max (212,992 bytes on most distributions) and doubles what it grants.
 */
export const GATE_SOCKET_BUFFER_BYTES = 8 * 1024 * 1024;

/** Slots of the shared counter array (BigInt64Array, written by the worker with Atomics). */
export const SLOT = {
  forwarded: 0,
  bytesIn: 1,
  refused: 2,
  senderAtMs: 3,
  refusedAtMs: 4,
  sequenceGaps: 5,
  gateKernelDrops: 6,
  sendFailures: 7,
  /** -1 while unknown. */
  decoderKernelDrops: 8,
  receiveBufferBytes: 9,
} as const;
export const SLOT_COUNT = 10;

export interface GateWorkerSettings {
  host: string;
  port: number;
  cidrs: readonly string[];
  targetPort: number;
  label: string;
  bufferBytes: number;
  counters: SharedArrayBuffer;
}

export type FromGateWorker =
  | GateWorkerMessage
  | { type: 'sender'; address: string }
  | { type: 'refused'; address: string };

export async function startUdpGate(opts: GateOptions): Promise<UdpGate> {
  const shared = new SharedArrayBuffer(SLOT_COUNT * 8);
  const counters = new BigInt64Array(shared);
  const read = (slot: number): number => Number(Atomics.load(counters, slot));
  const settings: GateWorkerSettings = {
    host: opts.host, port: opts.port, cidrs: [...opts.cidrs], targetPort: opts.targetPort, label: opts.label,
    bufferBytes: GATE_SOCKET_BUFFER_BYTES, counters: shared,
  };
  let senderAddress: string | undefined;
  let refusedAddress: string | undefined;
  const gate = await openGateWorker<FromGateWorker>('udp-gate-worker', settings, {
    label: opts.label,
    log: opts.log,
    onMessage: (m) => {
      if (m.type === 'sender') senderAddress = m.address;
      if (m.type === 'refused') refusedAddress = m.address;
    },
  });

  return {
    port: gate.port,
    lastSender: () => (senderAddress === undefined ? undefined : { address: senderAddress, atMs: read(SLOT.senderAtMs) }),
    forwarded: () => read(SLOT.forwarded),
    bytesIn: () => read(SLOT.bytesIn),
    refused: () => read(SLOT.refused),
    lastRefused: () => (refusedAddress === undefined ? undefined : { address: refusedAddress, time: new Date(read(SLOT.refusedAtMs)).toISOString() }),
    counters: () => {
      const decoder = read(SLOT.decoderKernelDrops);
      return {
        forwarded: read(SLOT.forwarded),
        sequenceGaps: read(SLOT.sequenceGaps),
        droppedAtGate: read(SLOT.gateKernelDrops) + read(SLOT.sendFailures),
        ...(decoder >= 0 ? { droppedAtDecoder: decoder } : {}),
        receiveBufferBytes: read(SLOT.receiveBufferBytes),
      };
    },
    close: () => gate.close(),
  };
}
