/**
 * The local stack in one process: origin, the edge's shield (with the player and dashboard pages;
 * viewers are served by edge worker processes it forks, see edge/cluster.ts), ingest and the
 * encoder supervisor, plus a control socket for `start`, `stop`, `status` and `down`.
 * It runs detached from `livestream up`, or in the terminal with `up --foreground`.
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AUTO, type Ladder } from '../../../core/ladder.js';
import type { LocalStackSpec, Secrets } from '../../../core/spec.js';
import { serveControl } from './control-socket.js';
import type { DaemonInfo, LiveStatus } from './live-status.js';
import type { StackLayout } from './stack-folder.js';
import { createStopTimer, stopAtOf } from './stop-timer.js';
import { createLocalMetrics } from '../plumbing/metrics.js';
import { chooseDisplayHost } from '../plumbing/display-host.js';
import { startOrigin } from '../origin/server.js';
import { defaultEdgeWorkers, startEdgeCluster } from '../edge/cluster.js';
import { createWebHandler } from '../web/web-handler.js';
import { DashboardStats, edgeSampleOf, loadAccessLogHistory } from '../web/dashboard-stats.js';
import { startIngest } from '../ingest/start.js';
import { findFfmpeg } from '../encoder/find-ffmpeg.js';
import { EncoderSupervisor } from '../encoder/supervisor.js';
import { chooseEncoderSettings, rememberChoice } from '../encoder/calibrate.js';
import { defaultCalibrationCacheDir } from '../encoder/calibration-cache.js';
import { describeFellBehind, PRESET_ORDER, SCALER_ORDER, STEP_DOWN_KEPT_HOURS, stepCheaper, stepDownChoice, type EncoderChoice } from '../encoder/preset-search.js';
import type { PaceVerdict } from '../encoder/pace-check.js';
import { BitrateMeter } from './bitrate-meter.js';
import { recordName, recordedRendition } from '../../../core/recording.js';
import { ChannelRecorder } from '../recording/channel-recorder.js';

export interface DaemonConfig {
  spec: LocalStackSpec;
  ladder: Ladder;
  secrets: Secrets;
  layout: StackLayout;
  log: (line: string) => void;
}

export interface LocalStack {
  info: DaemonInfo;
  start(): Promise<void>;
  stop(): Promise<void>;
  status(): LiveStatus;
  close(): Promise<void>;
}

export async function startLocalStack(cfg: DaemonConfig): Promise<LocalStack> {
  const { spec, layout, log } = cfg;
  // The ladder the encoder runs: a preset or scaler the file leaves "auto" is filled in by the
  // calibration below, once the edge is up and before the encoder first starts (it reads them then).
  const ladder: Ladder = { ...cfg.ladder, local: { ...cfg.ladder.local } };
  let encoderChoice: EncoderChoice | undefined;
  const { listen } = spec.local;
  const credential = (await readFile(layout.credential, 'utf8')).trim();
  const closers: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch((err) => log(`close failed: ${(err as Error).message}`));
  };
  try {
    const metrics = createLocalMetrics();
    const stats = new DashboardStats({ windowMinutes: 60, startedAt: Date.now() });
    for (const entry of await loadAccessLogHistory(path.join(layout.logs, 'origin'), Date.now() - 3_600_000)) stats.record(entry);

    const origin = await startOrigin({
      root: layout.store,
      containerName: spec.stack,
      credential,
      accessLogDir: path.join(layout.logs, 'origin'),
      onAccess: (e) => stats.record(e),
      metrics,
    });
    closers.push(() => origin.close());

    const ffmpeg = await findFfmpeg();
    const ingest = await startIngest({
      spec, secrets: await withSrtPassphrase(cfg.secrets, spec, layout), ffmpegPath: ffmpeg.ffmpeg, caps: ffmpeg.caps, workDir: layout.work, log,
    });
    closers.push(() => ingest.close());
    metrics.ingest.read = () => ingest.state();

    // The decoder only sees decoded frames: the input bitrate comes from the bytes the ingest received.
    const meter = new BitrateMeter();
    let inputBitrate: number | undefined;
    const sampleBitrate = setInterval(() => {
      const bytes = ingest.state().bytesIn;
      inputBitrate = bytes === undefined ? undefined : meter.sample(bytes, Date.now());
    }, 2_000);
    sampleBitrate.unref();
    closers.push(async () => clearInterval(sampleBitrate));

    const recorded = recordedRendition(spec, ladder);
    const recorder = recorded
      ? new ChannelRecorder({ root: layout.recordings, stack: spec.stack, rendition: recordName(recorded), ffmpegPath: ffmpeg.ffmpeg, log })
      : undefined;
    // Closed after the encoder (closers run in reverse): its run's end is the recording's.
    if (recorder) closers.push(() => recorder.close());

    const write = origin.issueWriteToken({ prefix: 'stream/' });
    closers.push(async () => write.revoke());
    const encoder = new EncoderSupervisor({
      ffmpegPath: ffmpeg.ffmpeg,
      caps: ffmpeg.caps,
      ladder,
      inputArgs: () => ingest.inputArgs(),
      ...(ingest.watchDecoderLine ? { onDecoderLine: ingest.watchDecoderLine } : {}),
      streams: ingest.streams,
      // Only an HLS pull can wait for us; a pushed or captured source (or the demo, drawn on the
      // clock) is dropped from, never paused.
      liveSource: spec.input !== 'URL_PULL' || spec.sourceUrl === undefined,
      ...(recorder ? { recorder } : {}),
      originUrl: origin.url,
      writeToken: () => write.token,
      logFile: path.join(layout.logs, 'ffmpeg.log'),
      onFellBehind: (verdict, current) => {
        if (!encoderChoice) return undefined;
        const fell = { dropped: verdict.dropped, windowSeconds: verdict.windowSeconds, at: new Date().toISOString() };
        const next = stepCheaper(cfg.ladder, current);
        encoderChoice = next ? stepDownChoice(encoderChoice, next, fell) : { ...encoderChoice, behind: fell };
        if (next) {
          Object.assign(ladder.local, next);
          const remembered = encoderChoice;
          // With its time (fell.at): starts within STEP_DOWN_KEPT_HOURS begin at the cheaper pair,
          // later ones calibrate again (why a day, not for good or this process only: preset-search.ts).
          void rememberChoice({ ffmpeg, ladder: cfg.ladder, cacheDir: defaultCalibrationCacheDir() }, remembered)
            .catch((err) => log(`could not remember the cheaper encoder settings: ${(err as Error).message}`));
        }
        log(describeStep(current, next, verdict));
        return next;
      },
      onHealth: (s) => {
        const sample = { ...s, inputBitrate: s.inputBitrate ?? (s.inputConnected ? inputBitrate : undefined) };
        stats.recordHealth(sample);
        metrics.channel.latest = sample;
      },
    });
    closers.push(() => encoder.stop());

    let edgeRef: { stats(): { viewers: number } } | undefined;
    const liveStatus = (): LiveStatus => {
      const enc = encoder.status();
      const edgeStats = edge.stats();
      return {
        channel: enc.state,
        channelState: enc.state,
        input: { type: spec.input, ...ingest.state(), ...enc.input, ...(enc.input.connected && inputBitrate !== undefined ? { bitrate: inputBitrate } : {}) },
        encoder: enc.encoder,
        renditions: enc.renditions,
        segmentsWritten: enc.segmentsWritten,
        viewers: edgeStats.viewers,
        edge: edgeStats,
        origin: origin.stats(),
        latency: { mode: ladder.hls.latency ?? 'standard', segmentSeconds: ladder.hls.segmentSeconds, ...viewerDelayOf(stats.latestViewerDelay()) },
        ffmpeg: { path: ffmpeg.ffmpeg, version: ffmpeg.version, source: ffmpeg.source },
        ...(recorder ? { recording: recorder.status() ?? null } : {}),
        ...(encoderChoice ? { encoderChoice } : {}),
      };
    };
    const web = createWebHandler({
      stackName: spec.stack,
      ladder,
      dashboard: () => ({ ...stats.snapshot(Date.now()), viewers: edgeRef?.stats().viewers ?? 0 }),
      status: liveStatus,
      onViewerDelay: (seconds) => stats.recordViewerDelay({ time: Date.now(), seconds }),
    });
    const edge = await startEdgeCluster({
      originUrl: origin.url,
      credential,
      host: listen,
      port: spec.local.port,
      segmentSeconds: ladder.hls.segmentSeconds,
      logDir: path.join(layout.logs, 'edge'),
      distributionId: spec.stack,
      handlers: [web],
      metrics,
      // Absent is "auto": the machine that runs the stack decides (see LocalOptions.edgeWorkers).
      workers: spec.local.edgeWorkers ?? defaultEdgeWorkers(),
    });
    edgeRef = edge;
    closers.push(() => edge.close());
    // What viewers got, for the dashboard: the workers' counters (summed every second) every 5 s.
    const sampleEdge = setInterval(() => stats.recordEdge(edgeSampleOf(metrics.edge, Date.now())), 5_000);
    sampleEdge.unref();
    stats.recordEdge(edgeSampleOf(metrics.edge, Date.now()));
    closers.push(async () => clearInterval(sampleEdge));

    encoderChoice = await chooseLocalSettings(ffmpeg, cfg.ladder, log);
    Object.assign(ladder.local, { preset: encoderChoice.preset, scaler: encoderChoice.scaler });

    const base = `http://${chooseDisplayHost(listen, os.networkInterfaces())}:${edge.port}`;
    const info: DaemonInfo = {
      pid: process.pid,
      edgePort: edge.port,
      originPort: origin.port,
      playerUrl: `${base}/player/`,
      playbackUrl: `${base}/stream/index.m3u8`,
      dashboardUrl: `${base}/dashboard/`,
      metricsUrl: `${base}/metrics`,
      ...(ingest.pushEndpoint ? { pushEndpoint: ingest.pushEndpoint } : {}),
    };

    const stack: LocalStack = {
      info,
      start: () => encoder.start(),
      stop: async () => {
        await encoder.stop();
        // A stopped channel reports no health: /metrics shows no stale figures.
        metrics.channel.latest = undefined;
      },
      status: liveStatus,
      close: closeAll,
    };
    return stack;
  } catch (err) {
    await closeAll();
    throw err;
  }
}

/** The stack log's line when the encoder fell behind (the encoder log has the supervisor's). */
function describeStep(from: { preset: string; scaler: string }, next: { preset: string; scaler: string } | undefined, v: PaceVerdict): string {
  const what = describeFellBehind(from, v);
  return next ? `${what}; now ${next.preset} + ${next.scaler}, remembered for starts in the next ${STEP_DOWN_KEPT_HOURS} h` : `${what}; the ladder pins it or nothing is cheaper, so it stays`;
}

