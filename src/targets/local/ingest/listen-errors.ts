/** Turns a failed listen into an error that says which port and what to do. */
import { LivestreamError } from '../../../core/errors.js';

export function explainListenError(err: unknown, what: string, host: string, port: number, flag: string): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE') {
    return new LivestreamError('PORT_IN_USE', `${what} cannot listen on ${host}:${port}: the port is in use`, {
      hint: `stop what uses it (ss -lntup | grep ${port}) or choose another port with ${flag}`,
      cause: err,
    });
  }
  if (code === 'EADDRNOTAVAIL') {
    return new LivestreamError('SPEC_INVALID', `${what} cannot listen on ${host}: no interface of this machine has that address`, {
      hint: 'use --listen 127.0.0.1 (this machine) or --listen 0.0.0.0 (the whole network)',
      cause: err,
    });
  }
  return err;
}
