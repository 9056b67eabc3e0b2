import { describe, expect, it } from 'vitest';
import {
  BadRequestException,
  ForbiddenException,
  NotFoundException,
  TooManyRequestsException,
  UnprocessableEntityException,
} from '@aws-sdk/client-medialive';
import { isNotFound, toLivestreamError } from '../../../../src/targets/aws/requests/errors.js';
import { LivestreamError } from '../../../../src/core/errors.js';
import { MEDIASTORE_ENDED_MESSAGE } from '../../../../src/targets/aws/requests/mediastore.js';

/** An error shaped as the SDK shapes service errors. */
const sdkError = (name: string, message: string, httpStatusCode?: number, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode }, ...extra });
const meta = { $metadata: { httpStatusCode: 400 } };

const CHANNEL = { action: 'medialive:CreateChannel', resource: 'channel demo-channel' };

describe('toLivestreamError', () => {
  it.each([
    ['CredentialsProviderError', sdkError('CredentialsProviderError', 'Could not load credentials from any providers'), CHANNEL, 'AWS_NO_CREDENTIALS'],
    ['expired token', sdkError('ExpiredTokenException', 'The security token included in the request is expired', 400), CHANNEL, 'AWS_NO_CREDENTIALS'],
    ['AccessDeniedException', sdkError('AccessDeniedException', 'denied', 403), CHANNEL, 'AWS_ACCESS_DENIED'],
    ['MediaLive ForbiddenException', new ForbiddenException({ message: 'Forbidden', $metadata: { httpStatusCode: 403 } }), CHANNEL, 'AWS_ACCESS_DENIED'],
    ['UnauthorizedOperation', sdkError('UnauthorizedOperation', 'nope', 403), CHANNEL, 'AWS_ACCESS_DENIED'],
    ['unknown MediaLive endpoint', sdkError('Error', 'getaddrinfo ENOTFOUND medialive.xx-test-1.amazonaws.com', undefined, { code: 'ENOTFOUND', hostname: 'medialive.xx-test-1.amazonaws.com' }), CHANNEL, 'AWS_REGION_UNSUPPORTED'],
    ['LimitExceededException', sdkError('LimitExceededException', 'Cannot exceed quota for PoliciesPerRole: 10', 409), { action: 'iam:PutRolePolicy', resource: 'role r' }, 'AWS_QUOTA_EXCEEDED'],
    ['TooManyBuckets', sdkError('TooManyBuckets', 'You have attempted to create more buckets than allowed', 400), { action: 's3:CreateBucket', resource: 'bucket b' }, 'AWS_QUOTA_EXCEEDED'],
    ['TooManyDistributions', sdkError('TooManyDistributions', 'Your request contains more distributions than are allowed', 400), { action: 'cloudfront:CreateDistribution', resource: 'distribution' }, 'AWS_QUOTA_EXCEEDED'],
    ['MediaLive quota as UnprocessableEntity', new UnprocessableEntityException({ message: 'You have reached the maximum number of channels', $metadata: { httpStatusCode: 422 } }), CHANNEL, 'AWS_QUOTA_EXCEEDED'],
    ['MediaLive quota as TooManyRequests', new TooManyRequestsException({ message: 'Request would exceed your quota of inputs', $metadata: { httpStatusCode: 429 } }), CHANNEL, 'AWS_QUOTA_EXCEEDED'],
    ['Link already attached', new UnprocessableEntityException({ message: 'Input device hd-123 is already attached to an input', ...meta }), { action: 'medialive:CreateInput', resource: 'input demo-input' }, 'AWS_DEVICE_IN_USE'],
    ['Link in use (BadRequest)', new BadRequestException({ message: 'The device is in use by another input', ...meta }), { action: 'medialive:CreateInput', resource: 'input demo-input' }, 'AWS_DEVICE_IN_USE'],
    ['MediaLive throttling', new TooManyRequestsException({ message: 'Too many requests', $metadata: { httpStatusCode: 429 } }), CHANNEL, 'AWS_THROTTLED'],
    ['ThrottlingException', sdkError('ThrottlingException', 'Rate exceeded', 400), { action: 'iam:CreateRole', resource: 'role r' }, 'AWS_THROTTLED'],
    ['S3 SlowDown', sdkError('SlowDown', 'Please reduce your request rate.', 503), { action: 's3:PutObject', resource: 'b' }, 'AWS_THROTTLED'],
    ['MediaStore endpoint gone', sdkError('Error', 'getaddrinfo ENOTFOUND mediastore.us-east-1.amazonaws.com', undefined, { code: 'ENOTFOUND' }), { action: 'mediastore:CreateContainer', resource: 'container demo' }, 'AWS_MEDIASTORE_ENDED'],
    ['MediaStore UnknownOperation', sdkError('UnknownOperationException', '', 404), { action: 'mediastore:CreateContainer', resource: 'container demo' }, 'AWS_MEDIASTORE_ENDED'],
    ['MediaStore access denied after shutdown', sdkError('AccessDeniedException', 'This service is no longer available', 403), { action: 'mediastore:CreateContainer', resource: 'container demo' }, 'AWS_MEDIASTORE_ENDED'],
    ['anything else', new BadRequestException({ message: 'Invalid encoder settings', ...meta }), CHANNEL, 'AWS_FAILED'],
    ['a plain string', 'boom', CHANNEL, 'AWS_FAILED'],
  ] as const)('%s → %s', (_label, err, context, code) => {
    const e = toLivestreamError(err, context);
    expect(e).toBeInstanceOf(LivestreamError);
    expect(e.code).toBe(code);
  });

  it('names the permission from the IAM message, or else from the action', () => {
    const fromMessage = toLivestreamError(
      sdkError('AccessDenied', 'User: arn:aws:iam::1:user/x is not authorized to perform: iam:PassRole on resource: arn:aws:iam::1:role/r', 403),
      CHANNEL,
    );
    expect(fromMessage.message).toContain('iam:PassRole');
    expect(fromMessage.details).toEqual({ permission: 'iam:PassRole', resource: 'channel demo-channel' });
    const fromAction = toLivestreamError(sdkError('AccessDeniedException', 'Access denied', 403), CHANNEL);
    expect(fromAction.message).toContain('medialive:CreateChannel');
    expect(fromAction.hint).toContain('medialive:CreateChannel');
  });

  it('tells how to get credentials', () => {
    const e = toLivestreamError(sdkError('CredentialsProviderError', 'Could not load credentials from any providers'), CHANNEL);
    expect(e.hint).toMatch(/aws configure/);
    expect(e.hint).toMatch(/--aws-profile/);
  });

  it('explains the end of MediaStore and points to --origin s3', () => {
    const e = toLivestreamError(sdkError('UnknownOperationException', '', 404), { action: 'mediastore:DescribeContainer', resource: 'container demo' });
    expect(e.message).toBe(MEDIASTORE_ENDED_MESSAGE);
  });

  it('keeps the service message for other failures', () => {
    const e = toLivestreamError(new BadRequestException({ message: 'Invalid encoder settings', ...meta }), CHANNEL);
    expect(e.message).toBe('medialive:CreateChannel on channel demo-channel failed: BadRequestException: Invalid encoder settings');
  });

  it('never repeats what SSM says about a PutParameter request (it carries the password)', () => {
    const e = toLivestreamError(sdkError('ValidationException', "Value 'hunter2' at 'value' failed to satisfy constraint", 400), { action: 'ssm:PutParameter', resource: 'parameter /livestream/demo/source-password' });
    expect(e.code).toBe('AWS_FAILED');
    expect(e.message).not.toContain('hunter2');
    expect(e.message).toContain('ValidationException');
  });

  it('redacts URL credentials from service messages', () => {
    const e = toLivestreamError(new BadRequestException({ message: 'Cannot reach https://alice:s3cret@example.com/live.m3u8', ...meta }), CHANNEL);
    expect(e.message).not.toContain('s3cret');
    expect(e.message).toContain('https://***@example.com/live.m3u8');
  });

  it('passes a LivestreamError through unchanged', () => {
    const original = new LivestreamError('TIMEOUT', 'waited too long');
    expect(toLivestreamError(original, CHANNEL)).toBe(original);
  });
});

