/**
 * SRT inputs on AWS against the stateful fake (issue 11): the passphrase lives in a Secrets
 * Manager secret that the input references and the channel's role may read, and nowhere else
 * (state, notices, errors, status); `down` deletes it without a recovery window, also after a
 * failed `up` and without a state file; `up` right after `down` waits for the name to be free.
 */
import { rm } from 'node:fs/promises';
import { beforeEach, describe, expect, it } from 'vitest';
import { LivestreamError } from '../../../src/core/errors.js';
import { AwsFake, awsError } from '../../helpers/aws-fake.js';
import { installAwsFake } from '../../helpers/install-aws-fake.js';
import { INPUT_SPECS, makeHarness, SRT_CALLER_ENCRYPTED, type AwsHarness } from '../../helpers/aws-run.js';

let fake: AwsFake;
let h: AwsHarness | undefined;

beforeEach(() => (fake = installAwsFake()));

const SECRET_NAME = 'livestream/teststack/srt-passphrase';
const GIVEN = 'given-Passphrase-42';

/** Everything a user or another process could read of the stack: the state file, notices, progress, status. */
async function everythingShown(harness: AwsHarness): Promise<string> {
  const status = await harness.driver.status(await harness.run());
  return [await harness.stateText(), JSON.stringify(harness.host.notices), harness.host.progressLog.join('\n'), JSON.stringify(status)].join('\n');
}

