/**
 * A UDP gate in front of the decoder ffmpeg for RTP_PUSH: every datagram's source is checked against
 * the CIDR allow-list; refused ones are dropped, counted and logged at most once per address per
 * minute; allowed ones are forwarded unchanged (RTP header included) to ffmpeg's rtp:// input on
 * loopback. RTCP (port + 1) is not relayed: ffmpeg's MPEG-TS over RTP input does not need it.
 */
import { createSocket, type Socket } from 'node:dgram';
import { isAllowed, displayAddress } from './cidr.js';
import { RefusalTracker } from './refusals.js';

export interface UdpGateOptions {
  host: string;
  port: number;
  cidrs: readonly string[];
  targetPort: number;
  label: string;
  log: (line: string) => void;
  /** A publisher is "connected" while its datagrams arrived within this window. */
  liveMs?: number;
}

export interface UdpGate {
  port: number;
  /** The last allowed sender and when it was heard. */
  lastSender(): { address: string; atMs: number } | undefined;
  forwarded(): number;
  /** Bytes of admitted datagrams, for the input bitrate. */
  bytesIn(): number;
  refusals: RefusalTracker;
  close(): Promise<void>;
}

export async function startUdpGate(opts: UdpGateOptions): Promise<UdpGate> {
  const refusals = new RefusalTracker(60_000);
  const inbound: Socket = createSocket({ type: opts.host.includes(':') ? 'udp6' : 'udp4', reuseAddr: false });
  const outbound: Socket = createSocket('udp4');
  let sender: { address: string; atMs: number } | undefined;
  let forwarded = 0;
  let bytesIn = 0;

  inbound.on('message', (msg, rinfo) => {
    const now = Date.now();
    if (!isAllowed(opts.cidrs, rinfo.address)) {
      if (refusals.record(rinfo.address, now)) {
        opts.log(`${opts.label}: refused datagrams from ${displayAddress(rinfo.address)} at ${refusals.last!.time}: not in the allow-list (${opts.cidrs.join(', ')}); logged once a minute per address`);
      }
      return;
    }
    const shown = displayAddress(rinfo.address);
    if (sender?.address !== shown || now - sender.atMs > 3_000) opts.log(`${opts.label}: receiving from ${shown}`);
    sender = { address: shown, atMs: now };
    forwarded++;
    bytesIn += msg.length;
    // Nobody listening (decoder restarting) is fine: the datagram is simply lost, as on the wire.
    outbound.send(msg, opts.targetPort, '127.0.0.1', () => {});
  });
  inbound.on('error', (err) => opts.log(`${opts.label}: socket error: ${err.message}`));
  outbound.on('error', () => {});

  await new Promise<void>((resolve, reject) => {
    inbound.once('error', reject);
    inbound.bind(opts.port, opts.host, () => {
      inbound.off('error', reject);
      resolve();
    });
  });
  await new Promise<void>((resolve) => outbound.bind(0, '127.0.0.1', () => resolve()));

  return {
    port: inbound.address().port,
    lastSender: () => sender,
    forwarded: () => forwarded,
    bytesIn: () => bytesIn,
    refusals,
    close: async () => {
      await Promise.all([
        new Promise<void>((resolve) => inbound.close(() => resolve())),
        new Promise<void>((resolve) => outbound.close(() => resolve())),
      ]);
    },
  };
}
