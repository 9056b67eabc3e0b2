/**
 * A minimal stand-in for the origin, for encoder tests: accepts PUT and DELETE with the expected
 * bearer token, stores files in a folder, serves them back on GET, and records when each PUT completed.
 */
import { createServer, type Server } from 'node:http';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AddressInfo } from 'node:net';

export interface PutEvent {
  method: string;
  path: string;
  status: number;
  /** Date.now() when the request body was complete. */
  at: number;
}

export interface PutServer {
  url: string;
  events: PutEvent[];
  close(): Promise<void>;
}

export async function startPutServer(dir: string, token: string): Promise<PutServer> {
  const events: PutEvent[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void handle(req.method ?? 'GET', decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname), req.headers.authorization, Buffer.concat(chunks))
        .then((status) => {
          if (req.method !== 'GET') events.push({ method: req.method ?? '', path: req.url ?? '', status, at: Date.now() });
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
          await mkdir(path.dirname(file), { recursive: true });
          await writeFile(file, body);
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
