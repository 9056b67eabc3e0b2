import { describe, expect, it } from 'vitest';
import { assertResourceNames, bucketName, checkResourceNames, resourceNames, tagList, tags, type ResourceNames } from '../../../../src/targets/aws/requests/names.js';
import { MEDIALIVE_REGIONS } from '../../../../src/core/spec.js';

describe('resourceNames', () => {
  it('derives every name from stack, region and account', () => {
    expect(resourceNames('demo', 'eu-west-1', '123456789012')).toEqual({
      stack: 'demo',
      region: 'eu-west-1',
      accountId: '123456789012',
      roleName: 'demo-medialive-eu-west-1',
      rolePolicyName: 'demo-medialive-access',
      parameterName: '/livestream/demo/source-password',
      srtSecretName: 'livestream/demo/srt-passphrase',
      securityGroupTags: { 'livestream:stack': 'demo' },
      inputName: 'demo-input',
      channelName: 'demo-channel',
      originBucket: 'demo-origin-123456789012-eu-west-1',
      logsBucket: 'demo-logs-123456789012-eu-west-1',
      logsBucketRegion: 'eu-west-1',
      recordingsBucket: 'demo-rec-123456789012-eu-west-1',
      containerName: 'demo',
      containerLogGroup: '/aws/mediastore/demo',
      dashboardName: 'demo-eu-west-1',
      oacName: 'demo-eu-west-1-oac',
      cachePolicyNames: { playlists: 'demo-eu-west-1-playlists', segments: 'demo-eu-west-1-segments' },
      distributionComment: 'livestream demo (eu-west-1)',
      scheduleGroupName: 'demo-livestream',
      scheduleName: 'demo-stop-channel',
      schedulerRoleName: 'demo-scheduler-eu-west-1',
      schedulerRolePolicyName: 'demo-stop-channel',
      tags: { 'livestream:stack': 'demo' },
      tagList: [{ Key: 'livestream:stack', Value: 'demo' }],
    });
  });

  it('puts the logs bucket of a stack in an opt-in region in us-east-1, still named with the stack\'s region', () => {
    const n = resourceNames('demo', 'ap-south-2', '123456789012');
    expect(n.logsBucket).toBe('demo-logs-123456789012-ap-south-2');
    expect(n.logsBucketRegion).toBe('us-east-1');
    expect(n.originBucket).toBe('demo-origin-123456789012-ap-south-2');
    // The same stack name in us-east-1 gets a logs bucket of its own there.
    expect(resourceNames('demo', 'us-east-1', '123456789012').logsBucket).not.toBe(n.logsBucket);
    for (const region of ['ap-southeast-4', 'ap-southeast-5', 'me-central-1']) expect(resourceNames('demo', region, '123456789012').logsBucketRegion).toBe('us-east-1');
  });

  it('is deterministic', () => {
    expect(resourceNames('a1', 'us-east-1', '111122223333')).toEqual(resourceNames('a1', 'us-east-1', '111122223333'));
  });

  it('keeps IAM role names within 64 characters for the longest stack and region', () => {
    const n = resourceNames('a'.repeat(32), 'ap-northeast-1', '123456789012');
    expect(n.roleName.length).toBeLessThanOrEqual(64);
    expect(n.oacName.length).toBeLessThanOrEqual(64);
  });
});

describe('bucketName', () => {
  const suffix = '-origin-123456789012-ap-southeast-2';

  it('keeps short names whole', () => {
    expect(bucketName('live', suffix)).toBe(`live${suffix}`);
  });

  it('cuts a long stack to fit 63 characters and adds a stable hash', () => {
    const stack = 'a-very-long-stack-name-for-tests';
    const name = bucketName(stack, suffix);
    expect(name).toHaveLength(63);
    expect(name).toMatch(/^a-very-long-stack-nam-[0-9a-f]{6}-origin-123456789012-ap-southeast-2$/);
    expect(bucketName(stack, suffix)).toBe(name);
    expect(name).toMatch(/^[a-z0-9][a-z0-9-]*[a-z0-9]$/);
  });

  it('gives two long stacks with the same prefix different buckets', () => {
    const a = bucketName('a-very-long-stack-name-for-test1', suffix);
    const b = bucketName('a-very-long-stack-name-for-test2', suffix);
    expect(a).not.toBe(b);
    expect(a.length).toBeLessThanOrEqual(63);
  });

  it('never leaves a hyphen before the hash doubled', () => {
    // Cut point lands right after a hyphen in this stack name.
    const name = bucketName('abcdefghijklmnopqrst-uvwxyzabcde', suffix);
    expect(name).not.toContain('--');
  });
});

