import { readFile, readdir, writeFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { StateStore, channelSeconds, listStates } from '../../src/core/state.js';
import { validateSpec } from '../../src/core/spec.js';
import { loadProfile } from '../../src/core/profiles.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

describe('StateStore', () => {
  let dir: string;
  beforeEach(async () => (dir = await makeTmpDir('state-')));

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

  it('history/ is owner-only like the rest, even when the folder already existed', async () => {
    const { mkdir, stat } = await import('node:fs/promises');
    await mkdir(path.join(dir, 'history'), { mode: 0o755 });
    const store = await create();
    const dest = await store.archive();
    expect((await stat(path.join(dir, 'history'))).mode & 0o777).toBe(0o700);
    expect((await stat(dest!)).mode & 0o777).toBe(0o600);
  });

  it('refuses a state file or folder that others may write: anyone could point it at what is not the stack\'s', async () => {
    const { chmod } = await import('node:fs/promises');
    const store = await create();
    await chmod(store.file, 0o666);
    await expect(new StateStore(dir, 'demo').load()).rejects.toMatchObject({ code: 'STATE_UNSAFE', message: expect.stringContaining(store.file) });
    await chmod(store.file, 0o620);
    await expect(new StateStore(dir, 'demo').load()).rejects.toMatchObject({ code: 'STATE_UNSAFE', hint: expect.stringContaining('chmod') });
    await chmod(store.file, 0o600);
    await chmod(dir, 0o777);
    try {
      await expect(new StateStore(dir, 'demo').load()).rejects.toMatchObject({ code: 'STATE_UNSAFE', message: expect.stringContaining(dir) });
    } finally {
      await chmod(dir, 0o700);
    }
    expect((await new StateStore(dir, 'demo').load())?.stack).toBe('demo');
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

describe('a damaged state file gets words, not a TypeError', () => {
  let dir: string;
  beforeEach(async () => (dir = await makeTmpDir('state-bad-')));

  /** A real state file of an AWS stack with one resource, changed by `damage`. */
  async function damaged(damage: (json: Record<string, any>) => void): Promise<string> {
    const store = new StateStore(dir, 'demo');
    await store.create({ target: 'aws', spec: validateSpec({ stack: 'demo', target: 'aws', input: 'RTMP_PUSH', cidr: ['203.0.113.0/24'] }).spec!, ladder: await loadProfile('SD-540p') });
    await store.putResource({ id: 'channel', kind: 'medialive-channel', name: 'demo-channel', physicalId: '1234567', status: 'ready', attrs: {} });
    const json = JSON.parse(await readFile(store.file, 'utf8'));
    damage(json);
    await writeFile(store.file, JSON.stringify(json));
    return store.file;
  }

  async function loadError(): Promise<{ code: string; message: string; hint: string }> {
    return new StateStore(dir, 'demo').load().then(() => { throw new Error('loaded'); }, (e) => e);
  }

  it.each([
    ['a resource without its id and physicalId', (j: any) => { delete j.resources.channel.physicalId; delete j.resources.channel.id; }, ['resources.channel.physicalId: expected a string, found nothing', 'resources.channel.id']],
    ['no spec and no channelRuns', (j: any) => { delete j.spec; delete j.channelRuns; }, ['spec: expected an object', 'channelRuns: expected a list']],
    ['"version": "1" (a string)', (j: any) => { j.version = '1'; }, ['version: expected the number 1, found the string "1"']],
    ['an unknown target', (j: any) => { j.target = 'gcp'; }, ['target: expected one of "local", "aws", found "gcp"']],
    ['"resources": []', (j: any) => { j.resources = []; }, ['resources: expected an object of records by id, found an empty list']],
    ['an AWS stack without a region', (j: any) => { delete j.spec.aws.region; }, ['spec.aws.region']],
  ])('%s: STATE_CORRUPT naming the file and each problem', async (_label, damage, expected) => {
    const file = await damaged(damage);
    const err = await loadError();
    expect(err.code).toBe('STATE_CORRUPT');
    expect(err.message).toContain(file);
    for (const e of expected) expect(err.message).toContain(e);
    expect(err.message).not.toContain('has version 1; this livestream reads version 1');
    expect(err.hint).toContain('backup');
  });

  it('a folder in place of the file: STATE_CORRUPT saying so, not EISDIR', async () => {
    const { mkdir } = await import('node:fs/promises');
    await mkdir(path.join(dir, 'demo.json'));
    const err = await loadError();
    expect(err.code).toBe('STATE_CORRUPT');
    expect(err.message).toBe(`The state file ${path.join(dir, 'demo.json')} is a folder, not a file.`);
    expect(err.hint).toContain('mv ');
  });

  it('status --all is told about a damaged file instead of skipping it', async () => {
    const file = await damaged((j: any) => { j.resources = []; });
    const seen: string[] = [];
    expect(await listStates(dir, (f) => seen.push(f))).toEqual([]);
    expect(seen).toEqual([file]);
  });

  it('a valid file has no problems', async () => {
    await damaged(() => {});
    expect((await new StateStore(dir, 'demo').load())?.resources.channel?.physicalId).toBe('1234567');
  });
});
