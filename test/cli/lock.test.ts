/** A second command that would change a stack while another is changing it is refused, with exit code 4. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { livestream } from '../helpers/cli.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

describe('concurrent commands on one stack', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await makeTmpDir('lock-');
    await mkdir(path.join(dir, 'state'));
    // This test process plays the part of a running "livestream up" on stack "busy".
    await writeFile(path.join(dir, 'state', 'busy.lock'), JSON.stringify({ pid: process.pid, command: 'up', since: '2026-11-25T04:00:00.000Z' }));
  });

  it.each([['up', '--yes'], ['down', '--yes'], ['start'], ['stop']])('%s is refused while up runs', async (...args) => {
    const res = await livestream([...args, '--stack', 'busy', '--state-dir', path.join(dir, 'state'), '--json']);
    expect(res.code).toBe(4);
    expect(res.json.error.code).toBe('STATE_LOCKED');
    expect(res.json.error.message).toContain(`"livestream up" (pid ${process.pid})`);
  });

  it('status still reads the stack (it changes nothing)', async () => {
    const res = await livestream(['status', '--stack', 'busy', '--state-dir', path.join(dir, 'state'), '--json']);
    expect(res.json.error.code).toBe('STACK_NOT_FOUND');
    expect(res.code).toBe(5);
  });
});
