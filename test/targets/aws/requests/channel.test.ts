import { describe, expect, it } from 'vitest';
import { buildCreateChannelRequest, destinationUrl, inputSpecification } from '../../../../src/targets/aws/requests/channel.js';
import { buildEncoderSettings } from '../../../../src/targets/aws/requests/encoder-settings.js';
import { resourceNames } from '../../../../src/targets/aws/requests/names.js';
import { loadProfile } from '../../../../src/core/profiles.js';
import type { StackSpec } from '../../../../src/core/spec.js';

const names = resourceNames('demo', 'us-east-1', '123456789012');
const spec = (input: StackSpec['input']): StackSpec => ({
  stack: 'demo', target: 'aws', input, sourcePassword: false, cidrs: [], profile: 'HD-720p', start: false, stop: { kind: 'none' },
  ...(input === 'URL_PULL' ? { sourceUrl: 'https://example.com/live/index.m3u8' } : {}),
  aws: { region: 'us-east-1', origin: 's3' },
});

describe('destinationUrl', () => {
  it.each([
    [{ kind: 's3' as const, bucket: 'demo-origin-1-us-east-1' }, 's3ssl://demo-origin-1-us-east-1/stream/index'],
    [{ kind: 'mediastore' as const, endpoint: 'https://abcd.data.mediastore.us-east-1.amazonaws.com' }, 'mediastoressl://abcd.data.mediastore.us-east-1.amazonaws.com/stream/index'],
    [{ kind: 'mediastore' as const, endpoint: 'abcd.data.mediastore.us-east-1.amazonaws.com/' }, 'mediastoressl://abcd.data.mediastore.us-east-1.amazonaws.com/stream/index'],
  ])('%j → %s', (origin, url) => {
    expect(destinationUrl(origin)).toBe(url);
  });
});

describe('inputSpecification', () => {
  it.each([
    ['HD-1080p', { Codec: 'AVC', Resolution: 'HD', MaximumBitrate: 'MAX_20_MBPS' }],
    ['HD-720p', { Codec: 'AVC', Resolution: 'HD', MaximumBitrate: 'MAX_10_MBPS' }],
    ['SD-540p', { Codec: 'AVC', Resolution: 'SD', MaximumBitrate: 'MAX_10_MBPS' }],
  ])('%s → %j', async (profile, expected) => {
    expect(inputSpecification(await loadProfile(profile))).toEqual(expected);
  });
});

describe('buildCreateChannelRequest', () => {
  it('builds a single-pipeline channel for URL_PULL that loops its source', async () => {
    const ladder = await loadProfile('HD-720p');
    const url = 's3ssl://demo-origin-123456789012-us-east-1/stream/index';
    expect(
      buildCreateChannelRequest({
        names, ladder, spec: spec('URL_PULL'), inputId: '1234567', inputAttachmentName: 'demo-input',
        roleArn: 'arn:aws:iam::123456789012:role/demo-medialive-us-east-1', destinationUrl: url, requestId: 'req-1',
      }),
    ).toEqual({
      ChannelClass: 'SINGLE_PIPELINE',
      Destinations: [{ Id: 'destination1', Settings: [{ Url: url }] }],
      EncoderSettings: buildEncoderSettings(ladder, { kind: 's3' }),
      InputAttachments: [{ InputAttachmentName: 'demo-input', InputId: '1234567', InputSettings: { SourceEndBehavior: 'LOOP' } }],
      InputSpecification: { Codec: 'AVC', Resolution: 'HD', MaximumBitrate: 'MAX_10_MBPS' },
      LogLevel: 'WARNING',
      Name: 'demo-channel',
      RequestId: 'req-1',
      RoleArn: 'arn:aws:iam::123456789012:role/demo-medialive-us-east-1',
      Tags: { 'livestream:stack': 'demo' },
    });
  });

  it('does not loop push inputs and picks MediaStore encoder settings from the destination', async () => {
    const ladder = await loadProfile('SD-540p');
    const req = buildCreateChannelRequest({
      names, ladder, spec: spec('RTMP_PUSH'), inputId: '1', inputAttachmentName: 'demo-input', roleArn: 'arn:r',
      destinationUrl: 'mediastoressl://abcd.data.mediastore.us-east-1.amazonaws.com/stream/index', requestId: 'r',
    });
    expect(req.InputAttachments![0]!.InputSettings).toEqual({});
    expect(req.EncoderSettings).toEqual(buildEncoderSettings(ladder, { kind: 'mediastore' }));
    expect(req.InputSpecification).toEqual({ Codec: 'AVC', Resolution: 'SD', MaximumBitrate: 'MAX_10_MBPS' });
  });
});