/** The newest player report, as status shows it. */
function viewerDelayOf(sample: { time: number; seconds: number } | undefined): { viewerDelaySeconds?: number; viewerDelayAt?: string } {
  return sample ? { viewerDelaySeconds: Math.round(sample.seconds * 10) / 10, viewerDelayAt: new Date(sample.time).toISOString() } : {};
}

/**
 * Calibrated here, with the origin, the ingest (a demo source runs by now) and the edge up, so their
 * share of the machine is in the measurement. A calibration that fails leaves the cheapest settings.
 */
async function chooseLocalSettings(ffmpeg: { ffmpeg: string; version: string }, fileLadder: Ladder, log: (line: string) => void): Promise<EncoderChoice> {
  try {
    const { choice } = await chooseEncoderSettings({ ffmpeg, ladder: fileLadder, cacheDir: defaultCalibrationCacheDir(), now: () => new Date(), log });
    log(`encoder: x264 ${choice.preset}, ${choice.scaler} scaling (${choice.how})`);
    return choice;
  } catch (err) {
    log(`encoder calibration failed: ${(err as Error).message}; using the cheapest settings`);
    const pinned = (v: string, cheapest: string) => (v === AUTO ? cheapest : v);
    return { preset: pinned(fileLadder.local.preset, PRESET_ORDER[0]), scaler: pinned(fileLadder.local.scaler, SCALER_ORDER[0]), how: 'calibrated', meetsBar: false, error: (err as Error).message };
  }
}

