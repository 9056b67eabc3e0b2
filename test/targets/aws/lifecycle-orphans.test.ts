/**
 * Issue 8, points 14 and 15 against the stateful fake: a stack whose state file is lost is found
 * in AWS by its deterministic names and tag (adopted by `up`, removed by `down`, listed by
 * `status`), and a tampered state file never leads `down` to touch what is not the stack's.
 */
import { rm } from 'node:fs/promises';
import { readFile, writeFile } from 'node:fs/promises';
import { beforeEach, describe, expect, it } from 'vitest';
import { LivestreamError } from '../../../src/core/errors.js';
import { AwsFake, awsError } from '../../helpers/aws-fake.js';
import { installAwsFake } from '../../helpers/install-aws-fake.js';
import { INPUT_SPECS, makeHarness } from '../../helpers/aws-run.js';

let fake: AwsFake;

beforeEach(() => (fake = installAwsFake()));
const harness = makeHarness;

const live = <T extends { state: string }>(m: Map<string, T>) => [...m.values()].filter((x) => x.state !== 'DELETED');

describe('without the state file (issue 8.14)', () => {
  it.each(['URL_PULL', 'RTMP_PUSH', 'URL_PULL_AUTH', 'SRT_LISTENER'])('%s: up again adopts every resource; down --target aws then leaves nothing', async (input) => {
    const secrets = input === 'URL_PULL_AUTH' ? { sourcePassword: 's3cret' } : {};
    const h = await harness(INPUT_SPECS[input]!, { secrets });
    const first = await h.driver.up(await h.run());
    const before = fake.inventory();
    const channelId = [...fake.channels.keys()][0]!;

    await rm(h.store.file);
    const again = await h.driver.up(await h.run());
    expect(live(fake.channels)).toHaveLength(1);
    expect(live(fake.inputs)).toHaveLength(1);
    expect(fake.distributions.size).toBe(1);
    expect(live(fake.sgs)).toHaveLength(input === 'RTMP_PUSH' || input === 'SRT_LISTENER' ? 1 : 0);
    expect(fake.inventory()).toEqual(before);
    expect(fake.channels.get(channelId)!.state).toBe('RUNNING');
    expect(again.playbackUrl).toBe(first.playbackUrl);
    expect(again.pushEndpoint).toBe(first.pushEndpoint);
    expect(h.host.codes()).toContain('RESOURCE_ADOPTED');
    expect(fake.commandNames().filter((c) => c === 'CreateChannel')).toHaveLength(1);

    await rm(h.store.file);
    const report = await h.driver.down(await h.run(), { deleteLogs: true });
    expect(report.failed).toEqual([]);
    expect(fake.inventory()).toEqual([]);
    expect(fake.channels.get(channelId)!.state).toBe('DELETED');
    const names = fake.commandNames();
    expect(names.indexOf('StopChannel')).toBeLessThan(names.indexOf('DeleteChannel'));
  });

  it('in an opt-in region (logs bucket in us-east-1): up again adopts both buckets; down without state leaves nothing', async () => {
    fake = installAwsFake('ap-south-2');
    const h = await harness({ ...INPUT_SPECS.URL_PULL!, region: 'ap-south-2' });
    await h.driver.up(await h.run());
    const before = fake.inventory();
    await rm(h.store.file);
    await h.driver.up(await h.run());
    expect(fake.inventory()).toEqual(before);
    expect(fake.commandNames().filter((c) => c === 'CreateBucket')).toHaveLength(2);
    await rm(h.store.file);
    const report = await h.driver.down(await h.run(), { deleteLogs: true });
    expect(report.failed).toEqual([]);
    expect(fake.inventory()).toEqual([]);
  });

  it('after up adopted the stack, the state it wrote is complete: a plain down leaves nothing', async () => {
    const h = await harness(INPUT_SPECS.RTMP_PUSH!);
    await h.driver.up(await h.run());
    await rm(h.store.file);
    await h.driver.up(await h.run());
    const report = await h.driver.down(await h.run(), { deleteLogs: true });
    expect(report.failed).toEqual([]);
    expect(report.refused).toBeUndefined();
    expect(fake.inventory()).toEqual([]);
  });

  it('a second channel an earlier livestream made for the stack is named, and the next down removes it', async () => {
    const h = await harness(INPUT_SPECS.URL_PULL!);
    await h.driver.up(await h.run());
    fake.channels.set('998', { id: '998', arn: 'arn:aws:medialive:us-east-1:123456789012:channel:998', name: 'teststack-channel', state: 'RUNNING', inputId: '', request: { Tags: { 'livestream:stack': 'teststack' } } });
    await rm(h.store.file);
    await h.driver.down(await h.run(), { deleteLogs: true });
    const extra = h.host.notices.find((n) => n.code === 'EXTRA_RESOURCES_FOUND');
    expect(live(fake.channels)).toHaveLength(1);
    // The one left running is the one the notice names.
    expect(extra?.message).toContain(live(fake.channels)[0]!.id);
    await h.driver.down(await h.run(), { deleteLogs: true });
    expect(fake.inventory()).toEqual([]);
  });

  it('down without state lists what it found and asks first; a "no" deletes nothing', async () => {
    const h = await harness(INPUT_SPECS.URL_PULL!);
    await h.driver.up(await h.run());
    await rm(h.store.file);
    const before = fake.inventory();
    const mutations = fake.commandNames().filter(isMutation).length;
    const no = await makeHarness(INPUT_SPECS.URL_PULL!, { confirm: false });
    // Same state folder as the stack that lost its file.
    const run = { ...(await no.run()), store: h.store };
    await h.store.load();
    await expect(no.driver.down(run, { deleteLogs: true })).rejects.toMatchObject({ code: 'ABORTED' });
    expect(fake.inventory()).toEqual(before);
    expect(fake.commandNames().filter(isMutation)).toHaveLength(mutations);
    const found = no.host.notices.find((n) => n.code === 'FOUND_WITHOUT_STATE');
    expect(found?.message).toContain('teststack-channel');
    expect(found?.message).toContain('livestream teststack (us-east-1)');
    expect(found?.message).toContain('RUNNING');
  });

  it('status without state lists what exists in AWS, reading only', async () => {
    const h = await harness(INPUT_SPECS.RTMP_PUSH!);
    await h.driver.up(await h.run());
    await rm(h.store.file);
    const mutations = fake.commandNames().filter(isMutation).length;
    const status = await h.driver.status(await h.run());
    expect(fake.commandNames().filter(isMutation)).toHaveLength(mutations);
    expect(status.channel.state).toBe('RUNNING');
    expect(status.resources.map((r) => r.id).sort()).toEqual(
      ['cache-policy-playlists', 'cache-policy-segments', 'channel', 'dashboard', 'distribution', 'input', 'input-security-group', 'logs-bucket', 'origin', 'origin-oac', 'player-function', 'role', 'stop-schedule', 'stop-schedule-group', 'stop-schedule-role'].sort(),
    );
    expect(status.resources.every((r) => r.exists)).toBe(true);
    expect(await h.stateText()).toBe('');
  });

  it('status and down without state on an account with nothing of the stack say so', async () => {
    const h = await harness(INPUT_SPECS.URL_PULL!);
    const status = await h.driver.status(await h.run());
    expect(status.resources).toEqual([]);
    expect(status.channel.state).toBe('MISSING');
    const report = await h.driver.down(await h.run(), { deleteLogs: true });
    expect(report.deleted).toEqual([]);
    expect(h.host.codes()).toContain('NOTHING_TO_DELETE');
  });

  it('another stack of the same account is neither adopted nor deleted', async () => {
    const other = await harness({ ...INPUT_SPECS.URL_PULL!, stack: 'otherstack' });
    await other.driver.up(await other.run());
    const theirs = fake.inventory();
    const h = await harness(INPUT_SPECS.URL_PULL!);
    await h.driver.up(await h.run());
    await rm(h.store.file);
    await h.driver.down(await h.run(), { deleteLogs: true });
    expect(fake.inventory()).toEqual(theirs);
  });

  it('a channel with our name but without our tag is not ours: up does not adopt it, down does not touch it', async () => {
    fake.channels.set('999', { id: '999', arn: 'arn:aws:medialive:us-east-1:123456789012:channel:999', name: 'teststack-channel', state: 'RUNNING', inputId: '', request: {} });
    const h = await harness(INPUT_SPECS.URL_PULL!);
    await h.driver.up(await h.run());
    expect(live(fake.channels).map((c) => c.id)).toHaveLength(2);
    await rm(h.store.file);
    await h.driver.down(await h.run(), { deleteLogs: true });
    expect(fake.channels.get('999')!.state).toBe('RUNNING');
    expect(live(fake.channels).map((c) => c.id)).toEqual(['999']);
    expect(fake.calls.filter((c) => isMutation(c.command) && c.input.ChannelId === '999')).toEqual([]);
  });
});

