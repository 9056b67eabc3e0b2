/** The local target: the same pipeline as AWS on one machine, no account, nothing to pay. */
import { rmdir } from 'node:fs/promises';
import { applyDown, applyUp } from '../../core/graph.js';
import { LivestreamError } from '../../core/errors.js';
import type { ChannelState, DownReport, RunContext, StackOutputs, StackStatus, TargetDriver } from '../../core/target.js';
import { isAlive } from '../../core/state.js';
import { sendControl } from './daemon/control-socket.js';
import { stackLayout } from './daemon/stack-folder.js';
import { localNodes, type LocalContext } from './resources.js';
import { waitForPlayback } from './daemon/wait-playback.js';
import type { LiveStatus } from './daemon/local-stack.js';
import type { UdpGateCounters } from './ingest/udp-gate.js';

const CHANNEL_STATES: ChannelState[] = ['IDLE', 'STARTING', 'RUNNING', 'STOPPING', 'RECOVERING'];

function context(run: RunContext): LocalContext {
  return { run, layout: stackLayout(run.store.stackDir) };
}

function outputsOf(run: RunContext): StackOutputs {
  const a = run.store.get()?.resources.daemon?.attrs ?? {};
  const pick = (k: string) => (typeof a[k] === 'string' ? (a[k] as string) : undefined);
  return {
    playerUrl: pick('playerUrl'),
    playbackUrl: pick('playbackUrl'),
    dashboardUrl: pick('dashboardUrl'),
    pushEndpoint: pick('pushEndpoint'),
    metricsUrl: pick('metricsUrl'),
  };
}

/** The loopback URL of the edge, whatever address it shows people. */
function loopbackPlayback(run: RunContext): string {
  const port = run.store.require().resources.daemon!.attrs.edgePort;
  return `http://127.0.0.1:${port}/stream/index.m3u8`;
}

async function daemonCall(run: RunContext, command: 'status' | 'start' | 'stop'): Promise<unknown> {
  const rec = run.store.require().resources.daemon;
  if (!rec || !isAlive(Number(rec.physicalId))) {
    throw new LivestreamError('DAEMON_NOT_RUNNING', `The local stack "${run.spec.stack}" is not running${rec ? ` (process ${rec.physicalId} has exited)` : ''}.`, {
      hint: `Run "livestream up --stack ${run.spec.stack}" to start it again, or "livestream down --stack ${run.spec.stack}" to clean up.`,
    });
  }
  return sendControl(stackLayout(run.store.stackDir).socket, command, 60_000);
}

/** The live figures as lines for people. */
export function summarize(live: LiveStatus): Array<[string, string]> {
  const input = live.input as { type: string; connected: boolean; fps?: number; bitrate?: number; losses?: number; refused?: number; lossSince?: string; remote?: string; lastError?: string; rtp?: UdpGateCounters };
  const enc = live.encoder as { speed?: number; fps?: number; restarts: number; lastError?: string; droppedFrames?: number; pdtDriftSeconds?: number };
  const edge = live.edge as { requests: number; hits: number; misses: number; errors: number; segmentsServed: number };
  const renditions = live.renditions as Array<{ width: number; height: number; framerate: number; bitrate: number }>;
  const lines: Array<[string, string]> = [
    ['Input', [
      input.type,
      input.connected ? `connected${input.fps ? `, ${input.fps.toFixed(1)} fps` : ''}${input.bitrate ? `, ${(input.bitrate / 1e6).toFixed(2)} Mb/s` : ''}${input.remote ? ` from ${input.remote}` : ''}` : `NOT connected${input.lossSince ? ` since ${input.lossSince} (slate on air)` : ''}`,
      input.losses ? `${input.losses} losses` : undefined,
      input.refused ? `${input.refused} refused by --cidr` : undefined,
      input.rtp ? describeRtpLoss(input.rtp) : undefined,
      input.lastError,
    ].filter(Boolean).join(', ')],
    ['Encoder', [
      enc.speed !== undefined ? `speed ${enc.speed.toFixed(3)}x` : 'not running',
      enc.fps !== undefined ? `${enc.fps.toFixed(0)} fps` : undefined,
      `${enc.restarts} restarts`,
      // Frames dropped to stay on the wall clock: the picture stutters, the timeline does not slip.
      enc.droppedFrames ? `${enc.droppedFrames} frames dropped to keep up` : undefined,
      enc.pdtDriftSeconds !== undefined ? `newest segment ${enc.pdtDriftSeconds.toFixed(1)} s behind the clock` : undefined,
      enc.lastError ? `last error: ${enc.lastError}` : undefined,
    ].filter(Boolean).join(', ')],
    ['Renditions', renditions.map((r) => `${r.width}x${r.height}@${r.framerate} ${Math.round(r.bitrate / 1000)}k`).join(', ')],
    ['Viewers', `${live.viewers} now; ${edge.segmentsServed} segments served, ${edge.requests} requests (${edge.hits} hits, ${edge.misses} misses), ${edge.errors} errors`],
    ['Segments', `${live.segmentsWritten} written by the encoder`],
    ['ffmpeg', `${live.ffmpeg.path} ${live.ffmpeg.version} (from ${live.ffmpeg.source})`],
  ];
  return lines;
}