/**
 * The SRT passphrase comes from the stack folder's owner-only file (resources.ts wrote it at `up`,
 * made or as given): a daemon started again later (a resume) has it without being told.
 */
async function withSrtPassphrase(secrets: Secrets, spec: LocalStackSpec, layout: StackLayout): Promise<Secrets> {
  if (!spec.srt || spec.srt.passphrase === 'none') return secrets;
  const srtPassphrase = (await readFile(layout.srtPassphrase, 'utf8')).trim();
  return { ...secrets, srtPassphrase };
}

/** What the stack process does when its schedule stops the channel, beside stopping it. */
export interface ScheduledStopHooks {
  /** Record the stop in the state file (entry.ts and foreground.ts: recordScheduledStopInState). */
  onFired(at: Date): Promise<void>;
  log(line: string): void;
}

/**
 * Serve the control socket for a running stack; `shutdown` resolves `done`. The scheduled stop's
 * timer lives here, beside the `stop` it runs: the channel stops the same way either way.
 */
export async function serveStack(stack: LocalStack, socketPath: string, hooks: ScheduledStopHooks): Promise<{ done: Promise<void>; close(): Promise<void> }> {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const timer = createStopTimer({ stop: () => stack.stop(), onFired: hooks.onFired, log: hooks.log });
  const control = await serveControl(socketPath, {
    status: async () => ({ info: stack.info, live: stack.status(), schedule: timer.state() }),
    start: async () => {
      timer.started();
      await stack.start();
      return stack.status();
    },
    stop: async () => {
      await stack.stop();
      return stack.status();
    },
    schedule: async (args) => timer.set(stopAtOf(args)),
    shutdown: async () => {
      setImmediate(finish);
      return { stopping: true };
    },
  });
  return {
    done,
    close: async () => {
      timer.close();
      await control.close();
    },
  };
}
