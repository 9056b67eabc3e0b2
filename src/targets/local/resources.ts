/**
 * The local stack as resource nodes, so the same engine creates, resumes and tears it down:
 * the ingest credential, the SRT passphrase (SRT inputs), the origin's store, the logs folder,
 * a scratch folder, the recordings folder, and the daemon.
 */
import { randomBytes } from 'node:crypto';
import { access, chmod, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { LivestreamError } from '../../core/errors.js';
import type { ResourceNode } from '../../core/graph.js';
import type { TargetRun } from '../../core/lifecycle.js';
import { srtPassphraseFrom, type LocalStackSpec } from '../../core/spec.js';
import { isAlive, type ResourceRecord } from '../../core/state.js';
import { sendControl } from './daemon/control-socket.js';
import type { StackLayout } from './daemon/stack-folder.js';
import { spawnDaemon } from './daemon/spawn.js';
import { stopProcess, waitForExit } from './plumbing/stop-process.js';
import type { DaemonInfo } from './daemon/live-status.js';

export interface LocalContext {
  run: TargetRun<'local'>;
  layout: StackLayout;
  /** Foreground mode starts the stack in this process instead of a daemon. */
  startInProcess?: () => Promise<DaemonInfo>;
}

const exists = async (p: string) => access(p).then(() => true, () => false);

function folderNode(id: string, kind: string, describe: string, pathOf: (l: StackLayout) => string): ResourceNode<LocalContext> {
  return {
    id, kind, describe, dependsOn: [], name: id,
    async create(ctx) {
      const dir = pathOf(ctx.layout);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      return { name: dir, physicalId: dir };
    },
    async read(_ctx, rec) {
      return { exists: await exists(rec.physicalId) };
    },
    async delete(_ctx, rec) {
      await rm(rec.physicalId, { recursive: true, force: true });
    },
  };
}

const credentialNode: ResourceNode<LocalContext> = {
  id: 'credential', kind: 'credential', describe: 'Ingest credential (owner-only file)', dependsOn: [], name: 'credential',
  async create(ctx) {
    const file = ctx.layout.credential;
    await mkdir(ctx.layout.root, { recursive: true, mode: 0o700 });
    // Keep a credential that survived an interrupted run: the encoder may still hold it.
    if (!(await exists(file))) await writeFile(file, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
    return { name: file, physicalId: file };
  },
  async read(_ctx, rec) {
    return { exists: await exists(rec.physicalId) };
  },
  async delete(_ctx, rec) {
    await rm(rec.physicalId, { force: true });
  },
};

/**
 * The SRT passphrase, in an owner-only file of the stack folder: the daemon reads it there (so a
 * daemon started again has it) and hands it to ffmpeg in another owner-only file, never on a command
 * line. Made here unless given on stdin; a resume without it keeps the file.
 */
const srtPassphraseNode: ResourceNode<LocalContext> = {
  id: 'srt-passphrase', kind: 'srt-passphrase', describe: 'SRT passphrase (owner-only file)', dependsOn: [], name: 'srt-passphrase',
  async create(ctx) {
    const file = ctx.layout.srtPassphrase;
    await mkdir(ctx.layout.root, { recursive: true, mode: 0o700 });
    const given = ctx.run.secrets.srtPassphrase;
    if (given) {
      await writeFile(file, given + '\n', { mode: 0o600 });
      await chmod(file, 0o600);
    } else if (!(await exists(file))) {
      if (ctx.run.spec.srt?.passphrase === 'given') {
        throw new LivestreamError('SPEC_INVALID', 'This stack\'s SRT passphrase was given on stdin, and it is not kept anywhere now.', {
          hint: `Pipe it again: printf %s "$PASSPHRASE" | livestream up --stack ${ctx.run.spec.stack} --srt-passphrase-stdin`,
        });
      }
      await writeFile(file, srtPassphraseFrom(randomBytes(32)) + '\n', { mode: 0o600, flag: 'wx' });
    }
    return { name: file, physicalId: file };
  },
  async read(_ctx, rec) {
    return { exists: await exists(rec.physicalId) };
  },
  async delete(_ctx, rec) {
    await rm(rec.physicalId, { force: true });
  },
};

/**
 * `up` again with a passphrase on stdin: the stack's own must be the same. The running decoder holds
 * the one it was started with, so another would not take effect; a new passphrase is a new stack.
 */
export async function refuseChangedSrtPassphrase(ctx: LocalContext): Promise<void> {
  const given = ctx.run.secrets.srtPassphrase;
  if (!given) return;
  const kept = await readFile(ctx.layout.srtPassphrase, 'utf8').then((t) => t.trim(), () => undefined);
  if (kept === undefined || kept === given) return;
  throw new LivestreamError('STACK_SPEC_CHANGED', `Stack "${ctx.run.spec.stack}" already has another SRT passphrase; it was not changed.`, {
    hint: `To use this one, run "livestream down --stack ${ctx.run.spec.stack}" and then up again with it; or leave out --srt-passphrase-stdin to keep the stack's.`,
  });
}

/** Stop the daemon: ask it over the control socket, then SIGTERM, then SIGKILL. */
async function stopDaemon(pid: number, socket: string): Promise<void> {
  if (!isAlive(pid)) return;
  await sendControl(socket, 'shutdown', 5_000).catch(() => undefined);
  if (await waitForExit(pid, 15_000)) return;
  if (!(await stopProcess(pid, { graceMs: 10_000, killWaitMs: 5_000 }))) throw new Error(`process ${pid} did not exit`);
}

/**
 * The daemon leads its own process group (it is spawned detached), and its ffmpeg children stay in
 * it. A daemon killed with SIGKILL leaves them orphaned, still running: end whatever is left of the
 * group. Only processes whose group id is the daemon's pid are touched (Linux: read from /proc).
 */
async function killProcessGroup(pgid: number): Promise<void> {
  const members = await processGroupMembers(pgid);
  for (const pid of members) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

export async function processGroupMembers(pgid: number): Promise<number[]> {
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return [];
  }
  const members: number[] = [];
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // /proc/<pid>/stat: "pid (comm) state ppid pgrp ..."; comm may hold spaces, so split after the last ')'.
      const stat = await readFile(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // Zombies (state Z) are already dead, merely not reaped by their new parent.
      if (Number(fields[2]) === pgid && fields[0] !== 'Z' && Number(name) !== process.pid) members.push(Number(name));
    } catch {
      // exited while we looked
    }
  }
  return members;
}

const daemonNode: ResourceNode<LocalContext> = {
  id: 'daemon', kind: 'daemon', describe: 'Stack process: origin, edge, ingest, encoder', dependsOn: ['credential', 'store', 'logs', 'work'], name: 'daemon',
  async create(ctx) {
    // A new stack process: whatever ran before died with the old one, so a run still open in the
    // state ended by now (when exactly is not known). Left open, the next start would count its
    // end (--stop-after) from that old start and be stopped at once.
    if (ctx.run.store.get()?.channelRuns.some((r) => !r.end)) await ctx.run.store.markChannel(false);
    const info = ctx.startInProcess
      ? await ctx.startInProcess()
      : await spawnDaemon({ stateDir: ctx.run.store.stateDir, stack: ctx.run.spec.stack, secrets: ctx.run.secrets, layout: ctx.layout });
    const { pid, ...rest } = info;
    return { name: `pid ${pid}`, physicalId: String(pid), attrs: { ...rest } as Record<string, string | number> };
  },
  async read(ctx, rec) {
    const pid = Number(rec.physicalId);
    if (!isAlive(pid)) return { exists: false, status: 'DEAD', detail: `process ${pid} is not running` };
    try {
      const { live } = await sendControl(ctx.layout.socket, 'status', 5_000);
      return { exists: true, status: live.channel };
    } catch (err) {
      return { exists: true, status: 'UNRESPONSIVE', detail: (err as Error).message };
    }
  },
  async delete(ctx, rec: ResourceRecord) {
    const pid = Number(rec.physicalId);
    // In foreground mode the "daemon" is this very process: its stack was closed by the caller.
    if (pid === process.pid) return;
    await stopDaemon(pid, ctx.layout.socket);
    await killProcessGroup(pid);
    await rm(ctx.layout.socket, { force: true });
  },
};

/** The stack's nodes; an SRT input with a passphrase adds its file, which the daemon needs first. */
export function localNodes(spec: LocalStackSpec): ResourceNode<LocalContext>[] {
  const srt = spec.srt !== undefined && spec.srt.passphrase !== 'none';
  return [
    credentialNode,
    ...(srt ? [srtPassphraseNode] : []),
    folderNode('store', 'origin-store', 'Origin store (HLS objects)', (l) => l.store),
    folderNode('logs', 'logs-folder', 'Logs folder (access logs; kept by down)', (l) => l.logs),
    folderNode('work', 'work-folder', 'Scratch folder (demo source)', (l) => l.work),
    folderNode('recordings', 'recordings-folder', 'Recordings folder (one MP4 per run; kept by down)', (l) => l.recordings),
    srt ? { ...daemonNode, dependsOn: [...daemonNode.dependsOn, srtPassphraseNode.id] } : daemonNode,
  ];
}