/** RTP datagrams lost on the way to the decoder, by where (udp-gate.ts). */
function describeRtpLoss(rtp: UdpGateCounters): string {
  const lost = rtp.sequenceGaps + rtp.droppedAtGate + (rtp.droppedAtDecoder ?? 0);
  if (lost === 0) return `${rtp.forwarded} RTP packets, none lost`;
  return `RTP packets lost: ${rtp.sequenceGaps} before the gate, ${rtp.droppedAtGate} at the gate, ${rtp.droppedAtDecoder ?? 'unknown'} at the decoder`;
}

/** The encoder reports RUNNING once its first new segment is out; old segments would fool the playback check. */
async function waitForRunning(run: RunContext, timeoutMs = 60_000): Promise<void> {
  const progress = run.host.progress('Starting the channel');
  const until = Date.now() + timeoutMs;
  for (;;) {
    const answer = (await daemonCall(run, 'status')) as { live: { channel: string } };
    if (answer.live.channel === 'RUNNING') return progress.succeed('Channel is RUNNING');
    if (Date.now() > until) {
      progress.fail(`Channel is still ${answer.live.channel}`);
      throw new LivestreamError('TIMEOUT', `The channel did not reach RUNNING within ${timeoutMs / 1000} s (it is ${answer.live.channel}).`, {
        hint: 'See ffmpeg.log in the stack\'s logs folder; "livestream status" shows the input and encoder state.',
      });
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

export function createLocalDriver(): TargetDriver {
  const nodes = localNodes();
  const driver: TargetDriver = {
    name: 'local',
    plan: () => nodes.map((n) => ({ id: n.id, kind: n.kind, name: n.name, describe: n.describe, dependsOn: n.dependsOn })),
    estimateCost: () => undefined,

    async up(run) {
      if (run.flags.foreground) {
        const { runForeground } = await import('./foreground.js');
        return runForeground(run, nodes, driver);
      }
      await applyUp(nodes, context(run), run.store, run.host);
      if (run.spec.start) {
        await waitForPlayback(loopbackPlayback(run), run.host);
        await run.store.markChannel(true);
      }
      const outputs = outputsOf(run);
      await run.store.update((s) => {
        s.outputs = Object.fromEntries(Object.entries(outputs).filter(([, v]) => v)) as Record<string, string>;
      });
      return outputs;
    },

    async start(run) {
      await daemonCall(run, 'start');
      await waitForRunning(run);
      await waitForPlayback(loopbackPlayback(run), run.host);
      await run.store.markChannel(true);
    },

    async stop(run) {
      await daemonCall(run, 'stop');
      await run.store.markChannel(false);
    },

    async status(run): Promise<StackStatus> {
      const state = run.store.require();
      const ctx = context(run);
      const resources = await Promise.all(
        nodes.filter((n) => state.resources[n.id]).map(async (n) => {
          const rec = state.resources[n.id]!;
          const seen = await n.read(ctx, rec);
          return { id: n.id, kind: n.kind, name: rec.name, physicalId: rec.physicalId, ...seen };
        }),
      );
      let channel: StackStatus['channel'] = state.runtime.tornDown
        ? { state: 'DELETED', detail: 'torn down; its logs are kept ("livestream down --delete-logs" removes them)' }
        : { state: 'MISSING', detail: 'no stack process' };
      let live: Record<string, unknown> | undefined;
      if (state.resources.daemon) {
        try {
          const answer = (await daemonCall(run, 'status')) as { live: Record<string, unknown> & { channel: string } };
          live = answer.live;
          const s = answer.live.channel as ChannelState;
          channel = { state: CHANNEL_STATES.includes(s) ? s : 'UNKNOWN' };
        } catch (err) {
          channel = { state: 'UNKNOWN', detail: `${(err as Error).message} ${(err as LivestreamError).hint ?? ''}`.trim() };
        }
      }
      return { stack: state.stack, target: 'local', channel, resources, outputs: outputsOf(run), ...(live ? { live, summary: summarize(live as unknown as LiveStatus) } : {}) };
    },

    async down(run, opts): Promise<DownReport> {
      const state = run.store.require();
      const layout = stackLayout(run.store.stackDir);
      if (state.resources.daemon && isAlive(Number(state.resources.daemon.physicalId))) {
        await daemonCall(run, 'stop').catch(() => undefined);
      }
      await run.store.markChannel(false);
      const keep = (rec: { id: string }) => rec.id === 'logs' && !opts.deleteLogs;
      const result = await applyDown(nodes, context(run), run.store, run.host, { keep });
      const keptNames = result.kept.includes('logs') ? [layout.logs] : [];
      // The state goes to history/ even while the logs folder stays: the README's promise, and
      // `status --all` then lists running stacks, not torn-down ones. `down --delete-logs` brings
      // it back from there to remove the logs.
      const archivedState = await run.store.settleAfterDown(keep, { archiveKept: true });
      // The stack's own folder goes too once nothing is left in it (rmdir refuses a non-empty one).
      if (archivedState) await rmdir(layout.root).catch(() => undefined);
      return { ...result, keptNames, ...(archivedState ? { archivedState } : {}) };
    },
  };
  return driver;
}
