import { beforeEach, describe, expect, it } from 'vitest';
import { LivestreamError } from '../../../src/core/errors.js';
import { AwsFake, awsError } from '../../helpers/aws-fake.js';
import { installAwsFake } from '../../helpers/install-aws-fake.js';
import { INPUT_SPECS, makeHarness, MEDIASTORE, type AwsHarness } from '../../helpers/aws-run.js';

let fake: AwsFake;
let h: AwsHarness | undefined;

beforeEach(() => (fake = installAwsFake()));

const LOGS_BUCKET = 'bucket:teststack-logs-123456789012-us-east-1';

describe('AWS lifecycle against the stateful fake', () => {
  it('up -> status -> stop -> start -> down leaves only the kept logs bucket', async () => {
    h = await makeHarness(INPUT_SPECS.URL_PULL!);
    const outputs = await h.driver.up(await h.run());
    const dist = [...fake.distributions.values()][0]!;
    expect(outputs.playbackUrl).toBe(`https://${dist.domain}/stream/index.m3u8`);
    expect(outputs.playerUrl).toBe(`https://${dist.domain}/player/`);
    expect(outputs.dashboardUrl).toContain('dashboards:name=teststack-us-east-1');
    expect(outputs.channelConsole).toContain('/channels/');
    expect(outputs.pushEndpoint).toBeUndefined();
    expect(fake.inventory()).toEqual([
      'bucket:teststack-logs-123456789012-us-east-1',
      'bucket:teststack-origin-123456789012-us-east-1',
      'cache-policy:teststack-us-east-1-playlists',
      'cache-policy:teststack-us-east-1-segments',
      'channel:teststack-channel',
      'dashboard:teststack-us-east-1',
      'distribution:livestream teststack (us-east-1)',
      'function:teststack-us-east-1-player-index',
      'input:teststack-input',
      'oac:teststack-us-east-1-oac',
      'role:teststack-medialive-us-east-1',
      'role:teststack-scheduler-us-east-1',
      'schedule-group:teststack-livestream',
      'schedule:teststack-livestream/teststack-stop-channel',
    ]);
    const channel = [...fake.channels.values()][0]!;
    expect(channel.state).toBe('RUNNING');
    // The default end: AWS stops the channel 12 h after the start up made.
    const startedAt = Date.parse(JSON.parse(await h.stateText()).channelRuns[0].start);
    const defaultEnd = new Date(startedAt + 12 * 3600_000);
    const schedule = fake.schedules.get('teststack-livestream/teststack-stop-channel')!;
    expect(schedule.request.ScheduleExpression).toBe(`at(${new Date(Math.ceil(defaultEnd.getTime() / 1000) * 1000).toISOString().slice(0, 19)})`);
    expect(JSON.parse(schedule.request.Target.Input)).toEqual({ ChannelId: channel.id });
    // The distribution is not waited for on create.
    expect(fake.commandNames()).not.toContain('GetDistribution');
    const origin = fake.buckets.get('teststack-origin-123456789012-us-east-1')!;
    expect(JSON.parse(origin.policy!).Statement[1].Condition.StringEquals['AWS:SourceArn']).toBe(dist.arn);
    expect(origin.objects.get('player/index.html')?.contentType).toBe('text/html; charset=utf-8');
    const state = JSON.parse(await h.stateText());
    expect(state.runtime.accountId).toBe('123456789012');
    expect(state.channelRuns).toHaveLength(1);
    expect(state.outputs.playbackUrl).toBe(outputs.playbackUrl);

    const status = await h.driver.status(await h.run());
    expect(status.channel.state).toBe('RUNNING');
    // The viewer's delay lives in each player on AWS: status names the mode and says where to look.
    expect(status.summary).toContainEqual(['Latency', 'standard (4 s segments); each viewer\'s delay behind real time is shown in the player ("Behind real time")']);
    expect(status.summary?.[0]?.[0]).toBe('Stops');
    expect(status.resources.every((r) => r.exists)).toBe(true);
    expect(status.resources.map((r) => r.id).sort()).toEqual(
      ['cache-policy-playlists', 'cache-policy-segments', 'channel', 'dashboard', 'distribution', 'input', 'logs-bucket', 'origin', 'origin-oac', 'origin-policy', 'player', 'player-function', 'role', 'stop-schedule', 'stop-schedule-group', 'stop-schedule-role'].sort(),
    );

    await h.driver.stop(await h.run());
    expect(channel.state).toBe('IDLE');
    // Stopped: no end to enforce, so no schedule (removed once, by the lifecycle).
    expect(fake.schedules.size).toBe(0);
    expect(fake.commandNames().filter((c) => c === 'DeleteSchedule')).toHaveLength(1);
    await h.driver.stop(await h.run());
    expect(h.host.codes()).toContain('CHANNEL_ALREADY_STOPPED');
    expect(fake.commandNames().filter((c) => c === 'StopChannel')).toHaveLength(1);

    await h.driver.start(await h.run());
    expect(channel.state).toBe('RUNNING');
    await h.driver.start(await h.run());
    expect(h.host.codes()).toContain('CHANNEL_ALREADY_RUNNING');
    expect(fake.commandNames().filter((c) => c === 'StartChannel')).toHaveLength(2);
    expect(JSON.parse(await h.stateText()).channelRuns).toHaveLength(2);
    // The new run has its own end, 12 h after its start.
    const restarted = JSON.parse(await h.stateText());
    expect(restarted.runtime.stopAt).toBe(new Date(Date.parse(restarted.channelRuns[1].start) + 12 * 3600_000).toISOString());
    expect(fake.schedules.size).toBe(1);

    const report = await h.driver.down(await h.run(), { deleteLogs: false });
    expect(report.failed).toEqual([]);
    expect(report.kept).toEqual(['logs-bucket']);
    expect(report.keptNames).toEqual(['teststack-logs-123456789012-us-east-1']);
    // The state stays, holding only the kept logs bucket, so "down --delete-logs" can still find it.
    expect(report.archivedState).toBeUndefined();
    expect(fake.inventory()).toEqual([LOGS_BUCKET]);
    const kept = JSON.parse(await h.stateText());
    expect(Object.keys(kept.resources)).toEqual(['logs-bucket']);
    expect(kept.runtime.tornDown).toBe(true);
    expect((await h.driver.status(await h.run())).channel.state).toBe('DELETED');
    const later = await h.driver.down(await h.run(), { deleteLogs: true });
    expect(later.deleted).toEqual(['logs-bucket']);
    expect(later.archivedState).toBeDefined();
    expect(fake.inventory()).toEqual([]);
    expect(await h.stateText()).toBe('');
    expect(await h.archived()).toHaveLength(1);
  });

  it('down stops a running channel before deleting it, and --delete-logs removes the logs bucket too', async () => {
    h = await makeHarness(INPUT_SPECS.RTMP_PUSH!);
    await h.driver.up(await h.run());
    const report = await h.driver.down(await h.run(), { deleteLogs: true });
    expect(report.failed).toEqual([]);
    expect(report.keptNames).toEqual([]);
    expect(fake.inventory()).toEqual([]);
    const names = fake.commandNames();
    expect(names.indexOf('StopChannel')).toBeLessThan(names.indexOf('DeleteChannel'));
    expect(names.indexOf('DeleteChannel')).toBeLessThan(names.indexOf('DeleteInput'));
    expect(names.indexOf('DeleteInput')).toBeLessThan(names.indexOf('DeleteInputSecurityGroup'));
    expect(names.indexOf('UpdateDistribution')).toBeLessThan(names.indexOf('DeleteDistribution'));
  });

  it('running up again on a complete stack changes nothing', async () => {
    h = await makeHarness(INPUT_SPECS.URL_PULL!);
    const first = await h.driver.up(await h.run());
    const before = fake.inventory();
    const mutations = fake.commandNames().filter(isMutation).length;
    h.host.notices.length = 0;
    const second = await h.driver.up(await h.run());
    expect(second).toEqual(first);
    expect(fake.inventory()).toEqual(before);
    expect(fake.commandNames().filter(isMutation)).toHaveLength(mutations);
    expect(h.host.codes().filter((c) => c === 'RESOURCE_EXISTS')).toHaveLength(15);
    expect(h.host.codes()).toContain('CHANNEL_ALREADY_RUNNING');
  });

  it('down twice: the second is a no-op with a clear notice', async () => {
    h = await makeHarness(INPUT_SPECS.URL_PULL!);
    await h.driver.up(await h.run());
    await h.driver.down(await h.run(), { deleteLogs: true });
    const calls = fake.calls.length;
    const report = await h.driver.down(await h.run(), { deleteLogs: true });
    expect(report.deleted).toEqual([]);
    expect(h.host.codes()).toContain('NOTHING_TO_DELETE');
    // Without a state file it looks for the stack in AWS by name and tag: reads only.
    expect(fake.calls.slice(calls).map((c) => c.command).filter(isMutation)).toEqual([]);
  });

  it('up with --no-start leaves the channel IDLE and records no run', async () => {
    h = await makeHarness({ ...INPUT_SPECS.URL_PULL!, start: false });
    await h.driver.up(await h.run());
    expect([...fake.channels.values()][0]!.state).toBe('IDLE');
    expect(fake.commandNames()).not.toContain('StartChannel');
    expect(JSON.parse(await h.stateText()).channelRuns).toEqual([]);
    expect((await h.driver.status(await h.run())).channel.state).toBe('IDLE');
  });

  it('no credentials: STS fails first with AWS_NO_CREDENTIALS and nothing is created', async () => {
    h = await makeHarness(INPUT_SPECS.URL_PULL!);
    fake.failOn('GetCallerIdentity', { error: Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }) });
    const err = await h.driver.up(await h.run()).catch((e) => e);
    expect(err).toBeInstanceOf(LivestreamError);
    expect(err.code).toBe('AWS_NO_CREDENTIALS');
    expect(fake.inventory()).toEqual([]);
    expect(fake.commandNames()).toEqual(['GetCallerIdentity']);
  });
});

