import { readFile } from 'node:fs/promises';
import { beforeEach, describe, expect, it } from 'vitest';
import { applyDown, applyUp, orderLevels, type ResourceNode } from '../../src/core/graph.js';
import { RecordingHost } from '../../src/core/host.js';
import { StateStore } from '../../src/core/state.js';
import { validateSpec } from '../../src/core/spec.js';
import { loadProfile } from '../../src/core/profiles.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

/** A toy provider: a set of things that exist, with failures injectable per id and action. */
class ToyWorld {
  things = new Set<string>();
  log: string[] = [];
  failOn = new Set<string>();
  generation = 0;
  /** Like S3 buckets: the same name comes back under the same id. */
  stableIds = false;
}

function node(world: ToyWorld, id: string, dependsOn: string[] = []): ResourceNode<ToyWorld> {
  return {
    id, kind: `kind-${id}`, dependsOn, describe: `Thing ${id}`, name: `stack-${id}`,
    async create(w, run) {
      w.log.push(`create ${id} after ${Object.keys(run.deps).sort().join(',') || '-'}`);
      if (w.failOn.has(`create ${id}`)) throw new Error(`boom creating ${id}`);
      w.things.add(id);
      w.generation += 1;
      return { name: `stack-${id}`, physicalId: w.stableIds ? `phys-${id}` : `phys-${id}-${w.generation}`, attrs: { n: 1 } };
    },
    async read(w) {
      return { exists: w.things.has(id) };
    },
    async delete(w) {
      w.log.push(`delete ${id}`);
      if (w.failOn.has(`delete ${id}`)) throw new Error(`boom deleting ${id}`);
      w.things.delete(id);
    },
  };
}

// role ─┐
//       ├─ input ─ channel
// sg ───┘            │
// bucket ─ cdn ──────┘ (channel also depends on bucket)
function graph(w: ToyWorld): ResourceNode<ToyWorld>[] {
  return [
    node(w, 'role'), node(w, 'sg'), node(w, 'bucket'),
    node(w, 'input', ['role', 'sg']), node(w, 'cdn', ['bucket']),
    node(w, 'channel', ['input', 'bucket', 'role']),
  ];
}

describe('orderLevels', () => {
  it('puts independent nodes in one level, dependents after what they need', () => {
    expect(orderLevels(graph(new ToyWorld()))).toEqual([['role', 'sg', 'bucket'], ['input', 'cdn'], ['channel']]);
  });
  it('refuses cycles and unknown dependencies', () => {
    expect(() => orderLevels([{ id: 'a', dependsOn: ['b'] }, { id: 'b', dependsOn: ['a'] }])).toThrow(/cycle among: a, b/);
    expect(() => orderLevels([{ id: 'a', dependsOn: ['x'] }])).toThrow(/unknown resource "x"/);
  });
});