describe('SRT_LISTENER: up, status, down', () => {
  it('makes a secret with a generated passphrase, references it from the input, lets the role read it, deletes it on down', async () => {
    h = await makeHarness(INPUT_SPECS.SRT_LISTENER!);
    const outputs = await h.driver.up(await h.run());
    const secret = fake.secrets.get(SECRET_NAME)!;
    expect(secret.value).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(secret.tags).toEqual([{ Key: 'livestream:stack', Value: 'teststack' }]);
    expect(fake.calls.find((c) => c.command === 'CreateSecret')!.input.ClientRequestToken).toMatch(/^[0-9a-f]{32}$/);

    const input = [...fake.inputs.values()][0]!;
    const sg = [...fake.sgs.values()][0]!;
    expect(input.request).toMatchObject({
      Type: 'SRT_LISTENER',
      InputSecurityGroups: [sg.id],
      SrtSettings: { SrtListenerSettings: { MinimumLatency: 200, StreamId: 'teststack', Decryption: { Algorithm: 'AES128', PassphraseSecretArn: secret.arn } } },
    });
    expect(sg.cidrs).toEqual(['203.0.113.0/24']);

    const policy = JSON.parse([...fake.roles.values()][0]!.policies.values().next().value!);
    expect(policy.Statement).toContainEqual({ Sid: 'ReadSrtPassphrase', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: secret.arn });

    // The encoder's URL with the stream id; where the passphrase sits, never the passphrase.
    expect(outputs.pushEndpoint).toBe('srt://198.51.100.10:5050?streamid=teststack');
    expect(outputs.srtPassphraseSecret).toBe(secret.arn);
    const shown = await everythingShown(h);
    expect(shown).toContain(secret.arn);
    expect(shown).not.toContain(secret.value);
    expect(JSON.stringify(outputs)).not.toContain(secret.value);
    const status = await h.driver.status(await h.run());
    expect(status.resources.find((r) => r.id === 'srt-passphrase')).toMatchObject({ exists: true, physicalId: secret.arn, name: SECRET_NAME });

    const report = await h.driver.down(await h.run(), { deleteLogs: true });
    expect(report.failed).toEqual([]);
    expect(fake.inventory()).toEqual([]);
    expect(fake.calls.filter((c) => c.command === 'DeleteSecret').map((c) => c.input)).toEqual([{ SecretId: secret.arn, ForceDeleteWithoutRecovery: true }]);
    // The input goes before the secret it references.
    const names = fake.commandNames();
    expect(names.indexOf('DeleteInput')).toBeLessThan(names.indexOf('DeleteSecret'));
  });

  it('DeleteSecret denied: down reports the secret as still billing, and the next down deletes it', async () => {
    h = await makeHarness(INPUT_SPECS.SRT_LISTENER!);
    await h.driver.up(await h.run());
    const secret = fake.secrets.get(SECRET_NAME)!;
    fake.deny('secretsmanager:DeleteSecret', 1);
    const report = await h.driver.down(await h.run(), { deleteLogs: true });
    expect(report.failed.map((f) => f.id)).toEqual(['srt-passphrase']);
    expect(report.stillBilling).toEqual([{
      id: 'srt-passphrase', name: SECRET_NAME, physicalId: secret.arn, state: 'exists', cost: 'idle',
      message: `Secrets Manager secret ${SECRET_NAME} still exists, holding the SRT passphrase: $0.40 a month until it is deleted ("livestream down" again deletes it).`,
    }]);
    const again = await h.driver.down(await h.run(), { deleteLogs: true });
    expect(again.failed).toEqual([]);
    expect(again.stillBilling).toEqual([]);
    expect(fake.inventory()).toEqual([]);
  });

  it('the plan lists the secret and prices it', async () => {
    h = await makeHarness(INPUT_SPECS.SRT_LISTENER!);
    const run = await h.run();
    expect(h.driver.plan(h.spec, run.ladder).map((p) => p.id)).toEqual(expect.arrayContaining(['srt-passphrase', 'input-security-group', 'input']));
    const cost = h.driver.estimateCost(h.spec, run.ladder);
    expect(cost!.lines.at(-1)!.item).toMatch(/^Secrets Manager secret for the SRT passphrase/);
  });

  it('up right after down waits while the old secret is still being deleted, then makes a new one', async () => {
    h = await makeHarness(INPUT_SPECS.SRT_LISTENER!);
    await h.driver.up(await h.run());
    const first = fake.secrets.get(SECRET_NAME)!.arn;
    fake.secretPurgeChecks = 3;
    await h.driver.down(await h.run(), { deleteLogs: true });
    expect(fake.secrets.get(SECRET_NAME)?.deletedDate).toBeInstanceOf(Date);
    await h.driver.up(await h.run());
    const refusals = fake.calls.filter((c) => c.command === 'CreateSecret').length;
    expect(refusals).toBeGreaterThan(2);
    const second = fake.secrets.get(SECRET_NAME)!;
    expect(second.deletedDate).toBeUndefined();
    expect(second.arn).not.toBe(first);
    expect([...fake.inputs.values()].at(-1)!.request.SrtSettings.SrtListenerSettings.Decryption.PassphraseSecretArn).toBe(second.arn);
  });

  it('a name held by a secret deleted with a recovery window: up stops with what to run, and down still cleans up', async () => {
    h = await makeHarness(INPUT_SPECS.SRT_LISTENER!);
    await h.driver.up(await h.run());
    await h.driver.down(await h.run(), { deleteLogs: true });
    // Someone re-made it and deleted it from the console, with the default 30-day window.
    fake.secrets.set(SECRET_NAME, { name: SECRET_NAME, arn: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${SECRET_NAME}-zzzzzz`, value: 'x'.repeat(20), token: 't', tags: [], deletedDate: new Date(), purgeChecks: Number.POSITIVE_INFINITY });
    const err = await h.driver.up(await h.run()).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(LivestreamError);
    expect((err as LivestreamError).message).toContain('still scheduled for deletion');
    expect((err as LivestreamError).hint).toContain(`aws secretsmanager delete-secret --region us-east-1 --secret-id ${SECRET_NAME} --force-delete-without-recovery`);
    expect(fake.inputs.size).toBe(1);
    const report = await h.driver.down(await h.run(), { deleteLogs: true });
    expect(report.failed).toEqual([]);
  });

  it('a secret of that name that is not the stack\'s is refused, untouched', async () => {
    fake.secrets.set(SECRET_NAME, { name: SECRET_NAME, arn: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${SECRET_NAME}-aaaaaa`, value: 'someone-elses-pass', token: 't', tags: [{ Key: 'owner', Value: 'bob' }], purgeChecks: 0 });
    h = await makeHarness(INPUT_SPECS.SRT_LISTENER!);
    await expect(h.driver.up(await h.run())).rejects.toThrow(/not this stack's/);
    expect(fake.secrets.get(SECRET_NAME)!.value).toBe('someone-elses-pass');
    expect(fake.commandNames()).not.toContain('CreateInput');
  });
});

describe('SRT_CALLER', () => {
  it('with a passphrase on stdin: the secret holds exactly it; one source to the user\'s listener; no security group', async () => {
    h = await makeHarness(SRT_CALLER_ENCRYPTED, { secrets: { srtPassphrase: GIVEN } });
    const outputs = await h.driver.up(await h.run());
    const secret = fake.secrets.get(SECRET_NAME)!;
    expect(secret.value).toBe(GIVEN);
    expect(fake.sgs.size).toBe(0);
    expect([...fake.inputs.values()][0]!.request.SrtSettings).toEqual({
      SrtCallerSources: [{ SrtListenerAddress: '203.0.113.7', SrtListenerPort: '9000', MinimumLatency: 500, StreamId: 'studio', Decryption: { Algorithm: 'AES128', PassphraseSecretArn: secret.arn } }],
    });
    expect(outputs.pushEndpoint).toBeUndefined();
    expect(outputs.srtPassphraseSecret).toBe(secret.arn);
    expect(await everythingShown(h)).not.toContain(GIVEN);
    await h.driver.down(await h.run(), { deleteLogs: true });
    expect(fake.inventory()).toEqual([]);
  });

  it('up again with a passphrase: the secret keeps its own, and up says so (never the value)', async () => {
    h = await makeHarness(SRT_CALLER_ENCRYPTED, { secrets: { srtPassphrase: GIVEN } });
    await h.driver.up(await h.run());
    expect(h.host.notices.map((n) => n.code)).not.toContain('SRT_PASSPHRASE_KEPT');
    const other = 'another-Passphrase-77';
    h = await makeHarness(SRT_CALLER_ENCRYPTED, { secrets: { srtPassphrase: other } });
    await h.driver.up(await h.run());
    expect(fake.secrets.get(SECRET_NAME)!.value).toBe(GIVEN);
    expect(fake.commandNames().filter((c) => c === 'CreateSecret')).toHaveLength(1);
    const kept = h.host.notices.find((n) => n.code === 'SRT_PASSPHRASE_KEPT');
    expect(kept).toMatchObject({ level: 'warn', message: `Stack "teststack" already has its SRT passphrase in Secrets Manager (${SECRET_NAME}); the one given now was not applied. If it differs, run "livestream down --stack teststack" and then up again with it.` });
    expect(await everythingShown(h)).not.toContain(other);
    await h.driver.down(await h.run(), { deleteLogs: true });
  });

  it('a given passphrase that did not arrive: a clear error before anything of the input is made', async () => {
    h = await makeHarness(SRT_CALLER_ENCRYPTED, { secrets: {} });
    await expect(h.driver.up(await h.run())).rejects.toThrow(/SRT passphrase is needed/);
    expect(fake.secrets.size).toBe(0);
    expect(fake.inputs.size).toBe(0);
  });

  it('without a passphrase: no secret, no Secrets Manager call, no secret in the role', async () => {
    h = await makeHarness(INPUT_SPECS.SRT_CALLER!);
    await h.driver.up(await h.run());
    expect(fake.calls.filter((c) => c.service === 'secretsmanager')).toEqual([]);
    expect([...[...fake.roles.values()][0]!.policies.values()].join()).not.toContain('secretsmanager');
    await h.driver.down(await h.run(), { deleteLogs: true });
    expect(fake.inventory()).toEqual([]);
  });
});

describe('failures half-way leave down able to finish', () => {
  it('CreateInput denied after the secret exists: the error names the input; down deletes the secret', async () => {
    h = await makeHarness(INPUT_SPECS.SRT_LISTENER!);
    fake.deny('medialive:CreateInput');
    const err = await h.driver.up(await h.run()).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(LivestreamError);
    expect((err as LivestreamError).code).toBe('AWS_ACCESS_DENIED');
    expect((err as LivestreamError).message).toContain('MediaLive SRT_LISTENER input');
    const value = fake.secrets.get(SECRET_NAME)!.value;
    expect(JSON.stringify(err) + String((err as Error).message) + await h.stateText()).not.toContain(value);
    const report = await h.driver.down(await h.run(), { deleteLogs: true });
    expect(report.failed).toEqual([]);
    expect(fake.inventory()).toEqual([]);
  });

  it('DeleteSecret denied: down reports the secret as left, a second down finishes', async () => {
    h = await makeHarness(INPUT_SPECS.SRT_LISTENER!);
    await h.driver.up(await h.run());
    fake.failOn('DeleteSecret', { error: awsError('AccessDeniedException', 'not authorized to perform: secretsmanager:DeleteSecret', 403) });
    const first = await h.driver.down(await h.run(), { deleteLogs: true });
    expect(first.failed.map((f) => f.id)).toEqual(['srt-passphrase']);
    expect(fake.inventory()).toEqual([`secret:${SECRET_NAME}`]);
    const second = await h.driver.down(await h.run(), { deleteLogs: true });
    expect(second.failed).toEqual([]);
    expect(fake.inventory()).toEqual([]);
  });

  it('without the state file: status lists the secret, down finds it by name and tag and deletes it', async () => {
    h = await makeHarness(INPUT_SPECS.SRT_LISTENER!);
    await h.driver.up(await h.run());
    const arn = fake.secrets.get(SECRET_NAME)!.arn;
    await rm(h.store.file);
    await downElsewhere(async (other) => {
      const status = await other.driver.status(await other.run());
      expect(status.resources.find((r) => r.id === 'srt-passphrase')).toMatchObject({ physicalId: arn, exists: true });
    });
  });

  it('an up cut short at the role, after the secret: down without the state file deletes the secret and the rest', async () => {
    h = await makeHarness(INPUT_SPECS.SRT_LISTENER!);
    fake.failOn('CreateRole');
    await expect(h.driver.up(await h.run())).rejects.toBeInstanceOf(LivestreamError);
    expect(fake.inventory()).toContain(`secret:${SECRET_NAME}`);
    expect(fake.inventory().some((x) => x.startsWith('role:'))).toBe(false);
    await rm(h.store.file);
    await downElsewhere();
  });
});

/**
 * `down` from another machine, which knows only the stack's name (its spec has the default input),
 * after `before`; it must leave nothing.
 */
async function downElsewhere(before: (other: AwsHarness) => Promise<void> = async () => {}): Promise<void> {
  const other = await makeHarness({ input: 'URL_PULL', sourceUrl: 'https://example.com/a.m3u8' });
  try {
    await before(other);
    const report = await other.driver.down(await other.run(), { deleteLogs: true });
    expect(report.failed).toEqual([]);
    expect(fake.inventory()).toEqual([]);
  } finally {
    await other.cleanup();
  }
}

describe('the fake behaves as Secrets Manager does', () => {
  it('same token and value: the same secret; a taken name: ResourceExists; a name being deleted: InvalidRequest', async () => {
    const { SecretsManagerClient, CreateSecretCommand, DeleteSecretCommand, DescribeSecretCommand } = await import('@aws-sdk/client-secrets-manager');
    const sm = new SecretsManagerClient({ region: 'us-east-1' });
    const req = { Name: 'livestream/x/srt-passphrase', SecretString: 'abcdefghij12', ClientRequestToken: 'a'.repeat(32) };
    const a = await sm.send(new CreateSecretCommand(req));
    expect((await sm.send(new CreateSecretCommand(req))).ARN).toBe(a.ARN);
    await expect(sm.send(new CreateSecretCommand({ ...req, SecretString: 'another-value' }))).rejects.toMatchObject({ name: 'ResourceExistsException' });
    expect(await sm.send(new DescribeSecretCommand({ SecretId: a.ARN! }))).not.toHaveProperty('SecretString');
    await sm.send(new DeleteSecretCommand({ SecretId: a.ARN!, ForceDeleteWithoutRecovery: true }));
    await expect(sm.send(new CreateSecretCommand(req))).rejects.toMatchObject({ name: 'InvalidRequestException', message: expect.stringContaining('scheduled for deletion') });
    await expect(sm.send(new DescribeSecretCommand({ SecretId: 'livestream/y' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    // A forced delete of a missing secret is no error.
    await expect(sm.send(new DeleteSecretCommand({ SecretId: 'livestream/y', ForceDeleteWithoutRecovery: true }))).resolves.toBeDefined();
    fake.deny('secretsmanager:CreateSecret');
    await expect(sm.send(new CreateSecretCommand({ ...req, Name: 'livestream/z' }))).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });
});
