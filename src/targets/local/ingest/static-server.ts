/** A tiny static HTTP server on loopback for the demo source's HLS files (one flat folder). */
import { createServer, type Server } from 'node:http';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';

const TYPES: Record<string, string> = {
  m3u8: 'application/vnd.apple.mpegurl',
  ts: 'video/mp2t',
};

export interface StaticServer {
  origin: string;
  close(): Promise<void>;
}

export async function startStaticServer(dir: string): Promise<StaticServer> {
  const server: Server = createServer((req, res) => {
    let name = '';
    try {
      name = decodeURIComponent((req.url ?? '/').replace(/\?.*$/, '').replace(/^\/+/, ''));
    } catch {
      // malformed %-escape: treated as not found below
    }
    // One flat folder: no sub-paths, so no way out of it.
    const ext = /^[\w.-]+\.(m3u8|ts)$/.exec(name)?.[1];
    if (!ext || name.startsWith('.')) {
      res.writeHead(404).end();
      return;
    }
    const path = join(dir, name);
    stat(path).then(
      (st) => {
        res.writeHead(200, { 'content-type': TYPES[ext]!, 'content-length': String(st.size), 'cache-control': 'no-cache' });
        if (req.method === 'HEAD') return void res.end();
        const stream = createReadStream(path);
        stream.once('error', () => res.destroy());
        stream.pipe(res);
      },
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('static server has no port');
  return {
    origin: `http://127.0.0.1:${address.port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
