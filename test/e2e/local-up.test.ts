/**
 * The whole event on one machine, through the real CLI: `livestream up` with the built-in demo
 * source (URL_PULL without a URL: drawn in the decoder), a real Chromium playing /player/, status,
 * stop/start, and `down` keeping the logs.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/browser.js';
import { livestream } from '../helpers/cli.js';
import { isAlive } from '../../src/core/state.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

const ladder = new URL('../fixtures/ladders/tiny.json', import.meta.url).pathname;

describe('livestream up --target local (demo source)', { timeout: 240_000 }, () => {
  let dir: string;
  let browser: Browser | undefined;
  let outputs: Record<string, string>;
  const common = () => ['--stack', 'e2e', '--state-dir', path.join(dir, 'state'), '--json'];

  beforeAll(async () => {
    dir = await makeTmpDir('e2e-local-');
  });

  afterAll(async () => {
    await browser?.close();
    // Whatever happened, leave no daemon behind.
    await livestream(['down', ...common(), '--delete-logs', '--yes']);
  });

  it('up returns once the stream plays through the edge, and prints the URLs', async () => {
    // Two edge processes (node:cluster) behind the shield: the multi-process path, through the real CLI.
    const up = await livestream(['up', '--input', 'URL_PULL', '--profile', ladder, '--edge-workers', '2', '--yes', ...common()]);
    expect(up.stderr).not.toMatch(/Error:/);
    expect(up.code).toBe(0);
    outputs = up.json.outputs;
    expect(outputs.playerUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/player\/$/);
    expect(outputs.playbackUrl).toMatch(/\/stream\/index\.m3u8$/);
    expect(outputs.dashboardUrl).toMatch(/\/dashboard\/$/);
    const master = await (await fetch(outputs.playbackUrl!)).text();
    expect(master.match(/#EXT-X-STREAM-INF/g)).toHaveLength(2);
  });

  it('a real Chromium plays /player/ with both renditions', async () => {
    browser = await launchChromium();
    const page = await browser.newPage();
    await page.goto(outputs.playerUrl!);
    await page.waitForFunction(() => (window as any).__player?.video?.currentTime > 3, undefined, { timeout: 60_000 });
    const levels = await page.evaluate(() => (window as any).__player.hls.levels.map((l: any) => `${l.width}x${l.height}`));
    expect(levels.sort()).toEqual(['320x180', '480x270']);
    await page.screenshot({ path: path.join(dir, 'player.png') });
  });

  it('status reads the running stack; a second up changes nothing; a changed spec is refused', async () => {
    const status = await livestream(['status', ...common()]);
    expect(status.code).toBe(0);
    expect(status.json.channel.state).toBe('RUNNING');
    expect(status.json.live.segmentsWritten).toBeGreaterThan(0);
    // Input state as the issue lists it: connected, frame rate; the demo is drawn in the decoder
    // (no HLS hop), so it has no compressed bitrate, and status says what it is.
    expect(status.json.live.input).toMatchObject({ type: 'URL_PULL', connected: true, source: 'built-in demo drawn in the decoder (no HLS hop: adds no delay)' });
    expect(status.json.live.input.fps).toBeGreaterThan(0);
    const human = await livestream(['status', '--stack', 'e2e', '--state-dir', path.join(dir, 'state')]);
    expect(human.stdout).toMatch(/Input\s+URL_PULL, built-in demo drawn in the decoder \(no HLS hop: adds no delay\), connected, \d+\.\d fps/);
    // The tiny ladder's 2 s segments; the Chromium above may have reported its delay by now.
    expect(human.stdout).toMatch(/Latency\s+standard \(2 s segments\); (no player has reported its delay yet|a viewer was \d+\.\d s behind real time)/);
    // The tiny ladder names its preset and scaler: pinned, nothing calibrated.
    expect(status.json.live.encoderChoice).toEqual({ preset: 'ultrafast', scaler: 'fast_bilinear', how: 'pinned' });
    expect(human.stdout).toMatch(/x264\s+ultrafast \+ fast_bilinear: pinned by the ladder file/);
    expect(status.json.resources.map((r: any) => [r.id, r.exists])).toEqual([['credential', true], ['store', true], ['logs', true], ['work', true], ['recordings', true], ['daemon', true]]);

    const again = await livestream(['up', '--input', 'URL_PULL', '--profile', ladder, '--edge-workers', '2', '--yes', ...common()]);
    expect(again.code).toBe(0);
    expect(again.json.outputs.playerUrl).toBe(outputs.playerUrl);

    const changed = await livestream(['up', '--input', 'URL_PULL', '--profile', 'SD-540p', '--yes', ...common()]);
    expect(changed.code).toBe(2);
    expect(changed.json.error.code).toBe('STACK_SPEC_CHANGED');

    // --foreground starts a stack in the terminal: not while its daemon runs it in the background.
    const foreground = await livestream(['up', '--foreground', '--input', 'URL_PULL', '--profile', ladder, '--edge-workers', '2', '--yes', ...common()]);
    expect(foreground.code).toBe(4);
    expect(foreground.json.error.code).toBe('STATE_LOCKED');
    expect(foreground.json.error.message).toMatch(/already runs in the background \(process \d+\)/);
  });

  it('stop and start the channel, idempotently', async () => {
    const stop = await livestream(['stop', ...common()]);
    expect(stop.json.channel.state).toBe('IDLE');
    expect((await livestream(['stop', ...common()])).json.channel.state).toBe('IDLE');
    const start = await livestream(['start', ...common()]);
    expect(start.json.channel.state).toBe('RUNNING');
    // The new run records too, from its first segment (2 s with the tiny ladder, later on a busy
    // machine; a run's recording with no segment yet is listed, and removed if it ends so): wait
    // for its first bytes, so the down below finds one recording per run.
    let recordings: Array<{ bytes: number }> = [];
    const secondHasBytes = () => recordings.length === 2 && recordings[1]!.bytes > 0;
    for (let i = 0; i < 60 && !secondHasBytes(); i++) {
      recordings = (await livestream(['recordings', ...common()])).json.recordings;
      if (!secondHasBytes()) await new Promise((r) => setTimeout(r, 1000));
    }
    expect(recordings).toHaveLength(2);
    expect(recordings[1]!.bytes).toBeGreaterThan(0);
  });

  it('status --all lists the stack; down stops everything and keeps the logs and recordings; --delete-logs and --delete-recordings remove them', async () => {
    const all = await livestream(['status', '--all', '--state-dir', path.join(dir, 'state'), '--json']);
    expect(all.json.stacks.map((s: any) => [s.stack, s.target, s.channel])).toEqual([['e2e', 'local', 'RUNNING']]);

    const statusBefore = await livestream(['status', ...common()]);
    const pid = Number(statusBefore.json.resources.find((r: any) => r.id === 'daemon').physicalId);
    const down = await livestream(['down', '--yes', ...common()]);
    expect(down.code).toBe(0);
    expect(down.json.complete).toBe(true);
    expect(isAlive(pid)).toBe(false);
    const logs = path.join(dir, 'state', 'e2e', 'logs');
    expect(down.json.keptNames).toEqual([logs]);
    expect((await stat(logs)).isDirectory()).toBe(true);
    expect(await readdir(path.join(logs, 'origin'))).not.toEqual([]);
    // The recordings too: one per run of the channel (up, then stop and start: two).
    expect((await readdir(path.join(dir, 'state', 'e2e'))).sort()).toEqual(['logs', 'recordings']);
    expect(down.json.recordings).toMatchObject({ action: 'kept', count: 2 });
    expect(down.json.recordings.bytes).toBeGreaterThan(0);

    // The state moved to history/ (no torn-down stack left among the live ones); --delete-logs still
    // finds the logs through it.
    expect(down.json.archivedState).toMatch(/history\/e2e-.*\.json$/);
    expect((await livestream(['status', ...common()])).code).toBe(5);
    const purge = await livestream(['down', '--delete-logs', '--delete-recordings', '--yes', ...common()]);
    expect(purge.json.deleted.sort()).toEqual(['logs', 'recordings']);
    expect(purge.json.recordings).toMatchObject({ action: 'deleted', count: 2, bytes: down.json.recordings.bytes });
    expect(purge.json.archivedState).toMatch(/history\/e2e-.*\.json$/);
    expect(await readdir(path.join(dir, 'state'))).toEqual(['history']);
    expect((await livestream(['status', ...common()])).code).toBe(5);
  });
});
