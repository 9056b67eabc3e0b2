import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, readFileSync } from 'node:fs';
import { startIngest } from '../../../../src/targets/local/ingest/start.js';
import type { Ingest } from '../../../../src/targets/local/ingest/types.js';
import { makeTmpDir } from '../../../helpers/tmp-dir.js';
import { startPublisher } from '../../../helpers/publisher.js';
import { decodeFrames, killAll, makeSpec, waitFor, FFMPEG } from './helpers.js';

let ingest: Ingest | undefined;

afterEach(async () => {
  await killAll();
  await ingest?.close();
  ingest = undefined;
});

async function startRtp(cidrs: string[], lines: string[] = []): Promise<Ingest> {
  const dir = await makeTmpDir('ingest-test-');
  ingest = await startIngest({
    spec: makeSpec({ input: 'RTP_PUSH', cidrs }),
    secrets: {}, ffmpegPath: FFMPEG, workDir: dir, log: (l) => lines.push(l),
  });
  return ingest;
}

function portOf(endpoint: string): number {
  return Number(/:(\d+)$/.exec(endpoint)![1]);
}

async function sendDatagrams(port: number, count: number): Promise<void> {
  const socket = createSocket('udp4');
  for (let i = 0; i < count; i++) {
    await new Promise<void>((resolve, reject) => socket.send(Buffer.alloc(188, 0x47), port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
  }
  await new Promise<void>((resolve) => socket.close(() => resolve()));
}

describe('RTP_PUSH', () => {
  it('forwards an allowed MPEG-TS/RTP publisher to the decoder started with inputArgs()', async () => {
    const lines: string[] = [];
    const ing = await startRtp(['127.0.0.1/32'], lines);
    expect(ing.pushEndpoint).toMatch(/^rtp:\/\/127\.0\.0\.1:\d+$/);
    expect(ing.state()).toMatchObject({ connected: false, refused: 0, bytesIn: 0, rtp: { forwarded: 0, sequenceGaps: 0, droppedAtGate: 0 } });

    const decoding = decodeFrames(ing.inputArgs(), 2);
    startPublisher('rtp_mpegts', ing.pushEndpoint!);
    expect(await waitFor(() => ing.state().connected, 10_000)).toBe(true);
    expect(ing.state()).toMatchObject({ connected: true, remote: '127.0.0.1', refused: 0 });
    expect(ing.state().bytesIn).toBeGreaterThan(0);
    const { frames, stderr } = await decoding;
    expect(frames, stderr.slice(-500)).toBeGreaterThanOrEqual(20);
    expect(lines).toContain('RTP: receiving from 127.0.0.1');
  });

  it.skipIf(!existsSync('/proc/net/udp'))('the decoder listens on loopback only (not past the gate), with the gate\'s buffer size', async () => {
    const ing = await startRtp(['127.0.0.1/32']);
    const internal = Number(/rtp:\/\/127\.0\.0\.1:(\d+)/.exec(ing.inputArgs().join(' '))![1]);
    const hexPort = internal.toString(16).toUpperCase().padStart(4, '0');
    const decoding = decodeFrames(ing.inputArgs(), 1, 20_000);
    const bound = () => readFileSync('/proc/net/udp', 'utf8').split('\n').map((l) => l.trim().split(/\s+/)[1]).filter((a) => a?.endsWith(`:${hexPort}`));
    expect(await waitFor(() => bound().length > 0, 10_000)).toBe(true);
    expect(bound()).toEqual([`0100007F:${hexPort}`]);
    const ss = spawnSync('ss', ['-uamn', `sport = :${internal}`], { encoding: 'utf8' });
    // Linux reports twice what it grants; at least the 4 MiB asked when net.core.rmem_max allows.
    const rmemMax = Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8'));
    const rb = /rb(\d+)/.exec(ss.stdout ?? '');
    if (rb && rmemMax >= 4 * 1024 * 1024) expect(Number(rb[1])).toBe(8 * 1024 * 1024);
    await decoding;
  });

  it('drops datagrams from outside the allow-list, counts each, logs the address once', async () => {
    const lines: string[] = [];
    const ing = await startRtp(['127.0.0.2/32'], lines);
    await sendDatagrams(portOf(ing.pushEndpoint!), 5);
    // The gate's worker counts in shared memory at once and posts the address and the log line as
    // messages, which arrive a moment later (CI once read the count before the address).
    const refusalLogged = () => lines.some((l) => l.startsWith('RTP: refused datagrams from '));
    expect(await waitFor(() => ing.state().refused === 5 && ing.state().lastRefused !== undefined && refusalLogged(), 5_000)).toBe(true);
    const state = ing.state();
    expect(state.connected).toBe(false);
    expect(state.bytesIn).toBe(0);
    expect(state.remote).toBeUndefined();
    expect(state.lastRefused?.address).toBe('127.0.0.1');
    const refusals = lines.filter((l) => l.startsWith('RTP: refused datagrams from 127.0.0.1 at '));
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toContain('not in the allow-list (127.0.0.2/32)');
  });

  it('a refused ffmpeg publisher reaches no decoder: the decoder times out with no frames', async () => {
    const ing = await startRtp(['127.0.0.2/32']);
    startPublisher('rtp_mpegts', ing.pushEndpoint!, 10);
    const { frames, stderr } = await decodeFrames(ing.inputArgs(), 2, 20_000);
    expect(frames).toBe(0);
    expect(stderr).toContain('Connection timed out');
    expect(ing.state().refused).toBeGreaterThan(10);
  });
});