describe('stacks and accounts', () => {
  it('up after a down that kept the logs bucket adopts that bucket and completes', async () => {
    h = await makeHarness(INPUT_SPECS.URL_PULL!);
    await h.driver.up(await h.run());
    const full = fake.inventory();
    await h.driver.down(await h.run(), { deleteLogs: false });
    expect(fake.inventory()).toEqual([LOGS_BUCKET]);
    await h.driver.up(await h.run());
    expect(fake.inventory()).toEqual(full);
  });

  it('refuses a stack recorded in another AWS account', async () => {
    h = await makeHarness(INPUT_SPECS.URL_PULL!);
    await h.driver.up(await h.run());
    await h.store.update((s) => void (s.runtime.accountId = '999999999999'));
    const err = await h.driver.up(await h.run()).catch((e) => e);
    expect(err.code).toBe('STACK_SPEC_CHANGED');
    expect(err.message).toContain('999999999999');
  });

  it('status shows an interrupted create as CREATING without asking AWS for an empty id', async () => {
    h = await makeHarness(INPUT_SPECS.URL_PULL!);
    fake.failOn('CreateChannel');
    await h.driver.up(await h.run()).catch(() => undefined);
    const status = await h.driver.status(await h.run());
    const channel = status.resources.find((r) => r.id === 'channel')!;
    expect(channel).toMatchObject({ exists: false, status: 'CREATING', physicalId: '' });
    expect(status.channel).toEqual({ state: 'MISSING', detail: 'creation was interrupted; "livestream up" resumes it' });
    expect(status.resources.filter((r) => r.id !== 'channel').every((r) => r.exists)).toBe(true);
  });

  it('start on a stack whose channel vanished says so with CHANNEL_STATE', async () => {
    h = await makeHarness({ ...INPUT_SPECS.URL_PULL!, start: false });
    await h.driver.up(await h.run());
    [...fake.channels.values()][0]!.state = 'DELETED';
    await expect(h.driver.start(await h.run())).rejects.toMatchObject({ code: 'CHANNEL_STATE' });
  });
});

