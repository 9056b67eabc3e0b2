/**
 * The scheduled stop on the local target (issue #12), through the real CLI and daemon: `up
 * --stop-after 20s` stops the channel by itself, the daemon writes that into the state without any
 * command running, the stack stays (the edge answers), `start` runs it again with a new end, and
 * `schedule` moves and clears the end.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { livestream } from '../helpers/cli.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

const ladder = new URL('../fixtures/ladders/tiny.json', import.meta.url).pathname;

describe('livestream up --stop-after 20s --target local', { timeout: 300_000 }, () => {
  let dir: string;
  let outputs: Record<string, string>;
  const stateDir = () => path.join(dir, 'state');
  const common = () => ['--stack', 'stops', '--state-dir', stateDir(), '--json'];
  const readState = async () => JSON.parse(await readFile(path.join(stateDir(), 'stops.json'), 'utf8'));

  beforeAll(async () => {
    dir = await makeTmpDir('e2e-stop-');
  });

  afterAll(async () => {
    await livestream(['down', ...common(), '--delete-logs', '--yes']);
  });

  it('up sets the end 20 s after the channel started, and says so', async () => {
    const up = await livestream(['up', '--input', 'URL_PULL', '--profile', ladder, '--edge-workers', '1', '--stop-after', '20s', '--yes', ...common()]);
    expect(up.stderr).not.toMatch(/Error:/);
    expect(up.code).toBe(0);
    outputs = up.json.outputs;
    const state = await readState();
    expect(state.spec.stop).toEqual({ kind: 'after', seconds: 20 });
    expect(Date.parse(state.runtime.stopAt) - Date.parse(state.channelRuns[0].start)).toBe(20_000);
  });

  it('the daemon stops the channel on time and records it with no command running', async () => {
    // Only the state file is read here: no CLI command runs that could record the stop instead.
    await vi.waitUntil(async () => (await readState()).channelRuns[0]?.end !== undefined, { timeout: 120_000, interval: 1_000 });
    const state = await readState();
    const stopAt = Date.parse(state.channelRuns[0].start) + 20_000;
    const end = Date.parse(state.channelRuns[0].end);
    expect(end).toBeGreaterThanOrEqual(stopAt);
    // Stopped by its own timer, not by whatever command came later.
    expect(end - stopAt).toBeLessThan(15_000);
    expect(state.runtime.stoppedBy).toBe('schedule');
    expect(state.runtime.stopAt).toBeUndefined();
    const log = await readFile(path.join(stateDir(), 'stops', 'logs', 'daemon.log'), 'utf8');
    expect(log).toContain('scheduled stop: stopping the channel');
  });

  it('status says the schedule stopped it; the stack stays and the edge answers', async () => {
    const status = await livestream(['status', ...common()]);
    expect(status.code).toBe(0);
    expect(status.json.channel.state).toBe('IDLE');
    expect(status.json.stop).toMatchObject({ rule: { kind: 'after', seconds: 20 }, stoppedBy: 'schedule' });
    expect(status.json.resources.every((r: { exists: boolean }) => r.exists)).toBe(true);
    const human = await livestream(['status', '--stack', 'stops', '--state-dir', stateDir()]);
    expect(human.stdout).toMatch(/Stops\s+stopped by the schedule at \d\d:\d\d; "livestream start" runs it again with a new end/);
    const player = await fetch(outputs.playerUrl!);
    expect(player.status).toBe(200);
    const all = await livestream(['status', '--all', '--state-dir', stateDir()]);
    expect(all.stdout).toMatch(/stops\s.*IDLE.*stopped by the schedule/);
  });

  it('start runs it again with a new end', async () => {
    const start = await livestream(['start', ...common()]);
    expect(start.code).toBe(0);
    expect(start.json.channel.state).toBe('RUNNING');
    const state = await readState();
    expect(state.channelRuns).toHaveLength(2);
    expect(state.runtime.stoppedBy).toBeUndefined();
    expect(Date.parse(state.runtime.stopAt) - Date.parse(state.channelRuns[1].start)).toBe(20_000);
    expect(start.json.stop).toMatchObject({ stopAt: state.runtime.stopAt, line: expect.stringMatching(/^stops at \d\d:\d\d \(in \d+s\)$/) });
  });

  it('schedule --stop-after moves the end, schedule --clear removes it, and the channel keeps running', async () => {
    const moved = await livestream(['schedule', '--stop-after', '1h', ...common()]);
    expect(moved.code).toBe(0);
    const state = await readState();
    expect(moved.json.stopAt).toBe(new Date(Date.parse(state.channelRuns[1].start) + 3_600_000).toISOString());
    // formatSpan rounds: an hour less the second the command took reads "59m" or "1h".
    expect(moved.json.line).toMatch(/^stops at \d\d:\d\d \(in (59m|1h)\)$/);
    const human = await livestream(['status', '--stack', 'stops', '--state-dir', stateDir()]);
    expect(human.stdout).toMatch(/Stops\s+stops at \d\d:\d\d \(in (59m|1h)\)/);

    const cleared = await livestream(['schedule', '--clear', ...common()]);
    expect(cleared.code).toBe(0);
    expect(cleared.json.rule).toEqual({ kind: 'none' });
    expect(cleared.json.stopAt).toBeUndefined();
    expect((await readState()).runtime.stopAt).toBeUndefined();
    // Past the 20 s the first rule would have given this run: nothing stops it now.
    await new Promise((r) => setTimeout(r, 25_000));
    const status = await livestream(['status', ...common()]);
    expect(status.json.channel.state).toBe('RUNNING');
    expect(status.json.stop.line).toBe('runs until stopped (--stop-after none)');
  });

  it('up again keeps the recorded rule, and a new --stop-after on up applies as schedule would', async () => {
    const same = await livestream(['up', '--input', 'URL_PULL', '--profile', ladder, '--edge-workers', '1', '--yes', ...common()]);
    expect(same.code).toBe(0);
    expect((await readState()).spec.stop).toEqual({ kind: 'none' });
    const later = await livestream(['up', '--input', 'URL_PULL', '--profile', ladder, '--edge-workers', '1', '--stop-after', '2h', '--yes', ...common()]);
    expect(later.code).toBe(0);
    const state = await readState();
    expect(state.spec.stop).toEqual({ kind: 'after', seconds: 7200 });
    expect(Date.parse(state.runtime.stopAt) - Date.parse(state.channelRuns[1].start)).toBe(7_200_000);
  });
});
