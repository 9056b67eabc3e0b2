/**
 * The SRT gate (its worker thread) relays both ways between each allowed publisher and the decoder's loopback port, one
 * session (loopback socket) per publisher address, and drops and counts what --cidr refuses.
 */
import { createSocket, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startSrtGate, type SrtGate } from '../../../../src/targets/local/ingest/srt-gate.js';
import { waitFor } from './helpers.js';

const opened: Array<{ close(): unknown }> = [];
afterEach(async () => {
  for (const o of opened.splice(0)) await o.close();
});

async function udp(): Promise<Socket> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', () => resolve()));
  opened.push({ close: () => new Promise<void>((resolve) => s.close(() => resolve())) });
  return s;
}

/** A stand-in for the decoder's SRT listener: answers each datagram with "ack:" + it, to whoever sent it. */
async function echoDecoder(): Promise<{ port: number; seen: Array<{ text: string; from: number }> }> {
  const s = await udp();
  const seen: Array<{ text: string; from: number }> = [];
  s.on('message', (msg, rinfo) => {
    seen.push({ text: msg.toString(), from: rinfo.port });
    s.send(Buffer.from(`ack:${msg.toString()}`), rinfo.port, rinfo.address);
  });
  return { port: (s.address() as AddressInfo).port, seen };
}

async function gateTo(targetPort: number, cidrs: string[], lines: string[] = []): Promise<SrtGate> {
  const gate = await startSrtGate({ host: '127.0.0.1', port: 0, cidrs, targetPort, label: 'SRT', log: (l) => lines.push(l) });
  opened.push(gate);
  return gate;
}

describe('SRT gate', () => {
  it('relays each publisher\'s datagrams to the decoder and the decoder\'s answers back, one session per publisher', async () => {
    const decoder = await echoDecoder();
    const gate = await gateTo(decoder.port, ['127.0.0.1/32']);
    const a = await udp();
    const b = await udp();
    const answers: Record<string, string[]> = { a: [], b: [] };
    a.on('message', (m) => answers.a!.push(m.toString()));
    b.on('message', (m) => answers.b!.push(m.toString()));
    a.send('hello-a', gate.port, '127.0.0.1');
    b.send('hello-b', gate.port, '127.0.0.1');
    a.send('again-a', gate.port, '127.0.0.1');
    expect(await waitFor(() => answers.a!.length === 2 && answers.b!.length === 1, 5_000)).toBe(true);
    expect(answers).toEqual({ a: ['ack:hello-a', 'ack:again-a'], b: ['ack:hello-b'] });
    // The decoder saw two peers (the gate's sessions), neither of them the publishers' own ports.
    const fromA = decoder.seen.filter((s) => s.text.endsWith('-a')).map((s) => s.from);
    const fromB = decoder.seen.find((s) => s.text === 'hello-b')!.from;
    expect(new Set(fromA).size).toBe(1);
    expect(fromA[0]).not.toBe(fromB);
    expect(gate.sessions()).toBe(2);
    expect(gate.relayed()).toEqual({ toDecoder: 3, toPublisher: 3 });
    expect(gate.bytesIn()).toBe('hello-a'.length + 'hello-b'.length + 'again-a'.length);
    expect(gate.publisher(5_000)).toBe('127.0.0.1');
    expect(gate.refused()).toBe(0);
  });

  it('drops, counts and logs datagrams from outside --cidr; nothing reaches the decoder', async () => {
    const decoder = await echoDecoder();
    const lines: string[] = [];
    const gate = await gateTo(decoder.port, ['10.0.0.0/8'], lines);
    const p = await udp();
    for (let i = 0; i < 5; i++) p.send(`x${i}`, gate.port, '127.0.0.1');
    expect(await waitFor(() => gate.refused() === 5, 5_000)).toBe(true);
    expect(gate.lastRefused()?.address).toBe('127.0.0.1');
    expect(decoder.seen).toEqual([]);
    expect(gate.sessions()).toBe(0);
    expect(gate.publisher(5_000)).toBeUndefined();
    // Once a minute per address.
    expect(lines.filter((l) => l.includes('refused datagrams from 127.0.0.1'))).toHaveLength(1);
  });

  it('passes on only what comes from the decoder\'s port to a session', async () => {
    const decoder = await echoDecoder();
    const gate = await gateTo(decoder.port, ['127.0.0.1/32']);
    const publisher = await udp();
    const got: string[] = [];
    publisher.on('message', (m) => got.push(m.toString()));
    publisher.send('hi', gate.port, '127.0.0.1');
    expect(await waitFor(() => decoder.seen.length === 1, 5_000)).toBe(true);
    // Someone else on loopback writes to the session's port: not relayed.
    const intruder = await udp();
    intruder.send('forged', decoder.seen[0]!.from, '127.0.0.1');
    publisher.send('hi2', gate.port, '127.0.0.1');
    expect(await waitFor(() => got.length === 2, 5_000)).toBe(true);
    expect(got).toEqual(['ack:hi', 'ack:hi2']);
  });

  it('closes a session silent for idleMs', async () => {
    const decoder = await echoDecoder();
    const lines: string[] = [];
    const gate = await startSrtGate({ host: '127.0.0.1', port: 0, cidrs: ['127.0.0.1/32'], targetPort: decoder.port, label: 'SRT', log: (l) => lines.push(l), idleMs: 200 });
    opened.push(gate);
    const p = await udp();
    p.send('hi', gate.port, '127.0.0.1');
    expect(await waitFor(() => gate.relayed().toPublisher === 1, 5_000)).toBe(true);
    expect(await waitFor(() => lines.some((l) => l.includes('session closed')), 5_000)).toBe(true);
    expect(gate.sessions()).toBe(0);
    expect(lines.some((l) => /silent for 0 s; session closed/.test(l))).toBe(true);
  });
});
