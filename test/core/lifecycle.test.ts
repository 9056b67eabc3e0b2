/**
 * The shared up / status / down skeleton (core/lifecycle.ts), run on a tiny in-memory target: no
 * AWS, no ffmpeg. Each hook records that it ran, so the tests say what the skeleton calls, in
 * which order, and what it writes to the state.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { LivestreamError } from '../../src/core/errors.js';
import type { ResourceNode } from '../../src/core/graph.js';
import { RecordingHost } from '../../src/core/host.js';
import type { Ladder } from '../../src/core/ladder.js';
import { defineTarget, type TargetDescription } from '../../src/core/lifecycle.js';
import { loadProfile } from '../../src/core/profiles.js';
import { validateSpec, type RawSpec, type StackSpec } from '../../src/core/spec.js';
import { StateStore } from '../../src/core/state.js';
import type { RunContext } from '../../src/core/target.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

/** The provider: what exists, by id, with a state; reads of the ids in `unreadable` fail. */
class World {
  things = new Map<string, string>();
  log: string[] = [];
  unreadable = new Set<string>();
}

interface Live {
  viewers: number;
}

function node(id: string, dependsOn: string[] = []): ResourceNode<World> {
  return {
    id, kind: `kind-${id}`, dependsOn, describe: `Thing ${id}`, name: `demo-${id}`,
    async create(w) {
      w.log.push(`create ${id}`);
      w.things.set(id, 'READY');
      return { name: `demo-${id}`, physicalId: `phys-${id}`, attrs: { url: `https://example.com/${id}` } };
    },
    async read(w) {
      if (w.unreadable.has(id)) throw new Error(`no permission to read ${id}`);
      const state = w.things.get(id);
      return state ? { exists: true, status: state } : { exists: false };
    },
    async delete(w) {
      w.log.push(`delete ${id}`);
      w.things.delete(id);
    },
  };
}

/** Listed out of dependency order on purpose: the channel needs the bucket. */
const GRAPH = [node('channel', ['bucket']), node('logs'), node('bucket')];

function describeTarget(world: World, over: Partial<TargetDescription<'local', World, Live>> = {}): TargetDescription<'local', World, Live> {
  return {
    name: 'local',
    planGraph: () => GRAPH,
    estimateCost: () => undefined,
    openForUp: async () => (world.log.push('open for up'), world),
    openRecorded: async (_run, _state, command) => (world.log.push(`open ${command}`), world),
    graph: () => GRAPH,
    startAfterUp: async (run) => {
      world.log.push('start after up');
      await run.store.markChannel(true);
    },
    outputsOf: (_ctx, state) => ({ playbackUrl: String(state.resources.bucket?.attrs.url), playerUrl: undefined }),
    startChannel: async (_run, _ctx, state) => void world.log.push(`start channel of ${state.stack}`),
    stopChannel: async (_run, _ctx, state) => void world.log.push(`stop channel of ${state.stack}`),
    status: {
      order: 'graph',
      observe: async (_run, _ctx, _state, rows) => ({
        channel: { state: rows.find((r) => r.id === 'channel')?.exists ? 'RUNNING' : 'MISSING' },
        outputs: { playbackUrl: 'https://example.com/bucket' },
        live: { viewers: 3 },
        summary: [['Viewers', '3 now']],
      }),
    },
    down: { keeps: ['logs'] },
    ...over,
  };
}

let dir: string;
let ladder: Ladder;
let host: RecordingHost;
let store: StateStore;

beforeEach(async () => {
  dir = await makeTmpDir('lifecycle-');
  ladder = await loadProfile('HD-720p');
  host = new RecordingHost();
  store = new StateStore(dir, 'demo');
});

function specOf(raw: RawSpec = {}): StackSpec {
  const { spec, problems } = validateSpec({ stack: 'demo', ...raw });
  if (!spec) throw new Error(JSON.stringify(problems));
  return spec;
}

function runOf(spec: StackSpec = specOf()): RunContext {
  return { spec, ladder, secrets: {}, store, host, now: () => new Date('2026-11-25T04:00:00Z') };
}

async function upStack(world: World, over: Partial<TargetDescription<'local', World, Live>> = {}) {
  const driver = defineTarget(describeTarget(world, over));
  await driver.up(runOf());
  world.log.length = 0;
  return driver;
}