describe('each input type', () => {
  for (const [label, raw] of Object.entries(INPUT_SPECS)) {
    it(`${label}: up creates the right input, down removes everything`, async () => {
      const secrets = label === 'URL_PULL_AUTH' ? { sourcePassword: 's3cret-Pa55' } : {};
      h = await makeHarness(raw, { secrets });
      const outputs = await h.driver.up(await h.run());
      const input = [...fake.inputs.values()][0]!;
      expect(input.type).toBe(raw.input);
      if (raw.input === 'RTMP_PUSH') {
        expect(input.request.Destinations).toEqual([{ StreamName: 'teststack/stream' }]);
        expect(outputs.pushEndpoint).toBe('rtmp://198.51.100.10:1935/teststack/stream');
      }
      if (raw.input === 'RTP_PUSH') expect(outputs.pushEndpoint).toBe('rtp://198.51.100.10:5000');
      if (raw.input === 'RTMP_PUSH' || raw.input === 'RTP_PUSH' || raw.input === 'SRT_LISTENER') {
        const sg = [...fake.sgs.values()][0]!;
        expect(input.sgIds).toEqual([sg.id]);
        expect(sg.cidrs).toEqual(raw.cidr);
      } else {
        expect(fake.sgs.size).toBe(0);
      }
      if (raw.input === 'INPUT_DEVICE') expect(input.request.InputDevices).toEqual([{ Id: 'hd-1234567890abcdef' }]);
      if (label === 'URL_PULL_AUTH') {
        expect(input.request.Sources).toEqual([{ Url: raw.sourceUrl, Username: 'alice', PasswordParam: '/livestream/teststack/source-password' }]);
        expect(fake.params.get('/livestream/teststack/source-password')).toMatchObject({ type: 'SecureString', value: 's3cret-Pa55' });
      } else {
        expect(fake.params.size).toBe(0);
      }
      if (raw.input === 'URL_PULL') expect(input.request.Sources[0].Url).toBe(raw.sourceUrl);
      // Only an SRT input with a passphrase has a secret (test/targets/aws/lifecycle-srt.test.ts has the details).
      expect(fake.secrets.size).toBe(raw.input === 'SRT_LISTENER' ? 1 : 0);
      const report = await h.driver.down(await h.run(), { deleteLogs: true });
      expect(report.failed).toEqual([]);
      expect(fake.inventory()).toEqual([]);
    });
  }
});

