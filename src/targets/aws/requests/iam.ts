/**
 * The MediaLive role: trusted by MediaLive only, allowed to write this stack's origin and read
 * this stack's source password, nothing else (the reference grants every bucket, every parameter,
 * EC2 and MediaConnect). Pure; returns the JSON strings IAM's CreateRole / PutRolePolicy take.
 */
import type { AwsStackSpec } from '../../../core/spec.js';
import type { ResourceNames } from './names.js';
import { recordingsPrefix } from './recording.js';

export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow' | 'Deny';
  Principal?: Record<string, string | string[]>;
  Action: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

/** CloudWatch Logs actions MediaLive documents for channel logging (LogLevel). */
export const CHANNEL_LOG_ACTIONS = [
  'logs:CreateLogGroup',
  'logs:CreateLogStream',
  'logs:PutLogEvents',
  'logs:PutMetricFilter',
  'logs:PutRetentionPolicy',
  'logs:DescribeLogStreams',
  'logs:DescribeLogGroups',
];

export function buildTrustPolicy(): string {
  const doc: PolicyDocument = {
    Version: '2012-10-17',
    Statement: [{ Sid: 'MediaLiveAssumesRole', Effect: 'Allow', Principal: { Service: 'medialive.amazonaws.com' }, Action: 'sts:AssumeRole' }],
  };
  return JSON.stringify(doc);
}

export function parameterArn(a: { partition?: string; region: string; accountId: string; parameterName: string }): string {
  // Parameter names with a leading "/" form ARNs as parameter/<name without the leading slash>.
  return `arn:${a.partition ?? 'aws'}:ssm:${a.region}:${a.accountId}:parameter/${a.parameterName.replace(/^\//, '')}`;
}

export function bucketArn(bucket: string, partition = 'aws'): string {
  return `arn:${partition}:s3:::${bucket}`;
}

export function containerArn(a: { partition?: string; region: string; accountId: string; containerName: string }): string {
  return `arn:${a.partition ?? 'aws'}:mediastore:${a.region}:${a.accountId}:container/${a.containerName}`;
}

