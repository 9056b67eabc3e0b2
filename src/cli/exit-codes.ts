import type { ErrorCode } from '../core/errors.js';

/** Exit codes that mean something to scripts. */
export const EXIT = {
  OK: 0,
  FAILED: 1,
  USAGE: 2,
  ABORTED: 3,
  BUSY: 4,
  NOT_FOUND: 5,
} as const;

export function exitCodeFor(code: ErrorCode): number {
  switch (code) {
    case 'SPEC_INVALID':
    case 'LADDER_INVALID':
    case 'PROFILE_NOT_FOUND':
    case 'MISSING_OPTIONS':
    case 'STACK_SPEC_CHANGED':
      return EXIT.USAGE;
    case 'ABORTED':
      return EXIT.ABORTED;
    case 'STATE_LOCKED':
      return EXIT.BUSY;
    case 'STACK_NOT_FOUND':
      return EXIT.NOT_FOUND;
    default:
      return EXIT.FAILED;
  }
}
