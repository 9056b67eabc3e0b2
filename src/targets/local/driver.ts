/**
 * The local target, as a description the core lifecycle runs (core/lifecycle.ts): the same
 * pipeline as AWS on one machine, no account, nothing to pay. Its own steps: waiting until the
 * stream plays, the channel and live figures read from the stack process, teardown that keeps the
 * logs folder.
 */
import { rmdir } from 'node:fs/promises';
import { LivestreamError } from '../../core/errors.js';
import { defineTarget, type TargetRun, type TargetState } from '../../core/lifecycle.js';
import { isAlive, type StackState } from '../../core/state.js';
import type { ChannelState, StackOutputs, StackStatus, TargetDriver } from '../../core/target.js';
import { sendControl, type ArgsOf, type ControlCommand, type ControlReplies } from './daemon/control-socket.js';
import { summarizeLive, type DaemonInfo, type LiveStatus } from './daemon/live-status.js';
import { stackLayout, type StackLayout } from './daemon/stack-folder.js';
import { waitForPlayback } from './daemon/wait-playback.js';
import { localNodes, refuseChangedSrtPassphrase, type LocalContext } from './resources.js';
import { findFfmpeg } from './encoder/find-ffmpeg.js';
import { downloadLocalRecordings, listLocalRecordings, type LocalRecordingsOptions } from './recording/local-recordings.js';

const CHANNEL_STATES: ChannelState[] = ['IDLE', 'STARTING', 'RUNNING', 'STOPPING', 'RECOVERING'];

type LocalRun = TargetRun<'local'>;

export interface LocalDriverOptions {
  /** `up --foreground`: the stack runs in this process instead of a daemon (foreground.ts). */
  startInProcess?: (run: LocalRun, layout: StackLayout) => Promise<DaemonInfo>;
}

function outputsOf(state: StackState): StackOutputs {
  const a = state.resources.daemon?.attrs ?? {};
  const pick = (k: string) => (typeof a[k] === 'string' ? (a[k] as string) : undefined);
  return {
    playerUrl: pick('playerUrl'),
    playbackUrl: pick('playbackUrl'),
    dashboardUrl: pick('dashboardUrl'),
    pushEndpoint: pick('pushEndpoint'),
    metricsUrl: pick('metricsUrl'),
    // Where the SRT passphrase sits (the path, never the value).
    srtPassphraseFile: state.resources['srt-passphrase']?.physicalId || undefined,
  };
}

/** The loopback URL of the edge, whatever address it shows people. */
function loopbackPlayback(run: LocalRun): string {
  const port = run.store.require().resources.daemon!.attrs.edgePort;
  return `http://127.0.0.1:${port}/stream/index.m3u8`;
}

async function daemonCall<C extends Exclude<ControlCommand, 'shutdown'>>(run: LocalRun, command: C, args?: ArgsOf<C>): Promise<ControlReplies[C]> {
  const rec = run.store.require().resources.daemon;
  if (!rec || !isAlive(Number(rec.physicalId))) {
    throw new LivestreamError('DAEMON_NOT_RUNNING', `The local stack "${run.spec.stack}" is not running${rec ? ` (process ${rec.physicalId} has exited)` : ''}.`, {
      hint: `Run "livestream up --stack ${run.spec.stack}" to start it again, or "livestream down --stack ${run.spec.stack}" to clean up.`,
    });
  }
  return sendControl(stackLayout(run.store.stackDir).socket, command, 60_000, args);
}

