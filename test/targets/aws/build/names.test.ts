import { describe, expect, it } from 'vitest';
import { bucketName, resourceNames, tagList, tags } from '../../../../src/targets/aws/build/names.js';

describe('resourceNames', () => {
  it('derives every name from stack, region and account', () => {
    expect(resourceNames('demo', 'eu-west-1', '123456789012')).toEqual({
      stack: 'demo',
      region: 'eu-west-1',
      accountId: '123456789012',
      roleName: 'demo-medialive-eu-west-1',
      rolePolicyName: 'demo-medialive-access',
      parameterName: '/livestream/demo/source-password',
      securityGroupTags: { 'livestream:stack': 'demo' },
      inputName: 'demo-input',
      channelName: 'demo-channel',
      originBucket: 'demo-origin-123456789012-eu-west-1',
      logsBucket: 'demo-logs-123456789012-eu-west-1',
      containerName: 'demo',
      containerLogGroup: '/aws/mediastore/demo',
      dashboardName: 'demo-eu-west-1',
      oacName: 'demo-eu-west-1-oac',
      cachePolicyNames: { playlists: 'demo-eu-west-1-playlists', segments: 'demo-eu-west-1-segments' },
      distributionComment: 'livestream demo (eu-west-1)',
      tags: { 'livestream:stack': 'demo' },
      tagList: [{ Key: 'livestream:stack', Value: 'demo' }],
    });
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
