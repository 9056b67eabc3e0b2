/**
 * The pure part of recording on AWS (#13): the rendition chosen, the refusals, the archive output
 * group in the CreateChannel request (checked against MediaLive's published model), the bucket's
 * lifecycle, the role's scope, and how objects group into runs.
 */
import { recordedRendition } from '../../../../src/core/recording.js';
import { describe, expect, it } from 'vitest';
import { LivestreamError } from '../../../../src/core/errors.js';
import { loadProfile } from '../../../../src/core/profiles.js';
import { validateSpec, type AwsStackSpec } from '../../../../src/core/spec.js';
import { buildCreateChannelRequest } from '../../../../src/targets/aws/requests/channel.js';
import { buildRolePolicyDocument } from '../../../../src/targets/aws/requests/iam.js';
import { resourceNames } from '../../../../src/targets/aws/requests/names.js';
import { estimateChannelCost } from '../../../../src/targets/aws/requests/pricing.js';
import {
  assertExpireDays,
  buildRecordingsLifecycle,
  groupRuns,
  recordingsDestinationUrl,
  runSeconds,
} from '../../../../src/targets/aws/requests/recording.js';
import { checkRequest, loadServiceModel } from '../../../helpers/aws-model.js';

const names = resourceNames('demo', 'us-east-1', '123456789012');

function specWith(record: string): AwsStackSpec {
  const { spec } = validateSpec({ target: 'aws', stack: 'demo', input: 'URL_PULL', sourceUrl: 'https://example.com/live/index.m3u8' });
  return { ...(spec as AwsStackSpec), record };
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof LivestreamError ? err.code : 'not a LivestreamError';
  }
}

describe('recording settings', () => {
  it.each([0, -3, 1.5, Number.NaN])('refuses recordingsExpireDays %s', (days) => {
    expect(codeOf(() => assertExpireDays(days))).toBe('SPEC_INVALID');
  });

  it.each([undefined, 1, 30])('accepts recordingsExpireDays %s', (days) => {
    expect(codeOf(() => assertExpireDays(days))).toBeUndefined();
  });
});

describe('the archive output group', () => {
  it('reuses the recorded rendition\'s encodes (no second encode) and conforms to the MediaLive model', async () => {
    const ladder = await loadProfile('HD-1080p');
    const without = buildCreateChannelRequest({ names, ladder, spec: specWith('none'), inputId: '1', inputAttachmentName: 'input', roleArn: 'arn:aws:iam::123456789012:role/r', destinationUrl: 's3ssl://o/stream/index', requestId: 'x' });
    const rendition = recordedRendition({ target: 'aws', record: '1280x720' }, ladder)!;
    const req = buildCreateChannelRequest({
      names, ladder, spec: specWith('1280x720'), inputId: '1', inputAttachmentName: 'input', roleArn: 'arn:aws:iam::123456789012:role/r',
      destinationUrl: 's3ssl://o/stream/index', requestId: 'x',
      recording: { rendition, destinationUrl: recordingsDestinationUrl(names.recordingsBucket, 'demo') },
    });
    expect(req.Destinations).toEqual([
      { Id: 'destination1', Settings: [{ Url: 's3ssl://o/stream/index' }] },
      { Id: 'recordings', Settings: [{ Url: 's3ssl://demo-rec-123456789012-us-east-1/demo/$dt$/recording' }] },
    ]);
    // The same encodes as without recording: one more output, no more video or audio descriptions.
    expect(req.EncoderSettings!.VideoDescriptions).toEqual(without.EncoderSettings!.VideoDescriptions);
    expect(req.EncoderSettings!.AudioDescriptions).toEqual(without.EncoderSettings!.AudioDescriptions);
    const group = req.EncoderSettings!.OutputGroups![1]!;
    expect(group.OutputGroupSettings).toEqual({
      ArchiveGroupSettings: { Destination: { DestinationRefId: 'recordings' }, RolloverInterval: 300, ArchiveCdnSettings: { ArchiveS3Settings: {} } },
    });
    expect(group.Outputs).toHaveLength(1);
    expect(group.Outputs![0]).toMatchObject({ OutputName: 'recording_1280x720', VideoDescriptionName: '_1280x720', AudioDescriptionNames: ['audio_1280x720'] });
    expect(group.Outputs![0]!.OutputSettings!.ArchiveOutputSettings).toMatchObject({ NameModifier: '_1280x720', Extension: 'ts' });
    const videoNames = req.EncoderSettings!.VideoDescriptions!.map((v) => v.Name);
    expect(videoNames).toContain(group.Outputs![0]!.VideoDescriptionName);
    expect(checkRequest(loadServiceModel('medialive'), 'CreateChannel', req)).toEqual([]);
  });
});

