/**
 * Where the encoder's media playlists go: ffmpeg PUTs them to the supervisor's loopback relay
 * (put-relay.ts), which hands them here; we compose the playlist we publish (media-playlist.ts:
 * window, discontinuities and program date time kept across encoder restarts) and PUT that into the
 * origin. Segments pass through the relay untouched.
 *
 * Why through the relay and not a server of its own: with `-http_persistent 1` the hls muxer writes
 * a rendition's segments and its playlist on the same connection, and refuses another address
 * ("Cannot reuse HTTP connection for different host"), so the playlist is then never written.
 *
 * ffmpeg writes its playlists to <relay>/<run>/stream/index_WxH.m3u8: the run number tells a late
 * playlist of a dead encoder from the new one's.
 */
import { createKeepAliveAgent, requestWithRetry } from '../plumbing/http-agent.js';
import type { LineSink } from './log-file.js';
import type { PlaylistComposer, WindowSegment } from './media-playlist.js';
import { redactText } from '../../../core/redact.js';

export interface PlaylistWriter {
  /** Where encoder run `run` writes its playlists, under the relay's URL: `${relayUrl}${pathFor(run)}/index_WxH.m3u8`. */
  pathFor(run: number): string;
  /** A playlist ffmpeg PUT to the relay (path under the relay's key). */
  take(path: string, text: string): void;
  /** Waits for the PUTs in flight (failed ones are not tried again). */
  close(): Promise<void>;
}

export interface PlaylistWriterOptions {
  originUrl: string;
  token: () => string;
  composer: PlaylistComposer;
  now: () => number;
  log: LineSink;
  /** Segments that reached a published playlist, for health figures. */
  onSegments?: (rendition: string, added: WindowSegment[]) => void;
}

const PLAYLIST_PATH = /^\/(\d+)\/stream\/(index_\d+x\d+)\.m3u8$/;
/** A failed publish is tried again this much later (with the newest text by then). */
const RETRY_MS = 1_000;
/** A playlist PUT with no answer this long is given up (and tried again with the newest text). */
const PUT_TIMEOUT_MS = 10_000;

export function createPlaylistWriter(opts: PlaylistWriterOptions): PlaylistWriter {
  const publisher = createPublisher(opts);
  return {
    pathFor: (run) => `/${run}/stream`,
    take(path, text) {
      const match = PLAYLIST_PATH.exec(path);
      if (!match) return opts.log.write(`[playlist] ignored a playlist at ${path}`);
      const [, run, name] = match as unknown as [string, string, string];
      const update = opts.composer.update(Number(run), name, text, opts.now());
      if (update.text === undefined) return;
      if (update.added.length > 0) opts.onSegments?.(name, update.added);
      publisher.publish(name, update.text);
    },
    async close() {
      publisher.stopRetrying();
      await publisher.drain();
      publisher.destroy();
    },
  };
}

/** One PUT at a time per playlist, always of the newest text: a slow origin gets fewer, never older, versions. */
function createPublisher(opts: PlaylistWriterOptions): { publish(name: string, text: string): void; stopRetrying(): void; drain(): Promise<void>; destroy(): void } {
  let retrying = true;
  const pending = new Map<string, string>();
  const busy = new Map<string, Promise<void>>();
  const base = opts.originUrl.replace(/\/+$/, '');
  // The stack's shared keep-alive handling (http-agent.ts): a PUT that meets a connection the origin
  // is closing is sent again on a fresh one there, not here.
  const agent = createKeepAliveAgent();

  const put = async (name: string, text: string): Promise<boolean> => {
    const url = new URL(`${base}/stream/${name}.m3u8`);
    const body = Buffer.from(text);
    try {
      const { res } = await requestWithRetry(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'PUT',
          agent,
          headers: { authorization: `Bearer ${opts.token()}`, 'content-type': 'application/vnd.apple.mpegurl', 'content-length': body.length },
        },
        { timeoutMs: PUT_TIMEOUT_MS, write: (req) => req.end(body) },
      );
      res.resume();
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 300) return true;
      opts.log.write(`[playlist] ${name}.m3u8 PUT answered ${status}`);
      return false;
    } catch (err) {
      opts.log.write(`[playlist] ${name}.m3u8 PUT failed: ${redactText((err as Error).message, [opts.token()])}`);
      return false;
    }
  };

  const run = async (name: string): Promise<void> => {
    for (;;) {
      const text = pending.get(name);
      if (text === undefined) break;
      pending.delete(name);
      if (!(await put(name, text)) && !pending.has(name) && retrying) {
        pending.set(name, text);
        await new Promise((r) => setTimeout(r, RETRY_MS));
      }
    }
    busy.delete(name);
  };

  return {
    publish(name, text) {
      pending.set(name, text);
      if (!busy.has(name)) busy.set(name, run(name));
    },
    stopRetrying() {
      retrying = false;
    },
    async drain() {
      await Promise.all(busy.values());
    },
    destroy() {
      agent.destroy();
    },
  };
}
