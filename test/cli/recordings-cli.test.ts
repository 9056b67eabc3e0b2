/**
 * `livestream recordings` and `down` with recordings, through the built CLI as a user runs it: a
 * local stack that keeps a finalised recording and its logs. `down` keeps the recording and says
 * how many, how big and where; `recordings` still lists and saves it after `down`; `down
 * --delete-recordings` removes it and says how much. A download folder that is a file, or cannot
 * be written, is refused before anything is written (exit 2).
 */
import { spawnSync } from 'node:child_process';
import { chmod, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeEach, expect, it, onTestFinished } from 'vitest';
import { loadProfile } from '../../src/core/profiles.js';
import { validateSpec } from '../../src/core/spec.js';
import { StateStore } from '../../src/core/state.js';
import { writeMeta } from '../../src/targets/local/recording/recording-folder.js';
import { livestream } from '../helpers/cli.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

let dir: string;
let stateDir: string;
const MP4 = Buffer.alloc(123_456, 7);

beforeEach(async () => {
  dir = await makeTmpDir('recordings-cli-');
  stateDir = path.join(dir, 'state');
});

/** A torn-down-ready local stack: its logs and recordings folders, one finalised recording in the latter. */
async function stackWithRecording(): Promise<string> {
  const recordings = path.join(stateDir, 'ev', 'recordings');
  const logs = path.join(stateDir, 'ev', 'logs');
  const run = path.join(recordings, '2026-12-01T10-00-00Z');
  await mkdir(run, { recursive: true });
  await mkdir(logs, { recursive: true });
  await writeFile(path.join(run, 'ev-2026-12-01T10-00-00Z.mp4'), MP4);
  await writeMeta(run, { id: '2026-12-01T10-00-00Z', rendition: '960x540', start: '2026-12-01T10:00:01.000Z', end: '2026-12-01T11:00:01.000Z', seconds: 3600, bytes: MP4.length, parts: 1, pid: 1, file: 'ev-2026-12-01T10-00-00Z.mp4' });
  const store = new StateStore(stateDir, 'ev');
  await store.create({ target: 'local', spec: validateSpec({ stack: 'ev', target: 'local' }).spec!, ladder: await loadProfile('SD-540p') });
  for (const [id, kind, p] of [['logs', 'logs-folder', logs], ['recordings', 'recordings-folder', recordings]] as const) {
    await store.putResource({ id, kind, name: p, physicalId: p, status: 'ready', attrs: {} });
  }
  return run;
}

const common = () => ['--stack', 'ev', '--state-dir', stateDir];

it('down keeps the recordings and says so; recordings lists and saves them after down; --delete-recordings removes them', async () => {
  const run = await stackWithRecording();
  const down = await livestream(['down', ...common(), '--yes']);
  expect(down.code).toBe(0);
  expect(down.stdout).toContain(`kept: 1 recording (123 kB) in ${path.join(run, 'ev-2026-12-01T10-00-00Z.mp4')}`);
  expect(down.stdout).toContain('"livestream down --stack ev --delete-recordings" removes them');
  expect((await stat(path.join(run, 'ev-2026-12-01T10-00-00Z.mp4'))).size).toBe(MP4.length);

  const list = await livestream(['recordings', ...common(), '--json']);
  expect(list.code).toBe(0);
  expect(list.json.recordings).toEqual([{
    id: '2026-12-01T10-00-00Z', start: '2026-12-01T10:00:01.000Z', end: '2026-12-01T11:00:01.000Z', seconds: 3600, bytes: MP4.length,
    where: path.join(run, 'ev-2026-12-01T10-00-00Z.mp4'), live: false, rendition: '960x540',
  }]);
  // The torn-down stack's state went back to history/.
  expect((await readdir(stateDir)).sort()).toEqual(['ev', 'history']);
  const human = await livestream(['recordings', ...common()]);
  expect(human.stdout).toMatch(/2026-12-01 10:00:01 +2026-12-01 11:00:01 +1:00:00 +123 kB/);

  const out = path.join(dir, 'saved');
  const saved = await livestream(['recordings', ...common(), '--download', out]);
  expect(saved.code).toBe(0);
  expect(saved.stdout).toContain(`Saved 1 recording of stack "ev" to ${out}`);
  expect(await readFile(path.join(out, 'ev-2026-12-01T10-00-00Z.mp4'))).toEqual(MP4);

  const purge = await livestream(['down', ...common(), '--delete-recordings', '--yes', '--json']);
  expect(purge.code).toBe(0);
  expect(purge.json.recordings).toEqual({ action: 'deleted', count: 1, bytes: MP4.length, where: [path.join(run, 'ev-2026-12-01T10-00-00Z.mp4')] });
  expect(purge.json.deleted).toEqual(['recordings']);
  expect(await readdir(path.join(stateDir, 'ev'))).toEqual(['logs']);
  const human2 = await livestream(['down', ...common(), '--delete-logs', '--yes']);
  expect(human2.code).toBe(0);
});

it('down --delete-recordings without a terminal needs --yes', async () => {
  await stackWithRecording();
  const refused = await livestream(['down', ...common(), '--delete-recordings']);
  expect(refused.code).toBe(2);
  expect(refused.stderr).toContain('deletes the recordings for good');
  expect((await readdir(path.join(stateDir, 'ev'))).sort()).toEqual(['logs', 'recordings']);
});

it('refuses a download folder that is a file, or in one, before anything is read or written (exit 2)', async () => {
  await stackWithRecording();
  const file = path.join(dir, 'notes.txt');
  await writeFile(file, 'mine');
  const asFile = await livestream(['recordings', ...common(), '--download', file]);
  expect(asFile.code).toBe(2);
  expect(asFile.stderr).toContain(`${file} is a file, not a folder; nothing was written`);
  expect(await readFile(file, 'utf8')).toBe('mine');
  const inFile = await livestream(['recordings', ...common(), '--download', path.join(file, 'out')]);
  expect(inFile.code).toBe(2);
  expect(inFile.stderr).toContain('does not exist and cannot be made');
});

it('refuses a download folder it cannot write (exit 2), writing nothing', async () => {
  await stackWithRecording();
  const locked = path.join(dir, 'locked');
  await mkdir(locked);
  await lockFolder(locked);
  const res = await livestream(['recordings', ...common(), '--download', locked]);
  expect(res.code).toBe(2);
  expect(res.stderr).toContain(`the folder ${locked} is not writable by this user; nothing was written`);
  expect(await readdir(locked)).toEqual([]);
});

/** Read-only for this user: chmod for others; for root (which chmod does not stop) the immutable attribute. */
async function lockFolder(folder: string): Promise<void> {
  if (process.getuid?.() !== 0) {
    await chmod(folder, 0o555);
    onTestFinished(() => chmod(folder, 0o755));
    return;
  }
  const set = spawnSync('chattr', ['+i', folder], { encoding: 'utf8' });
  if (set.status !== 0) throw new Error(`as root, a folder is made unwritable with "chattr +i", which failed: ${set.stderr || set.error?.message} (install e2fsprogs, or run the tests as a user)`);
  onTestFinished(() => void spawnSync('chattr', ['-i', folder]));
}
