/**
 * The RTP gate's hot path, in a worker thread (see udp-gate.ts for why): receive, check the sender
 * against the CIDR allow-list, forward to the decoder, count. Nothing else runs on this event loop.
 */
import { createSocket, type Socket } from 'node:dgram';
import { parentPort, workerData } from 'node:worker_threads';
import { displayAddress } from './cidr.js';
import { DatagramAllowList } from './refusals.js';
import { RtpLossCounter } from './rtp-sequence.js';
import { UdpDropWatch } from './udp-drops.js';
import { SLOT, type FromGateWorker, type GateWorkerSettings } from './udp-gate.js';

const settings = workerData as GateWorkerSettings;
const counters = new BigInt64Array(settings.counters);
const post = (m: FromGateWorker): void => parentPort!.postMessage(m);
const log = (line: string): void => post({ type: 'log', line });

const COUNT_EVERY_MS = 1_000;
const loss = new RtpLossCounter();
const inbound: Socket = createSocket({ type: settings.host.includes(':') ? 'udp6' : 'udp4', reuseAddr: false });
const outbound: Socket = createSocket('udp4');
let sender: string | undefined;
let senderAtMs = 0;
const allowList = new DatagramAllowList({
  cidrs: settings.cidrs,
  label: settings.label,
  count: (now) => {
    Atomics.add(counters, SLOT.refused, 1n);
    Atomics.store(counters, SLOT.refusedAtMs, BigInt(now));
  },
  report: (address) => post({ type: 'refused', address }),
  log,
});

const onSent = (err: Error | null): void => {
  // Nobody listening (decoder restarting) is not an error on an unconnected socket: the datagram is
  // lost as on the wire. An error here is ours (no buffer): count it.
  if (err) Atomics.add(counters, SLOT.sendFailures, 1n);
};

inbound.on('message', (msg, rinfo) => {
  const now = Date.now();
  if (!allowList.allows(rinfo.address)) {
    allowList.refuse(rinfo.address, now);
    return;
  }
  outbound.send(msg, settings.targetPort, '127.0.0.1', onSent);
  loss.record(msg);
  Atomics.add(counters, SLOT.forwarded, 1n);
  Atomics.add(counters, SLOT.bytesIn, BigInt(msg.length));
  Atomics.store(counters, SLOT.senderAtMs, BigInt(now));
  if (sender !== rinfo.address || now - senderAtMs > 3_000) {
    const shown = displayAddress(rinfo.address);
    if (sender !== rinfo.address) post({ type: 'sender', address: shown });
    log(`${settings.label}: receiving from ${shown}`);
    sender = rinfo.address;
  }
  senderAtMs = now;
});
inbound.on('error', (err) => log(`${settings.label}: socket error: ${err.message}`));
outbound.on('error', () => {});

/** Asks for `bytes` of buffer, halving where the system refuses outright (macOS: above kern.ipc.maxsockbuf). */
function sizeBuffer(set: (n: number) => void, bytes: number): void {
  for (let n = bytes; n >= 64 * 1024; n = Math.floor(n / 2)) {
    try {
      return set(n);
    } catch {
      // too large here: try half
    }
  }
}

function explainBuffer(granted: number): void {
  // Linux grants min(asked, net.core.rmem_max) and reports twice that.
  if (granted >= settings.bufferBytes) return;
  const fix = process.platform === 'linux'
    ? `raise it with "sudo sysctl -w net.core.rmem_max=${settings.bufferBytes / 2}" (and in /etc/sysctl.conf to keep it)`
    : 'raise the system\'s socket buffer limit (macOS: sysctl kern.ipc.maxsockbuf)';
  log(`${settings.label}: the kernel granted a receive buffer of ${Math.round(granted / 1024)} KiB of the ${settings.bufferBytes / 1024} KiB asked; a busy machine may drop datagrams: ${fix}`);
}

let gateDrops: UdpDropWatch | undefined;
const decoderDrops = new UdpDropWatch(settings.targetPort);
let ticker: NodeJS.Timeout | undefined;

async function count(): Promise<void> {
  Atomics.store(counters, SLOT.sequenceGaps, BigInt(loss.lost()));
  const [gate, decoder] = await Promise.all([gateDrops?.read(), decoderDrops.read()]);
  if (gate !== undefined) Atomics.store(counters, SLOT.gateKernelDrops, BigInt(gate));
  Atomics.store(counters, SLOT.decoderKernelDrops, BigInt(decoder ?? -1));
}

inbound.once('error', (err: NodeJS.ErrnoException) => post({ type: 'failed', message: err.message, ...(err.code ? { code: err.code } : {}) }));
inbound.bind(settings.port, settings.host, () => {
  outbound.bind(0, '127.0.0.1', () => {
    sizeBuffer((n) => inbound.setRecvBufferSize(n), settings.bufferBytes);
    sizeBuffer((n) => outbound.setSendBufferSize(n), settings.bufferBytes);
    const granted = inbound.getRecvBufferSize();
    Atomics.store(counters, SLOT.receiveBufferBytes, BigInt(granted));
    explainBuffer(granted);
    const port = inbound.address().port;
    gateDrops = new UdpDropWatch(port);
    Atomics.store(counters, SLOT.decoderKernelDrops, -1n);
    ticker = setInterval(() => void count(), COUNT_EVERY_MS);
    void count().then(() => post({ type: 'ready', port }));
  });
});

parentPort!.on('message', (m: { type: string }) => {
  if (m.type !== 'close') return;
  clearInterval(ticker);
  let open = 2;
  const done = (): void => {
    if (--open === 0) parentPort!.close();
  };
  inbound.close(done);
  outbound.close(done);
});
