/**
 * The SRT gate's relay, in a worker thread (see srt-gate.ts): receive on the public port, check the
 * sender against the CIDR allow-list, relay to the decoder through the sender's session socket and
 * the decoder's answers back, count. Nothing else runs on this event loop.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { parentPort, workerData } from 'node:worker_threads';
import { displayAddress } from './cidr.js';
import { DatagramAllowList } from './refusals.js';
import { SRT_SLOT, type FromSrtGateWorker, type SrtGateWorkerSettings } from './srt-gate.js';

const settings = workerData as SrtGateWorkerSettings;
const counters = new BigInt64Array(settings.counters);
const post = (m: FromSrtGateWorker): void => parentPort!.postMessage(m);
const log = (line: string): void => post({ type: 'log', line });
const add = (slot: number, n: number): void => void Atomics.add(counters, slot, BigInt(n));

interface Session {
  socket: Socket;
  address: string;
  port: number;
  heardAtMs: number;
}

const sessions = new Map<string, Session>();
const keyOf = (address: string, port: number): string => `${address}|${port}`;
let publisher: string | undefined;
const allowList = new DatagramAllowList({
  cidrs: settings.cidrs,
  label: settings.label,
  count: (now) => {
    add(SRT_SLOT.refused, 1);
    Atomics.store(counters, SRT_SLOT.refusedAtMs, BigInt(now));
  },
  report: (address) => post({ type: 'refused', address }),
  log,
});
let fullLoggedAtMs = 0;

const inbound: Socket = createSocket({ type: settings.host.includes(':') ? 'udp6' : 'udp4', reuseAddr: false });

function openSession(rinfo: RemoteInfo, now: number): Session | undefined {
  if (sessions.size >= settings.maxSessions) {
    if (now - fullLoggedAtMs > 60_000) {
      fullLoggedAtMs = now;
      log(`${settings.label}: ${settings.maxSessions} publishers already talk to the gate; dropping datagrams from ${displayAddress(rinfo.address)}`);
    }
    return undefined;
  }
  const socket = createSocket('udp4');
  const session: Session = { socket, address: rinfo.address, port: rinfo.port, heardAtMs: now };
  // Bound to loopback: nobody else can reach the session's port. Sends made while binding are queued by node.
  socket.bind(0, '127.0.0.1');
  socket.on('message', (msg, from) => {
    // Only the decoder speaks for the publisher.
    if (from.address !== '127.0.0.1' || from.port !== settings.targetPort) return;
    add(SRT_SLOT.toPublisher, 1);
    inbound.send(msg, session.port, session.address);
  });
  // The decoder not listening (restarting) may surface here as ECONNREFUSED: lost as on the wire.
  socket.on('error', () => {});
  sessions.set(keyOf(rinfo.address, rinfo.port), session);
  Atomics.store(counters, SRT_SLOT.sessions, BigInt(sessions.size));
  log(`${settings.label}: ${displayAddress(rinfo.address)} port ${rinfo.port} talks to the decoder`);
  return session;
}

inbound.on('message', (msg, rinfo) => {
  const now = Date.now();
  if (!allowList.allows(rinfo.address)) {
    allowList.refuse(rinfo.address, now);
    return;
  }
  const session = sessions.get(keyOf(rinfo.address, rinfo.port)) ?? openSession(rinfo, now);
  if (!session) return;
  session.heardAtMs = now;
  const shown = displayAddress(rinfo.address);
  if (shown !== publisher) post({ type: 'publisher', address: (publisher = shown) });
  Atomics.store(counters, SRT_SLOT.heardAtMs, BigInt(now));
  add(SRT_SLOT.bytesIn, msg.length);
  add(SRT_SLOT.toDecoder, 1);
  session.socket.send(msg, settings.targetPort, '127.0.0.1');
});
inbound.on('error', (err) => log(`${settings.label}: socket error: ${err.message}`));

const sweep = setInterval(() => {
  const now = Date.now();
  for (const [key, s] of sessions) {
    if (now - s.heardAtMs <= settings.idleMs) continue;
    sessions.delete(key);
    s.socket.close();
    log(`${settings.label}: ${displayAddress(s.address)} port ${s.port} silent for ${Math.round(settings.idleMs / 1000)} s; session closed`);
  }
  Atomics.store(counters, SRT_SLOT.sessions, BigInt(sessions.size));
}, Math.min(5_000, settings.idleMs));

inbound.once('error', (err: NodeJS.ErrnoException) => post({ type: 'failed', message: err.message, ...(err.code ? { code: err.code } : {}) }));
inbound.bind(settings.port, settings.host, () => post({ type: 'ready', port: inbound.address().port }));

parentPort!.on('message', (m: { type: string }) => {
  if (m.type !== 'close') return;
  clearInterval(sweep);
  const closing = [...sessions.values()].map((s) => new Promise<void>((resolve) => s.socket.close(() => resolve())));
  sessions.clear();
  closing.push(new Promise<void>((resolve) => inbound.close(() => resolve())));
  void Promise.all(closing).then(() => parentPort!.close());
});
