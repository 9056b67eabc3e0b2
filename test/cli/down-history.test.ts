/**
 * `down` on the local target moves the state to history/ even while the logs folder stays (the
 * README's promise; it used to stay in the state folder as DELETED), and `down --delete-logs`
 * still finds the logs through the archived state. Real CLI; a stack that keeps only its logs.
 */
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeEach, expect, it } from 'vitest';
import { StateStore } from '../../src/core/state.js';
import { validateSpec } from '../../src/core/spec.js';
import { loadProfile } from '../../src/core/profiles.js';
import { livestream } from '../helpers/cli.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

let dir: string;
beforeEach(async () => (dir = await makeTmpDir('down-history-')));

it('archives a torn-down local stack into history/, keeps its logs, and --delete-logs removes them later', async () => {
  const stateDir = path.join(dir, 'state');
  const logs = path.join(stateDir, 'ev', 'logs');
  await mkdir(path.join(logs, 'origin'), { recursive: true });
  await writeFile(path.join(logs, 'origin', 'origin-access-1.jsonl'), '{}\n');
  const store = new StateStore(stateDir, 'ev');
  await store.create({ target: 'local', spec: validateSpec({ stack: 'ev', target: 'local' }).spec!, ladder: await loadProfile('SD-540p') });
  await store.putResource({ id: 'logs', kind: 'logs-folder', name: logs, physicalId: logs, status: 'ready', attrs: {} });
  const common = ['--stack', 'ev', '--state-dir', stateDir, '--json', '--yes'];

  const down = await livestream(['down', ...common]);
  expect(down.code).toBe(0);
  expect(down.json.keptNames).toEqual([logs]);
  expect(down.json.archivedState).toMatch(/history\/ev-.*\.json$/);
  expect((await readdir(stateDir)).sort()).toEqual(['ev', 'history']); // no ev.json: nothing listed as DELETED
  expect((await stat(path.join(logs, 'origin', 'origin-access-1.jsonl'))).isFile()).toBe(true);
  const all = await livestream(['status', '--all', '--state-dir', stateDir, '--json']);
  expect(all.json.stacks).toEqual([]);

  const purge = await livestream(['down', '--delete-logs', ...common]);
  expect(purge.code).toBe(0);
  expect(purge.json.deleted).toEqual(['logs']);
  expect(purge.json.archivedState).toMatch(/history\/ev-.*\.json$/);
  expect(await readdir(stateDir)).toEqual(['history']);
  expect(await readdir(path.join(stateDir, 'history'))).toHaveLength(1); // the same record, moved back and forth
  // Nothing is kept any more: another --delete-logs finds nothing left, which is success (issue 8.17).
  const again = await livestream(['down', '--delete-logs', ...common]);
  expect(again.code).toBe(0);
  expect(JSON.parse(again.stdout)).toMatchObject({ stack: 'ev', complete: true, nothingLeft: true });
});
