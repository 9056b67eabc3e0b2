/**
 * RTMP_PUSH: publishers push to rtmp://<listen>:<rtmpPort>/<stack>/stream (MediaLive's naming: the
 * stream name is "<stack>/stream"). A TCP gate enforces the CIDR allow-list and pipes the one admitted
 * publisher to the decoder ffmpeg, which listens on a loopback port chosen once at start.
 */
import { networkInterfaces } from 'node:os';
import type { Ingest, IngestOptions } from './types.js';
import { SINGLE_INPUT_STREAMS } from './types.js';
import { findFreeTcpPort } from './ports.js';
import { startTcpGate } from './tcp-gate.js';
import { chooseDisplayHost } from '../plumbing/display-host.js';
import { explainListenError } from '../plumbing/listen.js';

/** The decoder's input arguments: ffmpeg as a one-shot RTMP server on loopback. */
export function buildRtmpInputArgs(internalPort: number, stack: string): string[] {
  return ['-listen', '1', '-i', `rtmp://127.0.0.1:${internalPort}/${stack}/stream`];
}

export async function startRtmpIngest(opts: IngestOptions): Promise<Ingest> {
  const log = opts.log ?? (() => {});
  const { listen, rtmpPort: port } = opts.spec.local;
  const internalPort = await findFreeTcpPort();
  const gate = await startTcpGate({ host: listen, port, cidrs: opts.spec.cidrs, targetPort: internalPort, label: 'RTMP', log })
    .catch((err: unknown) => { throw explainListenError(err, 'The RTMP input', listen, port, 'a free --rtmp-port'); });
  const host = chooseDisplayHost(listen, networkInterfaces());
  return {
    inputArgs: () => buildRtmpInputArgs(internalPort, opts.spec.stack),
    pushEndpoint: `rtmp://${host}:${gate.port}/${opts.spec.stack}/stream`,
    streams: SINGLE_INPUT_STREAMS,
    state: () => {
      const remote = gate.publisher();
      return {
        connected: remote !== undefined,
        ...(remote !== undefined ? { remote } : {}),
        refused: gate.refusals.count,
        bytesIn: gate.bytesIn(),
        ...(gate.refusals.last ? { lastRefused: gate.refusals.last } : {}),
      };
    },
    close: () => gate.close(),
  };
}
