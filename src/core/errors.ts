/**
 * Every failure the user can see has a stable code, so tests assert codes and not wording,
 * and a hint that says what to do next.
 */
export type ErrorCode =
  | 'SPEC_INVALID'
  | 'LADDER_INVALID'
  | 'PROFILE_NOT_FOUND'
  | 'STATE_LOCKED'
  | 'STATE_CORRUPT'
  | 'STATE_VERSION'
  | 'STATE_UNSAFE'
  | 'STACK_NOT_FOUND'
  | 'STACK_SPEC_CHANGED'
  | 'MISSING_OPTIONS'
  | 'ABORTED'
  | 'AWS_NO_CREDENTIALS'
  | 'AWS_ACCESS_DENIED'
  | 'AWS_REGION_UNSUPPORTED'
  | 'AWS_QUOTA_EXCEEDED'
  | 'AWS_DEVICE_IN_USE'
  | 'AWS_THROTTLED'
  | 'AWS_MEDIASTORE_ENDED'
  | 'AWS_FAILED'
  | 'RESOURCE_FAILED'
  | 'DOWN_INCOMPLETE'
  | 'CHANNEL_STATE'
  | 'CHANNEL_START_FAILED'
  | 'TIMEOUT'
  | 'FFMPEG_NOT_FOUND'
  | 'PORT_IN_USE'
  | 'DAEMON_FAILED'
  | 'DAEMON_NOT_RUNNING'
  | 'INTERNAL';

export class LivestreamError extends Error {
  readonly code: ErrorCode;
  /** What to run or change next; shown under the message. */
  readonly hint?: string;
  /** Extra structured detail for --json output (never secrets). */
  readonly details?: unknown;

  constructor(code: ErrorCode, message: string, opts: { hint?: string; details?: unknown; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'LivestreamError';
    this.code = code;
    this.hint = opts.hint;
    this.details = opts.details;
  }
}

/** One problem found by a validator: a dot path to what is wrong, and how to fix it. */
export interface Problem {
  path: string;
  message: string;
  fix?: string;
}

export function formatProblems(problems: readonly Problem[]): string {
  return problems
    .map((p) => `  - ${p.path}: ${p.message}${p.fix ? `\n      fix: ${p.fix}` : ''}`)
    .join('\n');
}

export function isLivestreamError(err: unknown): err is LivestreamError {
  return err instanceof LivestreamError;
}
