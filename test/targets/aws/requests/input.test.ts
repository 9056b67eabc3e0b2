import { describe, expect, it } from 'vitest';
import { buildCreateInputRequest, buildCreateInputSecurityGroupRequest, needsSecurityGroup, needsSrtSecret } from '../../../../src/targets/aws/requests/input.js';
import { resourceNames } from '../../../../src/targets/aws/requests/names.js';
import type { StackSpec } from '../../../../src/core/spec.js';

const names = resourceNames('demo', 'us-east-1', '123456789012');
const TAGS = { 'livestream:stack': 'demo' };
const base: StackSpec = { stack: 'demo', target: 'aws', input: 'URL_PULL', sourcePassword: false, cidrs: [], profile: 'HD-720p', start: false, stop: { kind: 'none' }, aws: { region: 'us-east-1', origin: 's3' } };

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

describe('SRT inputs', () => {
  const SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:livestream/demo/srt-passphrase-AbCdEf';
  const listener: StackSpec = { ...base, input: 'SRT_LISTENER', cidrs: ['203.0.113.0/24'], srt: { latencyMs: 200, passphrase: 'generated' } };
  const caller: StackSpec = { ...base, input: 'SRT_CALLER', sourceUrl: 'srt://203.0.113.7:9000?streamid=studio', srt: { latencyMs: 500, streamId: 'studio', passphrase: 'given' } };

  it('SRT_LISTENER: its security group, the latency, the stack as stream id, AES decryption by the secret ARN', () => {
    expect(buildCreateInputRequest({ spec: listener, names, securityGroupId: 'sg1', srtSecretArn: SECRET, requestId: 'r1' })).toEqual({
      Name: 'demo-input', Type: 'SRT_LISTENER', RequestId: 'r1', Tags: TAGS, InputSecurityGroups: ['sg1'],
      SrtSettings: { SrtListenerSettings: { MinimumLatency: 200, StreamId: 'demo', Decryption: { Algorithm: 'AES128', PassphraseSecretArn: SECRET } } },
    });
  });

  it('SRT_CALLER with a passphrase: one source (single pipeline), the port as a string, no security group', () => {
    expect(buildCreateInputRequest({ spec: caller, names, srtSecretArn: SECRET, requestId: 'r1' })).toEqual({
      Name: 'demo-input', Type: 'SRT_CALLER', RequestId: 'r1', Tags: TAGS,
      SrtSettings: {
        SrtCallerSources: [{ SrtListenerAddress: '203.0.113.7', SrtListenerPort: '9000', MinimumLatency: 500, StreamId: 'studio', Decryption: { Algorithm: 'AES128', PassphraseSecretArn: SECRET } }],
      },
    });
  });

  it('SRT_CALLER to a listener that does not encrypt: no Decryption, no stream id when the URL has none', () => {
    const spec: StackSpec = { ...caller, sourceUrl: 'srt://198.51.100.9:7001', srt: { latencyMs: 120, passphrase: 'none' } };
    expect(buildCreateInputRequest({ spec, names, requestId: 'r1' })).toEqual({
      Name: 'demo-input', Type: 'SRT_CALLER', RequestId: 'r1', Tags: TAGS,
      SrtSettings: { SrtCallerSources: [{ SrtListenerAddress: '198.51.100.9', SrtListenerPort: '7001', MinimumLatency: 120 }] },
    });
  });

  it('refuses to build without the secret or the security group it needs (an internal ordering error)', () => {
    expect(() => buildCreateInputRequest({ spec: listener, names, securityGroupId: 'sg1', requestId: 'r1' })).toThrow(/passphrase secret/);
    expect(() => buildCreateInputRequest({ spec: listener, names, srtSecretArn: SECRET, requestId: 'r1' })).toThrow(/security group/);
    expect(() => buildCreateInputRequest({ spec: caller, names, requestId: 'r1' })).toThrow(/passphrase secret/);
  });

  it('SRT_LISTENER needs the security group and a secret; SRT_CALLER a secret only with a passphrase', () => {
    expect([needsSecurityGroup(listener), needsSrtSecret(listener)]).toEqual([true, true]);
    expect([needsSecurityGroup(caller), needsSrtSecret(caller)]).toEqual([false, true]);
    expect(needsSrtSecret({ ...caller, srt: { latencyMs: 120, passphrase: 'none' } })).toBe(false);
    expect(needsSrtSecret({ ...base, input: 'RTMP_PUSH' })).toBe(false);
  });
});
