/**
 * Which IAM actions (and on which resource) an AWS SDK call needs, and a small evaluator of an
 * identity policy's Allow statements (Action and Resource with * and ? wildcards, StringEquals
 * conditions). Used to check docs/iam-policy.json against every call the target makes.
 *
 * Sources: the Service Authorization Reference ("Actions, resources, and condition keys for ...")
 * and the S3 API reference's "Permissions" sections, where the action is not the operation's name.
 */

export interface SentCall {
  service: string;
  command: string;
  input: Record<string, any>;
}

export interface Need {
  action: string;
  /** The ARN the action is evaluated against; '*' when it cannot be known or is not resource-scoped. */
  resource: string;
  /** Request context keys IAM evaluates for this action (e.g. iam:PassedToService). */
  context?: Record<string, string>;
  /** Why: "s3:CreateBucket (ObjectOwnership)". */
  because: string;
}

/** S3 operations whose IAM action has another name (S3 API reference, "Permissions"). */
const S3_ACTION: Record<string, string> = {
  HeadBucket: 's3:ListBucket',
  HeadObject: 's3:GetObject',
  ListObjectsV2: 's3:ListBucket',
  ListObjectVersions: 's3:ListBucketVersions',
  ListBuckets: 's3:ListAllMyBuckets',
  DeleteObjects: 's3:DeleteObject',
  PutPublicAccessBlock: 's3:PutBucketPublicAccessBlock',
  GetPublicAccessBlock: 's3:GetBucketPublicAccessBlock',
  PutBucketEncryption: 's3:PutEncryptionConfiguration',
  GetBucketEncryption: 's3:GetEncryptionConfiguration',
  PutBucketLifecycleConfiguration: 's3:PutLifecycleConfiguration',
  GetBucketLifecycleConfiguration: 's3:GetLifecycleConfiguration',
  PutBucketMetricsConfiguration: 's3:PutMetricsConfiguration',
  GetBucketMetricsConfiguration: 's3:GetMetricsConfiguration',
  PutBucketCors: 's3:PutBucketCORS',
  GetBucketCors: 's3:GetBucketCORS',
};

const S3_OBJECT_ACTIONS = new Set(['s3:PutObject', 's3:GetObject', 's3:DeleteObject', 's3:DeleteObjectVersion']);

/** Operations that need no permission at all. */
const FREE = new Set(['sts:GetCallerIdentity']);

const ACCOUNT = '123456789012';

