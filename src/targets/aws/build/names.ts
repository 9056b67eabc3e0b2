/**
 * Deterministic names for every AWS resource of a stack. Pure: the same stack, region and account
 * always give the same names, which is what lets `up` resume and `down` find what `up` made.
 */
import { createHash } from 'node:crypto';

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
  /** MediaLive input security groups have no name: they are found by these tags. */
  securityGroupTags: Record<string, string>;
  inputName: string;
  channelName: string;
  /** S3 names are global and at most 63 characters. */
  originBucket: string;
  logsBucket: string;
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
    securityGroupTags: tags(stack),
    inputName: `${stack}-input`,
    channelName: `${stack}-channel`,
    originBucket: bucketName(stack, `-origin-${accountId}-${region}`),
    logsBucket: bucketName(stack, `-logs-${accountId}-${region}`),
    containerName: stack,
    containerLogGroup: `/aws/mediastore/${stack}`,
    dashboardName: `${stack}-${region}`,
    oacName: `${stack}-${region}-oac`,
    cachePolicyNames: {
      playlists: `${stack}-${region}-playlists`,
      segments: `${stack}-${region}-segments`,
    },
    distributionComment: `livestream ${stack} (${region})`,
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
