/**
 * Deterministic names for every AWS resource of a stack. Pure: the same stack, region and account
 * always give the same names, which is what lets `up` resume and `down` find what `up` made.
 */
import { createHash } from 'node:crypto';
import { formatProblems, LivestreamError, type Problem } from '../../../core/errors.js';
import { logsBucketRegion } from '../../../core/regions.js';
import { S3_RESERVED_PREFIXES } from '../../../core/spec.js';

export const TAG_KEY = 'livestream:stack';

export interface TagPair {
  Key: string;
  Value: string;
}

export interface ResourceNames {
  stack: string;
  region: string;
  accountId: string;
  /** IAM names are global to the account, so the region is part of the name. */
  roleName: string;
  /** Inline policy attached to the role. */
  rolePolicyName: string;
  parameterName: string;
  /** Secrets Manager secret holding an SRT input's passphrase (secrets are regional). */
  srtSecretName: string;
  /** MediaLive input security groups have no name: they are found by these tags. */
  securityGroupTags: Record<string, string>;
  inputName: string;
  channelName: string;
  /** S3 names are global and at most 63 characters. */
  originBucket: string;
  /** Named with the stack's region (so two stacks' names never meet), whichever region holds it. */
  logsBucket: string;
  /** Where the logs bucket lives: the stack's region, or us-east-1 where CloudFront cannot deliver logs (opt-in regions). */
  logsBucketRegion: string;
  /** Where MediaLive writes the recordings (#13), in the stack's region; kept by `down` unless --delete-recordings. */
  recordingsBucket: string;
  /** MediaStore container (regional). */
  containerName: string;
  /** CloudWatch log group MediaStore writes its access logs to. */
  containerLogGroup: string;
  dashboardName: string;
  /** CloudFront objects are global to the account, so the region is part of their names. */
  oacName: string;
  cachePolicyNames: { playlists: string; segments: string };
  /** Marks the distribution as this stack's (CloudFront distributions have no name). */
  distributionComment: string;
  /** EventBridge Scheduler group of the stack's stop schedule (regional; tagged, unlike schedules). */
  scheduleGroupName: string;
  /** The one-time schedule that stops the channel at the end of a run, inside that group. */
  scheduleName: string;
  /** IAM role EventBridge Scheduler assumes to stop the channel (global, so the region is in it). */
  schedulerRoleName: string;
  schedulerRolePolicyName: string;
  tags: Record<string, string>;
  tagList: TagPair[];
}

export function resourceNames(stack: string, region: string, accountId: string): ResourceNames {
  return {
    stack,
    region,
    accountId,
    roleName: `${stack}-medialive-${region}`,
    rolePolicyName: `${stack}-medialive-access`,
    parameterName: `/livestream/${stack}/source-password`,
    srtSecretName: `livestream/${stack}/srt-passphrase`,
    securityGroupTags: tags(stack),
    inputName: `${stack}-input`,
    channelName: `${stack}-channel`,
    originBucket: bucketName(stack, `-origin-${accountId}-${region}`),
    logsBucket: bucketName(stack, `-logs-${accountId}-${region}`),
    logsBucketRegion: logsBucketRegion(region),
    recordingsBucket: bucketName(stack, `-rec-${accountId}-${region}`),
    containerName: stack,
    containerLogGroup: `/aws/mediastore/${stack}`,
    dashboardName: `${stack}-${region}`,
    oacName: `${stack}-${region}-oac`,
    cachePolicyNames: {
      playlists: `${stack}-${region}-playlists`,
      segments: `${stack}-${region}-segments`,
    },
    distributionComment: `livestream ${stack} (${region})`,
    scheduleGroupName: `${stack}-livestream`,
    scheduleName: `${stack}-stop-channel`,
    schedulerRoleName: `${stack}-scheduler-${region}`,
    schedulerRolePolicyName: `${stack}-stop-channel`,
    tags: tags(stack),
    tagList: tagList(stack),
  };
}

