/**
 * Every request the AWS target sends, for every input type, origin and profile, checked against
 * AWS's published API models (aws/api-models-aws, transcribed in test/fixtures/aws-models): no
 * unknown member, every required member, enum values, ranges, lengths and patterns. The requests
 * are the real ones: a whole up, status, stop, start and down against the stateful fake.
 */
import { describe, expect, it } from 'vitest';
import { AwsFake } from '../../helpers/aws-fake.js';
import { checkRequest, loadServiceModel } from '../../helpers/aws-model.js';
import { INPUT_SPECS, makeHarness, MEDIASTORE, SRT_CALLER_ENCRYPTED } from '../../helpers/aws-run.js';
import type { RawSpec } from '../../../src/core/spec.js';

const ORIGINS: Record<string, RawSpec> = { s3: {}, mediastore: MEDIASTORE };
const PROFILES = ['HD-1080p', 'HD-720p', 'SD-540p'];
const CASES = Object.entries(INPUT_SPECS).flatMap(([input, raw]) =>
  Object.entries(ORIGINS).flatMap(([origin, o]) => PROFILES.map((profile) => ({ input, origin, profile, raw: { ...raw, ...o, profile } }))));

/** Runs the whole lifecycle and returns what was sent, as "service Operation" with its input. */
async function sentRequests(raw: RawSpec, secrets: { sourcePassword?: string; srtPassphrase?: string }) {
  const fake = new AwsFake(raw.region ?? 'us-east-1').install();
  const h = await makeHarness(raw, { secrets });
  try {
    await h.driver.up(await h.run());
    await h.driver.status(await h.run());
    await h.driver.stop(await h.run());
    await h.driver.start(await h.run());
    await h.driver.down(await h.run(), { deleteLogs: true });
    return fake.calls;
  } finally {
    fake.restore();
    await h.cleanup();
  }
}

describe('every request conforms to the AWS API models', () => {
  it.each(CASES)('$input, $origin origin, $profile', async ({ input, raw }) => {
    const calls = await sentRequests(raw, input === 'URL_PULL_AUTH' ? { sourcePassword: 'pw-model-check' } : {});
    const sent = new Set(calls.map((c) => c.command));
    // The run really covered the lifecycle: channel created, started, stopped and deleted.
    expect([...sent]).toEqual(expect.arrayContaining(['CreateInput', 'CreateChannel', 'StartChannel', 'StopChannel', 'DeleteChannel', 'CreateDistributionWithTags', 'PutDashboard']));
    const problems = calls.flatMap((c) => checkRequest(loadServiceModel(c.service), c.command, c.input).map((p) => `${c.service} ${c.command} ${p}`));
    expect(problems).toEqual([]);
  });
});

describe('a stack in an opt-in region conforms too', () => {
  // ap-south-2: CreateBucket names it as LocationConstraint for the origin, none for the logs bucket (us-east-1).
  it.each(['ap-south-2', 'me-central-1'])('URL_PULL_AUTH, s3 origin, HD-1080p, %s', async (region) => {
    const calls = await sentRequests({ ...INPUT_SPECS.URL_PULL_AUTH!, region }, { sourcePassword: 'pw-model-check' });
    const creates = calls.filter((c) => c.command === 'CreateBucket').map((c) => c.input.CreateBucketConfiguration?.LocationConstraint ?? 'none');
    expect(creates.sort()).toEqual([region, 'none'].sort());
    // The model's LocationConstraint enum has no us-east-1 (S3 takes none there): sending one would show up.
    expect(checkRequest(loadServiceModel('s3'), 'CreateBucket', { Bucket: 'b', CreateBucketConfiguration: { LocationConstraint: 'us-east-1' } })).not.toEqual([]);
    const problems = calls.flatMap((c) => checkRequest(loadServiceModel(c.service), c.command, c.input).map((p) => `${c.service} ${c.command} ${p}`));
    expect(problems).toEqual([]);
  });
});