export function buildRolePolicyDocument(a: {
  spec: AwsStackSpec;
  names: ResourceNames;
  accountId: string;
  region: string;
  partition?: string;
  /** The origin bucket's ARN (arn:aws:s3:::bucket) or the MediaStore container's ARN. */
  originArn: string;
  /** The SRT passphrase secret's full ARN, when the stack has one. */
  srtSecretArn?: string;
}): PolicyDocument {
  const partition = a.partition ?? 'aws';
  const statements: PolicyStatement[] = [];
  if (a.spec.aws.origin === 'mediastore' || a.originArn.includes(':mediastore:')) {
    statements.push({
      Sid: 'WriteStackContainer',
      Effect: 'Allow',
      Action: ['mediastore:PutObject', 'mediastore:GetObject', 'mediastore:DeleteObject', 'mediastore:DescribeObject', 'mediastore:ListItems'],
      Resource: [a.originArn, `${a.originArn}/*`],
    });
  } else {
    // MediaLive's HLS output to s3ssl:// writes segments and playlists and deletes segments that
    // fall out of KeepSegments; it reads back and lists when it resumes. Writes stay under stream/.
    statements.push(
      {
        Sid: 'WriteStackStream',
        Effect: 'Allow',
        Action: ['s3:PutObject', 's3:GetObject', 's3:DeleteObject'],
        Resource: `${a.originArn}/stream/*`,
      },
      {
        Sid: 'ListStackBucket',
        Effect: 'Allow',
        Action: ['s3:ListBucket', 's3:GetBucketLocation'],
        Resource: a.originArn,
      },
    );
  }
  // LogLevel on the channel sends its logs to CloudWatch Logs, to the log group that "is always
  // ElementalMediaLive" (https://docs.aws.amazon.com/medialive/latest/ug/working-with-logs.html),
  // one stream per channel pipeline. The actions are the ones MediaLive's user guide lists for the trusted entity
  // ("Reference: summary of requirements for the MediaLive trusted entity", CloudWatch Logs row):
  // https://docs.aws.amazon.com/medialive/latest/ug/trusted-entity-requirements.html
  // DescribeLogGroups cannot be scoped to one group (IAM evaluates it against log-group:*).
  const logs = `arn:${partition}:logs:${a.region}:${a.accountId}:log-group`;
  statements.push(
    {
      Sid: 'ChannelLogs',
      Effect: 'Allow',
      Action: CHANNEL_LOG_ACTIONS.filter((x) => x !== 'logs:DescribeLogGroups'),
      Resource: [`${logs}:ElementalMediaLive`, `${logs}:ElementalMediaLive:*`],
    },
    { Sid: 'ChannelLogGroups', Effect: 'Allow', Action: 'logs:DescribeLogGroups', Resource: `${logs}:*` },
  );
  if (a.spec.sourcePassword) {
    const paramArn = parameterArn({ partition, region: a.region, accountId: a.accountId, parameterName: a.names.parameterName });
    statements.push(
      { Sid: 'ReadSourcePassword', Effect: 'Allow', Action: ['ssm:GetParameter', 'ssm:GetParameters'], Resource: paramArn },
      {
        // SecureString values are encrypted with the aws/ssm key. Its key id is not known in
        // advance, so pin the call instead: only through SSM, only for this parameter.
        Sid: 'DecryptSourcePassword',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: `arn:${partition}:kms:${a.region}:${a.accountId}:key/*`,
        Condition: {
          StringEquals: {
            'kms:ViaService': `ssm.${a.region}.amazonaws.com`,
            'kms:EncryptionContext:PARAMETER_ARN': paramArn,
          },
        },
      },
    );
  }
  if ((a.spec.record ?? 'none') !== 'none') {
    // The archive output group (#13) writes MPEG-TS files, each one object (a multipart upload
    // for a large file): put, and abort an upload it gives up on; only under this stack's folder.
    statements.push({
      Sid: 'WriteStackRecordings',
      Effect: 'Allow',
      Action: ['s3:PutObject', 's3:AbortMultipartUpload'],
      Resource: `${bucketArn(a.names.recordingsBucket, partition)}/${recordingsPrefix(a.names.stack)}*`,
    });
  }
  if (a.srtSecretArn) {
    // MediaLive reads an SRT input's passphrase through the channel's role when the channel runs
    // (UG encryption-srt-password; trusted-entity-requirements, "AWS Secrets Manager" row). The
    // secret is encrypted with the aws/secretsmanager key, whose key policy already lets the
    // account's principals decrypt through Secrets Manager: no kms statement is needed.
    statements.push({ Sid: 'ReadSrtPassphrase', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: a.srtSecretArn });
  }
  return { Version: '2012-10-17', Statement: statements };
}

export function buildRolePolicy(a: Parameters<typeof buildRolePolicyDocument>[0]): string {
  return JSON.stringify(buildRolePolicyDocument(a));
}

/**
 * The stop schedule's role: assumed by EventBridge Scheduler only, and only for schedules of this
 * account (aws:SourceAccount: the confused-deputy guard the Scheduler User Guide's execution role
 * section gives).
 */
export function buildSchedulerTrustPolicy(accountId: string): string {
  const doc: PolicyDocument = {
    Version: '2012-10-17',
    Statement: [{
      Sid: 'SchedulerAssumesRole',
      Effect: 'Allow',
      Principal: { Service: 'scheduler.amazonaws.com' },
      Action: 'sts:AssumeRole',
      Condition: { StringEquals: { 'aws:SourceAccount': accountId } },
    }],
  };
  return JSON.stringify(doc);
}

/** The stop schedule's role may stop this stack's channel, nothing else (not even start it). */
export function buildSchedulerRolePolicy(channelArn: string): string {
  const doc: PolicyDocument = {
    Version: '2012-10-17',
    Statement: [{ Sid: 'StopStackChannel', Effect: 'Allow', Action: 'medialive:StopChannel', Resource: channelArn }],
  };
  return JSON.stringify(doc);
}
