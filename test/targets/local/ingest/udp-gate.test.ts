/**
 * The RTP gate's counters: RTP sequence gaps, kernel drops (Linux /proc/net/udp), and that it keeps
 * forwarding while the daemon's event loop is blocked (it runs in a worker thread).
 */
import { createSocket, type Socket } from 'node:dgram';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RtpLossCounter } from '../../../../src/targets/local/ingest/rtp-sequence.js';
import { parseUdpDrops, UdpDropWatch } from '../../../../src/targets/local/ingest/udp-drops.js';
import { startUdpGate, type UdpGate } from '../../../../src/targets/local/ingest/udp-gate.js';

const LINUX_PROC = existsSync('/proc/net/udp');

/** A 200-byte RTP packet (version 2, payload type 33) with this sequence number and SSRC. */
function rtp(seq: number, ssrc = 0x1234abcd): Buffer {
  const b = Buffer.alloc(200, 0x47);
  b[0] = 0x80;
  b[1] = 33;
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE(0, 4);
  b.writeUInt32BE(ssrc >>> 0, 8);
  return b;
}

function lostAfter(seqs: Array<number | [number, number]>): number {
  const c = new RtpLossCounter();
  for (const s of seqs) c.record(Array.isArray(s) ? rtp(s[0], s[1]) : rtp(s));
  return c.lost();
}

describe('RtpLossCounter', () => {
  it.each([
    ['in order', [1, 2, 3, 4], 0],
    ['one gap of two', [1, 2, 5, 6], 2],
    ['reordered, nothing lost', [1, 3, 2, 4], 0],
    ['a duplicate is not a negative loss', [1, 2, 2, 3], 0],
    ['wrapping at 65535', [65534, 65535, 0, 1], 0],
    ['a gap across the wrap', [65534, 1], 2],
    ['a new SSRC starts again, keeping what was lost', [1, 3, [100, 7], [101, 7]], 1],
    ['a jump of thousands is a restart, not a loss', [1, 2, 40_000, 40_001], 0],
  ] as Array<[string, Array<number | [number, number]>, number]>)('%s', (_name, seqs, lost) => {
    expect(lostAfter(seqs)).toBe(lost);
  });

  it('ignores what is not RTP version 2', () => {
    const c = new RtpLossCounter();
    c.record(Buffer.alloc(188, 0x47));
    c.record(rtp(1));
    c.record(rtp(2));
    expect(c.lost()).toBe(0);
  });
});

describe('parseUdpDrops', () => {
  it('reads the drops of the sockets bound to a port from /proc/net/udp', () => {
    const text = [
      '   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops',
      '  123: 0100007F:1388 00000000:0000 07 00000000:00000000 00:00000000 00000000  1000        0 4242 2 0000000000000000 17',
      '  124: 0100007F:1389 00000000:0000 07 00000000:00000000 00:00000000 00000000  1000        0 4243 2 0000000000000000 3',
    ].join('\n');
    expect(parseUdpDrops(text, 5000)).toEqual([{ port: 5000, inode: '4242', drops: 17 }]);
    expect(parseUdpDrops(text, 6000)).toEqual([]);
  });
});

const sockets: Socket[] = [];
let gate: UdpGate | undefined;
afterEach(async () => {
  await gate?.close();
  gate = undefined;
  for (const s of sockets.splice(0)) s.close();
});

async function bindSocket(recvBufferSize?: number): Promise<Socket> {
  const s = createSocket({ type: 'udp4', ...(recvBufferSize ? { recvBufferSize } : {}) });
  sockets.push(s);
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', () => resolve()));
  return s;
}

/**
 * Sends without reading in between: dgram sends to an IP literal on the next tick, then libuv writes
 * each datagram at once; resolves once all are written (before any I/O callback of this thread runs).
 */
function burst(from: Socket, port: number, packets: Buffer[]): Promise<void> {
  for (const p of packets) from.send(p, port, '127.0.0.1');
  return new Promise((resolve) => process.nextTick(() => process.nextTick(resolve)));
}

function blockFor(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) { /* this thread's event loop, blocked */ }
}

async function waitFor(check: () => boolean, ms = 5_000): Promise<boolean> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

describe.skipIf(!LINUX_PROC)('UdpDropWatch (Linux)', () => {
  it('counts the datagrams the kernel dropped on a socket nobody read in time', async () => {
    const receiver = await bindSocket(64 * 1024);
    const sender = await bindSocket();
    const port = (receiver.address() as AddressInfo).port;
    const watch = new UdpDropWatch(port);
    expect(await watch.read()).toBe(0);
    await burst(sender, port, Array.from({ length: 2_000 }, (_, i) => rtp(i)));
    const dropped = await watch.read();
    expect(dropped).toBeGreaterThan(0);
    expect(dropped).toBeLessThan(2_000);
  });
});

describe('UDP gate', () => {
  it('counts RTP sequence gaps, and forwards while the main event loop is blocked', async () => {
    const decoder = await bindSocket(8 * 1024 * 1024);
    const lines: string[] = [];
    gate = await startUdpGate({ host: '127.0.0.1', port: 0, cidrs: ['127.0.0.1/32'], targetPort: (decoder.address() as AddressInfo).port, label: 'RTP', log: (l) => lines.push(l) });
    expect(gate.counters()).toMatchObject({ forwarded: 0, sequenceGaps: 0, droppedAtGate: 0 });
    expect(gate.counters().receiveBufferBytes).toBeGreaterThan(0);
    let received = 0;
    decoder.on('message', () => received++);
    const sender = await bindSocket();
    // 1000 packets with numbers 0..1009 less ten: ten missing.
    const packets = Array.from({ length: 1_010 }, (_, i) => i).filter((i) => i % 101 !== 50).map((i) => rtp(i));
    expect(packets).toHaveLength(1_000);
    await burst(sender, gate.port, packets);
    // The gate forwards on its own thread while this one is stuck.
    blockFor(300);
    expect(gate.forwarded()).toBe(1_000);
    expect(await waitFor(() => received === 1_000)).toBe(true);
    expect(await waitFor(() => gate!.counters().sequenceGaps === 10)).toBe(true);
    expect(gate.counters()).toMatchObject({ forwarded: 1_000, sequenceGaps: 10, droppedAtGate: 0 });
    if (LINUX_PROC) expect(gate.counters().droppedAtDecoder).toBe(0);
    expect(lines).toContain('RTP: receiving from 127.0.0.1');
  });

  it.skipIf(!LINUX_PROC)('counts what the decoder\'s socket dropped when the decoder did not read in time', async () => {
    // The "decoder" is a socket of this thread, with a small buffer; this thread is then kept busy.
    const decoder = await bindSocket(64 * 1024);
    gate = await startUdpGate({ host: '127.0.0.1', port: 0, cidrs: ['127.0.0.1/32'], targetPort: (decoder.address() as AddressInfo).port, label: 'RTP', log: () => {} });
    const sender = await bindSocket();
    await burst(sender, gate.port, Array.from({ length: 2_000 }, (_, i) => rtp(i)));
    blockFor(500);
    expect(await waitFor(() => (gate!.counters().droppedAtDecoder ?? 0) > 0)).toBe(true);
    expect(gate.counters()).toMatchObject({ forwarded: 2_000, sequenceGaps: 0, droppedAtGate: 0 });
  });
});