describe('the MediaStore origin', () => {
  it('creates the container with its policies, writes the player into it, and removes it on down', async () => {
    h = await makeHarness({ ...INPUT_SPECS.URL_PULL!, ...MEDIASTORE });
    const outputs = await h.driver.up(await h.run());
    const c = fake.containers.get('teststack')!;
    expect(c.status).toBe('ACTIVE');
    expect(c.logging).toBe(true);
    expect(JSON.parse(c.lifecycle!).rules[0].definition.seconds_since_create).toEqual([{ numeric: ['>', 300] }]);
    const policy = JSON.parse(c.policy!);
    expect(policy.Statement[0].Principal.AWS).toBe(fake.roles.get('teststack-medialive-us-east-1')!.arn);
    expect(c.objects.get('player/index.html')?.contentType).toBe('text/html');
    const ch = [...fake.channels.values()][0]!;
    expect(ch.request.Destinations[0].Settings[0].Url).toBe('mediastoressl://teststackxyz.data.mediastore.us-east-1.amazonaws.com/stream/index');
    const dist = [...fake.distributions.values()][0]!;
    expect(dist.config.Origins.Items[0].DomainName).toBe('teststackxyz.data.mediastore.us-east-1.amazonaws.com');
    expect(outputs.originConsole).toContain('mediastore');
    await h.driver.down(await h.run(), { deleteLogs: true });
    expect(fake.inventory()).toEqual([]);
  });

  it('a refusal from the MediaStore API becomes AWS_MEDIASTORE_ENDED pointing to --origin s3', async () => {
    h = await makeHarness({ ...INPUT_SPECS.URL_PULL!, ...MEDIASTORE });
    fake.failOn('CreateContainer', { error: Object.assign(new Error('Service unavailable'), { name: 'InternalServerError', $metadata: { httpStatusCode: 503 } }) });
    const err = await h.driver.up(await h.run()).catch((e) => e);
    expect(err.code).toBe('AWS_MEDIASTORE_ENDED');
    expect(err.message).toContain('2025-11-13');
    expect(err.message).toContain('--origin s3');
    await h.driver.down(await h.run(), { deleteLogs: true });
    expect(fake.inventory()).toEqual([]);
  });
});