describe('tags', () => {
  it('has the map and the list forms', () => {
    expect(tags('x')).toEqual({ 'livestream:stack': 'x' });
    expect(tagList('x')).toEqual([{ Key: 'livestream:stack', Value: 'x' }]);
  });
});

describe('checkResourceNames', () => {
  const names = resourceNames('demo', 'eu-west-1', '123456789012');

  it.each(MEDIALIVE_REGIONS)('finds nothing wrong for the longest stack name spec.ts allows, in %s', (region) => {
    expect(checkResourceNames(resourceNames(`a${'-b'.repeat(15)}c`, region, '123456789012'))).toEqual([]);
    expect(checkResourceNames(resourceNames('a'.repeat(32), region, '123456789012'))).toEqual([]);
  });

  // Derived names as a longer or stranger stack name would make them: each rule can refuse.
  it.each<[string, Partial<ResourceNames>, RegExp]>([
    ['IAM role name over 64 (roleNameType)', { roleName: `${'r'.repeat(60)}-medialive-eu-west-1` }, /IAM role name .* would be 80 characters; at most 64/],
    ['IAM policy name over 128 (policyNameType)', { rolePolicyName: 'p'.repeat(129) }, /IAM policy name .* at most 128/],
    ['IAM role name with a slash', { roleName: '../evil' }, /IAM role name "..\/evil" has characters it does not allow/],
    ['S3 bucket over 63', { originBucket: 'b'.repeat(64) }, /S3 bucket name .* at most 63/],
    ['S3 bucket with upper case', { logsBucket: 'Demo-logs' }, /S3 bucket name "Demo-logs" has characters/],
    ['S3 reserved prefix', { originBucket: 'xn--demo-origin' }, /starts with "xn--", which S3 reserves/],
    ['S3 reserved suffix --x-s3', { originBucket: 'demo--x-s3' }, /ends with "--x-s3", which S3 reserves/],
    ['S3 reserved suffix -s3alias', { logsBucket: 'demo-s3alias' }, /ends with "-s3alias"/],
    ['S3 reserved suffix --ol-s3', { logsBucket: 'demo--ol-s3' }, /ends with "--ol-s3"/],
    ['S3 reserved suffix .mrap', { logsBucket: 'demo.mrap' }, /ends with ".mrap"/],
    ['S3 two dots', { originBucket: 'demo..origin' }, /two dots in a row/],
    ['OAC name over 64', { oacName: 'o'.repeat(65) }, /origin access control name .* at most 64/],
    ['cache policy name over 128', { cachePolicyNames: { playlists: 'c'.repeat(129), segments: 'ok' } }, /cache policy name .* at most 128/],
    ['dashboard name with a space', { dashboardName: 'my dash' }, /CloudWatch dashboard name "my dash" has characters/],
    ['MediaStore container name with a dot', { containerName: 'a.b' }, /MediaStore container name "a.b" has characters/],
  ])('refuses %s', (_name, change, message) => {
    const problems = checkResourceNames({ ...names, ...change });
    expect(problems).toHaveLength(1);
    expect(problems[0]!.path).toBe('stack');
    expect(problems[0]!.message).toMatch(message);
    expect(problems[0]!.fix).toBeTruthy();
  });

  it('refuses before any AWS call with SPEC_INVALID, naming every problem', () => {
    expect(() => assertResourceNames('demo', 'eu-west-1')).not.toThrow();
    const err = (() => { try { assertResourceNames('x'.repeat(60), 'eu-west-1'); } catch (e) { return e as { code: string; message: string }; } })();
    expect(err?.code).toBe('SPEC_INVALID');
    expect(err?.message).toMatch(/IAM role name/);
  });
});