describe('SRT inputs conform, the passphrase secret included', () => {
  // SRT_LISTENER's shapes come from botocore (the api-models-aws snapshot predates it): see the
  // fixture's source.supplement. Its 120-15000 ms MinimumLatency is documentation, not a trait,
  // so only the spec (SRT_LATENCY_RANGE_MS) and the fake enforce it.
  it.each<[string, RawSpec, { srtPassphrase?: string }]>([
    ['SRT_LISTENER', INPUT_SPECS.SRT_LISTENER!, {}],
    ['SRT_CALLER with a passphrase', SRT_CALLER_ENCRYPTED, { srtPassphrase: 'given-Passphrase-42' }],
  ])('%s', async (_label, raw, secrets) => {
    const calls = await sentRequests(raw, secrets);
    expect(calls.map((c) => c.command)).toEqual(expect.arrayContaining(['CreateSecret', 'DescribeSecret', 'DeleteSecret', 'CreateInput']));
    const problems = calls.flatMap((c) => checkRequest(loadServiceModel(c.service), c.command, c.input).map((p) => `${c.service} ${c.command} ${p}`));
    expect(problems).toEqual([]);
  });

  it('rejects an SRT listener without its required decryption, and a secret name too long or a token too short', () => {
    const medialive = loadServiceModel('medialive');
    expect(checkRequest(medialive, 'CreateInput', { Type: 'SRT_LISTENER', SrtSettings: { SrtListenerSettings: { MinimumLatency: 120 } } })).toEqual(['SrtSettings.SrtListenerSettings.Decryption: required']);
    expect(checkRequest(medialive, 'CreateInput', { Type: 'SRT_LISTENER', SrtSettings: { SrtListenerSettings: { MinimumLatency: 120, Decryption: { Algorithm: 'AES512', PassphraseSecretArn: 'arn' } } } })).toEqual([
      'SrtSettings.SrtListenerSettings.Decryption.Algorithm: "AES512" is not one of AES128, AES192, AES256',
    ]);
    const sm = loadServiceModel('secretsmanager');
    expect(checkRequest(sm, 'CreateSecret', { Name: 'n'.repeat(513), ClientRequestToken: 'short' })).toEqual([
      'Name: 513 characters, at most 512 allowed',
      'ClientRequestToken: 5 characters, at least 32 needed',
    ]);
  });
});

describe('the model check can fail', () => {
  const medialive = loadServiceModel('medialive');
  const channel = {
    Name: 'demo-channel',
    ChannelClass: 'SINGLE_PIPELINE',
    EncoderSettings: {
      AudioDescriptions: [],
      OutputGroups: [],
      TimecodeConfig: { Source: 'EMBEDDED' },
      VideoDescriptions: [{ Name: 'v', CodecSettings: { H264Settings: { Bitrate: 2700000, Profile: 'MAIN' } } }],
    },
  };
  const h264 = (change: Record<string, unknown>) => ({
    ...channel,
    EncoderSettings: { ...channel.EncoderSettings, VideoDescriptions: [{ Name: 'v', CodecSettings: { H264Settings: { Bitrate: 2700000, Profile: 'MAIN', ...change } } }] },
  });

  it('accepts a conforming request', () => {
    expect(checkRequest(medialive, 'CreateChannel', channel)).toEqual([]);
  });

  it.each<[string, unknown, string[]]>([
    ['a bitrate of 1 (min 1000)', h264({ Bitrate: 1 }), ['EncoderSettings.VideoDescriptions[0].CodecSettings.H264Settings.Bitrate: 1 is below the minimum 1000']],
    ['a bitrate beyond 32 bits', h264({ Bitrate: 1e12 }), ['EncoderSettings.VideoDescriptions[0].CodecSettings.H264Settings.Bitrate: 1000000000000 does not fit a integer (-2147483648 to 2147483647)']],
    ['an enum value MediaLive does not have', h264({ Profile: 'EXTENDED' }), ['EncoderSettings.VideoDescriptions[0].CodecSettings.H264Settings.Profile: "EXTENDED" is not one of BASELINE, HIGH, HIGH_10BIT, HIGH_422, HIGH_422_10BIT, MAIN']],
    ['a member the model does not have', h264({ Crf: 23 }), [expect.stringMatching(/^EncoderSettings.VideoDescriptions\[0\].CodecSettings.H264Settings.Crf: unknown member/) as unknown as string]],
    ['a missing required member', { ...channel, EncoderSettings: { ...channel.EncoderSettings, TimecodeConfig: undefined } }, ['EncoderSettings.TimecodeConfig: required']],
    ['a number where a string goes', { ...channel, Name: 42 }, ['Name: expected a string, got number']],
  ])('rejects %s', (_name, request, expected) => {
    expect(checkRequest(medialive, 'CreateChannel', request)).toEqual(expected);
  });

  it('rejects lengths and patterns (an IAM role name) and unknown operations', () => {
    const iam = loadServiceModel('iam');
    expect(checkRequest(iam, 'CreateRole', { RoleName: `${'r'.repeat(65)}`, AssumeRolePolicyDocument: '{}' })).toEqual(['RoleName: 65 characters, at most 64 allowed']);
    expect(checkRequest(iam, 'CreateRole', { RoleName: '../evil', AssumeRolePolicyDocument: '{}' })).toEqual(['RoleName: "../evil" does not match ^[\\w+=,.@-]+$']);
    expect(checkRequest(iam, 'LaunchRocket', {})[0]).toMatch(/not an operation/);
  });
});
