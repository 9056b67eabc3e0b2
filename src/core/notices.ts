/**
 * Every notice the engine and the targets send through the Host has a stable code, listed here as
 * the error codes are in errors.ts, so tests and --json readers assert codes, not wording. A new
 * notice adds its code here first.
 */
export const NOTICE_CODES = [
  // The plan's walk (core/graph.ts).
  'RESOURCE_CREATED',
  'RESOURCE_EXISTS',
  'RESOURCE_VANISHED',
  'RESOURCE_REPLACED',
  'RESOURCE_BLOCKED',
  'RESOURCE_KEPT',
  // The channel and the stack's teardown.
  'CHANNEL_RUN_FOUND',
  'CHANNEL_ALREADY_RUNNING',
  'CHANNEL_ALREADY_STOPPED',
  'NOTHING_TO_DELETE',
  'STILL_BILLING',
  'LOGS_KEPT',
  // Recordings (#13): kept by down, removed with --delete-recordings, downloaded.
  'RECORDINGS_KEPT',
  'RECORDINGS_DELETED',
  'RECORDING_DOWNLOADED',
  // What AWS has that the state file does not say, or says wrongly.
  'RESOURCE_ADOPTED',
  'EXTRA_RESOURCES_FOUND',
  'FOUND_WITHOUT_STATE',
  'CANNOT_LOOK_FOR',
  'RESOURCE_NOT_OURS',
  'RESOURCE_UNVERIFIED',
  'DASHBOARD_WARNINGS',
  // An SRT passphrase given to `up` of an AWS stack that already has its secret: not applied.
  'SRT_PASSPHRASE_KEPT',
  // The AWS stop schedule (EventBridge Scheduler) set or removed.
  'STOP_SCHEDULE_SET',
  'STOP_SCHEDULE_REMOVED',
  'STOP_SCHEDULE_KEPT',
  // A stack run in the foreground.
  'FOREGROUND',
  'OUTPUT',
] as const;

export type NoticeCode = (typeof NOTICE_CODES)[number];
