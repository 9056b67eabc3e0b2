/**
 * `down` a user can trust at 2 a.m., `start` failing fast and `status` telling unreadable from
 * gone: the AWS driver against the stateful fake, with chosen calls denied.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatStatus, withCost } from '../../../src/cli/commands/status.js';
import { Output } from '../../../src/cli/output.js';
import { LivestreamError } from '../../../src/core/errors.js';
import { AwsFake } from '../../helpers/aws-fake.js';
import { installAwsFake } from '../../helpers/install-aws-fake.js';
import { INPUT_SPECS, makeStackUp, type AwsHarness } from '../../helpers/aws-run.js';
import { makeTmpDir } from '../../helpers/tmp-dir.js';

let fake: AwsFake;
let h: AwsHarness | undefined;

beforeEach(() => (fake = installAwsFake()));

const channels = () => [...fake.channels.values()];
const runsOnDisk = async () => JSON.parse(await h!.stateText()).channelRuns as Array<{ start: string; end?: string; startObserved?: boolean }>;
const plainOutput = () => new Output({ json: false, debug: false, yes: true, stdinIsTTY: false });

describe('down: what costs money goes first, whatever else fails', () => {
  it('DeleteDashboards denied: the channel and input are deleted and the distribution disabled and deleted anyway', async () => {
    h = await makeStackUp(INPUT_SPECS.RTMP_PUSH!);
    fake.deny('cloudwatch:DeleteDashboards');
    const report = await h.driver.down(await h.run(), { deleteLogs: true });
    expect(report.failed.map((f) => f.id)).toEqual(['dashboard']);
    expect(report.failed[0]!.message).toContain('cloudwatch:DeleteDashboards');
    expect(channels().map((c) => c.state)).toEqual(['DELETED']);
    expect([...fake.inputs.values()].map((i) => i.state)).toEqual(['DELETED']);
    expect(fake.distributions.size).toBe(0);
    // Nothing left costs money; only what the dashboard names stays with it.
    expect(report.stillBilling).toEqual([]);
    expect(report.blocked).toEqual(['origin']);
    expect(fake.inventory().filter((r) => /^(channel|input|distribution)/.test(r))).toEqual([]);
    // The billable ones were dealt with before the dashboard was even tried.
    const calls = fake.commandNames();
    expect(calls.indexOf('StopChannel')).toBeLessThan(calls.indexOf('DeleteDashboards'));
    expect(calls.indexOf('UpdateDistribution')).toBeLessThan(calls.indexOf('DeleteDashboards'));
    // AWS said the channel is deleted: its run is closed.
    expect((await runsOnDisk()).every((r) => r.end)).toBe(true);
  });

  it('a failing bucket-policy delete still leaves the distribution disabled (and deleted)', async () => {
    h = await makeStackUp(INPUT_SPECS.URL_PULL!);
    fake.deny('s3:DeleteBucketPolicy');
    const report = await h.driver.down(await h.run(), { deleteLogs: false });
    expect(report.failed.map((f) => f.id)).toEqual(['origin-policy']);
    expect(fake.distributions.size).toBe(0);
    expect(channels().map((c) => c.state)).toEqual(['DELETED']);
    expect(report.stillBilling).toEqual([]);
  });

  it('a distribution that cannot be disabled leads the report as still billing', async () => {
    h = await makeStackUp(INPUT_SPECS.URL_PULL!);
    fake.deny('cloudfront:UpdateDistribution');
    const report = await h.driver.down(await h.run(), { deleteLogs: false });
    expect(channels().map((c) => c.state)).toEqual(['DELETED']);
    expect(report.stillBilling).toEqual([
      expect.objectContaining({ id: 'distribution', state: 'enabled', cost: 'traffic', message: expect.stringContaining('still enabled') }),
    ]);
  });
});

describe('down never claims a channel stopped that is not', () => {
  it('StopChannel denied: the report says RUNNING and billing, the run stays open and status keeps counting', async () => {
    h = await makeStackUp(INPUT_SPECS.URL_PULL!);
    fake.deny('medialive:StopChannel');
    const report = await h.driver.down(await h.run(), { deleteLogs: false });
    expect(report.failed.map((f) => f.id)).toContain('channel');
    expect(report.failed.find((f) => f.id === 'channel')!.message).toContain('medialive:StopChannel');
    // What costs money leads: the channel at its full rate, then the input it holds.
    expect(report.stillBilling).toEqual([
      expect.objectContaining({ id: 'channel', state: 'RUNNING', cost: 'running', message: expect.stringContaining('is still RUNNING and billing') }),
      expect.objectContaining({ id: 'input', cost: 'idle' }),
    ]);
    expect(channels()[0]!.state).toBe('RUNNING');
    // The distribution did not wait for the channel.
    expect(fake.distributions.size).toBe(0);
    const runs = await runsOnDisk();
    expect(runs).toHaveLength(1);
    expect(runs[0]!.end).toBeUndefined();

    const status = await h.driver.status(await h.run());
    expect(status.channel.state).toBe('RUNNING');
    const hourLater = withCost(status, h.store.get()!, h.driver, new Date(Date.parse(runs[0]!.start) + 3600_000));
    expect(hourLater.runningSeconds).toBe(3600);
    expect(hourLater.costSoFar).toBeGreaterThan(1);
  });

  it('down of a RUNNING channel with no recorded run records the run it ends', async () => {
    h = await makeStackUp(INPUT_SPECS.URL_PULL!);
    await h.store.update((s) => void (s.channelRuns = []));
    fake.deny('cloudwatch:DeleteDashboards');
    await h.driver.down(await h.run(), { deleteLogs: false });
    expect(await runsOnDisk()).toEqual([{ start: expect.any(String), end: expect.any(String), startObserved: true }]);
  });

  it('DeleteChannel denied after the stop: the run closes (AWS said IDLE) and the idle channel is still reported', async () => {
    h = await makeStackUp(INPUT_SPECS.URL_PULL!);
    fake.deny('medialive:DeleteChannel');
    const report = await h.driver.down(await h.run(), { deleteLogs: false });
    expect(channels()[0]!.state).toBe('IDLE');
    expect(report.stillBilling![0]).toMatchObject({ id: 'channel', state: 'IDLE', cost: 'idle', message: expect.stringContaining('still exists (IDLE)') });
    expect((await runsOnDisk())[0]!.end).toEqual(expect.any(String));
  });

  it('a RUNNING channel with no recorded run (killed right after StartChannel): status opens one, "at least since"', async () => {
    h = await makeStackUp(INPUT_SPECS.URL_PULL!);
    await h.store.update((s) => void (s.channelRuns = []));
    const status = await h.driver.status(await h.run());
    expect(h.host.codes()).toContain('CHANNEL_RUN_FOUND');
    const runs = await runsOnDisk();
    expect(runs).toEqual([{ start: expect.any(String), startObserved: true }]);
    const later = withCost(status, h.store.get()!, h.driver, new Date(Date.parse(runs[0]!.start) + 600_000));
    expect(later.runningSeconds).toBe(600);
    expect(later.runningAtLeast).toBe(true);
    expect(later.costSoFar).toBeGreaterThan(0);
    expect(formatStatus(plainOutput(), later)).toContain('Running at least 10m00s, cost so far ≥ $');
    // Seen again: the same run, not a second one.
    await h.driver.status(await h.run());
    expect(await runsOnDisk()).toHaveLength(1);
    // Stopped: AWS says IDLE, the run ends.
    await h.driver.stop(await h.run());
    expect((await runsOnDisk())[0]!.end).toEqual(expect.any(String));
  });
});

describe('credentials checked once, before anything', () => {
  const saved = { ...process.env };
  let home: string;
  beforeEach(async () => {
    home = await makeTmpDir('aws-home-');
    await writeFile(path.join(home, 'config'), '[profile other]\nregion = us-east-1\n');
    for (const k of Object.keys(process.env)) if (/^AWS_/.test(k)) delete process.env[k];
    process.env.AWS_CONFIG_FILE = path.join(home, 'config');
    process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(home, 'credentials');
    // No instance metadata lookups: nothing leaves this machine.
    process.env.AWS_EC2_METADATA_DISABLED = 'true';
  });
  afterEach(async () => {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  });

  it('no credentials: down sends nothing, fails once saying how to fix it and that the channel still runs', async () => {
    h = await makeStackUp(INPUT_SPECS.URL_PULL!);
    const before = await h.stateText();
    h.host.progressLog.length = 0;
    // From here the real SDK runs, and finds no credentials.
    fake.restore();
    const err = await h.driver.down(await h.run(), { deleteLogs: false }).then(() => undefined, (e) => e);
    expect(err).toBeInstanceOf(LivestreamError);
    expect(err.code).toBe('AWS_NO_CREDENTIALS');
    expect(err.message).toContain('No usable AWS credentials were found.');
    expect(err.message).toContain('Nothing was stopped or deleted');
    expect(err.message).toMatch(/channel teststack-channel \(\d+\) was RUNNING/);
    expect(err.hint).toContain('aws configure');
    // Not one resource was tried, and the state (the open run included) is untouched.
    expect(h.host.progressLog).toEqual([]);
    expect(await h.stateText()).toBe(before);
  });

  it('a profile that does not exist is named, with the files it was looked for in', async () => {
    h = await makeStackUp({ ...INPUT_SPECS.URL_PULL!, awsProfile: 'nope' });
    fake.restore();
    const err = await h.driver.status(await h.run()).then(() => undefined, (e) => e);
    expect(err.code).toBe('AWS_NO_CREDENTIALS');
    expect(err.message).toBe(`The AWS profile "nope" does not exist: it is in neither ${path.join(home, 'config')} nor ${path.join(home, 'credentials')}.`);
    expect(err.hint).toContain('aws configure --profile nope');
  });

  it('a profile that exists but gives no credentials is named too', async () => {
    h = await makeStackUp({ ...INPUT_SPECS.URL_PULL!, awsProfile: 'other' });
    fake.restore();
    const err = await h.driver.stop(await h.run()).then(() => undefined, (e) => e);
    expect(err.code).toBe('AWS_NO_CREDENTIALS');
    expect(err.message).toBe('No usable AWS credentials were found (profile "other").');
  });
});

describe('start fails fast', () => {
  it('a channel MediaLive puts back to IDLE fails at once with MediaLive\'s reason, recording no run', async () => {
    h = await makeStackUp({ ...INPUT_SPECS.URL_PULL!, start: false });
    const reason = 'Unable to open input file [https://example.com/live/index.m3u8]: [Failed to read data: HTTP error 404]';
    channels()[0]!.startFails = { AlertType: 'Failed to Create Input', Message: reason };
    const describesBefore = fake.commandNames().filter((c) => c === 'DescribeChannel').length;
    const err = await h.driver.start(await h.run()).then(() => undefined, (e) => e);
    expect(err).toBeInstanceOf(LivestreamError);
    expect(err.code).toBe('CHANNEL_START_FAILED');
    expect(err.message).toContain('put the channel back to IDLE');
    expect(err.message).toContain(`MediaLive says: Failed to Create Input: ${reason}`);
    expect(err.hint).toContain('#/channels/');
    // One read saw STARTING, the next IDLE: it stopped there instead of polling until the timeout.
    expect(fake.commandNames().filter((c) => c === 'DescribeChannel').length - describesBefore).toBeLessThanOrEqual(3);
    expect(await runsOnDisk()).toEqual([]);
    // The next start works.
    await h.driver.start(await h.run());
    expect(channels()[0]!.state).toBe('RUNNING');
  });

  it('a start whose alerts cannot be read still fails at once, saying so', async () => {
    h = await makeStackUp({ ...INPUT_SPECS.URL_PULL!, start: false });
    channels()[0]!.startFails = { AlertType: 'Failed to Create Input', Message: 'x' };
    fake.deny('medialive:ListAlerts');
    const err = await h.driver.start(await h.run()).then(() => undefined, (e) => e);
    expect(err.code).toBe('CHANNEL_START_FAILED');
    expect(err.message).toContain('MediaLive gave no reason in its alerts (its alerts could not be read: AccessDeniedException)');
  });
});

describe('status: cannot read is not gone', () => {
  it('a denied read shows "cannot read: access denied", never MISSING', async () => {
    h = await makeStackUp(INPUT_SPECS.URL_PULL!);
    fake.deny('cloudwatch:GetDashboard');
    fake.deny('medialive:DescribeChannel');
    const status = await h.driver.status(await h.run());
    const dashboard = status.resources.find((r) => r.id === 'dashboard')!;
    expect(dashboard).toMatchObject({ exists: null, status: 'ACCESS_DENIED', detail: 'cannot read: access denied (needs cloudwatch:GetDashboard)' });
    expect(status.channel).toEqual({ state: 'UNKNOWN', detail: 'cannot read: access denied (needs medialive:DescribeChannel)' });
    expect(status.resources.find((r) => r.id === 'role')!.exists).toBe(true);
    const text = formatStatus(plainOutput(), withCost(status, h.store.get()!, h.driver, new Date()));
    expect(text).toContain('cannot read: access denied (needs cloudwatch:GetDashboard)');
    expect(text).not.toContain('MISSING');
    // Unreadable is not stopped: the recorded run stays open.
    expect((await runsOnDisk())[0]!.end).toBeUndefined();
  });
});
