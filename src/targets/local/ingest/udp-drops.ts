/**
 * Datagrams the kernel dropped because a UDP socket's receive buffer was full, from Linux's
 * /proc/net/udp and /proc/net/udp6 (last column, "drops", per socket). This is how the RTP gate
 * sees loss that no application can see: on its own socket (it did not read fast enough) and on the
 * decoder's (ffmpeg did not). Elsewhere (macOS) there is no such file and the figures are unknown.
 */
import { readFile } from 'node:fs/promises';

export interface UdpSocketDrops {
  port: number;
  inode: string;
  drops: number;
}

/** The sockets bound to `port` in the text of /proc/net/udp or udp6. Pure. */
export function parseUdpDrops(text: string, port: number): UdpSocketDrops[] {
  const out: UdpSocketDrops[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 13) continue;
    const local = f[1]!;
    const localPort = parseInt(local.slice(local.lastIndexOf(':') + 1), 16);
    if (localPort !== port) continue;
    out.push({ port, inode: f[9]!, drops: Number(f[12]) });
  }
  return out;
}

/**
 * Keeps a running total of kernel drops on the sockets bound to one port, across sockets that come
 * and go (the decoder opens a new one at each restart; a socket's own counter dies with it, so what
 * happens between its last reading and its closing is not seen).
 */
export class UdpDropWatch {
  /** Last reading of each socket still open. */
  private readonly open = new Map<string, number>();
  /** Drops of sockets since closed. */
  private closed = 0;

  constructor(private readonly port: number, private readonly files = ['/proc/net/udp', '/proc/net/udp6']) {}

  /** Reads the tables again; resolves with the total so far, or undefined where the kernel does not tell. */
  async read(): Promise<number | undefined> {
    const texts = await Promise.all(this.files.map((f) => readFile(f, 'utf8').catch(() => undefined)));
    if (texts.every((t) => t === undefined)) return undefined;
    const now = new Map<string, number>();
    for (const text of texts) for (const s of parseUdpDrops(text ?? '', this.port)) now.set(s.inode, s.drops);
    for (const [inode, drops] of this.open) if (!now.has(inode)) this.closed += drops;
    this.open.clear();
    let total = this.closed;
    for (const [inode, drops] of now) {
      this.open.set(inode, drops);
      total += drops;
    }
    return total;
  }
}
