import { LivestreamError } from '../core/errors.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import type { Output } from './output.js';

/** Runs a command body, turning errors into a message and an exit code. */
export async function guarded(out: Output, body: () => Promise<number | void>): Promise<number> {
  try {
    return (await body()) ?? EXIT.OK;
  } catch (err) {
    out.error(err);
    return err instanceof LivestreamError ? exitCodeFor(err.code) : EXIT.FAILED;
  }
}
