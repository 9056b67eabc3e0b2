/**
 * Who is on the other end of a loopback TCP connection. Linux lists every TCP socket in
 * /proc/net/tcp with the uid that owns it; the peer's entry is the one whose local port is our
 * remote port and whose remote port is our local port. Elsewhere (macOS) there is no such table.
 */
import { access, readFile } from 'node:fs/promises';
import type { Socket } from 'node:net';

/** The uid owning the peer's end of `socket` (IPv4 loopback), or undefined where it cannot be read. */
export async function loopbackPeerUid(socket: Socket): Promise<number | undefined> {
  if (socket.remotePort === undefined || socket.localPort === undefined) return undefined;
  const table = await readFile('/proc/net/tcp', 'utf8').catch(() => undefined);
  return table === undefined ? undefined : uidOfConnection(table, socket.remotePort, socket.localPort);
}

/** Whether this system lists its sockets' owners (so a loopback server can check who calls it). */
export async function canReadPeerUids(): Promise<boolean> {
  return access('/proc/net/tcp').then(() => true, () => false);
}

/**
 * The uid column of the /proc/net/tcp row for the socket bound to `localPort` and connected to
 * `remotePort`. Rows: `sl local_address rem_address st ... uid ...`, addresses as HEXIP:HEXPORT.
 */
export function uidOfConnection(table: string, localPort: number, remotePort: number): number | undefined {
  for (const line of table.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    const local = parseInt(f[1]!.split(':')[1]!, 16);
    const remote = parseInt(f[2]!.split(':')[1]!, 16);
    if (local === localPort && remote === remotePort) return Number(f[7]);
  }
  return undefined;
}