/** The encoder reports RUNNING once its first new segment is out; old segments would fool the playback check. */
async function waitForRunning(run: LocalRun, timeoutMs = 60_000): Promise<void> {
  const progress = run.host.progress('Starting the channel');
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { live } = await daemonCall(run, 'status');
    if (live.channel === 'RUNNING') return progress.succeed('Channel is RUNNING');
    if (Date.now() > until) {
      progress.fail(`Channel is still ${live.channel}`);
      throw new LivestreamError('TIMEOUT', `The channel did not reach RUNNING within ${timeoutMs / 1000} s (it is ${live.channel}).`, {
        hint: 'See ffmpeg.log in the stack\'s logs folder; "livestream status" shows the input and encoder state.',
      });
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The channel and the live figures, from the stack process when there is one. */
async function observeChannel(run: LocalRun, state: TargetState<'local'>): Promise<{ channel: StackStatus['channel']; live?: LiveStatus }> {
  const gone: StackStatus['channel'] = state.runtime.tornDown
    ? { state: 'DELETED', detail: 'torn down; its logs are kept ("livestream down --delete-logs" removes them)' }
    : { state: 'MISSING', detail: 'no stack process' };
  if (!state.resources.daemon) return { channel: gone };
  try {
    const { live } = await daemonCall(run, 'status');
    return { channel: { state: CHANNEL_STATES.includes(live.channel) ? live.channel : 'UNKNOWN' }, live };
  } catch (err) {
    return { channel: { state: 'UNKNOWN', detail: `${(err as Error).message} ${(err as LivestreamError).hint ?? ''}`.trim() } };
  }
}

/** The stack's recordings folder, and the ffmpeg that finalises what a killed stack left. */
function recordingsOf(run: LocalRun, ctx: LocalContext): LocalRecordingsOptions {
  return { root: ctx.layout.recordings, stack: run.spec.stack, ffmpegPath: async () => (await findFfmpeg()).ffmpeg };
}

export function createLocalDriver(opts: LocalDriverOptions = {}): TargetDriver<LiveStatus> {
  const contextOf = (run: LocalRun): LocalContext => {
    const layout = stackLayout(run.store.stackDir);
    const { startInProcess } = opts;
    return { run, layout, ...(startInProcess ? { startInProcess: () => startInProcess(run, layout) } : {}) };
  };

  return defineTarget<'local', LocalContext, LiveStatus>({
    name: 'local',
    planGraph: (spec) => localNodes(spec),
    estimateCost: () => undefined,
    openForUp: async (run) => contextOf(run),
    openRecorded: async (run) => contextOf(run),
    graph: (_ctx, spec) => localNodes(spec),
    beforeUp: (_run, ctx) => refuseChangedSrtPassphrase(ctx),

    async startAfterUp(run) {
      await waitForPlayback(loopbackPlayback(run), run.host);
      await run.store.markChannel(true);
    },
    outputsOf: (_ctx, state) => outputsOf(state),

    async startChannel(run) {
      await daemonCall(run, 'start');
      await waitForRunning(run);
      await waitForPlayback(loopbackPlayback(run), run.host);
      await run.store.markChannel(true);
    },

    async stopChannel(run) {
      await daemonCall(run, 'stop');
      await run.store.markChannel(false);
    },

    // The daemon's timer stops the channel (daemon/stop-timer.ts) and says when it did.
    stopSchedule: {
      async set(run, _ctx, _state, at) {
        await daemonCall(run, 'schedule', at ? { at: at.toISOString() } : {});
      },
      async firedAt(run, _ctx, state) {
        const daemon = state.resources.daemon;
        if (!daemon || !isAlive(Number(daemon.physicalId))) return undefined;
        const { schedule } = await daemonCall(run, 'status').catch(() => ({ schedule: undefined }));
        return schedule?.firedAt ? new Date(schedule.firedAt) : undefined;
      },
    },

    status: {
      order: 'graph',
      async observe(run, _ctx, state) {
        const { channel, live } = await observeChannel(run, state);
        return { channel, outputs: outputsOf(state), ...(live ? { live, summary: summarizeLive(live) } : {}) };
      },
    },

    recordings: {
      list: (run, ctx) => listLocalRecordings(recordingsOf(run, ctx)),
      download: (run, ctx, _state, dir) => downloadLocalRecordings(recordingsOf(run, ctx), dir, run.host),
    },

    down: {
      keeps: ['logs'],
      recordings: ['recordings'],
      // The state goes to history/ even while the logs folder stays: the README's promise, and
      // `status --all` then lists running stacks, not torn-down ones. `down --delete-logs` brings
      // it back from there to remove the logs.
      archiveKept: true,
      async prepare(run, _ctx, state) {
        const daemon = state.resources.daemon;
        if (daemon && isAlive(Number(daemon.physicalId))) await daemonCall(run, 'stop').catch(() => undefined);
        await run.store.markChannel(false);
      },
      // The stack's own folder goes too once nothing is left in it (rmdir refuses a non-empty one).
      afterArchive: (ctx) => rmdir(ctx.layout.root).catch(() => undefined),
    },
  });
}
