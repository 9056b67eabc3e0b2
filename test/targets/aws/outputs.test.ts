import { describe, expect, it } from 'vitest';
import type { ResourceRecord } from '../../../src/core/state.js';
import { resourceNames } from '../../../src/targets/aws/requests/names.js';
import { buildOutputs } from '../../../src/targets/aws/outputs.js';

const names = resourceNames('demo', 'us-east-1', '123456789012');
const rec = (id: string, physicalId: string, attrs: ResourceRecord['attrs'] = {}): ResourceRecord => ({
  id, kind: 'test', name: physicalId, physicalId, status: 'ready', attrs, createdAt: '2026-11-25T04:00:00Z',
});

describe('buildOutputs: push endpoint', () => {
  it('RTP_PUSH: prints only the first of the two addresses, the one a single-pipeline channel ingests', () => {
    // MediaLive gives an RTP push input two destinations, one per pipeline of a STANDARD channel.
    const input = rec('input', '1111', { type: 'RTP_PUSH', endpoints: ['rtp://198.51.100.10:5000', 'rtp://198.51.100.11:5000'] });
    expect(buildOutputs(names, { input }, 's3').pushEndpoint).toBe('rtp://198.51.100.10:5000');
  });

  it('RTMP_PUSH: the one destination it was created with', () => {
    const input = rec('input', '1111', { type: 'RTMP_PUSH', endpoints: ['rtmp://198.51.100.10:1935/demo/stream'] });
    expect(buildOutputs(names, { input }, 's3').pushEndpoint).toBe('rtmp://198.51.100.10:1935/demo/stream');
  });

  it('pull inputs have no push endpoint', () => {
    expect(buildOutputs(names, { input: rec('input', '1111', { type: 'URL_PULL', endpoints: [] }) }, 's3').pushEndpoint).toBeUndefined();
  });
});

describe('buildOutputs: SRT', () => {
  const SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:livestream/demo/srt-passphrase-AbCdEf';

  it('SRT_LISTENER: the first srt://ip:5050 with its stream id (escaped), and where the passphrase sits, never the passphrase', () => {
    const input = rec('input', '1111', { type: 'SRT_LISTENER', endpoints: ['srt://198.51.100.10:5050', 'srt://198.51.100.11:5050'], streamId: 'demo cam/1' });
    const out = buildOutputs(names, { input, 'srt-passphrase': rec('srt-passphrase', SECRET) }, 's3');
    expect(out.pushEndpoint).toBe('srt://198.51.100.10:5050?streamid=demo%20cam%2F1');
    expect(out.srtPassphraseSecret).toBe(SECRET);
    expect(out.srtPassphraseRead).toBe(`aws secretsmanager get-secret-value --region us-east-1 --secret-id ${SECRET} --query SecretString --output text`);
  });

  it('an SRT_LISTENER input found without a state file (no recorded stream id) takes the stack name, as up sets it', () => {
    const input = rec('input', '1111', { type: 'SRT_LISTENER', endpoints: ['srt://198.51.100.10:5050'] });
    expect(buildOutputs(names, { input }, 's3').pushEndpoint).toBe('srt://198.51.100.10:5050?streamid=demo');
  });
});