describe('a stack in an opt-in region (ap-south-2): CloudFront delivers no logs to buckets there', () => {
  const LOGS = 'teststack-logs-123456789012-ap-south-2';
  const ORIGIN = 'teststack-origin-123456789012-ap-south-2';
  const regionsOf = (bucket: string) => [...new Set(fake.calls.filter((c) => c.service === 's3' && c.input.Bucket === bucket).map((c) => c.region))];

  beforeEach(() => {
    fake = installAwsFake('ap-south-2');
  });

  it('keeps the logs bucket in us-east-1 and everything else in ap-south-2, from up to down', async () => {
    h = await makeHarness({ ...INPUT_SPECS.URL_PULL!, region: 'ap-south-2' });
    const outputs = await h.driver.up(await h.run());
    expect(fake.buckets.get(LOGS)?.region).toBe('us-east-1');
    expect(fake.buckets.get(ORIGIN)?.region).toBe('ap-south-2');
    const creates = fake.calls.filter((c) => c.command === 'CreateBucket');
    expect(creates.map((c) => [c.input.Bucket, c.region, c.input.CreateBucketConfiguration])).toEqual(expect.arrayContaining([
      [LOGS, 'us-east-1', undefined],
      [ORIGIN, 'ap-south-2', { LocationConstraint: 'ap-south-2' }],
    ]));
    // Every call on each bucket went to its own region's endpoint.
    expect(regionsOf(LOGS)).toEqual(['us-east-1']);
    expect(regionsOf(ORIGIN)).toEqual(['ap-south-2']);
    const dist = [...fake.distributions.values()][0]!;
    expect(dist.config.Logging).toMatchObject({ Enabled: true, Bucket: `${LOGS}.s3.amazonaws.com` });
    expect(dist.config.Origins.Items[0].DomainName).toBe(`${ORIGIN}.s3.ap-south-2.amazonaws.com`);
    expect(outputs).toMatchObject({ logsBucket: LOGS, logsBucketRegion: 'us-east-1' });
    expect(outputs.dashboardUrl).toContain('https://ap-south-2.console.aws.amazon.com/');
    expect(JSON.parse(await h.stateText()).resources['logs-bucket'].attrs.region).toBe('us-east-1');

    const status = await h.driver.status(await h.run());
    expect(status.resources.every((r) => r.exists)).toBe(true);
    expect(status.resources.find((r) => r.id === 'logs-bucket')!.detail).toMatch(/^in us-east-1 /);

    const down = await h.driver.down(await h.run(), { deleteLogs: false });
    expect(down.failed).toEqual([]);
    expect(down.keptNames).toEqual([LOGS]);
    expect(fake.inventory()).toEqual([`bucket:${LOGS}`]);
    expect(h.host.notices.find((n) => n.code === 'LOGS_KEPT')!.message).toContain(`${LOGS} (S3, us-east-1)`);
    expect((await h.driver.status(await h.run())).channel.detail).toContain('kept in us-east-1');

    const later = await h.driver.down(await h.run(), { deleteLogs: true });
    expect(later.deleted).toEqual(['logs-bucket']);
    expect(fake.inventory()).toEqual([]);
    expect(regionsOf(LOGS)).toEqual(['us-east-1']);
  });

  it('a logs bucket an older livestream left in the opt-in region: down finds it there; up refuses it with what to do', async () => {
    h = await makeHarness({ ...INPUT_SPECS.URL_PULL!, region: 'ap-south-2' });
    await h.driver.up(await h.run());
    await h.driver.down(await h.run(), { deleteLogs: false });
    // As an older livestream recorded it: created in the stack's own region.
    fake.buckets.get(LOGS)!.region = 'ap-south-2';
    await h.store.update((st) => void (st.resources['logs-bucket']!.attrs.region = 'ap-south-2'));
    const up = await h.driver.up(await h.run()).catch((e) => e);
    expect(up.code).toBe('STACK_SPEC_CHANGED');
    expect(up.message).toContain(`${LOGS} in ap-south-2, where CloudFront cannot deliver logs`);
    expect(up.hint).toContain('--delete-logs');
    expect(fake.inventory()).toEqual([`bucket:${LOGS}`]);
    const calls = fake.calls.length;
    const down = await h.driver.down(await h.run(), { deleteLogs: true });
    expect(down.deleted).toEqual(['logs-bucket']);
    expect(fake.inventory()).toEqual([]);
    // Every call on the bucket goes to its region; discovery's first look in us-east-1 is a
    // HeadBucket that S3 answers with a 301 naming the bucket's real region.
    const s3Calls = fake.calls.slice(calls).filter((c) => c.service === 's3');
    expect([...new Set(s3Calls.filter((c) => c.command !== 'HeadBucket').map((c) => c.region))]).toEqual(['ap-south-2']);
    expect(s3Calls.filter((c) => c.region === 'us-east-1').map((c) => c.command)).toEqual(['HeadBucket']);
  });

  it('credentials refused in an opt-in region: says to enable the region, before anything is created', async () => {
    h = await makeHarness({ ...INPUT_SPECS.URL_PULL!, region: 'ap-south-2' });
    fake.failOn('GetCallerIdentity', { error: awsError('InvalidClientTokenId', 'The security token included in the request is invalid.', 403) });
    const err = await h.driver.up(await h.run()).catch((e) => e);
    expect(err.code).toBe('AWS_NO_CREDENTIALS');
    expect(err.message).toContain('ap-south-2 is an opt-in region');
    expect(err.hint).toContain('aws account enable-region --region-name ap-south-2');
    expect(fake.commandNames()).toEqual(['GetCallerIdentity']);
  });

  it('the fake refuses what S3 refuses: a LocationConstraint for another region, a bucket addressed in the wrong region', async () => {
    const { S3Client, CreateBucketCommand, HeadBucketCommand } = await import('@aws-sdk/client-s3');
    const east = new S3Client({ region: 'us-east-1' });
    const south = new S3Client({ region: 'ap-south-2' });
    await expect(east.send(new CreateBucketCommand({ Bucket: 'b1', CreateBucketConfiguration: { LocationConstraint: 'ap-south-2' } }))).rejects.toMatchObject({ name: 'IllegalLocationConstraintException' });
    await expect(south.send(new CreateBucketCommand({ Bucket: 'b1' }))).rejects.toMatchObject({ name: 'IllegalLocationConstraintException' });
    await expect(east.send(new CreateBucketCommand({ Bucket: 'b1', CreateBucketConfiguration: { LocationConstraint: 'us-east-1' as never } }))).rejects.toMatchObject({ name: 'InvalidLocationConstraint' });
    await south.send(new CreateBucketCommand({ Bucket: 'b1', CreateBucketConfiguration: { LocationConstraint: 'ap-south-2' } }));
    await expect(east.send(new HeadBucketCommand({ Bucket: 'b1' }))).rejects.toMatchObject({ name: 'PermanentRedirect' });
    await south.send(new HeadBucketCommand({ Bucket: 'b1' }));
  });
});

function isMutation(command: string): boolean {
  return !/^(Get|Describe|Head|List)/.test(command);
}
