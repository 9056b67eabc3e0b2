import { afterEach, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { startIngest } from '../../../../src/targets/local/ingest/start.js';
import type { Ingest } from '../../../../src/targets/local/ingest/types.js';
import { makeTmpDir } from '../../../helpers/tmp-dir.js';
import { startPublisher } from '../../../helpers/publisher.js';
import { decodeFrames, killAll, makeSpec, waitFor, FFMPEG } from './helpers.js';

const HAS_IPV6 = Object.values(networkInterfaces()).flat().some((i) => i?.address === '::1');

let ingest: Ingest | undefined;

afterEach(async () => {
  await killAll();
  await ingest?.close();
  ingest = undefined;
});

async function startRtmp(cidrs: string[], listen = '127.0.0.1', lines: string[] = []): Promise<Ingest> {
  const dir = await makeTmpDir('ingest-test-');
  ingest = await startIngest({
    spec: makeSpec({ input: 'RTMP_PUSH', cidrs, local: { listen, port: 0, rtmpPort: 0, rtpPort: 0, srtPort: 0, edgeWorkers: 1 } }),
    secrets: {}, ffmpegPath: FFMPEG, workDir: dir, log: (l) => lines.push(l),
  });
  return ingest;
}

function portOf(endpoint: string): number {
  return Number(/:(\d+)\//.exec(endpoint)![1]);
}

/** Connects and resolves with whether the gate closed the connection (without sending anything). */
function connectAndWaitClose(host: string, port: number, localAddress?: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, ...(localAddress ? { localAddress } : {}) });
    const timer = setTimeout(() => { socket.destroy(); resolve(false); }, 5_000);
    socket.on('error', () => {});
    socket.once('close', () => { clearTimeout(timer); resolve(true); });
  });
}

describe('RTMP_PUSH', () => {
  it('pipes an allowed ffmpeg publisher to the decoder started with inputArgs()', async () => {
    const lines: string[] = [];
    const ing = await startRtmp(['127.0.0.1/32'], '127.0.0.1', lines);
    expect(ing.pushEndpoint).toMatch(/^rtmp:\/\/127\.0\.0\.1:\d+\/teststack\/stream$/);
    expect(ing.state()).toEqual({ connected: false, refused: 0, bytesIn: 0 });

    const decoding = decodeFrames(ing.inputArgs(), 2);
    startPublisher('flv', ing.pushEndpoint!);
    expect(await waitFor(() => ing.state().connected, 15_000)).toBe(true);
    expect(ing.state()).toMatchObject({ connected: true, remote: '127.0.0.1', refused: 0 });
    expect(await waitFor(() => (ing.state().bytesIn ?? 0) > 0, 15_000)).toBe(true);
    const { frames, stderr } = await decoding;
    expect(frames, stderr.slice(-500)).toBeGreaterThanOrEqual(20);
    expect(lines).toContain('RTMP: publisher 127.0.0.1 connected');
  });

  it('serves a second publisher after the decoder restarts with inputArgs() again', async () => {
    const ing = await startRtmp(['127.0.0.1/32']);
    for (let round = 0; round < 2; round++) {
      const decoding = decodeFrames(ing.inputArgs(), 1);
      const publisher = startPublisher('flv', ing.pushEndpoint!);
      const { frames, stderr } = await decoding;
      expect(frames, `round ${round}: ${stderr.slice(-300)}`).toBeGreaterThanOrEqual(15);
      // The decoder left: the gate drops the publisher, which ends with an error.
      await new Promise((resolve) => publisher.once('exit', resolve));
      expect(await waitFor(() => !ing.state().connected, 5_000)).toBe(true);
    }
  });

  it('refuses a connection from outside the allow-list: closed at once, counted and logged', async () => {
    const lines: string[] = [];
    const ing = await startRtmp(['127.0.0.2/32'], '127.0.0.1', lines);
    const port = portOf(ing.pushEndpoint!);

    expect(await connectAndWaitClose('127.0.0.1', port)).toBe(true);
    expect(await connectAndWaitClose('127.0.0.1', port)).toBe(true);
    const state = ing.state();
    expect(state.refused).toBe(2);
    expect(state.connected).toBe(false);
    expect(state.lastRefused?.address).toBe('127.0.0.1');
    expect(Number.isNaN(Date.parse(state.lastRefused!.time))).toBe(false);
    expect(lines.filter((l) => /^RTMP: refused connection from 127\.0\.0\.1 at \S+: not in the allow-list \(127\.0\.0\.2\/32\)$/.test(l))).toHaveLength(2);
  });

  it('a real ffmpeg publisher from outside the list fails to publish', async () => {
    const ing = await startRtmp(['127.0.0.2/32']);
    const publisher = startPublisher('flv', ing.pushEndpoint!, 5);
    const exitCode = await new Promise<number | null>((resolve) => publisher.once('exit', (code) => resolve(code)));
    expect(exitCode).not.toBe(0);
    expect(ing.state().refused).toBeGreaterThanOrEqual(1);
    expect(ing.state().connected).toBe(false);
  });

  it('admits one publisher at a time', async () => {
    const lines: string[] = [];
    const ing = await startRtmp(['127.0.0.0/8'], '127.0.0.1', lines);
    const port = portOf(ing.pushEndpoint!);
    const first = connect({ host: '127.0.0.1', port });
    first.on('error', () => {});
    expect(await waitFor(() => ing.state().connected, 5_000)).toBe(true);
    expect(await connectAndWaitClose('127.0.0.1', port, '127.0.0.3')).toBe(true);
    expect(lines.some((l) => l.includes('refused connection from 127.0.0.3') && l.includes('one publisher at a time'))).toBe(true);
    expect(ing.state().refused).toBe(0);
    first.destroy();
    expect(await waitFor(() => !ing.state().connected, 5_000)).toBe(true);
  });

  // Loopback only: the gate listens on ::1 (the dual-stack mapped form ::ffff:127.0.0.1 is covered by the cidr tables).
  it.runIf(HAS_IPV6)('IPv6: ::1 is admitted by ::1/128', async () => {
    const ing = await startRtmp(['::1/128'], '::1');
    expect(ing.pushEndpoint).toMatch(/^rtmp:\/\/\[::1\]:\d+\/teststack\/stream$/);
    const v6 = connect({ host: '::1', port: portOf(ing.pushEndpoint!) });
    v6.on('error', () => {});
    expect(await waitFor(() => ing.state().connected, 5_000)).toBe(true);
    expect(ing.state()).toMatchObject({ remote: '::1', refused: 0 });
    v6.destroy();
  });

  it.runIf(HAS_IPV6)('IPv6: ::1 is refused by an IPv4-only list', async () => {
    const lines: string[] = [];
    const ing = await startRtmp(['127.0.0.1/32'], '::1', lines);
    expect(await connectAndWaitClose('::1', portOf(ing.pushEndpoint!))).toBe(true);
    expect(ing.state()).toMatchObject({ connected: false, refused: 1, lastRefused: { address: '::1' } });
    expect(lines.some((l) => l.startsWith('RTMP: refused connection from ::1 at '))).toBe(true);
  });
});
