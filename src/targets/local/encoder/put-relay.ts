/**
 * A loopback relay for an ffmpeg whose hls muxer cannot send the write token: the 2018 static build
 * shipped by @ffmpeg-installer/ffmpeg has no hls `-headers` option, so its PUTs reach the origin bare
 * and are refused (401), and `-auth_type basic` with credentials in the URL is not passed on either.
 * ffmpeg writes to http://127.0.0.1:<port>/..., the relay forwards PUT and DELETE to the origin with
 * "Authorization: Bearer <token>", so no secret is on ffmpeg's command line (`ps` shows it to every
 * user). Who may write is decided by who connects: on Linux only processes of our own uid (the
 * encoder we spawned; a process of ours could read the token from the stack folder anyway), checked
 * in /proc/net/tcp. Where sockets' owners cannot be read (macOS), the URL carries a random key
 * instead, which then plays the token's part in `ps`. Anything else gets 404.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createKeepAliveAgent } from '../plumbing/http-agent.js';
import { canReadPeerUids, loopbackPeerUid } from '../plumbing/peer-uid.js';

export interface PutRelay {
  /** Use as the encoder's originUrl. */
  url: string;
  /** The random key in `url` where callers cannot be told apart by uid (mask it like the token), else undefined. */
  key?: string;
  close(): Promise<void>;
}

export interface PutRelayOptions {
  originUrl: string;
  token: () => string;
  /** Takes the media playlists (PUT *.m3u8) instead of forwarding them: the supervisor composes its own (playlist-writer.ts). */
  onPlaylist?: (path: string, text: string) => void;
  /** The uid whose processes may write (default: ours). */
  allowedUid?: number;
  /** Tell callers apart by uid (default: where the system lists sockets' owners); false: a key in the URL. */
  checkPeerUid?: boolean;
  /**
   * Also hand over the whole bodies of the PUTs they want: the recorded rendition's segments
   * (recording/channel-recorder.ts), the low mode's parts (part-files.ts).
   */
  taps?: RelayTap[];
}

export interface RelayTap {
  /** `path` is the PUT's path under the relay's key: /stream/index_1280x720_00012.ts. */
  wants(path: string): boolean;
  take(body: Buffer, path: string): void;
}

export async function startPutRelay(opts: PutRelayOptions): Promise<PutRelay> {
  const allowedUid = opts.allowedUid ?? process.getuid?.();
  const byUid = allowedUid !== undefined && (opts.checkPeerUid ?? (await canReadPeerUids()));
  const prefix = byUid ? '' : `/${randomBytes(16).toString('hex')}`;
  // Checked once a connection (ffmpeg keeps its connections open), before its first request is served.
  const admitted = new WeakMap<Socket, Promise<boolean>>();
  const admit = (socket: Socket): Promise<boolean> => {
    let verdict = admitted.get(socket);
    if (!verdict) {
      verdict = byUid ? loopbackPeerUid(socket).then((uid) => uid === allowedUid) : Promise.resolve(true);
      admitted.set(socket, verdict);
    }
    return verdict;
  };
  const origin = new URL(opts.originUrl);
  // The body streams from ffmpeg and cannot be sent twice: the shared agent's idle limit, below the
  // origin's keep-alive, is what keeps these PUTs off connections the origin is closing.
  const agent = createKeepAliveAgent();
  // Uploads on their way to the origin. ffmpeg sends a playlist while the segment it lists may still
  // be uploading (seen: the playlist 3 ms after its segment's PUT began, which took 440 ms on a busy
  // machine), and a player that reads the playlist then gets a 404 for the segment. So a playlist
  // is handed on only once every upload begun before it has been answered.
  const inFlight = new Set<Promise<void>>();
  const server = http.createServer((req, res) => {
    void admit(req.socket).then((ok) => (ok ? relay(req, res) : refuse(req, res)));
  });
  const refuse = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    req.resume();
    res.writeHead(404).end();
  };
  const relay = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const url = req.url ?? '/';
    if (!url.startsWith(`${prefix}/`) || !['PUT', 'DELETE'].includes(req.method ?? '')) return refuse(req, res);
    if (opts.onPlaylist && req.method === 'PUT' && url.endsWith('.m3u8')) return takePlaylist(req, res, url.slice(prefix.length), opts.onPlaylist, [...inFlight]);
    const headers: http.OutgoingHttpHeaders = { authorization: `Bearer ${opts.token()}` };
    for (const name of ['content-type', 'content-length', 'transfer-encoding']) {
      if (req.headers[name] !== undefined) headers[name] = req.headers[name];
    }
    const path = url.slice(prefix.length);
    const taps = req.method === 'PUT' ? (opts.taps ?? []).filter((t) => t.wants(path)) : [];
    if (taps.length > 0) copyBody(req, (body) => taps.forEach((t) => t.take(body, path)));
    const basePath = origin.pathname.replace(/\/+$/, '');
    let settle!: () => void;
    const done = new Promise<void>((resolve) => (settle = resolve));
    inFlight.add(done);
    const finish = (): void => {
      inFlight.delete(done);
      settle();
    };
    const upstream = http.request(
      { host: origin.hostname, port: origin.port, method: req.method, path: `${basePath}${url.slice(prefix.length)}`, headers, agent },
      (answer) => {
        finish();
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      finish();
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  };
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${prefix}`,
    key: prefix ? prefix.slice(1) : undefined,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        agent.destroy();
        server.close(() => resolve());
      }),
  };
}

function takePlaylist(req: http.IncomingMessage, res: http.ServerResponse, path: string, onPlaylist: (path: string, text: string) => void, uploadsBefore: Promise<void>[]): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    res.writeHead(201).end();
    const text = Buffer.concat(chunks).toString('utf8');
    // In arrival order: the writer keeps the newest text per playlist, and each waits only for uploads older than itself.
    void Promise.all(uploadsBefore).then(() => onPlaylist(path, text));
  });
}

/** The body as it streams past, handed over once whole (a PUT cut short by the encoder's death is left out). */
function copyBody(req: http.IncomingMessage, take: (body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    if (req.complete) take(Buffer.concat(chunks));
  });
}
