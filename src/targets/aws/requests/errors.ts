/**
 * AWS SDK errors → plain messages with stable codes. Pure: reads only the error object.
 * The SDK has already retried throttling and transient failures when an error reaches here.
 * Messages never include request parameters; service messages pass through the one redactor (core/redact.ts).
 */
import { LivestreamError } from '../../../core/errors.js';
import { redactText } from '../../../core/redact.js';
import { MEDIASTORE_ENDED_MESSAGE } from './mediastore.js';

export interface ErrorContext {
  /** The IAM action that failed, e.g. "medialive:CreateChannel". */
  action: string;
  /** The resource it was for, e.g. "channel livestream-channel". */
  resource: string;
}

interface AwsLikeError {
  name?: string;
  code?: string;
  message?: string;
  hostname?: string;
  $fault?: string;
  $metadata?: { httpStatusCode?: number };
}

const NOT_FOUND = new Set([
  'NotFound', 'NotFoundException', 'ResourceNotFoundException', 'ResourceNotFound',
  'NoSuchBucket', 'NoSuchKey', 'NoSuchEntity', 'NoSuchEntityException', 'ParameterNotFound',
  'NoSuchDistribution', 'NoSuchCachePolicy', 'NoSuchOriginAccessControl', 'NoSuchResource',
  'ContainerNotFoundException', 'PolicyNotFoundException', 'CorsPolicyNotFoundException',
  'DashboardNotFoundError',
]);

const ACCESS_DENIED = /^(AccessDenied|AccessDeniedException|UnauthorizedOperation|UnauthorizedAccess|Forbidden|ForbiddenException|AuthorizationError)$/;
const BAD_CREDENTIALS = /^(CredentialsProviderError|ExpiredToken|ExpiredTokenException|InvalidClientTokenId|UnrecognizedClientException|InvalidAccessKeyId|SignatureDoesNotMatch|TokenProviderError)$/;
const THROTTLED = /^(Throttling|ThrottlingException|ThrottledException|TooManyRequestsException|RequestLimitExceeded|SlowDown|RequestThrottled|RequestThrottledException|PriorRequestNotComplete)$/;
const QUOTA = /^(LimitExceeded|LimitExceededException|ServiceQuotaExceededException|TooManyBuckets|ParameterLimitExceeded|MaxDocumentSizeExceeded)$|^TooMany(?!Requests)/;
const NETWORK = /^(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT)$/;

function asAws(err: unknown): AwsLikeError {
  return typeof err === 'object' && err !== null ? (err as AwsLikeError) : { message: String(err) };
}

export function isNotFound(err: unknown): boolean {
  const e = asAws(err);
  if (e.name && NOT_FOUND.has(e.name)) return true;
  if (e.code && NOT_FOUND.has(e.code)) return true;
  return e.$metadata?.httpStatusCode === 404;
}

export function toLivestreamError(err: unknown, context: ErrorContext): LivestreamError {
  if (err instanceof LivestreamError) return err;
  const e = asAws(err);
  const name = e.name ?? 'Error';
  const code = e.code ?? '';
  const message = shorten(redactText(e.message ?? ''));
  const status = e.$metadata?.httpStatusCode;
  const service = context.action.split(':')[0] ?? '';
  const opts = { cause: err };

  if (BAD_CREDENTIALS.test(name) || /could not load credentials|no credentials|credential.*(expired|not found)/i.test(message)) {
    const expired = /Expired|TokenProvider/.test(name) || /expired/i.test(message);
    return new LivestreamError('AWS_NO_CREDENTIALS', expired ? 'Your AWS credentials have expired.' : 'No usable AWS credentials were found.', {
      ...opts,
      hint: expired
        ? 'refresh them (e.g. "aws sso login"), or pick another profile with AWS_PROFILE / --aws-profile'
        : 'run "aws configure", or set AWS_PROFILE / --aws-profile to a configured profile',
    });
  }

  const endpointGone = name === 'UnknownEndpoint' || NETWORK.test(code) || /getaddrinfo|ENOTFOUND|UnknownEndpoint/.test(message);
  if (service === 'mediastore' && (endpointGone || /^UnknownOperation/.test(name) || status === 410 || /discontinued|end of support|no longer (available|supported)/i.test(message))) {
    return new LivestreamError('AWS_MEDIASTORE_ENDED', MEDIASTORE_ENDED_MESSAGE, { ...opts, hint: 'run the command again with --origin s3' });
  }

  if (ACCESS_DENIED.test(name) || (status === 403 && !BAD_CREDENTIALS.test(name))) {
    const permission = /not authorized to perform:?\s*([a-z0-9-]+:[A-Za-z0-9*]+)/.exec(message)?.[1] ?? context.action;
    return new LivestreamError('AWS_ACCESS_DENIED', `Access denied: your AWS identity may not ${permission} (${context.resource}).`, {
      ...opts,
      hint: `grant "${permission}" to the identity you run livestream as, or use a profile that has it (--aws-profile)`,
      details: { permission, resource: context.resource },
    });
  }

  if (endpointGone) {
    const host = e.hostname ?? /([a-z0-9.-]+\.amazonaws\.com)/.exec(message)?.[1] ?? '';
    if (/^medialive\./.test(host) || service === 'medialive') {
      return new LivestreamError('AWS_REGION_UNSUPPORTED', `MediaLive cannot be reached${host ? ` at ${host}` : ''}: the region may not offer MediaLive.`, {
        ...opts,
        hint: 'pick a MediaLive region, e.g. --region us-east-1 (and check your network)',
      });
    }
    return new LivestreamError('AWS_FAILED', `${context.action} on ${context.resource} failed: cannot reach ${host || 'the AWS endpoint'}.`, {
      ...opts,
      hint: 'check your network connection, proxy settings and --endpoint-url',
    });
  }

  if (/device/i.test(message) && /already|in use|attached|another input/i.test(message) &&
      /^(UnprocessableEntityException|BadRequestException|ConflictException)$/.test(name)) {
    return new LivestreamError('AWS_DEVICE_IN_USE', `The Elemental Link device is already attached to another input (${context.resource}).`, {
      ...opts,
      hint: 'detach it (delete the other input in the MediaLive console, or "livestream down" that stack) and run "livestream up" again',
    });
  }

  const quotaWording = /quota|limit (has been |was )?(reached|exceeded)|maximum number|you have reached/i.test(message);
  if (QUOTA.test(name) || (quotaWording && !/rate/i.test(message))) {
    return new LivestreamError('AWS_QUOTA_EXCEEDED', `${context.action} on ${context.resource} hit an AWS quota: ${message || name}`, {
      ...opts,
      hint: 'delete unused resources of this kind, or ask for a higher limit in the Service Quotas console',
    });
  }

  if (THROTTLED.test(name) || status === 429) {
    return new LivestreamError('AWS_THROTTLED', `AWS kept throttling ${context.action} (${context.resource}) after retries.`, {
      ...opts,
      hint: 'wait a minute and run the command again; it resumes where it stopped',
    });
  }

  // PutParameter carries the password: never repeat what the service says about that request.
  const detail = context.action.toLowerCase() === 'ssm:putparameter' ? name : `${name}${message ? `: ${message}` : ''}`;
  return new LivestreamError('AWS_FAILED', `${context.action} on ${context.resource} failed: ${detail}`, {
    ...opts,
    details: { name, ...(status ? { httpStatusCode: status } : {}) },
  });
}

/** Service messages can be long (a whole policy document): the first 500 characters say what went wrong. */
function shorten(message: string): string {
  return message.length > 500 ? `${message.slice(0, 500)}…` : message;
}
