/**
 * The only place that constructs AWS SDK clients. Everything else receives an AwsClients.
 * With an endpoint URL (an emulator), every service goes there; S3 then needs path-style
 * addressing because `<bucket>.127.0.0.1` does not resolve.
 */
import { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { IAMClient } from '@aws-sdk/client-iam';
import { MediaLiveClient } from '@aws-sdk/client-medialive';
import { MediaStoreClient } from '@aws-sdk/client-mediastore';
import { MediaStoreDataClient } from '@aws-sdk/client-mediastore-data';
import { S3Client } from '@aws-sdk/client-s3';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';

export interface AwsClients {
  region: string;
  medialive: MediaLiveClient;
  mediastore: MediaStoreClient;
  /** MediaStore objects are read and written at the container's own data endpoint. */
  mediastoreData(containerEndpoint: string): MediaStoreDataClient;
  /** CloudFront is global; its API lives in us-east-1. */
  cloudfront: CloudFrontClient;
  s3: S3Client;
  /**
   * S3 in another region: a bucket is read and written through its own region's endpoint (the
   * logs bucket of a stack in an opt-in region lives in us-east-1). The stack's region gives `s3`.
   */
  s3In(region: string): S3Client;
  cloudwatch: CloudWatchClient;
  ssm: SSMClient;
  /** Holds an SRT input's passphrase, which MediaLive reads through the channel's role. */
  secretsManager: SecretsManagerClient;
  iam: IAMClient;
  sts: STSClient;
  /** EventBridge Scheduler: the one-time schedule that stops the channel at the end of a run. */
  scheduler: SchedulerClient;
}

export interface ClientOptions {
  region: string;
  /** A named profile from ~/.aws/config (the SDK's own `profile` option: no extra package). */
  profile?: string;
  endpointUrl?: string;
}

export function createClients(o: ClientOptions): AwsClients {
  // The SDK warns on Node < 22 about releases published after January 2027; the versions this
  // package pins support Node 20, so the warning would only alarm users on every command.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const common = {
    // Throttling (TooManyRequestsException, Throttling) is retried by the SDK; adaptive mode also
    // slows the client down when AWS keeps throttling, which MediaLive's low TPS limits need.
    maxAttempts: 6,
    retryMode: 'adaptive',
    ...(o.profile ? { profile: o.profile } : {}),
    ...(o.endpointUrl ? { endpoint: o.endpointUrl } : {}),
  };
  const dataClients = new Map<string, MediaStoreDataClient>();
  const s3Client = (region: string) => labelErrors(new S3Client({ ...common, region, ...(o.endpointUrl ? { forcePathStyle: true } : {}) }), 's3');
  const s3 = s3Client(o.region);
  const s3Clients = new Map<string, S3Client>([[o.region, s3]]);
  return {
    region: o.region,
    medialive: labelErrors(new MediaLiveClient({ ...common, region: o.region }), 'medialive'),
    mediastore: labelErrors(new MediaStoreClient({ ...common, region: o.region }), 'mediastore'),
    mediastoreData(containerEndpoint: string) {
      let client = dataClients.get(containerEndpoint);
      if (!client) {
        client = labelErrors(new MediaStoreDataClient({ ...common, region: o.region, endpoint: o.endpointUrl ?? containerEndpoint }), 'mediastore');
        dataClients.set(containerEndpoint, client);
      }
      return client;
    },
    cloudfront: labelErrors(new CloudFrontClient({ ...common, region: 'us-east-1' }), 'cloudfront'),
    s3,
    s3In(region: string) {
      let client = s3Clients.get(region);
      if (!client) {
        client = s3Client(region);
        s3Clients.set(region, client);
      }
      return client;
    },
    cloudwatch: labelErrors(new CloudWatchClient({ ...common, region: o.region }), 'cloudwatch'),
    ssm: labelErrors(new SSMClient({ ...common, region: o.region }), 'ssm'),
    secretsManager: labelErrors(new SecretsManagerClient({ ...common, region: o.region }), 'secretsmanager'),
    iam: labelErrors(new IAMClient({ ...common, region: o.region }), 'iam'),
    sts: labelErrors(new STSClient({ ...common, region: o.region }), 'sts'),
    scheduler: labelErrors(new SchedulerClient({ ...common, region: o.region }), 'scheduler'),
  };
}

/** The IAM action a failed call needed ("medialive:CreateChannel"), for access-denied messages. */
export function failedAction(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null ? (err as { [ACTION]?: string })[ACTION] : undefined;
}

const ACTION = Symbol.for('livestream.awsAction');

/**
 * Label every error with the action that failed. The prototype's send is looked up at call time,
 * so aws-sdk-client-mock (which replaces the prototype's send) still sees every call.
 */
function labelErrors<T extends object>(client: T, service: string): T {
  Object.defineProperty(client, 'send', {
    configurable: true,
    writable: true,
    value: async (command: object, ...rest: unknown[]) => {
      try {
        return await Object.getPrototypeOf(client).send.call(client, command, ...rest);
      } catch (err) {
        if (typeof err === 'object' && err !== null && !(ACTION in err)) {
          const op = command.constructor.name.replace(/Command$/, '');
          Object.defineProperty(err, ACTION, { value: `${service}:${op}`, enumerable: false });
        }
        throw err;
      }
    },
  });
  return client;
}
