import { beforeEach, describe, expect, it } from 'vitest';
import { LivestreamError } from '../../../src/core/errors.js';
import { AwsFake, awsError } from '../../helpers/aws-fake.js';
import { installAwsFake } from '../../helpers/install-aws-fake.js';
import { INPUT_SPECS, makeHarness, MEDIASTORE, SRT_CALLER_ENCRYPTED, type AwsHarness } from '../../helpers/aws-run.js';

let fake: AwsFake;
let h: AwsHarness | undefined;

beforeEach(() => (fake = installAwsFake()));

/** Which graph node a failing command may belong to (the first call of that command in `up`). */
const OWNER: Record<string, string[]> = {
  CreateRole: ['role', 'stop-schedule-role'],
  PutRolePolicy: ['role', 'stop-schedule-role'],
  CreateScheduleGroup: ['stop-schedule-group'],
  PutParameter: ['source-password'],
  CreateSecret: ['srt-passphrase'],
  CreateInputSecurityGroup: ['input-security-group'],
  CreateInput: ['input'],
  CreateBucket: ['origin', 'logs-bucket'],
  PutPublicAccessBlock: ['origin', 'logs-bucket'],
  PutBucketOwnershipControls: ['origin', 'logs-bucket'],
  PutBucketEncryption: ['origin', 'logs-bucket'],
  PutBucketTagging: ['origin', 'logs-bucket'],
  PutBucketCors: ['origin'],
  PutBucketLifecycleConfiguration: ['origin'],
  PutBucketMetricsConfiguration: ['origin'],
  PutBucketPolicy: ['logs-bucket', 'origin-policy'],
  CreateOriginAccessControl: ['origin-oac'],
  CreateCachePolicy: ['cache-policy-playlists', 'cache-policy-segments'],
  CreateFunction: ['player-function'],
  PublishFunction: ['player-function'],
  CreateDistributionWithTags: ['distribution'],
  PutObject: ['player'],
  CreateChannel: ['channel'],
  PutDashboard: ['dashboard'],
  StartChannel: ['channel'],
  // After the start: the end of the run (the lifecycle sets it), named as the graph names its nodes.
  CreateSchedule: ['stop-schedule'],
  CreateContainer: ['origin'],
  PutCorsPolicy: ['origin'],
  PutLifecyclePolicy: ['origin'],
  PutMetricPolicy: ['origin'],
  StartAccessLogging: ['origin'],
  PutContainerPolicy: ['origin-policy'],
};

/**
 * Lost answers (after=true) matter only for calls that bring a resource into being; a lost answer
 * to a configuration call leaves the same things behind as a refused one.
 */
function modes(command: string): boolean[] {
  return /^(Create|PutParameter$|PutDashboard$|PutObject$|StartChannel$)/.test(command) ? [false, true] : [false];
}

/** One whole up (and down) per mutating command and mode: dozens of runs, more than the default minute on a loaded machine. */
const LOOP_TIMEOUT = 300_000;

const CASES = [
  { label: 'URL_PULL with a password, S3 origin', raw: INPUT_SPECS.URL_PULL_AUTH!, secrets: { sourcePassword: 'pw-Xy9' } },
  { label: 'RTMP_PUSH, S3 origin', raw: INPUT_SPECS.RTMP_PUSH!, secrets: {} },
  { label: 'RTP_PUSH, MediaStore origin', raw: { ...INPUT_SPECS.RTP_PUSH!, ...MEDIASTORE }, secrets: {} },
  // The passphrase secret comes first: every later failure leaves a secret for down to delete.
  { label: 'SRT_LISTENER (generated passphrase), S3 origin', raw: INPUT_SPECS.SRT_LISTENER!, secrets: {} },
  { label: 'SRT_CALLER (passphrase given), S3 origin', raw: SRT_CALLER_ENCRYPTED, secrets: { srtPassphrase: 'given-Passphrase-42' } },
];

