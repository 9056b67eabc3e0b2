/**
 * The state file: `<stateDir>/<stack>.json`, what a stack has created, so `up` can resume and
 * `down` is idempotent. Written atomically after every change, versioned, never holding a secret,
 * and locked while a command changes it.
 */
import { chmod, mkdir, open, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LivestreamError, formatProblems, type Problem } from './errors.js';
import type { Ladder } from './ladder.js';
import { TARGETS, type StackSpec, type TargetName } from './spec.js';

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
  /**
   * The start was not recorded (a `livestream` killed right after StartChannel, or a start from
   * the console): `start` is when livestream first saw the channel running, so the channel ran
   * at least since then.
   */
  startObserved?: boolean;
}

/** `S`: the spec as a target's own steps see it, narrowed to that target (core/lifecycle.ts). */
export interface StackState<S extends StackSpec = StackSpec> {
  version: typeof STATE_VERSION;
  stack: string;
  target: TargetName;
  spec: S;
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

  /**
   * Record the channel starting or stopping, for time running and cost so far. `observed`: the
   * channel was found running without a recorded start, so the run counts from now, "at least".
   */
  async markChannel(running: boolean, opts: { observed?: boolean } = {}): Promise<void> {
    const t = this.now().toISOString();
    await this.update((s) => markChannelRun(s, running, t, opts.observed));
  }

  /**
   * For a command that does not hold the lock (status): apply a change only if no other command
   * is changing the stack, on the file as it is now. False when busy or gone.
   */
  async updateIfFree(command: string, change: (s: StackState) => void): Promise<boolean> {
    if (this.lockHandle) {
      await this.update(change);
      return true;
    }
    try {
      await this.lock(command);
    } catch (err) {
      if ((err as LivestreamError).code === 'STATE_LOCKED') return false;
      throw err;
    }
    try {
      if (!(await this.load())) return false;
      await this.update(change);
      return true;
    } finally {
      await this.unlock();
    }
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
    // Owner-only like the rest; chmod too, as mkdir's mode does not apply to a folder that exists.
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
    const stamp = this.now().toISOString().replace(/[:.]/g, '-');
    const dest = path.join(dir, `${this.stack}-${stamp}.json`);
    await this.writing;
    await rename(this.file, dest);
    this.current = undefined;
    return dest;
  }

  /** This stack's archived states in history/, newest first (for "already torn down"). */
  async archivedStates(): Promise<string[]> {
    const dir = path.join(this.stateDir, 'history');
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
      throw err;
    }
    // "<stack>-<ISO stamp>.json": the stamp keeps "demo" from matching "demo-2"'s archives.
    const mine = new RegExp(`^${this.stack.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-\\d{4}-\\d{2}-\\d{2}T[\\d-]+Z\\.json$`);
    return names.filter((n) => mine.test(n)).sort().reverse().map((n) => path.join(dir, n));
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
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'EISDIR') {
      throw new LivestreamError('STATE_CORRUPT', `The state file ${file} is a folder, not a file.`, {
        hint: `Move the folder aside (mv "${file}" "${file}.folder"); livestream keeps each stack's state in a file of that name.`,
      });
    }
    throw new LivestreamError('STATE_CORRUPT', `The state file ${file} cannot be read: ${(err as Error).message}`, {
      hint: 'Check the permissions of the file and its folder (they should belong to you).',
      cause: err,
    });
  }
  await assertPrivate(file);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new LivestreamError('STATE_CORRUPT', `The state file ${file} is not valid JSON.`, {
      hint: 'Restore it from a backup, or inspect it by hand; livestream does not overwrite a state file it cannot read.',
    });
  }
  const version = (json as { version?: unknown } | null)?.version;
  if (typeof version === 'number' && version !== STATE_VERSION) {
    throw new LivestreamError('STATE_VERSION', `The state file ${file} has version ${version}; this livestream reads version ${STATE_VERSION}.`, {
      hint: 'Use the livestream version that wrote it.',
    });
  }
  const problems = validateState(json);
  if (problems.length > 0) {
    throw new LivestreamError('STATE_CORRUPT', `The state file ${file} is damaged; livestream cannot tell what the stack has created:\n${formatProblems(problems)}`, {
      hint: `Fix those fields by hand or restore the file from a backup (${path.join(path.dirname(file), 'history')} holds earlier stacks); livestream does not overwrite a state file it cannot read, and nothing in the cloud or on this machine was touched.`,
      details: { file, problems },
    });
  }
  return json as StackState;
}

const RECORD_STATUSES = ['creating', 'ready'];

/**
 * Pure: every problem with a state file's contents, each with a dot path. Checks the shape the
 * commands rely on (so a damaged file gives these words instead of a TypeError halfway through a
 * teardown), not the spec's values, which were validated when the stack was created.
 */
