/**
 * A UDP gate in front of the decoder ffmpeg for SRT_LISTENER. SRT talks both ways (handshake, ACK,
 * NAK, keep-alives), so unlike the RTP gate this one relays replies too: each allowed publisher
 * address gets a session, a loopback socket of its own from which its datagrams reach the decoder's
 * listener, and whatever the decoder answers to that socket goes back to the publisher from the
 * public port. SRT works through NAT, and this is one: the decoder sees 127.0.0.1:<session port>.
 * Datagrams from outside the CIDR allow-list are dropped, counted and logged once a minute per address.
 * Why not let ffmpeg own the public port: as for RTP, it cannot check a CIDR range, and the port
 * would go dark at each decoder restart (its SRT input ends when the publisher leaves).
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isAllowed, displayAddress } from './cidr.js';
import { RefusalTracker } from './refusals.js';
import type { GateOptions } from './gate.js';

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
  refusals: RefusalTracker;
  close(): Promise<void>;
}

interface Session {
  socket: Socket;
  address: string;
  port: number;
  heardAtMs: number;
}

export async function startSrtGate(opts: SrtGateOptions): Promise<SrtGate> {
  const idleMs = opts.idleMs ?? 30_000;
  const maxSessions = opts.maxSessions ?? 16;
  const refusals = new RefusalTracker(60_000);
  const sessions = new Map<string, Session>();
  const counts = { bytesIn: 0, toDecoder: 0, toPublisher: 0 };
  let latest: Session | undefined;
  let fullLoggedAtMs = 0;

  const inbound = createSocket({ type: opts.host.includes(':') ? 'udp6' : 'udp4', reuseAddr: false });

  function openSession(rinfo: RemoteInfo, now: number): Session | undefined {
    if (sessions.size >= maxSessions) {
      if (now - fullLoggedAtMs > 60_000) {
        fullLoggedAtMs = now;
        opts.log(`${opts.label}: ${maxSessions} publishers already talk to the gate; dropping datagrams from ${displayAddress(rinfo.address)}`);
      }
      return undefined;
    }
    const socket = createSocket('udp4');
    const session: Session = { socket, address: rinfo.address, port: rinfo.port, heardAtMs: now };
    // Bound to loopback: nobody else can reach the session's port. Sends made while binding are queued by node.
    socket.bind(0, '127.0.0.1');
    socket.on('message', (msg, from) => {
      // Only the decoder speaks for the publisher.
      if (from.address !== '127.0.0.1' || from.port !== opts.targetPort) return;
      counts.toPublisher++;
      inbound.send(msg, session.port, session.address);
    });
    // The decoder not listening (restarting) surfaces here as ECONNREFUSED on some systems: lost as on the wire.
    socket.on('error', () => {});
    sessions.set(keyOf(rinfo.address, rinfo.port), session);
    opts.log(`${opts.label}: ${displayAddress(rinfo.address)} port ${rinfo.port} talks to the decoder`);
    return session;
  }

  inbound.on('message', (msg, rinfo) => {
    const now = Date.now();
    if (!isAllowed(opts.cidrs, rinfo.address)) {
      if (refusals.record(rinfo.address, now)) {
        opts.log(`${opts.label}: refused datagrams from ${refusals.last!.address} at ${refusals.last!.time}: not in the allow-list (${opts.cidrs.join(', ')}); logged once a minute per address`);
      }
      return;
    }
    const session = sessions.get(keyOf(rinfo.address, rinfo.port)) ?? openSession(rinfo, now);
    if (!session) return;
    session.heardAtMs = now;
    latest = session;
    counts.bytesIn += msg.length;
    counts.toDecoder++;
    session.socket.send(msg, opts.targetPort, '127.0.0.1');
  });
  inbound.on('error', (err) => opts.log(`${opts.label}: socket error: ${err.message}`));

  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [key, s] of sessions) {
      if (now - s.heardAtMs <= idleMs) continue;
      sessions.delete(key);
      s.socket.close();
      opts.log(`${opts.label}: ${displayAddress(s.address)} port ${s.port} silent for ${Math.round(idleMs / 1000)} s; session closed`);
    }
  }, Math.min(5_000, idleMs));
  sweep.unref();

  await new Promise<void>((resolve, reject) => {
    inbound.once('error', reject);
    inbound.bind(opts.port, opts.host, () => {
      inbound.off('error', reject);
      resolve();
    });
  }).catch((err: unknown) => {
    clearInterval(sweep);
    inbound.close();
    throw err;
  });

  return {
    port: inbound.address().port,
    publisher: (withinMs) => (latest && Date.now() - latest.heardAtMs <= withinMs ? displayAddress(latest.address) : undefined),
    bytesIn: () => counts.bytesIn,
    relayed: () => ({ toDecoder: counts.toDecoder, toPublisher: counts.toPublisher }),
    sessions: () => sessions.size,
    refusals,
    close: async () => {
      clearInterval(sweep);
      const closing = [...sessions.values()].map((s) => new Promise<void>((resolve) => s.socket.close(() => resolve())));
      sessions.clear();
      closing.push(new Promise<void>((resolve) => inbound.close(() => resolve())));
      await Promise.all(closing);
    },
  };
}

function keyOf(address: string, port: number): string {
  return `${address}|${port}`;
}