/** The mutating commands a clean `up` sends, in order, each once. */
async function createCommands(c: (typeof CASES)[number]): Promise<{ commands: string[]; inventory: string[] }> {
  const probe = new AwsFake();
  fake.restore();
  probe.install();
  const ph = await makeHarness(c.raw, { secrets: c.secrets });
  try {
    await ph.driver.up(await ph.run());
    const commands = [...new Set(probe.commandNames().filter((n) => !/^(Get|Describe|Head|List)/.test(n)))];
    return { commands, inventory: probe.inventory() };
  } finally {
    probe.restore();
    await ph.cleanup();
    fake = installAwsFake();
  }
}

for (const c of CASES) {
  describe(`up failing at each step in turn (${c.label})`, () => {
    it('names the resource, and down then removes exactly what was created', async () => {
      const { commands } = await createCommands(c);
      expect(commands.length).toBeGreaterThan(15);
      for (const command of commands) {
        for (const after of modes(command)) {
        fake = installAwsFake();
        h = await makeHarness(c.raw, { secrets: c.secrets });
        // after: AWS acted but the answer was lost (a timeout, a crash): nothing comes back to record.
        fake.failOn(command, { after });
        const err = await h.driver.up(await h.run()).then(() => undefined, (e) => e);
        expect(err, command).toBeInstanceOf(LivestreamError);
        const resource = (err.details as { resource?: string } | undefined)?.resource;
        expect(OWNER[command], `owner table lacks ${command}`).toBeDefined();
        expect(OWNER[command], `${command} failed as ${resource}`).toContain(resource);
        const plan = h.driver.plan(h.spec, (await h.run()).ladder);
        const node = plan.find((p) => p.id === resource)!;
        expect(err.message, command).toContain(node.describe);
        const report = await h.driver.down(await h.run(), { deleteLogs: true });
        expect(report.failed, command).toEqual([]);
        expect(fake.inventory(), `left behind after failing at ${command} (after=${after})`).toEqual([]);
        expect(await h.stateText(), command).toBe('');
        await h.cleanup();
        h = undefined;
        }
      }
    }, LOOP_TIMEOUT);

    it('up after the failure resumes and completes with no duplicates', async () => {
      const { commands, inventory } = await createCommands(c);
      for (const command of commands) {
        for (const after of modes(command)) {
          fake = installAwsFake();
          h = await makeHarness(c.raw, { secrets: c.secrets });
          fake.failOn(command, { after });
          await expect(h.driver.up(await h.run()), command).rejects.toBeInstanceOf(LivestreamError);
          const outputs = await h.driver.up(await h.run());
          expect(outputs.playbackUrl, command).toMatch(/^https:\/\/.+\/stream\/index\.m3u8$/);
          expect(fake.inventory(), `${command} (after=${after})`).toEqual(inventory);
          expect([...fake.channels.values()].filter((ch) => ch.state === 'RUNNING'), command).toHaveLength(1);
          await h.cleanup();
          h = undefined;
        }
      }
    }, LOOP_TIMEOUT);
  });
}

