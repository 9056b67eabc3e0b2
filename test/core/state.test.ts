import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StateStore, channelSeconds, listStates } from '../../src/core/state.js';
import { validateSpec } from '../../src/core/spec.js';
import { loadProfile } from '../../src/core/profiles.js';

describe('StateStore', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(path.join(os.tmpdir(), 'state-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const create = async (stack = 'demo') => {
    const store = new StateStore(dir, stack);
    await store.create({ target: 'local', spec: validateSpec({ stack }).spec!, ladder: await loadProfile('SD-540p') });
    return store;
  };

  it('writes a versioned, owner-only file after every change, leaving no temp files', async () => {
    const store = await create();
    await store.putResource({ id: 'role', kind: 'iam-role', name: 'r', physicalId: 'arn:r', status: 'ready', attrs: {} });
    const json = JSON.parse(await readFile(store.file, 'utf8'));
    expect(json.version).toBe(1);
    expect(json.resources.role.physicalId).toBe('arn:r');
    expect(await readdir(dir)).toEqual(['demo.json']);
    const { stat } = await import('node:fs/promises');
    expect((await stat(store.file)).mode & 0o777).toBe(0o600);
  });

  it('refuses a second holder of the lock while the first is alive, and takes over a dead one', async () => {
    const a = new StateStore(dir, 'demo');
    await a.lock('up');
    // Simulate another live process holding the lock: our parent pid is alive and not us.
    await writeFile(a.lockFile, JSON.stringify({ pid: process.ppid, command: 'down', since: 'now' }));
    const b = new StateStore(dir, 'demo');
    await expect(b.lock('up')).rejects.toMatchObject({ code: 'STATE_LOCKED', message: expect.stringContaining('"livestream down"') });
    // A lock whose process has exited is stale.
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => dead.on('exit', r));
    await writeFile(a.lockFile, JSON.stringify({ pid: dead.pid, command: 'up', since: 'then' }));
    await b.lock('up');
    await b.unlock();
  });

  it('refuses a corrupt or newer state file instead of overwriting it', async () => {
    await writeFile(path.join(dir, 'bad.json'), '{ nope');
    await expect(new StateStore(dir, 'bad').load()).rejects.toMatchObject({ code: 'STATE_CORRUPT' });
    await writeFile(path.join(dir, 'new.json'), JSON.stringify({ version: 9 }));
    await expect(new StateStore(dir, 'new').load()).rejects.toMatchObject({ code: 'STATE_VERSION' });
  });

  it('archives a torn-down stack into history/ instead of deleting it', async () => {
    const store = await create();
    const dest = await store.archive();
    expect(dest).toMatch(/history\/demo-.*\.json$/);
    expect(JSON.parse(await readFile(dest!, 'utf8')).stack).toBe('demo');
    expect(await listStates(dir)).toEqual([]);
  });

  const logsRecord = { id: 'logs', kind: 'logs-folder', name: 'logs', physicalId: '/x/logs', status: 'ready' as const, attrs: {} };
  const isLogs = (r: { id: string }) => r.id === 'logs';

  it('keeps a stack that keeps only its logs in place, marked torn down, unless asked to archive it', async () => {
    const store = await create();
    await store.putResource(logsRecord);
    expect(await store.settleAfterDown(isLogs)).toBeUndefined();
    expect((await listStates(dir)).map((s) => [s.stack, s.runtime.tornDown])).toEqual([['demo', true]]);
  });

  it('archives a stack that keeps only its logs into history/ with archiveKept (the local target), naming the logs', async () => {
    const store = await create();
    await store.putResource(logsRecord);
    const dest = await store.settleAfterDown(isLogs, { archiveKept: true });
    expect(dest).toMatch(/history\/demo-.*\.json$/);
    expect(await listStates(dir)).toEqual([]);
    const archived = JSON.parse(await readFile(dest!, 'utf8'));
    expect(archived.runtime.tornDown).toBe(true);
    expect(Object.keys(archived.resources)).toEqual(['logs']);
  });

  it('restores the newest archived state that still keeps something, for down --delete-logs; never another stack\'s', async () => {
    let now = Date.UTC(2026, 0, 1);
    const at = () => new Date(now);
    const older = new StateStore(dir, 'demo', at);
    await older.create({ target: 'local', spec: validateSpec({ stack: 'demo' }).spec!, ladder: await loadProfile('SD-540p') });
    await older.putResource({ ...logsRecord, physicalId: '/old/logs' });
    await older.settleAfterDown(isLogs, { archiveKept: true });
    now += 60_000;
    const newer = new StateStore(dir, 'demo', at);
    await newer.create({ target: 'local', spec: validateSpec({ stack: 'demo' }).spec!, ladder: await loadProfile('SD-540p') });
    await newer.putResource({ ...logsRecord, physicalId: '/new/logs' });
    await newer.settleAfterDown(isLogs, { archiveKept: true });
    now += 60_000;
    const fullyGone = new StateStore(dir, 'demo', at);
    await fullyGone.create({ target: 'local', spec: validateSpec({ stack: 'demo' }).spec!, ladder: await loadProfile('SD-540p') });
    await fullyGone.settleAfterDown(isLogs, { archiveKept: true }); // nothing left: archived with nothing kept
    now += 60_000;
    const other = new StateStore(dir, 'demo-2', at);
    await other.create({ target: 'local', spec: validateSpec({ stack: 'demo-2' }).spec!, ladder: await loadProfile('SD-540p') });
    await other.putResource({ ...logsRecord, physicalId: '/other/logs' });
    await other.settleAfterDown(isLogs, { archiveKept: true });

    const store = new StateStore(dir, 'demo');
    expect(await store.load()).toBeUndefined();
    const restored = await store.restoreArchived();
    expect(restored?.resources.logs.physicalId).toBe('/new/logs');
    expect((await listStates(dir)).map((s) => s.stack)).toEqual(['demo']);
    expect(await new StateStore(dir, 'nothing').restoreArchived()).toBeUndefined();
  });

  it('lists every stack for status --all, and tracks channel time', async () => {
    await create('a-stack');
    const b = await create('b-stack');
    await b.markChannel(true);
    expect((await listStates(dir)).map((s) => s.stack)).toEqual(['a-stack', 'b-stack']);
    expect(channelSeconds([{ start: '2026-01-01T00:00:00Z', end: '2026-01-01T01:00:00Z' }, { start: '2026-01-01T02:00:00Z' }], new Date('2026-01-01T02:30:00Z'))).toBe(5400);
  });
});