describe('plan', () => {
  it('lists the graph in dependency order, whatever order the target lists it in', () => {
    const plan = defineTarget(describeTarget(new World())).plan(specOf(), ladder);
    expect(plan.map((p) => p.id)).toEqual(['logs', 'bucket', 'channel']);
    expect(plan[2]).toEqual({ id: 'channel', kind: 'kind-channel', name: 'demo-channel', describe: 'Thing channel', dependsOn: ['bucket'] });
  });

  it('runs the target\'s check first', () => {
    const driver = defineTarget(describeTarget(new World(), { check: () => { throw new LivestreamError('SPEC_INVALID', 'name too long'); } }));
    expect(() => driver.plan(specOf(), ladder)).toThrow('name too long');
  });

  it('refuses a spec of another target: the CLI picks the driver by the target, so that is a bug', () => {
    const aws = specOf({ target: 'aws', sourceUrl: 'https://example.com/a.m3u8' });
    expect(() => defineTarget(describeTarget(new World())).plan(aws, ladder)).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
  });
});

describe('up', () => {
  it('opens the context, creates the state, applies the graph, starts the channel and records the links', async () => {
    const world = new World();
    const outputs = await defineTarget(describeTarget(world)).up(runOf());
    expect(world.log).toEqual(['open for up', 'create logs', 'create bucket', 'create channel', 'start after up']);
    expect(outputs).toEqual({ playbackUrl: 'https://example.com/bucket', playerUrl: undefined });
    const state = store.require();
    expect(Object.keys(state.resources).sort()).toEqual(['bucket', 'channel', 'logs']);
    // Only the links that exist are written.
    expect(state.outputs).toEqual({ playbackUrl: 'https://example.com/bucket' });
    expect(state.channelRuns).toHaveLength(1);
    expect(state.target).toBe('local');
  });

  it('leaves the channel alone when the spec says not to start it, and runs beforeUp with the state in place', async () => {
    const world = new World();
    const beforeUp = async (run: RunContext, _ctx: World, nodes: readonly ResourceNode<World>[]) => {
      world.log.push(`before up: state ${run.store.get() ? 'exists' : 'missing'}, ${nodes.length} nodes`);
    };
    await defineTarget(describeTarget(world, { beforeUp })).up(runOf(specOf({ start: false })));
    expect(world.log).toEqual(['open for up', 'before up: state exists, 3 nodes', 'create logs', 'create bucket', 'create channel']);
    expect(store.require().channelRuns).toEqual([]);
  });

  it('resumes a recorded stack: what exists is kept', async () => {
    const world = new World();
    const driver = await upStack(world);
    await driver.up(runOf());
    expect(world.log).toEqual(['open for up', 'start after up']);
    expect(host.codes().filter((c) => c === 'RESOURCE_EXISTS')).toHaveLength(3);
  });
});

