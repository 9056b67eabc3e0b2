/**
 * A TCP gate in front of the decoder ffmpeg: it owns the public port, destroys connections from
 * outside the CIDR allow-list at once, admits one publisher at a time and pipes it to ffmpeg
 * listening on a loopback port. ffmpeg's `-listen 1` accepts one publisher and exits when it leaves;
 * while the supervisor restarts it, a new publisher's bytes wait here (connect retried) instead of
 * being refused.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { isAllowed, displayAddress } from './cidr.js';
import { RefusalTracker } from './refusals.js';
import type { GateOptions } from './gate.js';

export interface TcpGateOptions extends GateOptions {
  /** A publisher silent this long is dropped, so a dead link does not hang the decoder. */
  idleMs?: number;
  /** How long to keep trying to reach the decoder for an admitted publisher. */
  connectWaitMs?: number;
}

export interface TcpGate {
  port: number;
  /** Address of the publisher currently piped to the decoder. */
  publisher(): string | undefined;
  /** Bytes received from admitted publishers, for the input bitrate. */
  bytesIn(): number;
  refusals: RefusalTracker;
  close(): Promise<void>;
}

export async function startTcpGate(opts: TcpGateOptions): Promise<TcpGate> {
  const refusals = new RefusalTracker(0);
  const idleMs = opts.idleMs ?? 10_000;
  const connectWaitMs = opts.connectWaitMs ?? 15_000;
  const sockets = new Set<Socket>();
  let active: { client: Socket; address: string } | undefined;
  let closing = false;
  let bytesIn = 0;

  const server: Server = createServer((client) => {
    const address = client.remoteAddress ?? '';
    const shown = displayAddress(address);
    if (!isAllowed(opts.cidrs, address)) {
      client.destroy();
      refusals.record(address, Date.now());
      opts.log(`${opts.label}: refused connection from ${shown} at ${refusals.last!.time}: not in the allow-list (${opts.cidrs.join(', ')})`);
      return;
    }
    if (closing) {
      client.destroy();
      return;
    }
    if (active) {
      client.destroy();
      opts.log(`${opts.label}: refused connection from ${shown}: ${active.address} is already publishing (one publisher at a time)`);
      return;
    }
    active = { client, address: shown };
    sockets.add(client);
    client.pause();
    opts.log(`${opts.label}: publisher ${shown} connected`);
    client.setTimeout(idleMs, () => {
      opts.log(`${opts.label}: publisher ${shown} silent for ${idleMs / 1000} s; dropping it`);
      client.destroy();
    });
    const release = () => {
      if (active?.client === client) {
        active = undefined;
        opts.log(`${opts.label}: publisher ${shown} left`);
      }
      sockets.delete(client);
    };
    client.once('close', release);
    client.on('error', () => client.destroy());
    void pipeToDecoder(client);
  });

  async function pipeToDecoder(client: Socket): Promise<void> {
    const deadline = Date.now() + connectWaitMs;
    while (!client.destroyed && !closing) {
      const upstream = await tryConnect(opts.targetPort).catch(() => undefined);
      if (upstream) {
        if (client.destroyed || closing) {
          upstream.destroy();
          return;
        }
        sockets.add(upstream);
        const end = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(upstream);
        };
        upstream.once('close', end);
        client.once('close', end);
        upstream.on('error', end);
        client.on('data', (chunk: Buffer) => (bytesIn += chunk.length));
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
        return;
      }
      if (Date.now() > deadline) {
        opts.log(`${opts.label}: the decoder is not listening on 127.0.0.1:${opts.targetPort}; dropping publisher`);
        client.destroy();
        return;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address();
  const port = bound !== null && typeof bound === 'object' ? bound.port : opts.port;

  return {
    port,
    publisher: () => active?.address,
    bytesIn: () => bytesIn,
    refusals,
    close: async () => {
      closing = true;
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function tryConnect(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}
