/** `up --foreground`: the stack runs in the terminal's process, and Ctrl-C tears it down cleanly. */
import { spawn } from 'node:child_process';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { livestream } from '../helpers/cli.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

const bin = new URL('../../bin/livestream.js', import.meta.url).pathname;
const ladder = new URL('../fixtures/ladders/tiny.json', import.meta.url).pathname;

describe('livestream up --foreground', { timeout: 180_000 }, () => {
  let dir: string;
  beforeAll(async () => (dir = await makeTmpDir('e2e-fg-')));
  afterAll(async () => {
    await livestream(['down', '--stack', 'fg', '--state-dir', path.join(dir, 'state'), '--delete-logs', '--yes']);
  });

  it('serves until Ctrl-C, then tears down and keeps the logs', async () => {
    const stateDir = path.join(dir, 'state');
    const child = spawn(process.execPath, [bin, 'up', '--foreground', '--input', 'URL_PULL', '--profile', ladder, '--stack', 'fg', '--state-dir', stateDir, '--yes'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

    const deadline = Date.now() + 120_000;
    while (!stderr.includes('Running in the foreground') && Date.now() < deadline) {
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(stderr).toContain('Running in the foreground');
    const playback = /Playback URL: (\S+)/.exec(stderr)![1]!;
    expect((await fetch(playback)).status).toBe(200);

    // Another command can read the stack while it runs in the foreground.
    const status = await livestream(['status', '--stack', 'fg', '--state-dir', stateDir, '--json']);
    expect(status.json.channel.state).toBe('RUNNING');
    expect(Number(status.json.resources.find((r: { id: string }) => r.id === 'daemon').physicalId)).toBe(child.pid);

    child.kill('SIGINT');
    expect(await exited).toBe(0);
    await expect(fetch(playback)).rejects.toThrow();
    // Torn down as `down` would: the state in history/, naming the logs and recordings it kept.
    const archived = await readdir(path.join(stateDir, 'history'));
    expect(archived).toHaveLength(1);
    const state = JSON.parse(await readFile(path.join(stateDir, 'history', archived[0]), 'utf8'));
    expect(Object.keys(state.resources).sort()).toEqual(['logs', 'recordings']);
    expect(state.runtime.tornDown).toBe(true);
  });
});