describe('applyUp / applyDown', () => {
  let dir: string;
  let store: StateStore;
  let world: ToyWorld;
  let host: RecordingHost;

  beforeEach(async () => {
    dir = await makeTmpDir('graph-');
    store = new StateStore(dir, 'demo');
    await store.create({ target: 'local', spec: validateSpec({}).spec!, ladder: await loadProfile('SD-540p') });
    world = new ToyWorld();
    host = new RecordingHost();
  });

  it('creates everything in dependency order and records each in the state file', async () => {
    const result = await applyUp(graph(world), world, store, host);
    expect(result.created.sort()).toEqual(['bucket', 'cdn', 'channel', 'input', 'role', 'sg']);
    expect(world.log).toContain('create channel after bucket,input,role');
    const onDisk = JSON.parse(await readFile(store.file, 'utf8'));
    expect(Object.keys(onDisk.resources).sort()).toEqual(['bucket', 'cdn', 'channel', 'input', 'role', 'sg']);
    expect(onDisk.resources.input).toMatchObject({ kind: 'kind-input', physicalId: expect.stringMatching(/^phys-input-\d+$/), status: 'ready' });
  });

  it('a second up changes nothing', async () => {
    await applyUp(graph(world), world, store, host);
    world.log = [];
    const again = await applyUp(graph(world), world, store, host);
    expect(again).toEqual({ created: [], existing: expect.arrayContaining(['role', 'channel']) });
    expect(world.log).toEqual([]);
  });

  it.each(['role', 'sg', 'bucket', 'input', 'cdn', 'channel'])('failing at %s: state holds what exists, down removes exactly that, up resumes', async (failing) => {
    world.failOn.add(`create ${failing}`);
    const err = await applyUp(graph(world), world, store, host).catch((e) => e);
    expect(err.code).toBe('RESOURCE_FAILED');
    expect(err.message).toContain(`Thing ${failing} (stack-${failing})`);
    expect(Object.keys(store.require().resources).sort()).toEqual([...world.things].sort());

    // up resumes from there
    world.failOn.clear();
    await applyUp(graph(world), world, store, host);
    expect([...world.things].sort()).toEqual(['bucket', 'cdn', 'channel', 'input', 'role', 'sg']);

    const down = await applyDown(graph(world), world, store, host);
    expect(down.failed).toEqual([]);
    expect(world.things.size).toBe(0);
    expect(store.require().resources).toEqual({});
  });

  it('deletes dependents before what they depend on', async () => {
    await applyUp(graph(world), world, store, host);
    world.log = [];
    await applyDown(graph(world), world, store, host);
    const order = world.log.map((l) => l.replace('delete ', ''));
    expect(order.indexOf('channel')).toBeLessThan(order.indexOf('input'));
    expect(order.indexOf('input')).toBeLessThan(order.indexOf('role'));
    expect(order.indexOf('cdn')).toBeLessThan(order.indexOf('bucket'));
  });

  it('a failed delete keeps its record and what it depends on; a second down finishes', async () => {
    await applyUp(graph(world), world, store, host);
    world.failOn.add('delete input');
    const first = await applyDown(graph(world), world, store, host);
    expect(first.failed).toEqual([{ id: 'input', name: 'stack-input', message: 'boom deleting input' }]);
    expect(first.blocked.sort()).toEqual(['role', 'sg']);
    expect(Object.keys(store.require().resources).sort()).toEqual(['input', 'role', 'sg']);
    expect([...world.things].sort()).toEqual(['input', 'role', 'sg']);
    world.failOn.clear();
    const second = await applyDown(graph(world), world, store, host);
    expect(second.deleted.sort()).toEqual(['input', 'role', 'sg']);
    expect(world.things.size).toBe(0);
  });

  it('first: the billable nodes go before the rest, and a failed free dependent does not hold them back', async () => {
    // A dashboard names the channel (it depends on it); a bucket policy names the CDN.
    const nodes = [...graph(world), node(world, 'dashboard', ['channel']), node(world, 'policy', ['cdn', 'bucket'])];
    await applyUp(nodes, world, store, host);
    world.log = [];
    world.failOn.add('delete dashboard');
    world.failOn.add('delete policy');
    const down = await applyDown(nodes, world, store, host, { first: ['channel', 'input', 'cdn'] });
    expect(down.failed.map((f) => f.id).sort()).toEqual(['dashboard', 'policy']);
    expect(down.deleted.sort()).toEqual(['cdn', 'channel', 'input', 'role', 'sg']);
    // Only what a failed node depends on stays: the bucket under the policy.
    expect(down.blocked).toEqual(['bucket']);
    const order = world.log.map((l) => l.replace('delete ', ''));
    for (const billable of ['channel', 'input', 'cdn']) {
      expect(order.indexOf(billable)).toBeLessThan(order.indexOf('dashboard'));
      expect(order.indexOf(billable)).toBeLessThan(order.indexOf('policy'));
    }
    expect(order.indexOf('channel')).toBeLessThan(order.indexOf('input'));
  });

  it('without first, a failed dependent blocks what it depends on (the old order)', async () => {
    const nodes = [...graph(world), node(world, 'dashboard', ['channel'])];
    await applyUp(nodes, world, store, host);
    world.failOn.add('delete dashboard');
    const down = await applyDown(nodes, world, store, host);
    expect(down.blocked).toContain('channel');
  });

  it('keeps what it is told to keep, and recreates what vanished out of band', async () => {
    await applyUp(graph(world), world, store, host);
    world.things.delete('cdn');
    const again = await applyUp(graph(world), world, store, host);
    expect(again.created).toEqual(['cdn']);
    expect(host.codes()).toContain('RESOURCE_VANISHED');
    const down = await applyDown(graph(world), world, store, host, { keep: (r) => r.id === 'bucket' });
    expect(down.kept).toEqual(['bucket']);
    expect([...world.things]).toEqual(['bucket']);
    expect(Object.keys(store.require().resources)).toEqual(['bucket']);
  });

  it('replaces what depends on a resource that vanished and was created again', async () => {
    await applyUp(graph(world), world, store, host);
    world.things.delete('input');
    world.log = [];
    const again = await applyUp(graph(world), world, store, host);
    expect(again.created.sort()).toEqual(['channel', 'input']);
    expect(world.log).toEqual(['create input after role,sg', 'delete channel', 'create channel after bucket,input,role']);
    expect(host.codes()).toContain('RESOURCE_REPLACED');
  });

  it('does not replace dependents when the vanished resource comes back under the same id', async () => {
    world.stableIds = true;
    await applyUp(graph(world), world, store, host);
    world.things.delete('bucket');
    world.log = [];
    const again = await applyUp(graph(world), world, store, host);
    expect(again.created).toEqual(['bucket']);
    expect(world.log).toEqual(['create bucket after -']);
  });

  it('resumes a create that was interrupted after saving progress', async () => {
    const nodes = graph(world);
    let seenExisting: unknown;
    nodes[2] = {
      ...nodes[2]!,
      async create(w, run) {
        seenExisting = run.existing?.physicalId;
        await run.save({ name: 'stack-bucket', physicalId: 'phys-bucket', attrs: { step: 1 } });
        if (!run.existing) throw new Error('interrupted after the bucket existed');
        w.things.add('bucket');
        return { name: 'stack-bucket', physicalId: 'phys-bucket' };
      },
    };
    await expect(applyUp(nodes, world, store, host)).rejects.toThrow(/interrupted/);
    expect(store.require().resources.bucket).toMatchObject({ status: 'creating', attrs: { step: 1 } });
    await applyUp(nodes, world, store, host);
    expect(seenExisting).toBe('phys-bucket');
    expect(store.require().resources.bucket?.status).toBe('ready');
  });
});
