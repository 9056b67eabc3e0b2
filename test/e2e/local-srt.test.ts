/**
 * SRT_LISTENER through the real CLI and the detached daemon: `up` with the passphrase on stdin,
 * an ffmpeg publisher pushing with it, a wrong one refused and counted in `status`, a real Chromium
 * playing /player/, and the passphrase on no command line of the stack, in no state file or log;
 * `down` removes its file.
 */
import { access, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.js';
import { livestream } from '../helpers/cli.js';
import { startPublisher, stopPublishers } from '../helpers/publisher.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';
import { processGroupMembers } from '../../src/targets/local/resources.js';
import { readAllFiles } from './helpers/test-stack.js';
import { waitUntil } from './helpers/hls-watch.js';

const ladder = new URL('../fixtures/ladders/tiny.json', import.meta.url).pathname;
const PASSPHRASE = `srt-e2e-${Math.random().toString(36).slice(2)}`;

describe('livestream up --target local --input SRT_LISTENER', { timeout: 240_000 }, () => {
  let dir: string;
  let endpoint: string;
  let playerUrl: string;
  const common = () => ['--stack', 'e2e', '--state-dir', path.join(dir, 'state'), '--json'];
  const status = async () => (await livestream(['status', ...common()])).json;

  beforeAll(async () => {
    dir = await makeTmpDir('e2e-srt-');
  });

  afterAll(async () => {
    await stopPublishers();
    await livestream(['down', ...common(), '--delete-logs', '--yes']);
  });

  it('up takes the passphrase on stdin, keeps it in an owner-only file and shows an srt:// endpoint without it', async () => {
    const up = await livestream(['up', '--input', 'SRT_LISTENER', '--cidr', '127.0.0.1/32', '--srt-port', '0', '--srt-latency', '200', '--srt-passphrase-stdin', '--profile', ladder, '--edge-workers', '1', '--yes', ...common()], { input: PASSPHRASE });
    expect(up.stderr).not.toMatch(/Error:/);
    expect(up.code).toBe(0);
    endpoint = up.json.outputs.pushEndpoint;
    playerUrl = up.json.outputs.playerUrl;
    expect(endpoint).toMatch(/^srt:\/\/127\.0\.0\.1:\d+\?streamid=e2e$/);
    // Shown once, in the form an encoder takes, and where it is kept.
    expect(up.json.srtUrlWithPassphrase).toBe(`${endpoint}&passphrase=${PASSPHRASE}`);
    expect(up.json.outputs.srtPassphraseFile).toBe(path.join(dir, 'state', 'e2e', 'srt-passphrase'));
    const file = path.join(dir, 'state', 'e2e', 'srt-passphrase');
    expect(await readFile(file, 'utf8')).toBe(`${PASSPHRASE}\n`);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('a publisher with a wrong passphrase is refused and counted in status', async () => {
    startPublisher('mpegts', `${endpoint}&mode=caller&passphrase=not-the-passphrase&pbkeylen=16`, 5);
    const input = await waitUntil('a passphrase refusal in status', async () => {
      const s = await status();
      return s.live.input.refusedPassphrase >= 1 ? s.live.input : undefined;
    }, 30_000);
    expect(input).toMatchObject({ type: 'SRT_LISTENER', refused: 0 });
    const human = await livestream(['status', '--stack', 'e2e', '--state-dir', path.join(dir, 'state')]);
    expect(human.stdout).toMatch(/Input\s+SRT_LISTENER, .*\d+ refused for a wrong passphrase/);
    await stopPublishers();
  });

  it('the publisher with the passphrase feeds the channel; Chromium plays it', async () => {
    startPublisher('mpegts', `${endpoint}&mode=caller&passphrase=${PASSPHRASE}&pbkeylen=16`);
    const input = await waitUntil('source frames at the encoder', async () => {
      const s = await status();
      return s.live.input.fps > 0 ? s.live.input : undefined;
    }, 60_000);
    expect(input).toMatchObject({ type: 'SRT_LISTENER', connected: true, remote: '127.0.0.1' });

    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(playerUrl);
      await page.waitForFunction(() => (window as any).__player?.video?.currentTime > 3, undefined, { timeout: 60_000 });
    } finally {
      await browser.close();
    }
  });

  it('the passphrase is on no command line of the stack, in no state file, log or status', async () => {
    const s = await status();
    const pid = Number(s.resources.find((r: any) => r.id === 'daemon').physicalId);
    const members = await processGroupMembers(pid);
    const lines = await Promise.all([pid, ...members].map((p) => readFile(`/proc/${p}/cmdline`, 'utf8').then((c) => c.split('\0').join(' '), () => '')));
    expect(lines.some((l) => l.includes('srt-input.ffconcat'))).toBe(true);
    for (const line of lines) expect(line).not.toContain(PASSPHRASE);
    expect(JSON.stringify(s)).not.toContain(PASSPHRASE);
    const stateFile = await readFile(path.join(dir, 'state', 'e2e.json'), 'utf8');
    expect(stateFile).toContain('"SRT_LISTENER"');
    expect(stateFile).not.toContain(PASSPHRASE);
    for (const f of await readAllFiles(path.join(dir, 'state', 'e2e', 'logs'))) expect(f.text, f.file).not.toContain(PASSPHRASE);
  });

  it('down removes the passphrase file', async () => {
    await stopPublishers();
    const down = await livestream(['down', '--yes', ...common()]);
    expect(down.code).toBe(0);
    await expect(access(path.join(dir, 'state', 'e2e', 'srt-passphrase'))).rejects.toThrow();
  });
});