describe('a read that is denied is never taken for "nothing there"', () => {
  const denied = (action: string) => awsError('AccessDeniedException', `User is not authorized to perform: ${action}`, 403);

  it('up that cannot list channels stops before creating anything, naming the permission', async () => {
    const h = await harness(INPUT_SPECS.URL_PULL!);
    fake.failOn('ListChannels', { error: denied('medialive:ListChannels') });
    await expect(h.driver.up(await h.run())).rejects.toMatchObject({ code: 'AWS_ACCESS_DENIED', message: expect.stringContaining('medialive:ListChannels') });
    expect(fake.commandNames().filter(isMutation)).toEqual([]);
  });

  it('status without state shows a kind it cannot read as an error, and the channel as UNKNOWN', async () => {
    const h = await harness(INPUT_SPECS.URL_PULL!);
    await h.driver.up(await h.run());
    await rm(h.store.file);
    fake.failOn('ListChannels', { error: denied('medialive:ListChannels') });
    const status = await h.driver.status(await h.run());
    expect(status.channel.state).toBe('UNKNOWN');
    expect(status.resources.find((r) => r.id === 'channel')).toMatchObject({ status: 'ERROR', detail: expect.stringContaining('medialive:ListChannels') });
  });

  it("down that cannot check a recorded resource is the stack's leaves it untouched and says why", async () => {
    const h = await harness(INPUT_SPECS.URL_PULL!);
    await h.driver.up(await h.run());
    const [channelId] = [...fake.channels.keys()];
    const calls = fake.calls.length;
    fake.failOn('ListChannels', { error: denied('medialive:ListChannels') });
    const report = await h.driver.down(await h.run(), { deleteLogs: true });
    expect(report.refused).toBeUndefined();
    expect(report.failed).toContainEqual({ id: 'channel', name: 'teststack-channel', message: expect.stringContaining('medialive:ListChannels') });
    // Kept in the state, so "down" again, with the permission, finishes the job.
    expect(JSON.parse(await h.stateText()).resources.channel.physicalId).toBe(channelId);
    expect(fake.calls.slice(calls).filter((c) => isMutation(c.command) && c.input.ChannelId === channelId)).toEqual([]);
    expect(fake.channels.get(channelId!)!.state).toBe('RUNNING');
    await h.driver.down(await h.run(), { deleteLogs: true });
    expect(fake.inventory()).toEqual([]);
  });
});