describe('isNotFound', () => {
  it.each([
    ['MediaLive NotFoundException', new NotFoundException({ message: 'not found', $metadata: { httpStatusCode: 404 } }), true],
    ['NoSuchBucket', sdkError('NoSuchBucket', 'The specified bucket does not exist', 404), true],
    ['S3 HeadBucket NotFound', sdkError('NotFound', '', 404), true],
    ['NoSuchEntity', sdkError('NoSuchEntity', 'The role cannot be found', 404), true],
    ['ParameterNotFound', sdkError('ParameterNotFound', '', 400), true],
    ['NoSuchDistribution', sdkError('NoSuchDistribution', '', 404), true],
    ['ContainerNotFoundException', sdkError('ContainerNotFoundException', '', 400), true],
    ['ResourceNotFoundException', sdkError('ResourceNotFoundException', '', 400), true],
    ['bare 404', sdkError('UnknownError', '', 404), true],
    ['AccessDenied', sdkError('AccessDenied', '', 403), false],
    ['BadRequest', new BadRequestException({ message: 'bad', ...meta }), false],
    ['a string', 'NotFound', false],
    ['undefined', undefined, false],
  ] as const)('%s → %s', (_label, err, expected) => {
    expect(isNotFound(err)).toBe(expected);
  });
});

describe('service messages', () => {
  it('are shortened when very long', () => {
    const e = toLivestreamError(new BadRequestException({ message: 'x'.repeat(600), ...meta }), CHANNEL);
    expect(e.message).toContain(`${'x'.repeat(500)}…`);
    expect(e.message).not.toContain('x'.repeat(501));
  });

  it('are redacted by the one redactor: query secrets and bearer tokens too', () => {
    const e = toLivestreamError(new BadRequestException({ message: 'GET https://h/x?X-Amz-Signature=abc123 with Bearer tok.en failed', ...meta }), CHANNEL);
    expect(e.message).not.toMatch(/abc123|tok\.en/);
  });
});
