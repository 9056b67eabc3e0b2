/**
 * A UDP gate in front of the decoder ffmpeg for SRT_LISTENER. SRT talks both ways (handshake, ACK,
 * NAK, keep-alives), so unlike the RTP gate this one relays replies too: each allowed publisher
 * address gets a session, a loopback socket of its own from which its datagrams reach the decoder's
 * listener, and whatever the decoder answers to that socket goes back to the publisher from the
 * public port. SRT works through NAT, and this is one: the decoder sees 127.0.0.1:<session port>.
 * Datagrams from outside the CIDR allow-list are dropped, counted and logged once a minute per address.
 * Why not let ffmpeg own the public port: as for RTP, it cannot check a CIDR range, and the port
 * would go dark at each decoder restart (its SRT input ends when the publisher leaves).
 * The relay runs in a worker thread (srt-gate-worker.ts), as the RTP gate's does: the daemon's event
 * loop stalls for hundreds of ms when busy, and an SRT packet held that long arrives past the
 * receiver's latency (120 ms by default) and is dropped as too late.
 */
import type { GateOptions } from './gate.js';
import { openGateWorker, type GateWorkerMessage } from './gate-worker.js';

export interface SrtGateOptions extends GateOptions {
  /** A session silent this long is closed (SRT keep-alives come every second while connected). */
  idleMs?: number;
  /** Sessions at most at once; datagrams of further addresses are dropped (and logged). */
  maxSessions?: number;
}

export interface SrtGate {
  port: number;
  /** The publisher heard from most recently, if it was heard within `withinMs`. */
  publisher(withinMs: number): string | undefined;
  /** Bytes of admitted datagrams, for the input bitrate. */
  bytesIn(): number;
  /** Datagrams relayed each way. */
  relayed(): { toDecoder: number; toPublisher: number };
  sessions(): number;
  /** Datagrams refused by the CIDR allow-list, and the last one. */
  refused(): number;
  lastRefused(): { address: string; time: string } | undefined;
  close(): Promise<void>;
}

/** Slots of the shared counter array (BigInt64Array, written by the worker with Atomics). */
export const SRT_SLOT = { bytesIn: 0, toDecoder: 1, toPublisher: 2, refused: 3, refusedAtMs: 4, heardAtMs: 5, sessions: 6 } as const;
const SRT_SLOT_COUNT = 7;

export interface SrtGateWorkerSettings {
  host: string;
  port: number;
  cidrs: readonly string[];
  targetPort: number;
  label: string;
  idleMs: number;
  maxSessions: number;
  counters: SharedArrayBuffer;
}

export type FromSrtGateWorker =
  | GateWorkerMessage
  | { type: 'publisher'; address: string }
  | { type: 'refused'; address: string };

export async function startSrtGate(opts: SrtGateOptions): Promise<SrtGate> {
  const shared = new SharedArrayBuffer(SRT_SLOT_COUNT * 8);
  const counters = new BigInt64Array(shared);
  const read = (slot: number): number => Number(Atomics.load(counters, slot));
  const settings: SrtGateWorkerSettings = {
    host: opts.host, port: opts.port, cidrs: [...opts.cidrs], targetPort: opts.targetPort, label: opts.label,
    idleMs: opts.idleMs ?? 30_000, maxSessions: opts.maxSessions ?? 16, counters: shared,
  };
  let publisher: string | undefined;
  let refusedAddress: string | undefined;
  const gate = await openGateWorker<FromSrtGateWorker>('srt-gate-worker', settings, {
    label: opts.label,
    log: opts.log,
    onMessage: (m) => {
      if (m.type === 'publisher') publisher = m.address;
      if (m.type === 'refused') refusedAddress = m.address;
    },
  });
  return {
    port: gate.port,
    publisher: (withinMs) => (publisher !== undefined && Date.now() - read(SRT_SLOT.heardAtMs) <= withinMs ? publisher : undefined),
    bytesIn: () => read(SRT_SLOT.bytesIn),
    relayed: () => ({ toDecoder: read(SRT_SLOT.toDecoder), toPublisher: read(SRT_SLOT.toPublisher) }),
    sessions: () => read(SRT_SLOT.sessions),
    refused: () => read(SRT_SLOT.refused),
    lastRefused: () => (refusedAddress === undefined ? undefined : { address: refusedAddress, time: new Date(read(SRT_SLOT.refusedAtMs)).toISOString() }),
    close: () => gate.close(),
  };
}