describe('resources deleted out of band', () => {
  async function upThenVanish(): Promise<void> {
    h = await makeHarness(INPUT_SPECS.URL_PULL!);
    await h.driver.up(await h.run());
    const origin = fake.buckets.get('teststack-origin-123456789012-us-east-1')!;
    origin.objects.clear();
    fake.buckets.delete('teststack-origin-123456789012-us-east-1');
    const ch = [...fake.channels.values()][0]!;
    ch.state = 'DELETED';
    [...fake.inputs.values()][0]!.state = 'DETACHED';
    fake.dashboards.clear();
  }

  it('status shows them missing and down still completes', async () => {
    await upThenVanish();
    const status = await h!.driver.status(await h!.run());
    expect(status.channel.state).toBe('MISSING');
    const missing = status.resources.filter((r) => !r.exists).map((r) => r.id).sort();
    expect(missing).toEqual(['channel', 'dashboard', 'origin', 'origin-policy', 'player']);
    const report = await h!.driver.down(await h!.run(), { deleteLogs: true });
    expect(report.failed).toEqual([]);
    expect(fake.inventory()).toEqual([]);
  });

  it('up recreates them', async () => {
    await upThenVanish();
    h!.host.notices.length = 0;
    await h!.driver.up(await h!.run());
    // The dashboard and the stop schedule's role name the channel, whose id changed: they count as replaced rather than vanished.
    expect(h!.host.codes().filter((c) => c === 'RESOURCE_VANISHED')).toHaveLength(4);
    expect(h!.host.codes().filter((c) => c === 'RESOURCE_REPLACED')).toHaveLength(2);
    expect(fake.buckets.get('teststack-origin-123456789012-us-east-1')?.objects.has('player/index.html')).toBe(true);
    expect([...fake.channels.values()].filter((c) => c.state === 'RUNNING')).toHaveLength(1);
    expect(fake.dashboards.has('teststack-us-east-1')).toBe(true);
  });
});

describe('down failures', () => {
  it('a failed delete names its resource, the state keeps exactly what still exists, and down again finishes', async () => {
    h = await makeHarness(INPUT_SPECS.RTMP_PUSH!);
    await h.driver.up(await h.run());
    fake.failOn('DeleteInput');
    const first = await h.driver.down(await h.run(), { deleteLogs: true });
    expect(first.failed.map((f) => f.id)).toEqual(['input']);
    expect(first.failed[0]!.name).toBe('teststack-input');
    expect(first.blocked).toContain('input-security-group');
    const left = Object.keys(JSON.parse(await h.stateText()).resources).sort();
    expect(left).toEqual(['input', 'input-security-group']);
    expect(fake.inventory().map((i) => i.split(':')[0]).sort()).toEqual(['input', 'security-group']);
    const second = await h.driver.down(await h.run(), { deleteLogs: true });
    expect(second.failed).toEqual([]);
    expect(fake.inventory()).toEqual([]);
    expect(await h.stateText()).toBe('');
  });

  it('a security group still IN_USE is waited for, with a bounded poll', async () => {
    h = await makeHarness(INPUT_SPECS.RTP_PUSH!);
    await h.driver.up(await h.run());
    const sg = [...fake.sgs.values()][0]!;
    const realDescribe = sg.lagChecks;
    expect(realDescribe).toBe(0);
    const report = await h.driver.down(await h.run(), { deleteLogs: true });
    expect(report.failed).toEqual([]);
    // The fake keeps the group IN_USE for one check after its input is deleted.
    const describes = fake.commandNames().filter((c) => c === 'DescribeInputSecurityGroup').length;
    expect(describes).toBeGreaterThanOrEqual(2);
    expect(fake.inventory()).toEqual([]);
  });
});

describe('secrets', () => {
  it('the source password never reaches the state file, notices, progress or errors', async () => {
    const password = 'Tr0ub4dor&3-secret';
    h = await makeHarness(INPUT_SPECS.URL_PULL_AUTH!, { secrets: { sourcePassword: password } });
    fake.failOn('PutParameter', { error: awsError('ValidationException', `Parameter value ${password} is invalid`) });
    const err = await h.driver.up(await h.run()).catch((e) => e);
    expect(err).toBeInstanceOf(LivestreamError);
    const texts = [err.message, err.hint ?? '', JSON.stringify(err.details ?? {})];
    await h.driver.up(await h.run());
    await h.driver.status(await h.run());
    await h.driver.stop(await h.run());
    texts.push(await h.stateText());
    await h.driver.down(await h.run(), { deleteLogs: true });
    texts.push(JSON.stringify(h.host.notices), JSON.stringify(h.host.progressLog));
    for (const t of texts) expect(t).not.toContain(password);
    // It did reach the one place it belongs.
    expect(fake.calls.find((c) => c.command === 'PutParameter' && c.input.Value === password)?.input.Type).toBe('SecureString');
  });
});