export function needsOf(call: SentCall, region: string): Need[] {
  const { service, command, input } = call;
  const op = `${service}:${command}`;
  if (FREE.has(op)) return [];
  const out: Need[] = [];
  const add = (action: string, resource = '*', because = op, context?: Record<string, string>) => out.push({ action, resource, because, ...(context ? { context } : {}) });

  if (service === 's3') {
    const action = S3_ACTION[command] ?? op;
    const bucket = `arn:aws:s3:::${input.Bucket}`;
    const object = (key: string) => `${bucket}/${key}`;
    if (command === 'DeleteObjects') {
      for (const o of input.Delete?.Objects ?? []) {
        add('s3:DeleteObject', object(o.Key));
        if (o.VersionId) add('s3:DeleteObjectVersion', object(o.Key), `${op} (VersionId)`);
      }
    } else {
      add(action, S3_OBJECT_ACTIONS.has(action) ? object(input.Key ?? 'any') : bucket);
    }
    // "If ObjectOwnership is set, s3:PutBucketOwnershipControls is also required" (CreateBucket).
    if (command === 'CreateBucket' && input.ObjectOwnership) add('s3:PutBucketOwnershipControls', bucket, `${op} (ObjectOwnership)`);
    return out;
  }
  if (service === 'iam') {
    add(op, input.RoleName ? `arn:aws:iam::${ACCOUNT}:role/${input.RoleName}` : '*');
    if (command === 'CreateRole' && input.Tags?.length) add('iam:TagRole', `arn:aws:iam::${ACCOUNT}:role/${input.RoleName}`, `${op} (Tags)`);
    return out;
  }
  if (service === 'ssm') {
    // ListTagsForResource names the parameter as ResourceId; the other calls as Name.
    const param = input.Name ?? (input.ResourceType === 'Parameter' ? input.ResourceId : undefined);
    const arn = param ? `arn:aws:ssm:${region}:${ACCOUNT}:parameter/${String(param).replace(/^\//, '')}` : '*';
    add(op, arn);
    if (command === 'PutParameter' && input.Tags?.length) add('ssm:AddTagsToResource', arn, `${op} (Tags)`);
    return out;
  }
  if (service === 'secretsmanager') {
    // Secrets are named by their name or ARN; the ARN adds "-" and six random characters.
    const id = String(input.SecretId ?? input.Name ?? '');
    const arn = id.startsWith('arn:') ? id : `arn:aws:secretsmanager:${region}:${ACCOUNT}:secret:${id}-AbCdEf`;
    add(op, arn);
    // "To add tags, you need secretsmanager:TagResource" (CreateSecret, Secrets Manager API reference).
    if (command === 'CreateSecret' && input.Tags?.length) add('secretsmanager:TagResource', arn, `${op} (Tags)`);
    return out;
  }
  if (service === 'cloudfront') {
    if (command === 'CreateDistributionWithTags') {
      add('cloudfront:CreateDistribution');
      add('cloudfront:TagResource', '*', `${op} (Tags)`);
      addLoggingAcl(add, input.DistributionConfigWithTags?.DistributionConfig, op);
      return out;
    }
    add(op, /Function$/.test(command) && input.Name ? `arn:aws:cloudfront::${ACCOUNT}:function/${input.Name}` : '*');
    if (command === 'CreateFunction' && input.Tags?.Items?.length) add('cloudfront:TagResource', '*', `${op} (Tags)`);
    if (command === 'UpdateDistribution') addLoggingAcl(add, input.DistributionConfig, op);
    return out;
  }
  if (service === 'medialive') {
    add(op);
    if (/^Create/.test(command) && input.Tags && Object.keys(input.Tags).length > 0) add('medialive:CreateTags', '*', `${op} (Tags)`);
    // The channel runs as the role: the caller must be allowed to pass it to MediaLive.
    if (command === 'CreateChannel') add('iam:PassRole', input.RoleArn, `${op} (RoleArn)`, { 'iam:PassedToService': 'medialive.amazonaws.com' });
    return out;
  }
  if (service === 'scheduler') {
    // Groups are named by Name (group calls) or ARN (tags); schedules by Name inside GroupName.
    const group = (name: string) => `arn:aws:scheduler:${region}:${ACCOUNT}:schedule-group/${name}`;
    const arn = /ScheduleGroup$/.test(command) ? group(input.Name) : input.ResourceArn ?? `arn:aws:scheduler:${region}:${ACCOUNT}:schedule/${input.GroupName ?? 'default'}/${input.Name}`;
    add(op, arn);
    if (command === 'CreateScheduleGroup' && input.Tags?.length) add('scheduler:TagResource', arn, `${op} (Tags)`);
    // The schedule invokes its target as the role: the caller must be allowed to pass it to Scheduler.
    if (command === 'CreateSchedule' || command === 'UpdateSchedule') add('iam:PassRole', input.Target?.RoleArn, `${op} (Target.RoleArn)`, { 'iam:PassedToService': 'scheduler.amazonaws.com' });
    return out;
  }
  if (service === 'cloudwatch' && /Dashboard/.test(command)) {
    for (const name of input.DashboardNames ?? [input.DashboardName]) add(op, `arn:aws:cloudwatch::${ACCOUNT}:dashboard/${name}`);
    return out;
  }
  add(op);
  return out;
}

/**
 * Standard logging: "the AWS account that enables logging must have FULL_CONTROL ... and
 * s3:GetBucketAcl and s3:PutBucketAcl" on the logs bucket (CloudFront developer guide, standard
 * logging, "Permissions required to configure standard logging").
 */
function addLoggingAcl(add: (action: string, resource?: string, because?: string) => void, config: Record<string, any> | undefined, op: string): void {
  const logging = config?.Logging;
  if (!logging?.Enabled) return;
  const bucket = `arn:aws:s3:::${String(logging.Bucket).replace(/\.s3\.amazonaws\.com$/, '')}`;
  add('s3:GetBucketAcl', bucket, `${op} (Logging)`);
  add('s3:PutBucketAcl', bucket, `${op} (Logging)`);
}

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface Policy {
  Version: string;
  Statement: PolicyStatement[];
}

function glob(pattern: string, value: string, caseInsensitive: boolean): boolean {
  const re = new RegExp(`^${pattern.split('').map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('')}$`, caseInsensitive ? 'i' : '');
  return re.test(value);
}

function conditionHolds(condition: PolicyStatement['Condition'], context: Record<string, string> = {}): boolean {
  if (!condition) return true;
  return Object.entries(condition).every(([operator, keys]) => {
    if (operator !== 'StringEquals') return false;
    return Object.entries(keys).every(([key, want]) => [want].flat().includes(context[key] ?? '\u0000'));
  });
}

/** The statement that allows this need, if any (no Deny statements are expected in the policy). */
export function allowingStatement(policy: Policy, need: Need): PolicyStatement | undefined {
  return policy.Statement.find((s) =>
    s.Effect === 'Allow'
    && [s.Action].flat().some((a) => glob(a, need.action, true))
    && [s.Resource].flat().some((r) => (need.resource === '*' ? r === '*' : glob(r, need.resource, false)))
    && conditionHolds(s.Condition, need.context));
}