describe('the recordings bucket and the role', () => {
  it('expires recordings only when asked, and always cleans aborted uploads', () => {
    expect(buildRecordingsLifecycle('demo', undefined)).toEqual({ Rules: [{ ID: 'recordings', Status: 'Enabled', Filter: { Prefix: 'demo/' }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }] });
    expect(buildRecordingsLifecycle('demo', 30).Rules![0]!.Expiration).toEqual({ Days: 30 });
    expect(checkRequest(loadServiceModel('s3'), 'PutBucketLifecycleConfiguration', { Bucket: 'b', LifecycleConfiguration: buildRecordingsLifecycle('demo', 30) })).toEqual([]);
  });

  it('lets the channel write only the stack\'s folder of the recordings bucket', () => {
    const doc = buildRolePolicyDocument({ spec: specWith('top'), names, accountId: names.accountId, region: 'us-east-1', originArn: 'arn:aws:s3:::demo-origin-123456789012-us-east-1' });
    const onRecordings = doc.Statement.filter((s) => JSON.stringify(s.Resource).includes(names.recordingsBucket));
    expect(onRecordings).toEqual([
      { Sid: 'WriteStackRecordings', Effect: 'Allow', Action: ['s3:PutObject', 's3:AbortMultipartUpload'], Resource: 'arn:aws:s3:::demo-rec-123456789012-us-east-1/demo/*' },
    ]);
    const none = buildRolePolicyDocument({ spec: specWith('none'), names, accountId: names.accountId, region: 'us-east-1', originArn: 'arn:aws:s3:::demo-origin-123456789012-us-east-1' });
    expect(JSON.stringify(none)).not.toContain(names.recordingsBucket);
  });
});

describe('the plan\'s price of recording', () => {
  it('adds one output of the rendition\'s class and the storage of an hour', async () => {
    const ladder = await loadProfile('HD-1080p');
    const base = estimateChannelCost(ladder, 'us-east-1');
    const hd = estimateChannelCost(ladder, 'us-east-1', { record: recordedRendition({ target: 'aws', record: '1280x720' }, ladder)! });
    const added = hd.lines.slice(base.lines.length);
    expect(added.map((l) => l.item)).toEqual([
      expect.stringMatching(/^recording output 1280x720 \(HD, archive to S3\)$/),
      expect.stringMatching(/^recording storage \(S3 Standard, about \d+\.\d\d GB per hour/),
    ]);
    expect(added[0]!.perHour).toBe(0.702);
    expect(added[1]!.perHour).toBeGreaterThan(0);
    expect(hd.perHour).toBeCloseTo(base.perHour + added[0]!.perHour + added[1]!.perHour, 3);
  });
});

describe('objects grouped by run', () => {
  const at = new Date('2026-11-25T04:20:00Z');
  const parts = [
    { key: 'demo/20261125T040000/recording_1280x720.000002.ts', bytes: 100, lastModified: at },
    { key: 'demo/20261125T040000/recording_1280x720.000001.ts', bytes: 300, lastModified: new Date('2026-11-25T04:05:00Z') },
    { key: 'demo/20261126T100000/recording_1280x720.000001.ts', bytes: 50, lastModified: new Date('2026-11-26T10:01:00Z') },
    { key: 'demo/notes.txt', bytes: 1 },
    { key: 'other/20261125T040000/recording.000001.ts', bytes: 7 },
  ];

  it('puts each run\'s parts in write order, oldest run first, and leaves out what is not MediaLive\'s', () => {
    const runs = groupRuns('demo', parts);
    expect(runs.map((r) => [r.id, r.start, r.bytes, r.lastWrite])).toEqual([
      ['20261125T040000', '2026-11-25T04:00:00.000Z', 400, '2026-11-25T04:20:00.000Z'],
      ['20261126T100000', '2026-11-26T10:00:00.000Z', 50, '2026-11-26T10:01:00.000Z'],
    ]);
    expect(runs[0]!.parts.map((p) => p.key.slice(-9))).toEqual(['000001.ts', '000002.ts']);
  });

  it('counts full parts as a rollover each and the last from its size', () => {
    const [run] = groupRuns('demo', parts);
    // 100 bytes at 800 b/s: one second after one full 300 s part.
    expect(runSeconds(run!, 800)).toBe(301);
  });
});