describe('status', () => {
  it('reads each record from its node, in the graph\'s order, and adds what the target observes', async () => {
    const world = new World();
    const driver = await upStack(world);
    const status = await driver.status(runOf());
    expect(world.log).toEqual(['open status']);
    expect(status).toEqual({
      stack: 'demo',
      target: 'local',
      channel: { state: 'RUNNING' },
      resources: [
        { id: 'channel', kind: 'kind-channel', name: 'demo-channel', physicalId: 'phys-channel', exists: true, status: 'READY' },
        { id: 'logs', kind: 'kind-logs', name: 'demo-logs', physicalId: 'phys-logs', exists: true, status: 'READY' },
        { id: 'bucket', kind: 'kind-bucket', name: 'demo-bucket', physicalId: 'phys-bucket', exists: true, status: 'READY' },
      ],
      outputs: { playbackUrl: 'https://example.com/bucket' },
      live: { viewers: 3 },
      summary: [['Stops', 'runs until stopped (--stop-after none)'], ['Viewers', '3 now']],
      stop: { rule: { kind: 'none' }, line: 'runs until stopped (--stop-after none)' },
    });
  });

  it('lists the rows as recorded when the target asks, records the graph lacks among them', async () => {
    const world = new World();
    const driver = await upStack(world, { status: { ...describeTarget(world).status, order: 'recorded' } });
    await store.putResource({ id: 'old', kind: 'kind-old', name: 'demo-old', physicalId: 'phys-old', status: 'ready', attrs: {} });
    const status = await driver.status(runOf());
    expect(status.resources.map((r) => r.id)).toEqual([...Object.keys(store.require().resources)]);
    expect(status.resources.at(-1)).toEqual({ id: 'old', kind: 'kind-old', name: 'demo-old', physicalId: 'phys-old', exists: false, status: 'UNKNOWN', detail: 'not part of this livestream version' });
  });

  it('says what it could not read, and why, never that it is gone', async () => {
    const world = new World();
    const driver = await upStack(world);
    world.unreadable.add('bucket');
    world.things.delete('logs');
    const rows = (await driver.status(runOf())).resources;
    expect(rows.find((r) => r.id === 'bucket')).toMatchObject({ exists: null, status: 'ERROR', detail: 'cannot read: no permission to read bucket' });
    expect(rows.find((r) => r.id === 'logs')).toMatchObject({ exists: false });

    const explained = defineTarget(describeTarget(world, {
      status: { ...describeTarget(world).status, explainReadFailure: () => ({ status: 'ACCESS_DENIED', detail: 'cannot read: access denied' }) },
    }));
    expect((await explained.status(runOf())).resources.find((r) => r.id === 'bucket')).toMatchObject({ exists: null, status: 'ACCESS_DENIED', detail: 'cannot read: access denied' });
  });

  it('shows an interrupted create as such, without reading it', async () => {
    const world = new World();
    const driver = await upStack(world);
    await store.putResource({ id: 'channel', kind: 'kind-channel', name: 'demo-channel', physicalId: '', status: 'creating', attrs: {} });
    expect((await driver.status(runOf())).resources[0]).toEqual({
      id: 'channel', kind: 'kind-channel', name: 'demo-channel', physicalId: '', exists: false, status: 'CREATING', detail: 'creation was interrupted; "livestream up" resumes it',
    });
  });

  it('without a state: the target looks for the stack, or the stack is not found', async () => {
    const world = new World();
    await expect(defineTarget(describeTarget(world)).status(runOf())).rejects.toMatchObject({ code: 'STACK_NOT_FOUND' });
    const found = { stack: 'demo', target: 'local' as const, channel: { state: 'MISSING' as const }, resources: [], outputs: {} };
    const unrecorded = { status: async () => found, recover: async () => undefined };
    expect(await defineTarget(describeTarget(world, { unrecorded })).status(runOf())).toBe(found);
  });
});

describe('start and stop', () => {
  it('open the recorded stack and hand it to the target', async () => {
    const world = new World();
    const driver = await upStack(world);
    await driver.stop(runOf());
    await driver.start(runOf());
    expect(world.log).toEqual(['open stop', 'stop channel of demo', 'open start', 'start channel of demo']);
  });
});

