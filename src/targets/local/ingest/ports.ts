/**
 * Free loopback ports for the internal legs (gate → decoder ffmpeg). The port is found by binding
 * port 0 and releasing it; ffmpeg binds it later, so a tiny race with other programs remains.
 */
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';

export async function findFreeTcpPort(host = '127.0.0.1'): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no TCP port');
  return address.port;
}

/**
 * An even UDP port p with p+1 free as well: ffmpeg's rtp:// input binds p for RTP and p+1 for RTCP
 * ("bind failed: Address already in use" otherwise).
 */
export async function findFreeUdpPortPair(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = await bindUdp(host, 0);
    const port = first.port;
    if (port % 2 === 0 && port < 65535) {
      const second = await bindUdp(host, port + 1).catch(() => undefined);
      if (second) {
        await Promise.all([first.close(), second.close()]);
        return port;
      }
    }
    await first.close();
  }
  throw new Error('no free UDP port pair on ' + host);
}

/** A free UDP port (SRT's listener binds one port). */
export async function findFreeUdpPort(host = '127.0.0.1'): Promise<number> {
  const socket = await bindUdp(host, 0);
  await socket.close();
  return socket.port;
}

async function bindUdp(host: string, port: number): Promise<{ port: number; close: () => Promise<void> }> {
  const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, host, () => resolve());
  });
  return {
    port: socket.address().port,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
