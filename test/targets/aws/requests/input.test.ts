import { describe, expect, it } from 'vitest';
import { buildCreateInputRequest, buildCreateInputSecurityGroupRequest, needsSecurityGroup } from '../../../../src/targets/aws/requests/input.js';
import { resourceNames } from '../../../../src/targets/aws/requests/names.js';
import type { StackSpec } from '../../../../src/core/spec.js';

const names = resourceNames('demo', 'us-east-1', '123456789012');
const TAGS = { 'livestream:stack': 'demo' };
const base: StackSpec = { stack: 'demo', target: 'aws', input: 'URL_PULL', sourcePassword: false, cidrs: [], profile: 'HD-720p', start: false, aws: { region: 'us-east-1', origin: 's3' } };

describe('buildCreateInputRequest', () => {
  it('RTP_PUSH: the security group only', () => {
    expect(buildCreateInputRequest({ spec: { ...base, input: 'RTP_PUSH', cidrs: ['203.0.113.0/24'] }, names, securityGroupId: 'sg1', requestId: 'r1' })).toEqual({
      Name: 'demo-input', Type: 'RTP_PUSH', RequestId: 'r1', Tags: TAGS, InputSecurityGroups: ['sg1'],
    });
  });

  it('RTMP_PUSH: the security group and one <stack>/stream destination', () => {
    expect(buildCreateInputRequest({ spec: { ...base, input: 'RTMP_PUSH', cidrs: ['203.0.113.0/24'] }, names, securityGroupId: 'sg1', requestId: 'r1' })).toEqual({
      Name: 'demo-input', Type: 'RTMP_PUSH', RequestId: 'r1', Tags: TAGS, InputSecurityGroups: ['sg1'], Destinations: [{ StreamName: 'demo/stream' }],
    });
  });

  it('URL_PULL without credentials: the URL only', () => {
    expect(buildCreateInputRequest({ spec: { ...base, sourceUrl: 'https://example.com/a.m3u8' }, names, requestId: 'r1' })).toEqual({
      Name: 'demo-input', Type: 'URL_PULL', RequestId: 'r1', Tags: TAGS, Sources: [{ Url: 'https://example.com/a.m3u8' }],
    });
  });

  it('URL_PULL with credentials: user name and the parameter that holds the password, never the password', () => {
    const req = buildCreateInputRequest({
      spec: { ...base, sourceUrl: 'https://example.com/a.m3u8', sourceUser: 'alice', sourcePassword: true },
      names, parameterName: names.parameterName, requestId: 'r1',
    });
    expect(req.Sources).toEqual([{ Url: 'https://example.com/a.m3u8', Username: 'alice', PasswordParam: '/livestream/demo/source-password' }]);
  });

  it('INPUT_DEVICE: the Link device', () => {
    expect(buildCreateInputRequest({ spec: { ...base, input: 'INPUT_DEVICE', deviceId: 'hd-0123456789abcdef' }, names, requestId: 'r1' })).toEqual({
      Name: 'demo-input', Type: 'INPUT_DEVICE', RequestId: 'r1', Tags: TAGS, InputDevices: [{ Id: 'hd-0123456789abcdef' }],
    });
  });

  it('refuses a push input without its security group', () => {
    expect(() => buildCreateInputRequest({ spec: { ...base, input: 'RTP_PUSH', cidrs: ['10.0.0.0/8'] }, names, requestId: 'r' })).toThrow(
      expect.objectContaining({ code: 'INTERNAL' }),
    );
  });
});

describe('buildCreateInputSecurityGroupRequest', () => {
  it('allows each CIDR and tags the group', () => {
    expect(buildCreateInputSecurityGroupRequest({ ...base, input: 'RTMP_PUSH', cidrs: ['203.0.113.7/32', '198.51.100.0/24'] }, names)).toEqual({
      WhitelistRules: [{ Cidr: '203.0.113.7/32' }, { Cidr: '198.51.100.0/24' }],
      Tags: TAGS,
    });
  });

  it.each([
    ['RTP_PUSH', true], ['RTMP_PUSH', true], ['URL_PULL', false], ['INPUT_DEVICE', false],
  ] as const)('%s needs a security group: %s', (input, expected) => {
    expect(needsSecurityGroup({ input })).toBe(expected);
  });
});
