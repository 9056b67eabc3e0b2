/**
 * The state file: `<stateDir>/<stack>.json`, what a stack has created, so `up` can resume and
 * `down` is idempotent. Written atomically after every change, versioned, never holding a secret,
 * and locked while a command changes it.
 */
import { mkdir, open, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LivestreamError } from './errors.js';
import type { Ladder } from './ladder.js';
import type { StackSpec, TargetName } from './spec.js';

export const STATE_VERSION = 1;

export type AttrValue = string | number | boolean | string[];

export interface ResourceRecord {
  /** The graph node id: 'role', 'input', 'channel', ... */
  id: string;
  kind: string;
  /** Deterministic name derived from the stack. */
  name: string;
  /** What the provider calls it: an ARN, an id, a path, a pid. */
  physicalId: string;
  /** 'creating' while a multi-step create is under way; resumed by the next `up`. */
  status: 'creating' | 'ready';
  attrs: Record<string, AttrValue>;
  createdAt: string;
}

/** One interval of the channel running, for time running and cost so far. */
export interface ChannelRun {
  start: string;
  end?: string;
}

export interface StackState {
  version: typeof STATE_VERSION;
  stack: string;
  target: TargetName;
  spec: StackSpec;
  /** The ladder as loaded at `up`, so later commands do not depend on the file still being there. */
  ladder: Ladder;
  createdAt: string;
  updatedAt: string;
  resources: Record<string, ResourceRecord>;
  channelRuns: ChannelRun[];
  outputs: Record<string, string>;
  /** Target-specific facts that are not resources (local: daemon pid, ports, credential path). */
  runtime: Record<string, AttrValue>;
}

/** The time stamp archive() adds to a file name: an ISO time with ':' and '.' as '-'. */
const ARCHIVE_STAMP = /^\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z\.json$/;

export function stateFile(stateDir: string, stack: string): string {
  return path.join(stateDir, `${stack}.json`);
}

/** Every change to one stack's state goes through here. */
export class StateStore {
  private current: StackState | undefined;
  private lockHandle: string | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    readonly stateDir: string,
    readonly stack: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  get file(): string {
    return stateFile(this.stateDir, this.stack);
  }

  get lockFile(): string {
    return path.join(this.stateDir, `${this.stack}.lock`);
  }

  /** A folder for this stack's own files (local target: store, logs, credential). */
  get stackDir(): string {
    return path.join(this.stateDir, this.stack);
  }

  async load(): Promise<StackState | undefined> {
    this.current = await readStateFile(this.file);
    return this.current;
  }

  get(): StackState | undefined {
    return this.current;
  }

  require(): StackState {
    if (!this.current) {
      throw new LivestreamError('STACK_NOT_FOUND', `Stack "${this.stack}" has no state in ${this.stateDir}.`, {
        hint: 'Run "livestream up" to create it, or "livestream status --all" to see the stacks you have.',
      });
    }
    return this.current;
  }

  async create(init: { target: TargetName; spec: StackSpec; ladder: Ladder }): Promise<StackState> {
    const t = this.now().toISOString();
    this.current = {
      version: STATE_VERSION,
      stack: this.stack,
      target: init.target,
      spec: init.spec,
      ladder: init.ladder,
      createdAt: t,
      updatedAt: t,
      resources: {},
      channelRuns: [],
      outputs: {},
      runtime: {},
    };
    await this.flush();
    return this.current;
  }

  /** Apply a change and write the file atomically before returning. */
  async update(change: (s: StackState) => void): Promise<StackState> {
    const s = this.require();
    change(s);
    s.updatedAt = this.now().toISOString();
    await this.flush();
    return s;
  }

  async putResource(rec: Omit<ResourceRecord, 'createdAt'> & { createdAt?: string }): Promise<void> {
    await this.update((s) => {
      const prev = s.resources[rec.id];
      s.resources[rec.id] = { ...rec, createdAt: rec.createdAt ?? prev?.createdAt ?? this.now().toISOString() };
    });
  }

  async removeResource(id: string): Promise<void> {
    await this.update((s) => {
      delete s.resources[id];
    });
  }

  /** Record the channel starting or stopping, for time running and cost so far. */
  async markChannel(running: boolean): Promise<void> {
    const t = this.now().toISOString();
    await this.update((s) => {
      const open = s.channelRuns.find((r) => !r.end);
      if (running && !open) s.channelRuns.push({ start: t });
      if (!running && open) open.end = t;
    });
  }

  /**
   * After `down`: a stack with nothing left is archived. One that only keeps what the user asked
   * to keep (its logs) is marked torn down, and then either archived too (`archiveKept`: the local
   * target, whose logs folder needs no state to be found; `down --delete-logs` restores the state
   * from history/ with restoreArchived) or left in place, so `down --delete-logs` can still find
   * them (the AWS logs bucket) and the next `up` may build a different stack around them.
   */
  async settleAfterDown(isKept: (rec: ResourceRecord) => boolean, opts: { archiveKept?: boolean } = {}): Promise<string | undefined> {
    const remaining = Object.values(this.require().resources);
    if (remaining.length === 0) return this.archive();
    if (remaining.every(isKept)) {
      await this.update((s) => {
        s.outputs = {};
        s.runtime.tornDown = true;
      });
      if (opts.archiveKept) return this.archive();
    }
    return undefined;
  }