export function tags(stack: string): Record<string, string> {
  return { [TAG_KEY]: stack };
}

/** The `[{ Key, Value }]` form that S3, IAM, SSM and CloudFront take. */
export function tagList(stack: string): TagPair[] {
  return Object.entries(tags(stack)).map(([Key, Value]) => ({ Key, Value }));
}

const S3_MAX = 63;
const HASH_LENGTH = 6;

/**
 * `<stack><suffix>`, or when that exceeds S3's 63 characters, the stack cut short plus a short
 * hash of the whole stack name, so two long stack names sharing a prefix still get distinct buckets.
 */
export function bucketName(stack: string, suffix: string): string {
  const full = `${stack}${suffix}`;
  if (full.length <= S3_MAX) return full;
  const hash = createHash('sha256').update(stack).digest('hex').slice(0, HASH_LENGTH);
  const room = S3_MAX - suffix.length - HASH_LENGTH - 1;
  const head = stack.slice(0, Math.max(room, 1)).replace(/-+$/, '');
  return `${head}-${hash}${suffix}`;
}

/**
 * The name rules each service enforces on the names above. Sources: the services' API models
 * (aws/api-models-aws; the shape is named) where they carry the rule, the service guides where not.
 */
interface NameRule {
  field: string;
  what: string;
  max: number;
  pattern: RegExp;
  source: string;
}

const IAM_NAME = /^[\w+=,.@-]+$/;
const S3_BUCKET = /^[a-z0-9][a-z0-9.-]*[a-z0-9]$/;

