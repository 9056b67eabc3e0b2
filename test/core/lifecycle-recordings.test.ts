/**
 * Recording in the shared lifecycle (core/lifecycle.ts): the recorded rendition is checked against
 * the ladder before anything is created, the recordings are listed and downloaded through the
 * target, and `down` keeps them (saying how many and how big) unless --delete-recordings, when it
 * says how much it removed. A tiny in-memory target: no AWS, no ffmpeg.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { ResourceNode } from '../../src/core/graph.js';
import { RecordingHost } from '../../src/core/host.js';
import type { Ladder } from '../../src/core/ladder.js';
import { defineTarget, type TargetDescription } from '../../src/core/lifecycle.js';
import { loadProfile } from '../../src/core/profiles.js';
import type { Recording } from '../../src/core/recording.js';
import { validateSpec, type RawSpec, type StackSpec } from '../../src/core/spec.js';
import { StateStore } from '../../src/core/state.js';
import type { RunContext } from '../../src/core/target.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

class World {
  things = new Set<string>();
  log: string[] = [];
  recordings: Recording[] = [];
}

function node(id: string): ResourceNode<World> {
  return {
    id, kind: id, dependsOn: [], describe: id, name: `demo-${id}`,
    async create(w) {
      w.log.push(`create ${id}`);
      w.things.add(id);
      return { name: `demo-${id}`, physicalId: id };
    },
    async read(w) {
      return { exists: w.things.has(id) };
    },
    async delete(w) {
      w.log.push(`delete ${id}`);
      w.things.delete(id);
      if (id === 'recordings') w.recordings = [];
    },
  };
}

const GRAPH = [node('channel'), node('logs'), node('recordings')];

function describeTarget(world: World): TargetDescription<'local', World> {
  return {
    name: 'local',
    planGraph: () => GRAPH,
    estimateCost: () => undefined,
    openForUp: async () => world,
    openRecorded: async (_run, _state, command) => (world.log.push(`open ${command}`), world),
    graph: () => GRAPH,
    startAfterUp: async () => undefined,
    outputsOf: () => ({}),
    startChannel: async () => undefined,
    stopChannel: async () => undefined,
    status: { order: 'graph', observe: async () => ({ channel: { state: 'IDLE' }, outputs: {} }) },
    recordings: {
      list: async () => [...world.recordings],
      download: async (_run, _ctx, _state, dir) => world.recordings.map((recording) => ({ recording, file: `${dir}/${recording.id}.mp4` })),
    },
    down: { keeps: ['logs'], recordings: ['recordings'] },
  };
}

const rec = (id: string, bytes: number): Recording => ({ id, start: '2026-12-01T10:00:00.000Z', end: '2026-12-01T11:00:00.000Z', seconds: 3600, bytes, where: `/stack/recordings/${id}`, live: false });

let ladder: Ladder;
let store: StateStore;

beforeEach(async () => {
  ladder = await loadProfile('HD-720p');
  store = new StateStore(await makeTmpDir('lifecycle-rec-'), 'demo');
});

function runOf(raw: RawSpec = {}): RunContext {
  const { spec, problems } = validateSpec({ stack: 'demo', ...raw });
  if (!spec) throw new Error(JSON.stringify(problems));
  return { spec: spec as StackSpec, ladder, secrets: {}, store, host: new RecordingHost(), now: () => new Date() };
}

describe('the recorded rendition', () => {
  it('must be in the ladder: plan and up refuse an unknown one, listing the ladder\'s, before anything is created', async () => {
    const world = new World();
    const driver = defineTarget(describeTarget(world));
    expect(() => driver.plan(runOf({ record: '1920x1080' }).spec, ladder)).toThrow(/no rendition "1920x1080" \(it has 1280x720, 960x540, 768x432, 640x360, 512x288\)/);
    await expect(driver.up(runOf({ record: '1920x1080' }))).rejects.toMatchObject({ code: 'SPEC_INVALID' });
    expect(world.log).toEqual([]);
    expect(await store.load()).toBeUndefined();
    expect(driver.plan(runOf({ record: '640x360' }).spec, ladder).map((p) => p.id)).toContain('recordings');
  });
});

describe('recordings', () => {
  it('are listed and downloaded through the target, with the recorded state', async () => {
    const world = new World();
    const driver = defineTarget(describeTarget(world));
    await driver.up(runOf());
    world.recordings = [rec('a', 1000)];
    world.log.length = 0;
    expect(await driver.recordings(runOf())).toEqual([rec('a', 1000)]);
    expect(await driver.downloadRecordings(runOf(), '/tmp/out')).toEqual([{ recording: rec('a', 1000), file: '/tmp/out/a.mp4' }]);
    expect(world.log).toEqual(['open recordings', 'open recordings']);
  });

  it('are none on a target that has none to list', async () => {
    const { recordings: _none, ...desc } = describeTarget(new World());
    const driver = defineTarget(desc);
    await driver.up(runOf());
    expect(await driver.recordings(runOf())).toEqual([]);
  });
});

describe('down', () => {
  it('keeps the recordings by default and says how many, how big and where', async () => {
    const world = new World();
    const driver = defineTarget(describeTarget(world));
    await driver.up(runOf());
    world.recordings = [rec('a', 1000), rec('b', 2500)];
    const report = await driver.down(runOf(), { deleteLogs: false });
    expect(report.deleted).toEqual(['channel']);
    expect(report.kept.sort()).toEqual(['logs', 'recordings']);
    // The logs line stays the logs'; the recordings have their own.
    expect(report.keptNames).toEqual(['demo-logs']);
    expect(report.recordings).toEqual({ action: 'kept', count: 2, bytes: 3500, where: ['/stack/recordings/a', '/stack/recordings/b'] });
    expect(world.things.has('recordings')).toBe(true);
  });

  it('with --delete-recordings removes them and says how much it removed; the logs stay', async () => {
    const world = new World();
    const driver = defineTarget(describeTarget(world));
    await driver.up(runOf());
    world.recordings = [rec('a', 1000), rec('b', 2500)];
    const report = await driver.down(runOf(), { deleteLogs: false, deleteRecordings: true });
    expect(report.deleted.sort()).toEqual(['channel', 'recordings']);
    expect(report.kept).toEqual(['logs']);
    expect(report.recordings).toEqual({ action: 'deleted', count: 2, bytes: 3500, where: ['/stack/recordings/a', '/stack/recordings/b'] });
    expect(world.things.has('recordings')).toBe(false);
  });
});