  /**
   * Bring back the newest archived state of this stack that still names something kept (its logs),
   * so `down --delete-logs` can remove them after a `down` archived it. Undefined when there is none
   * (or when the stack has a current state: that one wins).
   */
  async restoreArchived(): Promise<StackState | undefined> {
    if (this.current) return this.current;
    const dir = path.join(this.stateDir, 'history');
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    // `<stack>-<ISO time>.json`: the time sorts as text; "demo" must not pick up "demo-2"'s files.
    const mine = names.filter((n) => n.startsWith(`${this.stack}-`) && ARCHIVE_STAMP.test(n.slice(this.stack.length + 1))).sort().reverse();
    for (const name of mine) {
      const file = path.join(dir, name);
      const archived = await readStateFile(file).catch(() => undefined);
      if (!archived || archived.stack !== this.stack || !archived.runtime.tornDown || Object.keys(archived.resources).length === 0) continue;
      await rename(file, this.file);
      return this.load();
    }
    return undefined;
  }

  /**
   * The stack is gone: move its state into history/ rather than deleting it, so nothing the
   * user owns disappears (it still names a kept logs bucket or logs folder).
   */
  async archive(): Promise<string | undefined> {
    if (!this.current) return undefined;
    const dir = path.join(this.stateDir, 'history');
    await mkdir(dir, { recursive: true });
    const stamp = this.now().toISOString().replace(/[:.]/g, '-');
    const dest = path.join(dir, `${this.stack}-${stamp}.json`);
    await this.writing;
    await rename(this.file, dest);
    this.current = undefined;
    return dest;
  }

  /**
   * Take the stack's lock, or refuse with a clear message if another live process holds it.
   * A lock left by a process that no longer exists is taken over.
   */
  async lock(command: string): Promise<void> {
    await mkdir(this.stateDir, { recursive: true, mode: 0o700 });
    const body = JSON.stringify({ pid: process.pid, command, since: this.now().toISOString() });
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fh = await open(this.lockFile, 'wx', 0o600);
        await fh.writeFile(body);
        await fh.close();
        this.lockHandle = this.lockFile;
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const holder = await readLock(this.lockFile);
        if (holder && holder.pid !== process.pid && isAlive(holder.pid)) {
          throw new LivestreamError(
            'STATE_LOCKED',
            `Stack "${this.stack}" is busy: "livestream ${holder.command}" (pid ${holder.pid}) has been changing it since ${holder.since}.`,
            { hint: `Wait for it to finish. If that process is gone for good, remove ${this.lockFile}.` },
          );
        }
        await rm(this.lockFile, { force: true });
      }
    }
    throw new LivestreamError('STATE_LOCKED', `Could not take the lock ${this.lockFile}.`, { hint: 'Try again.' });
  }

  async unlock(): Promise<void> {
    if (!this.lockHandle) return;
    await this.writing;
    await rm(this.lockHandle, { force: true });
    this.lockHandle = undefined;
  }

  private async flush(): Promise<void> {
    const snapshot = JSON.stringify(this.current, null, 2) + '\n';
    // Serialise writes so a slow earlier write never lands after a later one.
    this.writing = this.writing.then(() => writeAtomically(this.file, snapshot));
    await this.writing;
  }
}

async function writeAtomically(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(tmp, text, { mode: 0o600 });
  await rename(tmp, file);
}

export async function readStateFile(file: string): Promise<StackState | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let json: StackState;
  try {
    json = JSON.parse(text) as StackState;
  } catch {
    throw new LivestreamError('STATE_CORRUPT', `The state file ${file} is not valid JSON.`, {
      hint: 'Restore it from a backup, or inspect it by hand; livestream does not overwrite a state file it cannot read.',
    });
  }
  if (json.version !== STATE_VERSION) {
    throw new LivestreamError('STATE_VERSION', `The state file ${file} has version ${json.version}; this livestream reads version ${STATE_VERSION}.`, {
      hint: 'Use the livestream version that wrote it.',
    });
  }
  return json;
}

/** Every stack in a state folder, for `status --all`. */
export async function listStates(stateDir: string): Promise<StackState[]> {
  let names: string[];
  try {
    names = await readdir(stateDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const states = await Promise.all(
    names.filter((n) => n.endsWith('.json')).map((n) => readStateFile(path.join(stateDir, n)).catch(() => undefined)),
  );
  return states.filter((s): s is StackState => s !== undefined).sort((a, b) => a.stack.localeCompare(b.stack));
}

async function readLock(file: string): Promise<{ pid: number; command: string; since: string } | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A zombie still answers signals until its parent reaps it, and a detached daemon's new parent
  // (often a container's PID 1) may never do so: on Linux, read its state.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

/** Seconds the channel has run in total, counting an open run up to now. */
export function channelSeconds(runs: readonly ChannelRun[], now: Date): number {
  return runs.reduce((sum, r) => {
    const end = r.end ? Date.parse(r.end) : now.getTime();
    return sum + Math.max(0, (end - Date.parse(r.start)) / 1000);
  }, 0);
}