export const NAME_RULES: readonly NameRule[] = [
  { field: 'roleName', what: 'IAM role name', max: 64, pattern: IAM_NAME, source: 'iam roleNameType' },
  { field: 'rolePolicyName', what: 'IAM policy name', max: 128, pattern: IAM_NAME, source: 'iam policyNameType' },
  { field: 'originBucket', what: 'S3 bucket name', max: 63, pattern: S3_BUCKET, source: 'S3 general purpose bucket naming rules' },
  { field: 'logsBucket', what: 'S3 bucket name', max: 63, pattern: S3_BUCKET, source: 'S3 general purpose bucket naming rules' },
  { field: 'recordingsBucket', what: 'S3 bucket name', max: 63, pattern: S3_BUCKET, source: 'S3 general purpose bucket naming rules' },
  { field: 'oacName', what: 'CloudFront origin access control name', max: 64, pattern: /^[\w.-]+$/, source: 'CloudFront quotas: origin access control name, 64 characters' },
  { field: 'cachePolicyNames.playlists', what: 'CloudFront cache policy name', max: 128, pattern: /^[\w-]+$/, source: 'CloudFront quotas: cache policy name, 128 characters' },
  { field: 'cachePolicyNames.segments', what: 'CloudFront cache policy name', max: 128, pattern: /^[\w-]+$/, source: 'CloudFront quotas: cache policy name, 128 characters' },
  { field: 'distributionComment', what: 'CloudFront distribution comment', max: 128, pattern: /^[^<>&]*$/, source: 'CloudFront DistributionConfig.Comment, 128 characters' },
  { field: 'dashboardName', what: 'CloudWatch dashboard name', max: 255, pattern: /^[\w-]+$/, source: 'CloudWatch PutDashboard DashboardName' },
  { field: 'parameterName', what: 'SSM parameter name', max: 1011, pattern: /^[\w.\-/]+$/, source: 'ssm PSParameterName; 1011 for a name with a path (SSM User Guide)' },
  // Secrets Manager also refuses a name ending in "-" and six characters (its ARN suffix); ours ends in "/srt-passphrase".
  { field: 'srtSecretName', what: 'Secrets Manager secret name', max: 512, pattern: /^[\w/+=.@-]+$/, source: 'secretsmanager NameType (CreateSecret Name: 1-512 of ASCII letters, digits and /_+=.@-)' },
  { field: 'containerName', what: 'MediaStore container name', max: 255, pattern: /^[\w-]+$/, source: 'mediastore ContainerName' },
  { field: 'containerLogGroup', what: 'CloudWatch Logs group name', max: 512, pattern: /^[.\-_/#A-Za-z0-9]+$/, source: 'cloudwatch-logs LogGroupName' },
  { field: 'inputName', what: 'MediaLive input name', max: 255, pattern: /^\S+$/, source: 'MediaLive names (the model sets no limit; kept short and without spaces)' },
  { field: 'channelName', what: 'MediaLive channel name', max: 255, pattern: /^\S+$/, source: 'MediaLive names (the model sets no limit; kept short and without spaces)' },
  { field: 'scheduleGroupName', what: 'EventBridge Scheduler group name', max: 64, pattern: /^[0-9a-zA-Z-_.]+$/, source: 'scheduler ScheduleGroupName' },
  { field: 'scheduleName', what: 'EventBridge Scheduler schedule name', max: 64, pattern: /^[0-9a-zA-Z-_.]+$/, source: 'scheduler Name' },
  { field: 'schedulerRoleName', what: 'IAM role name', max: 64, pattern: IAM_NAME, source: 'iam roleNameType' },
  { field: 'schedulerRolePolicyName', what: 'IAM policy name', max: 128, pattern: IAM_NAME, source: 'iam policyNameType' },
  { field: 'stack', what: 'tag value (livestream:stack)', max: 256, pattern: /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u, source: 'iam tagValueType (the strictest of the tagged services)' },
];

/** S3 reserves these at the end of bucket names (S3 User Guide, bucket naming rules); the prefixes are in spec.ts. */
const S3_RESERVED_SUFFIXES = ['-s3alias', '--ol-s3', '.mrap', '--x-s3'];

/** Every derived name that breaks its service's rule, as problems on `stack` (the name that decides them). */
export function checkResourceNames(names: ResourceNames): Problem[] {
  const problems: Problem[] = [];
  const fix = 'choose a shorter --stack name of lower-case letters, digits and "-"';
  for (const rule of NAME_RULES) {
    const value = rule.field.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)?.[k], names);
    if (typeof value !== 'string') continue;
    if (value.length > rule.max) {
      problems.push({ path: 'stack', message: `the ${rule.what} "${value}" would be ${value.length} characters; at most ${rule.max} are allowed (${rule.source})`, fix });
    } else if (!rule.pattern.test(value)) {
      problems.push({ path: 'stack', message: `the ${rule.what} "${value}" has characters it does not allow (${rule.source})`, fix });
    }
  }
  for (const bucket of [names.originBucket, names.logsBucket, names.recordingsBucket]) {
    const prefix = S3_RESERVED_PREFIXES.find((p) => bucket.startsWith(p));
    const suffix = S3_RESERVED_SUFFIXES.find((s) => bucket.endsWith(s));
    if (prefix || suffix) {
      problems.push({ path: 'stack', message: `the S3 bucket name "${bucket}" ${prefix ? `starts with "${prefix}"` : `ends with "${suffix}"`}, which S3 reserves`, fix: 'choose another --stack name' });
    }
    if (bucket.includes('..')) problems.push({ path: 'stack', message: `the S3 bucket name "${bucket}" has two dots in a row`, fix });
  }
  return problems;
}

/**
 * Refuse, before any AWS call, a stack whose derived names a service would refuse. Account ids are
 * always 12 digits, so names are checked with a 12-digit stand-in when the real one is not known yet.
 */
export function assertResourceNames(stack: string, region: string): void {
  const problems = checkResourceNames(resourceNames(stack, region, '000000000000'));
  if (problems.length > 0) {
    throw new LivestreamError('SPEC_INVALID', `Stack "${stack}" would need names AWS refuses:\n${formatProblems(problems)}`, {
      hint: 'Choose another --stack name.',
      details: { problems },
    });
  }
}
