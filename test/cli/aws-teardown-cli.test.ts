/**
 * `down` and `status` on the AWS target through the CLI commands (in-process, against the
 * stateful fake): exit codes that mean something, and a summary that leads with what costs money.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { runDown } from '../../src/cli/commands/down.js';
import { runStatus } from '../../src/cli/commands/status.js';
import { AwsFake } from '../helpers/aws-fake.js';
import { captureOutput } from '../helpers/capture-output.js';
import { installAwsFake } from '../helpers/install-aws-fake.js';
import { INPUT_SPECS, makeHarness, makeStackUp, type AwsHarness } from '../helpers/aws-run.js';
import { livestream } from '../helpers/cli.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

// The CLI builds its own driver: make its waits take milliseconds, as the harness does.
vi.mock('../../src/targets/aws/context.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/targets/aws/context.js')>();
  const fast = { minDelay: 0.001, maxDelay: 0.002, maxWaitTime: 5 };
  return { ...actual, DEFAULT_TIMINGS: { short: fast, channel: fast, distribution: fast, pollDelayMs: 0, pollAttempts: 10, sleep: async () => {} } };
});
// The player's files are not part of this test.
vi.mock('../../src/targets/local/web/web-handler.js', () => ({ playerAssets: async () => [] }));

let fake: AwsFake;
let h: AwsHarness | undefined;

beforeEach(() => (fake = installAwsFake()));

const capture = captureOutput;

async function stackUp(): Promise<AwsHarness> {
  h = await makeStackUp(INPUT_SPECS.URL_PULL!);
  return h;
}

describe('down: exit codes', () => {
  it('a stack already torn down (state archived) exits 0 and says nothing is left', async () => {
    const s = await stackUp();
    const first = capture({ json: true, yes: true });
    expect(await runDown({ stateDir: s.dir, stack: 'teststack', deleteLogs: true, yes: true, json: true }, first.output)).toBe(0);
    expect(first.json().complete).toBe(true);
    const calls = fake.calls.length;
    const again = capture({ json: true });
    expect(await runDown({ stateDir: s.dir, stack: 'teststack', json: true }, again.output)).toBe(0);
    expect(again.json()).toMatchObject({ nothingLeft: true, complete: true, archivedState: expect.stringContaining('history/teststack-') });
    const human = capture();
    expect(await runDown({ stateDir: s.dir, stack: 'teststack' }, human.output)).toBe(0);
    expect(human.stdout()).toContain('Stack "teststack" is already torn down; nothing of it is left');
    expect(fake.calls.length).toBe(calls);
  });

  it('a stack with no state at all exits 0, saying where it looked', async () => {
    h = await makeHarness(INPUT_SPECS.URL_PULL!);
    const c = capture();
    expect(await runDown({ stateDir: h.dir, stack: 'never-made' }, c.output)).toBe(0);
    expect(c.stdout()).toContain(`Stack "never-made" has no state in ${h.dir}: nothing recorded is left to delete.`);
  });

  it('--delete-logs without a terminal and without --yes refuses, touching nothing', async () => {
    const s = await stackUp();
    const before = await s.stateText();
    const calls = fake.calls.length;
    const c = capture({ json: true });
    expect(await runDown({ stateDir: s.dir, stack: 'teststack', deleteLogs: true, json: true }, c.output)).toBe(2);
    expect(c.json().error).toMatchObject({ code: 'MISSING_OPTIONS', hint: expect.stringContaining('--yes') });
    expect(fake.calls.length).toBe(calls);
    expect(await readFile(s.store.file, 'utf8')).toBe(before);
  });

  it('StopChannel denied: exit 1, and the summary leads with the channel still RUNNING and billing', async () => {
    const s = await stackUp();
    fake.deny('medialive:StopChannel');
    const c = capture();
    expect(await runDown({ stateDir: s.dir, stack: 'teststack', yes: true }, c.output)).toBe(1);
    const lines = c.stdout().split('\n');
    expect(lines[0]).toBe('Stack "teststack" is NOT torn down, and still costs money:');
    expect(lines[1]).toMatch(/^ {2}\$ MediaLive channel teststack-channel \(\d+\) is still RUNNING and billing \(about \$\d+\.\d\d\/hour\)/);
    expect(lines[2]).toMatch(/^ {2}\$ MediaLive input teststack-input still exists/);
    expect(lines[3]).toBe('Also left:');
    expect(c.stdout()).toContain('could not delete channel (teststack-channel): ');
  });

  it('--json puts what still costs money first', async () => {
    const s = await stackUp();
    fake.deny('medialive:StopChannel');
    const c = capture({ json: true });
    expect(await runDown({ stateDir: s.dir, stack: 'teststack', yes: true, json: true }, c.output)).toBe(1);
    const json = c.json();
    expect(Object.keys(json).slice(0, 3)).toEqual(['stack', 'target', 'stillBilling']);
    expect(json.stillBilling.map((b: { id: string }) => b.id)).toEqual(['channel', 'input']);
    expect(json.stillBilling[0]).toMatchObject({ id: 'channel', state: 'RUNNING', cost: 'running' });
    expect(json.complete).toBe(false);
  });
});

describe('status: exit codes', () => {
  it('reading nothing at all exits non-zero; one unreadable resource does not', async () => {
    const s = await stackUp();
    const probe = capture({ json: true });
    const mark = fake.calls.length;
    expect(await runStatus({ stateDir: s.dir, stack: 'teststack', json: true }, probe.output)).toBe(0);
    const reads = [...new Set(fake.calls.slice(mark).map((c) => c.command).filter((c) => c !== 'GetCallerIdentity'))];
    expect(reads.length).toBeGreaterThan(5);

    fake.deny('cloudwatch:GetDashboard');
    const one = capture({ json: true });
    expect(await runStatus({ stateDir: s.dir, stack: 'teststack', json: true }, one.output)).toBe(0);
    expect(one.json().resources.find((r: { id: string }) => r.id === 'dashboard')).toMatchObject({ exists: null, status: 'ACCESS_DENIED' });

    for (const command of reads) fake.deny(`service:${command}`);
    const none = capture();
    expect(await runStatus({ stateDir: s.dir, stack: 'teststack' }, none.output)).toBe(1);
    expect(none.stdout()).toContain('cannot read: access denied');
    expect(none.stdout()).not.toContain('MISSING');
  });
});

describe('credentials once (the built CLI, no credentials anywhere)', () => {
  it('down prints exactly one failure, saying how to fix it and that the channel still runs; nothing is sent', async () => {
    const s = await stackUp();
    const home = await makeTmpDir('aws-home-');
    await writeFile(path.join(home, 'config'), '[profile other]\nregion = us-east-1\n');
    const env = {
      AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_SESSION_TOKEN: '', AWS_PROFILE: '',
      AWS_CONFIG_FILE: path.join(home, 'config'), AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'credentials'),
      AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '', AWS_CONTAINER_CREDENTIALS_FULL_URI: '', AWS_WEB_IDENTITY_TOKEN_FILE: '',
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    const before = await s.stateText();
    const down = await livestream(['down', '--yes', '--stack', 'teststack', '--state-dir', s.dir], { env });
    expect(down.code).toBe(1);
    expect(down.stderr.match(/Error:/g)).toHaveLength(1);
    expect(down.stderr).toContain('No usable AWS credentials were found. Nothing was stopped or deleted: MediaLive channel teststack-channel');
    expect(down.stderr).toContain('was RUNNING when livestream last saw it');
    expect(down.stderr).toContain('Next: run "aws configure"');
    expect(await s.stateText()).toBe(before);
  });
});
