/**
 * A minimal stand-in for the origin, for encoder tests: accepts PUT and DELETE with the expected
 * bearer token, stores files in a folder, serves them back on GET, and records when each PUT completed.
 */
import { createServer, type Server } from 'node:http';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AddressInfo } from 'node:net';

export interface PutEvent {
  method: string;
  path: string;
  status: number;
  /** Date.now() when the request body was complete. */
  at: number;
  /** A playlist's text, as PUT. */
  text?: string;
}

export interface PutServer {
  url: string;
  events: PutEvent[];
  close(): Promise<void>;
}

/** `delayMs`: how long to hold a PUT of this path before storing it (a slow origin). */
export async function startPutServer(dir: string, token: string, delayMs: (path: string) => number = () => 0): Promise<PutServer> {
  const events: PutEvent[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void handle(req.method ?? 'GET', decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname), req.headers.authorization, Buffer.concat(chunks))
        .then((status) => {
          const text = req.url?.endsWith('.m3u8') && req.method === 'PUT' ? Buffer.concat(chunks).toString('utf8') : undefined;
          if (req.method !== 'GET') events.push({ method: req.method ?? '', path: req.url ?? '', status, at: Date.now(), ...(text !== undefined ? { text } : {}) });
          if (status !== 200 || req.method !== 'GET') res.writeHead(status).end();
        })
        .catch(() => res.writeHead(500).end());
      async function handle(method: string, urlPath: string, auth: string | undefined, body: Buffer): Promise<number> {
        const file = path.join(dir, path.normalize(urlPath).replace(/^(\.\.[/\\])+/, ''));
        if (method === 'GET') {
          try {
            res.writeHead(200).end(await readFile(file));
            return 200;
          } catch {
            return 404;
          }
        }
        if (auth !== `Bearer ${token}`) return 401;
        if (method === 'PUT') {
          await new Promise((r) => setTimeout(r, delayMs(urlPath)));
          await mkdir(path.dirname(file), { recursive: true });
          // Written aside and renamed, as the real origin does: a test reading a playlist while ffmpeg
          // PUTs it again must see the old text or the new, never the empty file writeFile starts with.
          const partial = `${file}.${process.hrtime.bigint()}.partial`;
          await writeFile(partial, body);
          await rename(partial, file);
          return 201;
        }
        if (method === 'DELETE') {
          await rm(file, { force: true });
          return 204;
        }
        return 405;
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    events,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