describe('idempotency tokens (issue 8.14)', () => {
  it('CreateChannel and CreateInput send a RequestId that is the same for the same stack, region and account', async () => {
    const a = await harness(INPUT_SPECS.URL_PULL!);
    await a.driver.up(await a.run());
    const first = fake.calls.filter((c) => c.command === 'CreateChannel' || c.command === 'CreateInput').map((c) => c.input.RequestId);
    const refs = fake.calls.filter((c) => c.command === 'CreateDistributionWithTags').map((c) => c.input.DistributionConfigWithTags.DistributionConfig.CallerReference);
    await a.driver.down(await a.run(), { deleteLogs: true });
    const b = await harness(INPUT_SPECS.URL_PULL!);
    await b.driver.up(await b.run());
    const tokens = (command: string) => fake.calls.filter((c) => c.command === command).map((c) => c.input.RequestId);
    // The second `up` of the stack first sends the same tokens; the fake answers with the deleted
    // resources, so each is created once more under a new token.
    expect(tokens('CreateInput')).toEqual([first[0], first[0], expect.not.stringMatching(first[0]!)]);
    expect(tokens('CreateChannel')).toEqual([first[1], first[1], expect.not.stringMatching(first[1]!)]);
    expect(refs[0]).toMatch(/^[0-9a-f]{32}$/);
    expect(live(fake.channels)).toHaveLength(1);
    expect(live(fake.channels)[0]!.state).toBe('RUNNING');
  });

  it('a CreateChannel whose answer was lost, then the state lost too: up finds the one channel, makes no second', async () => {
    const h = await harness(INPUT_SPECS.URL_PULL!);
    fake.failOn('CreateChannel', { after: true });
    await expect(h.driver.up(await h.run())).rejects.toBeInstanceOf(LivestreamError);
    await rm(h.store.file);
    await h.driver.up(await h.run());
    expect(live(fake.channels)).toHaveLength(1);
  });
});