export function validateState(json: unknown): Problem[] {
  const problems: Problem[] = [];
  const add = (p: string, message: string, fix?: string) => problems.push({ path: p, message, ...(fix ? { fix } : {}) });
  if (!isObject(json)) {
    add('(file)', `expected a JSON object, found ${describe(json)}`);
    return problems;
  }
  if (json.version !== STATE_VERSION) {
    const found = typeof json.version === 'string' ? `the string ${JSON.stringify(json.version)}` : describe(json.version);
    add('version', `expected the number ${STATE_VERSION}, found ${found}`, `"version": ${STATE_VERSION}`);
  }
  if (typeof json.stack !== 'string' || !json.stack) add('stack', `expected the stack name, found ${describe(json.stack)}`);
  if (!TARGETS.includes(json.target as TargetName)) {
    add('target', `expected one of ${TARGETS.map((t) => `"${t}"`).join(', ')}, found ${describe(json.target)}`);
  }
  if (!isObject(json.spec)) add('spec', `expected an object, found ${describe(json.spec)}`);
  else {
    if (json.spec.target !== undefined && json.spec.target !== json.target) add('spec.target', `is ${describe(json.spec.target)} but target is ${describe(json.target)}`);
    if (json.target === 'aws') {
      const aws = json.spec.aws;
      if (!isObject(aws)) add('spec.aws', `expected an object with the region, found ${describe(aws)}`);
      else if (typeof aws.region !== 'string' || !aws.region) add('spec.aws.region', `expected a region name, found ${describe(aws.region)}`);
    }
  }
  if (!isObject(json.ladder)) add('ladder', `expected an object, found ${describe(json.ladder)}`);
  else if (!Array.isArray(json.ladder.renditions)) add('ladder.renditions', `expected a list, found ${describe(json.ladder.renditions)}`);
  if (!isObject(json.resources)) {
    add('resources', `expected an object of records by id, found ${describe(json.resources)}`, Array.isArray(json.resources) && json.resources.length === 0 ? '"resources": {} if the stack really has nothing left' : undefined);
  } else {
    for (const [id, rec] of Object.entries(json.resources)) {
      const at = `resources.${id}`;
      if (!isObject(rec)) {
        add(at, `expected a record, found ${describe(rec)}`);
        continue;
      }
      if (rec.id !== id) add(`${at}.id`, `expected "${id}", found ${describe(rec.id)}`);
      for (const key of ['kind', 'name', 'physicalId'] as const) {
        if (typeof rec[key] !== 'string') add(`${at}.${key}`, `expected a string, found ${describe(rec[key])}`);
      }
      if (!RECORD_STATUSES.includes(rec.status as string)) add(`${at}.status`, `expected "creating" or "ready", found ${describe(rec.status)}`);
      if (!isObject(rec.attrs)) add(`${at}.attrs`, `expected an object, found ${describe(rec.attrs)}`);
    }
  }
  if (!Array.isArray(json.channelRuns)) add('channelRuns', `expected a list, found ${describe(json.channelRuns)}`);
  else {
    json.channelRuns.forEach((r, i) => {
      if (!isObject(r) || !isTimestamp(r.start)) add(`channelRuns[${i}].start`, `expected a timestamp, found ${describe(isObject(r) ? r.start : r)}`);
      else if (r.end !== undefined && !isTimestamp(r.end)) add(`channelRuns[${i}].end`, `expected a timestamp, found ${describe(r.end)}`);
    });
  }
  for (const key of ['outputs', 'runtime'] as const) {
    if (!isObject(json[key])) add(key, `expected an object, found ${describe(json[key])}`);
  }
  return problems;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isTimestamp(v: unknown): boolean {
  return typeof v === 'string' && !Number.isNaN(Date.parse(v));
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return v.length === 0 ? 'an empty list' : 'a list';
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  return typeof v === 'object' ? 'an object' : String(v);
}

/**
 * A state file decides what `down` deletes, so one that others could have written is refused:
 * it must be the user's own and writable by no one else, in a folder no one else can write to
 * (a shared folder with the sticky bit, like /tmp, only lets each user replace their own files).
 */
async function assertPrivate(file: string): Promise<void> {
  if (process.platform === 'win32' || typeof process.getuid !== 'function') return;
  const dir = path.dirname(file);
  const [f, d] = await Promise.all([stat(file), stat(dir)]);
  const problems: string[] = [];
  if (f.uid !== process.getuid()) problems.push(`${file} belongs to user ${f.uid}, not to you`);
  if (f.mode & 0o022) problems.push(`${file} is writable by ${others(f.mode)} (mode ${octal(f.mode)})`);
  if (d.mode & 0o022 && !(d.mode & 0o1000)) problems.push(`its folder ${dir} is writable by ${others(d.mode)} (mode ${octal(d.mode)})`);
  if (problems.length === 0) return;
  throw new LivestreamError('STATE_UNSAFE', `Refusing the state file: ${problems.join('; ')}. Anyone who can write it can make "livestream down" delete what is not the stack's.`, {
    hint: `Check its contents, then: chmod 600 ${file}; chmod 700 ${dir}`,
  });
}

function others(mode: number): string {
  return [mode & 0o020 ? 'its group' : '', mode & 0o002 ? 'everyone' : ''].filter(Boolean).join(' and ');
}

function octal(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

/**
 * Every stack in a state folder, for `status --all`. A file that cannot be read is passed to
 * `onDamaged` rather than dropped in silence: it may name a channel that is still running.
 */
export async function listStates(stateDir: string, onDamaged: (file: string, err: unknown) => void = () => {}): Promise<StackState[]> {
  let names: string[];
  try {
    names = await readdir(stateDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const states = await Promise.all(
    names.filter((n) => n.endsWith('.json')).map((n) => {
      const file = path.join(stateDir, n);
      return readStateFile(file).catch((err) => void onDamaged(file, err));
    }),
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

/** Open a run when the channel starts (unless one is open), close the open one when it stops. */
export function markChannelRun(s: StackState, running: boolean, at: string, observed = false): void {
  const open = s.channelRuns.find((r) => !r.end);
  if (running && !open) s.channelRuns.push({ start: at, ...(observed ? { startObserved: true } : {}) });
  if (!running && open) open.end = at;
}

/** Seconds the channel has run in total, counting an open run up to now. */
export function channelSeconds(runs: readonly ChannelRun[], now: Date): number {
  return runs.reduce((sum, r) => {
    const end = r.end ? Date.parse(r.end) : now.getTime();
    return sum + Math.max(0, (end - Date.parse(r.start)) / 1000);
  }, 0);
}
