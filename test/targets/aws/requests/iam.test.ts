import { describe, expect, it } from 'vitest';
import { buildRolePolicy, buildTrustPolicy, containerArn, parameterArn } from '../../../../src/targets/aws/requests/iam.js';
import { resourceNames } from '../../../../src/targets/aws/requests/names.js';
import type { AwsStackSpec } from '../../../../src/core/spec.js';

const names = resourceNames('demo', 'eu-west-1', '123456789012');
const spec = (over: Partial<AwsStackSpec> = {}): AwsStackSpec => ({
  stack: 'demo', target: 'aws', input: 'URL_PULL', sourceUrl: 'https://e.com/a.m3u8', sourcePassword: false, cidrs: [],
  profile: 'HD-720p', start: false, stop: { kind: 'none' }, aws: { region: 'eu-west-1', origin: 's3' }, ...over,
});
const LOG_GROUP = 'arn:aws:logs:eu-west-1:123456789012:log-group';
const LOGS = [
  {
    Sid: 'ChannelLogs',
    Effect: 'Allow',
    Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:PutMetricFilter', 'logs:PutRetentionPolicy', 'logs:DescribeLogStreams'],
    Resource: [`${LOG_GROUP}:ElementalMediaLive`, `${LOG_GROUP}:ElementalMediaLive:*`],
  },
  { Sid: 'ChannelLogGroups', Effect: 'Allow', Action: 'logs:DescribeLogGroups', Resource: `${LOG_GROUP}:*` },
];

describe('buildTrustPolicy', () => {
  it('trusts MediaLive only', () => {
    expect(JSON.parse(buildTrustPolicy())).toEqual({
      Version: '2012-10-17',
      Statement: [{ Sid: 'MediaLiveAssumesRole', Effect: 'Allow', Principal: { Service: 'medialive.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    });
  });
});

describe('buildRolePolicy', () => {
  it('S3 without a password: writes stream/ of this bucket only, no SSM', () => {
    const doc = JSON.parse(buildRolePolicy({ spec: spec(), names, accountId: '123456789012', region: 'eu-west-1', originArn: 'arn:aws:s3:::demo-origin' }));
    expect(doc).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'WriteStackStream', Effect: 'Allow', Action: ['s3:PutObject', 's3:GetObject', 's3:DeleteObject'], Resource: 'arn:aws:s3:::demo-origin/stream/*' },
        { Sid: 'ListStackBucket', Effect: 'Allow', Action: ['s3:ListBucket', 's3:GetBucketLocation'], Resource: 'arn:aws:s3:::demo-origin' },
        ...LOGS,
      ],
    });
  });

  it('with a password: reads exactly this parameter and decrypts only through SSM for it', () => {
    const doc = JSON.parse(buildRolePolicy({
      spec: spec({ sourceUser: 'u', sourcePassword: true }), names, accountId: '123456789012', region: 'eu-west-1', originArn: 'arn:aws:s3:::demo-origin',
    }));
    const arn = 'arn:aws:ssm:eu-west-1:123456789012:parameter/livestream/demo/source-password';
    expect(doc.Statement.slice(4)).toEqual([
      { Sid: 'ReadSourcePassword', Effect: 'Allow', Action: ['ssm:GetParameter', 'ssm:GetParameters'], Resource: arn },
      {
        Sid: 'DecryptSourcePassword',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: 'arn:aws:kms:eu-west-1:123456789012:key/*',
        Condition: { StringEquals: { 'kms:ViaService': 'ssm.eu-west-1.amazonaws.com', 'kms:EncryptionContext:PARAMETER_ARN': arn } },
      },
    ]);
  });

  it('with an SRT passphrase secret: reads exactly that secret (its full ARN), nothing else of Secrets Manager', () => {
    const secret = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:livestream/demo/srt-passphrase-AbCdEf';
    const srt = spec({ input: 'SRT_LISTENER', sourceUrl: undefined, cidrs: ['203.0.113.0/24'], srt: { latencyMs: 120, passphrase: 'generated' } });
    const doc = JSON.parse(buildRolePolicy({ spec: srt, names, accountId: '123456789012', region: 'eu-west-1', originArn: 'arn:aws:s3:::demo-origin', srtSecretArn: secret }));
    expect(doc.Statement.slice(4)).toEqual([{ Sid: 'ReadSrtPassphrase', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: secret }]);
    const none = JSON.parse(buildRolePolicy({ spec: srt, names, accountId: '123456789012', region: 'eu-west-1', originArn: 'arn:aws:s3:::demo-origin' }));
    expect(JSON.stringify(none)).not.toContain('secretsmanager');
  });

  it('MediaStore: object actions on this container only, in the given partition', () => {
    const origin = containerArn({ partition: 'aws-cn', region: 'eu-west-1', accountId: '123456789012', containerName: 'demo' });
    const doc = JSON.parse(buildRolePolicy({
      spec: spec({ aws: { region: 'eu-west-1', origin: 'mediastore' } }), names, accountId: '123456789012', region: 'eu-west-1', partition: 'aws-cn', originArn: origin,
    }));
    expect(doc.Statement[0]).toEqual({
      Sid: 'WriteStackContainer',
      Effect: 'Allow',
      Action: ['mediastore:PutObject', 'mediastore:GetObject', 'mediastore:DeleteObject', 'mediastore:DescribeObject', 'mediastore:ListItems'],
      Resource: ['arn:aws-cn:mediastore:eu-west-1:123456789012:container/demo', 'arn:aws-cn:mediastore:eu-west-1:123456789012:container/demo/*'],
    });
    expect(doc.Statement[1].Resource).toEqual(['arn:aws-cn:logs:eu-west-1:123456789012:log-group:ElementalMediaLive', 'arn:aws-cn:logs:eu-west-1:123456789012:log-group:ElementalMediaLive:*']);
    expect(doc.Statement[2].Resource).toBe('arn:aws-cn:logs:eu-west-1:123456789012:log-group:*');
    expect(doc.Statement).toHaveLength(3);
  });

  it('grants every CloudWatch Logs action MediaLive documents for channel logging (LogLevel)', () => {
    const doc = JSON.parse(buildRolePolicy({ spec: spec(), names, accountId: '123456789012', region: 'eu-west-1', originArn: 'arn:aws:s3:::demo-origin' }));
    const granted = doc.Statement.flatMap((s: { Action: string | string[] }) => [s.Action].flat());
    // MediaLive user guide, "Reference: summary of requirements for the MediaLive trusted entity".
    for (const action of ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:PutMetricFilter', 'logs:PutRetentionPolicy', 'logs:DescribeLogStreams', 'logs:DescribeLogGroups']) {
      expect(granted).toContain(action);
    }
  });

  it('never grants a wildcard resource or a wildcard action', () => {
    const doc = JSON.parse(buildRolePolicy({
      spec: spec({ sourceUser: 'u', sourcePassword: true }), names, accountId: '123456789012', region: 'eu-west-1', originArn: 'arn:aws:s3:::demo-origin',
    }));
    for (const s of doc.Statement) {
      expect([s.Resource].flat()).not.toContain('*');
      expect([s.Action].flat().some((a: string) => a.endsWith(':*'))).toBe(false);
    }
  });
});

describe('parameterArn', () => {
  it('drops the leading slash of the name', () => {
    expect(parameterArn({ region: 'us-east-1', accountId: '1', parameterName: '/a/b' })).toBe('arn:aws:ssm:us-east-1:1:parameter/a/b');
  });
});
