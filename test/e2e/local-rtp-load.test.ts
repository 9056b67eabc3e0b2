/**
 * RTP_PUSH under CPU load (issue 9, defect 1): a real GStreamer RTP sender (x264 in MPEG-TS over RTP,
 * as a hardware encoder or OBS would send) into the stack's RTP input, while busy-loop processes keep
 * both cores saturated beside the stack. Nothing the network delivered may be lost on the way to the
 * decoder: ffmpeg's log must hold no "RTP: missed N packets" line, and the gate's own counters must
 * show no drop.
 * The stack runs in this process, as in the daemon; its event loop is also blocked for 500 ms every
 * 2 s, as a garbage collection or a slow synchronous write blocks the daemon's on a loaded machine
 * (the gate used to run on that loop and lost the datagrams that arrived meanwhile).
 *
 * On failure the message carries the input status, whose `rtp` counters say where packets went:
 * sequenceGaps/droppedAtGate (the gate) or droppedAtDecoder (the decoder's socket overflowed: the
 * decoder ffmpeg did not read in time, which it cannot while the frame synchronizer holds it back).
 *
 * One minute by default (the CI variant, still under load); LIVESTREAM_RTP_LOAD_SECONDS=600 for a
 * long soak; LIVESTREAM_RTP_LOAD_STALL_MS=0 without the injected stalls (CPU hogs only).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { requireTool } from '../helpers/tools.js';
import { waitUntil } from './helpers/hls-watch.js';
import { closeAll, killChild, startTestStack } from './helpers/test-stack.js';

const SECONDS = Number(process.env.LIVESTREAM_RTP_LOAD_SECONDS ?? 60);
const STALL_MS = Number(process.env.LIVESTREAM_RTP_LOAD_STALL_MS ?? 500);
const GST_LAUNCH = await requireTool('gst-launch-1.0');

interface RtpInputStatus {
  connected: boolean;
  fps?: number;
  refused: number;
  rtp?: { forwarded: number; sequenceGaps: number; droppedAtGate: number; droppedAtDecoder?: number };
}

const children: ChildProcess[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) await killChild(child);
  await closeAll();
});

/**
 * A GStreamer publisher: 640x360@30 H.264 at a constant 8 Mb/s (x264 with HRD filler, as contribution
 * encoders send MPEG-TS over RTP; a test pattern would otherwise compress to 150 kb/s; a small picture
 * so that the sender keeps its rate on a loaded machine) in MPEG-TS over RTP, paced in real time:
 * about 650 datagrams a second here.
 */
function startGstSender(port: number): ChildProcess {
  const child = spawn(GST_LAUNCH, [
    '-q', 'videotestsrc', 'is-live=true', 'pattern=ball', 'background-color=0xff204080', '!',
    'video/x-raw,width=640,height=360,framerate=30/1', '!',
    'x264enc', 'tune=zerolatency', 'speed-preset=ultrafast', 'bitrate=8000', 'vbv-buf-capacity=500', 'key-int-max=30',
    'option-string=nal-hrd=cbr:filler=1', '!',
    'mpegtsmux', 'alignment=7', '!', 'rtpmp2tpay', '!', 'udpsink', 'host=127.0.0.1', `port=${port}`, 'sync=true',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.resume();
  children.push(child);
  return child;
}

/** Blocks this process's event loop (the stack's) for `blockMs` every `everyMs`. */
function stallEventLoop(blockMs: number, everyMs: number): () => void {
  const timer = setInterval(() => {
    const until = Date.now() + blockMs;
    while (Date.now() < until) { /* busy, as synchronous work in the daemon */ }
  }, everyMs);
  return () => clearInterval(timer);
}

/** One busy loop per core, at normal priority: the stack competes for the CPU as on a loaded laptop. */
function startCpuHogs(): void {
  for (let i = 0; i < os.availableParallelism(); i++) {
    children.push(spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
  }
}

async function readFfmpegLog(logs: string): Promise<string> {
  const parts = await Promise.all(['ffmpeg.log.1', 'ffmpeg.log'].map((f) => readFile(path.join(logs, f), 'utf8').catch(() => '')));
  return parts.join('');
}

describe('RTP_PUSH under CPU load', () => {
  it(`loses no packet over ${SECONDS} s of a GStreamer sender with both cores busy`, async () => {
    const t = await startTestStack({ input: 'RTP_PUSH', rtpPort: 0, cidr: ['127.0.0.1/32'] });
    const port = Number(/:(\d+)$/.exec(t.stack.info.pushEndpoint!)![1]);
    const sender = startGstSender(port);
    const input = () => t.stack.status().input as RtpInputStatus;
    await waitUntil('source frames at the encoder', () => (input().fps ?? 0) > 0, 60_000);

    startCpuHogs();
    const stopStalls = stallEventLoop(STALL_MS, 2_000);
    await new Promise((r) => setTimeout(r, SECONDS * 1_000));
    stopStalls();
    expect(sender.exitCode, 'the GStreamer sender died').toBeNull();

    const log = await readFfmpegLog(t.layout.logs);
    const missed = log.split('\n').filter((l) => /RTP: missed \d+ packets/.test(l));
    const state = input();
    expect(state.connected).toBe(true);
    expect(state.refused).toBe(0);
    expect(missed, `${JSON.stringify(state)}\n${missed.slice(0, 5).join('\n')}`).toEqual([]);
    expect(state.rtp?.forwarded ?? 0).toBeGreaterThan(SECONDS * 100);
    expect(state.rtp).toMatchObject({ sequenceGaps: 0, droppedAtGate: 0 });
    if (state.rtp?.droppedAtDecoder !== undefined) expect(state.rtp.droppedAtDecoder).toBe(0);
  }, (SECONDS + 150) * 1_000);
});
