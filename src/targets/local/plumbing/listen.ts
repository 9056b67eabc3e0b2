/** Turns a failed listen into an error that says which port and what to do. */
import type { Server } from 'node:net';
import type { AddressInfo } from 'node:net';
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

/** Listen, and say which port and what to do when that fails. Resolves to the port bound (port 0 picks one). */
export function listenOn(server: Server, o: { port?: number; host?: string; what: string; flag: string }): Promise<number> {
  const host = o.host ?? '127.0.0.1';
  const port = o.port ?? 0;
  return new Promise<number>((resolve, reject) => {
    const onError = (err: unknown) => reject(explainListenError(err, o.what, host, port, o.flag));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