describe('down', () => {
  it('deletes what bills first, keeps the logs, says what still bills, and leaves the state for the kept logs', async () => {
    const world = new World();
    const driver = await upStack(world, {
      down: {
        keeps: ['logs'],
        billsFirst: ['channel'],
        prepare: async () => {
          world.log.push('prepare');
          return { refused: [{ id: 'x', name: 'x', physicalId: 'x', reason: 'not ours' }], afterDeletes: async (result) => void world.log.push(`after deletes: ${result.deleted.join(',')}`) };
        },
        stillBilling: async () => [{ id: 'channel', name: 'demo-channel', physicalId: 'phys-channel', state: 'IDLE', cost: 'idle', message: 'the channel still exists' }],
        noteKept: (_run, _ctx, _state, kept) => void world.log.push(`kept ${kept.map((r) => r.name).join(',')}`),
      },
    });
    const report = await driver.down(runOf(), { deleteLogs: false });
    expect(world.log).toEqual(['open down', 'prepare', 'delete channel', 'delete bucket', 'after deletes: channel,bucket', 'kept demo-logs']);
    expect(report).toEqual({
      stillBilling: [{ id: 'channel', name: 'demo-channel', physicalId: 'phys-channel', state: 'IDLE', cost: 'idle', message: 'the channel still exists' }],
      deleted: ['channel', 'bucket'], kept: ['logs'], failed: [], blocked: [],
      keptNames: ['demo-logs'],
      refused: [{ id: 'x', name: 'x', physicalId: 'x', reason: 'not ours' }],
    });
    expect(host.notices.find((n) => n.code === 'STILL_BILLING')).toMatchObject({ level: 'warn', message: 'the channel still exists', details: { id: 'channel', state: 'IDLE', cost: 'idle' } });
    // Kept logs keep the state (marked torn down) unless the target archives it anyway.
    expect(store.require().runtime.tornDown).toBe(true);
    expect(Object.keys(store.require().resources)).toEqual(['logs']);
  });

  it('archives the state when nothing is left, or when the target archives kept logs too', async () => {
    const world = new World();
    const driver = await upStack(world, { down: { keeps: ['logs'], archiveKept: true, afterArchive: async () => void world.log.push('after archive') } });
    const report = await driver.down(runOf(), { deleteLogs: false });
    expect(report.keptNames).toEqual(['demo-logs']);
    expect(report.archivedState).toMatch(/history\/demo-.*\.json$/);
    expect(world.log.at(-1)).toBe('after archive');
    expect(await readdir(path.join(dir, 'history'))).toHaveLength(1);

    await store.restoreArchived();
    const all = await driver.down(runOf(), { deleteLogs: true });
    expect(all).toMatchObject({ deleted: ['logs'], kept: [], keptNames: [] });
    expect(all.archivedState).toBeDefined();
    expect(world.things.size).toBe(0);
  });

  it('without a state: the target may recover one; nothing found is nothing to delete', async () => {
    const world = new World();
    await expect(defineTarget(describeTarget(world)).down(runOf(), { deleteLogs: false })).rejects.toMatchObject({ code: 'STACK_NOT_FOUND' });
    const unrecorded = { status: async () => { throw new Error('not called'); }, recover: async () => undefined };
    expect(await defineTarget(describeTarget(world, { unrecorded })).down(runOf(), { deleteLogs: false })).toEqual({ deleted: [], kept: [], failed: [], blocked: [], keptNames: [] });
    expect(world.log).toEqual([]);
  });
});

/** The tiny target with a stop schedule: what it was told to do, and a stop it may have done. */
function scheduled(world: World & { stopAt?: Date | undefined; fired?: Date; sets?: Array<string | undefined> }, perHour?: number): Partial<TargetDescription<'local', World, Live>> {
  world.sets = [];
  return {
    ...(perHour ? { estimateCost: () => ({ perHour, currency: 'USD' as const, lines: [], asOf: '2026-11-01', approximate: false, notes: [] }) } : {}),
    stopSchedule: {
      set: async (_run, _ctx, _state, at) => {
        world.stopAt = at;
        world.sets!.push(at?.toISOString());
      },
      firedAt: async () => world.fired,
    },
    startChannel: async (run) => {
      world.log.push('start channel');
      await run.store.markChannel(true);
    },
    stopChannel: async (run) => {
      world.log.push('stop channel');
      await run.store.markChannel(false);
    },
  };
}