describe('only what is ours (issue 8.15)', () => {
  it('a tampered state file: no call on a foreign bucket, role policy or channel, each refused by name', async () => {
    const other = await harness({ ...INPUT_SPECS.URL_PULL!, stack: 'otherstack' });
    await other.driver.up(await other.run());
    const otherChannel = [...fake.channels.keys()][0]!;
    fake.buckets.set('victim-prod-data', { region: 'us-east-1', config: {}, objects: new Map([['db.dump', { body: Buffer.from('precious') }]]) });

    const h = await harness(INPUT_SPECS.URL_PULL!);
    await h.driver.up(await h.run());
    const state = JSON.parse(await readFile(h.store.file, 'utf8'));
    state.resources['logs-bucket'].name = 'victim-prod-data';
    state.resources['logs-bucket'].physicalId = 'victim-prod-data';
    state.resources.role.name = '../evil-medialive-access';
    state.resources.role.physicalId = 'arn:aws:iam::123456789012:role/../evil-medialive-access';
    state.resources.channel.physicalId = otherChannel;
    await writeFile(h.store.file, JSON.stringify(state));
    const calls = fake.calls.length;

    const report = await h.driver.down(await h.run(), { deleteLogs: true });
    const after = fake.calls.slice(calls);
    const touches = (c: { input: Record<string, unknown> }) => JSON.stringify(c.input);
    expect(after.filter((c) => touches(c).includes('victim-prod-data'))).toEqual([]);
    expect(after.filter((c) => touches(c).includes('evil'))).toEqual([]);
    expect(after.filter((c) => isMutation(c.command) && c.input.ChannelId === otherChannel)).toEqual([]);
    expect(fake.buckets.get('victim-prod-data')!.objects.size).toBe(1);
    expect(fake.channels.get(otherChannel)!.state).toBe('RUNNING');

    const refused = h.host.notices.filter((n) => n.code === 'RESOURCE_NOT_OURS').map((n) => n.message).join('\n');
    expect(refused).toContain('victim-prod-data');
    expect(refused).toContain('../evil-medialive-access');
    expect(refused).toContain(otherChannel);
    expect(report.refused?.map((r) => r.id).sort()).toEqual(['channel', 'logs-bucket', 'role']);
    // What is ours is still found by its name and tag, and removed.
    expect(fake.inventory().filter((r) => r.includes('teststack'))).toEqual([]);
    expect(fake.inventory()).toContain('bucket:victim-prod-data');
  });

  it('stop and start refuse a recorded channel id of another stack, touching it not', async () => {
    const other = await harness({ ...INPUT_SPECS.URL_PULL!, stack: 'otherstack' });
    await other.driver.up(await other.run());
    const otherChannel = [...fake.channels.keys()][0]!;
    const h = await harness({ ...INPUT_SPECS.URL_PULL!, start: false });
    await h.driver.up(await h.run());
    const state = JSON.parse(await readFile(h.store.file, 'utf8'));
    state.resources.channel.physicalId = otherChannel;
    await writeFile(h.store.file, JSON.stringify(state));
    await expect(h.driver.stop(await h.run())).rejects.toMatchObject({ code: 'STATE_CORRUPT', message: expect.stringContaining(otherChannel) });
    await expect(h.driver.start(await h.run())).rejects.toMatchObject({ code: 'STATE_CORRUPT' });
    expect(fake.calls.filter((c) => isMutation(c.command) && c.input.ChannelId === otherChannel).map((c) => c.command)).toEqual(['StartChannel']);
    expect(fake.channels.get(otherChannel)!.state).toBe('RUNNING');
  });

  it('up resuming a tampered state file writes into no foreign bucket and starts no foreign channel', async () => {
    const other = await harness({ ...INPUT_SPECS.URL_PULL!, stack: 'otherstack', start: false });
    await other.driver.up(await other.run());
    const otherChannel = [...fake.channels.keys()][0]!;
    fake.buckets.set('victim-prod-data', { region: 'us-east-1', config: {}, objects: new Map() });
    const h = await harness(INPUT_SPECS.URL_PULL!);
    await h.driver.up(await h.run());
    const state = JSON.parse(await readFile(h.store.file, 'utf8'));
    state.resources.origin.name = state.resources.origin.physicalId = 'victim-prod-data';
    delete state.resources.player;
    delete state.resources['origin-policy'];
    state.resources.channel.physicalId = otherChannel;
    await writeFile(h.store.file, JSON.stringify(state));
    const calls = fake.calls.length;
    const err = await h.driver.up(await h.run()).catch((e: LivestreamError) => e);
    expect(err).toMatchObject({ code: 'STATE_CORRUPT' });
    expect((err as LivestreamError).message).toContain('victim-prod-data');
    expect((err as LivestreamError).message).toContain(otherChannel);
    const after = fake.calls.slice(calls);
    expect(after.filter((c) => isMutation(c.command))).toEqual([]);
    expect(fake.channels.get(otherChannel)!.state).toBe('IDLE');
  });

  it('a resource deleted outside livestream is not "foreign": up creates it again, down has nothing to refuse', async () => {
    const h = await harness(INPUT_SPECS.URL_PULL!);
    await h.driver.up(await h.run());
    fake.dashboards.clear();
    await h.driver.up(await h.run());
    expect(h.host.codes()).toContain('RESOURCE_VANISHED');
    fake.dashboards.clear();
    const report = await h.driver.down(await h.run(), { deleteLogs: true });
    expect(report.refused).toBeUndefined();
    expect(fake.inventory()).toEqual([]);
  });

  it('a state file naming another stack (spec.stack "../evil") is refused before any AWS call', async () => {
    const h = await harness(INPUT_SPECS.URL_PULL!);
    await h.driver.up(await h.run());
    const state = JSON.parse(await readFile(h.store.file, 'utf8'));
    state.spec.stack = '../evil';
    await writeFile(h.store.file, JSON.stringify(state));
    const calls = fake.calls.length;
    await expect(h.driver.down(await h.run(), { deleteLogs: true })).rejects.toMatchObject({ code: 'STATE_CORRUPT' });
    expect(fake.calls.slice(calls).filter((c) => isMutation(c.command))).toEqual([]);
  });
});

function isMutation(command: string): boolean {
  return !/^(Get|Describe|Head|List)/.test(command);
}