describe('the stop schedule', () => {
  const after20m = () => specOf({ stopAfter: '20m' });

  it('hands the target the end of the run after up, and records it', async () => {
    const world = new World() as World & { stopAt?: Date; sets?: Array<string | undefined> };
    const driver = defineTarget(describeTarget(world, scheduled(world)));
    await driver.up(runOf(after20m()));
    const state = store.require();
    const end = new Date(Date.parse(state.channelRuns[0]!.start) + 20 * 60_000).toISOString();
    expect(world.sets).toEqual([end]);
    expect(state.runtime.stopAt).toBe(end);
    expect(state.spec.stop).toEqual({ kind: 'after', seconds: 1200 });
  });

  it('sets no end when the rule is none, and none at all on a target without a schedule', async () => {
    const world = new World() as World & { sets?: Array<string | undefined> };
    await defineTarget(describeTarget(world, scheduled(world))).up(runOf());
    expect(world.sets).toEqual([undefined]);
    expect(store.require().runtime.stopAt).toBeUndefined();
    const plain = new World();
    store = new StateStore(await makeTmpDir('lifecycle-'), 'demo');
    await defineTarget(describeTarget(plain)).up(runOf(after20m()));
    expect(store.require().runtime.stopAt).toBeUndefined();
    expect(store.require().spec.stop).toEqual({ kind: 'after', seconds: 1200 });
  });

  it('status says when it stops, in the summary and as data', async () => {
    const world = new World() as World & { sets?: Array<string | undefined> };
    const driver = defineTarget(describeTarget(world, scheduled(world, 2)));
    await driver.up(runOf(after20m()));
    const status = await driver.status({ ...runOf(), now: () => new Date() });
    expect(status.stop).toMatchObject({ rule: { kind: 'after', seconds: 1200 }, stopAt: store.require().runtime.stopAt });
    expect(status.stop!.line).toMatch(/^stops at \d\d:\d\d \(in (19|20)m\), ≈ \$0\.\d\d by then$/);
    expect(status.summary![0]).toEqual(['Stops', status.stop!.line]);
  });

  it('records a stop the target made (firedAt): the run ends then, status says the schedule stopped it', async () => {
    const world = new World() as World & { fired?: Date; sets?: Array<string | undefined> };
    const driver = defineTarget(describeTarget(world, scheduled(world)));
    await driver.up(runOf(after20m()));
    world.fired = new Date(Date.parse(store.require().channelRuns[0]!.start) + 1_200_000);
    const status = await driver.status({ ...runOf(), now: () => new Date(), timeZone: 'UTC' });
    const hhmm = world.fired.toISOString().slice(11, 16);
    expect(status.stop).toMatchObject({ stoppedBy: 'schedule' });
    expect(status.stop!.line).toBe(`stopped by the schedule at ${hhmm}; "livestream start" runs it again with a new end`);
    const state = await store.load();
    expect(state!.channelRuns[0]!.end).toBe(world.fired.toISOString());
    expect(state!.runtime).toMatchObject({ stoppedBy: 'schedule' });
    expect(state!.runtime.stopAt).toBeUndefined();
    // Told again, nothing changes: the stop is recorded once.
    await driver.status(runOf());
    expect((await store.load())!.channelRuns).toHaveLength(1);
  });

  it('start runs it again with a new end and forgets who stopped it; stop removes the end', async () => {
    const world = new World() as World & { fired?: Date; sets?: Array<string | undefined> };
    const driver = defineTarget(describeTarget(world, scheduled(world)));
    await driver.up(runOf(after20m()));
    world.fired = new Date();
    await driver.start(runOf());
    world.fired = undefined;
    let state = store.require();
    expect(state.channelRuns).toHaveLength(2);
    expect(state.runtime.stoppedBy).toBeUndefined();
    const end = new Date(Date.parse(state.channelRuns[1]!.start) + 1_200_000).toISOString();
    expect(state.runtime.stopAt).toBe(end);
    expect(world.sets!.at(-1)).toBe(end);
    await driver.stop(runOf());
    state = store.require();
    expect(world.sets!.at(-1)).toBeUndefined();
    expect(state.runtime.stopAt).toBeUndefined();
    expect(state.channelRuns.every((r) => r.end)).toBe(true);
  });

  it('stop: an end the target cannot remove is a warning (STOP_SCHEDULE_KEPT), the channel stopped all the same', async () => {
    const world = new World() as World & { sets?: Array<string | undefined> };
    const desc = scheduled(world);
    const set = desc.stopSchedule!.set;
    desc.stopSchedule!.set = async (run, ctx, state, at) => {
      if (!at) throw new Error('refused');
      await set(run, ctx, state, at);
    };
    const driver = defineTarget(describeTarget(world, desc));
    await driver.up(runOf(after20m()));
    await driver.stop(runOf());
    expect(world.log.at(-1)).toBe('stop channel');
    expect(host.codes()).toContain('STOP_SCHEDULE_KEPT');
    expect(store.require().runtime.stopAt).toBeUndefined();
    expect(store.require().channelRuns.every((r) => r.end)).toBe(true);
  });

  it('a target that cannot say whether its schedule fired does not block status, stop or start', async () => {
    const world = new World() as World & { sets?: Array<string | undefined> };
    const desc = scheduled(world);
    desc.stopSchedule!.firedAt = async () => { throw new Error('access denied'); };
    const driver = defineTarget(describeTarget(world, desc));
    await driver.up(runOf(after20m()));
    expect((await driver.status(runOf())).stop?.stoppedBy).toBeUndefined();
    await driver.stop(runOf());
    expect(world.log.at(-1)).toBe('stop channel');
    await driver.start(runOf());
    expect(world.log.at(-1)).toBe('start channel');
  });

  it('an end the target cannot set after a start says the channel runs without it, and how to fix that', async () => {
    const world = new World() as World & { sets?: Array<string | undefined> };
    const desc = scheduled(world);
    desc.stopSchedule!.set = async () => { throw new LivestreamError('AWS_ACCESS_DENIED', 'Access denied: your AWS identity may not scheduler:CreateSchedule.', { details: { resource: 'stop-schedule' } }); };
    const driver = defineTarget(describeTarget(world, desc));
    const err = await driver.up(runOf(after20m())).then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ code: 'AWS_ACCESS_DENIED', details: { resource: 'stop-schedule' } });
    expect((err as LivestreamError).message).toMatch(/scheduler:CreateSchedule\. The channel is RUNNING, and its stop at .+ is not scheduled\.$/);
    expect((err as LivestreamError).hint).toContain('livestream stop');
  });

  it('schedule moves the end of a running channel, and only records the rule of a stopped one', async () => {
    const world = new World() as World & { sets?: Array<string | undefined> };
    const driver = defineTarget(describeTarget(world, scheduled(world)));
    await driver.up(runOf(after20m()));
    const start = Date.parse(store.require().channelRuns[0]!.start);
    expect(await driver.schedule(runOf(), { kind: 'after', seconds: 7200 })).toEqual({ stopAt: new Date(start + 7_200_000).toISOString() });
    expect(store.require().spec.stop).toEqual({ kind: 'after', seconds: 7200 });
    expect(await driver.schedule(runOf(), { kind: 'none' })).toEqual({});
    expect(world.sets!.at(-1)).toBeUndefined();
    expect(store.require().runtime.stopAt).toBeUndefined();
    await driver.stop(runOf());
    const sets = world.sets!.length;
    expect(await driver.schedule(runOf(), { kind: 'after', seconds: 60 })).toEqual({});
    expect(world.sets).toHaveLength(sets);
    expect(store.require().spec.stop).toEqual({ kind: 'after', seconds: 60 });
  });

  it('a new rule on the up of an existing stack applies as schedule would', async () => {
    const world = new World() as World & { sets?: Array<string | undefined> };
    const driver = defineTarget(describeTarget(world, scheduled(world)));
    await driver.up(runOf(after20m()));
    await driver.up(runOf(specOf({ stopAfter: '1h' })));
    const state = store.require();
    expect(state.spec.stop).toEqual({ kind: 'after', seconds: 3600 });
    expect(state.runtime.stopAt).toBe(new Date(Date.parse(state.channelRuns[0]!.start) + 3_600_000).toISOString());
  });

  it('refuses to start a channel whose budget is spent, naming the fix', async () => {
    const world = new World() as World & { sets?: Array<string | undefined> };
    const driver = defineTarget(describeTarget(world, scheduled(world, 4)));
    await driver.up(runOf(specOf({ start: false })));
    await store.update((s) => {
      s.spec.stop = { kind: 'budget', usd: 5 };
      s.channelRuns.push({ start: '2026-11-25T01:00:00Z', end: '2026-11-25T03:00:00Z' });
    });
    const err = await driver.start(runOf()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CHANNEL_STATE', message: expect.stringContaining('budget is spent'), hint: expect.stringContaining('livestream schedule --stack demo --budget') });
    expect(world.log).not.toContain('start channel');
    // A budget with money left becomes a time: $3 left at $4/hour is 45 minutes.
    await store.update((s) => void (s.spec.stop = { kind: 'budget', usd: 11 }));
    await driver.start(runOf());
    const state = store.require();
    expect(Date.parse(String(state.runtime.stopAt)) - Date.parse(state.channelRuns[1]!.start)).toBe(45 * 60_000);
  });
});
