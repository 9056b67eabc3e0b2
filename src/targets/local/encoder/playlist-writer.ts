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
 *
 * With parts (the low mode, parts.ts) the segments players read whole are ours too: when the
 * composer closes a segment, its parts' files (part-files.ts) are joined and PUT as the segment's
 * file before any playlist that lists it is published, and deleted once the segment has been out
 * of the window as long as ffmpeg keeps its own files.
 */
import { createKeepAliveAgent, requestWithRetry } from '../plumbing/http-agent.js';
import type { LineSink } from './log-file.js';
import type { PlaylistComposer, WindowSegment } from './media-playlist.js';
import type { PartFiles } from './part-files.js';
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
  /** With parts: their files, joined here into the segments' files. */
  parts?: PartFiles;
  /** Segments a rendition keeps on the origin after they leave its playlist (the ladder's keepSegments - playlistSize). */
  keepAfterWindow?: number;
}

const PLAYLIST_PATH = /^\/(\d+)\/stream\/(index_\d+x\d+)\.m3u8$/;
/** A failed publish is tried again this much later (with the newest text by then). */
const RETRY_MS = 1_000;
/** A playlist PUT with no answer this long is given up (and tried again with the newest text). */
const PUT_TIMEOUT_MS = 10_000;

export function createPlaylistWriter(opts: PlaylistWriterOptions): PlaylistWriter {
  const origin = createOriginClient(opts);
  const publisher = createPublisher(origin);
  const objects = createObjectWriter(opts, origin);
  // Per playlist, the joined segments its newest text lists, all PUT: each text waits for them.
  const ready = new Map<string, Promise<unknown>>();
  // Per playlist, joined segments out of the window, oldest first: deleted after keepAfterWindow more.
  const leaving = new Map<string, string[]>();
  return {
    pathFor: (run) => `/${run}/stream`,
    take(path, text) {
      const match = PLAYLIST_PATH.exec(path);
      if (!match) return opts.log.write(`[playlist] ignored a playlist at ${path}`);
      const [, run, name] = match as unknown as [string, string, string];
      const parts = opts.parts;
      const update = opts.composer.update(Number(run), name, text, opts.now(), (uri) => parts?.independent(uri) ?? false);
      const joins = parts ? update.added.map((s) => objects.putJoined(s, parts)) : [];
      if (parts) forgetLeaving(name, update.removed);
      if (update.text === undefined) return;
      if (update.added.length > 0) opts.onSegments?.(name, update.added);
      const published = update.text;
      const after = Promise.all([ready.get(name), ...joins]);
      ready.set(name, after);
      void after.then(() => publisher.publish(name, published));
    },
    async close() {
      await Promise.all(ready.values());
      publisher.stopRetrying();
      await Promise.all([publisher.drain(), objects.settle()]);
      origin.destroy();
    },
  };

  function forgetLeaving(name: string, removed: WindowSegment[]): void {
    const queue = leaving.get(name) ?? [];
    leaving.set(name, queue);
    queue.push(...removed.filter((s) => s.parts).map((s) => s.uri));
    while (queue.length > (opts.keepAfterWindow ?? 0)) objects.remove(queue.shift()!);
  }
}

/**
 * The joined segments' files: PUT before a playlist lists them (tried twice: the playlist waits),
 * DELETE once they are out of the window. A segment whose file could not be made or stored is
 * still listed, with its parts: players that read parts play on, those that read whole segments
 * get a 404 for that second (logged).
 */
function createObjectWriter(opts: PlaylistWriterOptions, origin: OriginClient): { putJoined(segment: WindowSegment, parts: PartFiles): Promise<unknown>; remove(uri: string): void; settle(): Promise<unknown> } {
  const removals = new Set<Promise<unknown>>();
  return {
    async putJoined(segment, parts) {
      const body = parts.join((segment.parts ?? []).map((p) => p.uri));
      if (!body) return opts.log.write(`[playlist] ${segment.uri}: a part's file was not seen whole, so the segment has no file (only players that read parts can play that second)`);
      const put = () => origin.send('PUT', segment.uri, { body, type: 'video/mp2t' });
      if (!(await put()) && !(await put())) opts.log.write(`[playlist] ${segment.uri}: not stored (only players that read parts can play that second)`);
    },
    remove(uri) {
      const removal = origin.send('DELETE', uri).finally(() => removals.delete(removal));
      removals.add(removal);
    },
    settle: () => Promise.all(removals),
  };
}

interface OriginClient {
  /** PUT or DELETE stream/<name> in the origin; false (and a line in the log) when it did not answer 2xx. */
  send(method: 'PUT' | 'DELETE', name: string, content?: { body: Buffer; type: string }): Promise<boolean>;
  destroy(): void;
}

function createOriginClient(opts: PlaylistWriterOptions): OriginClient {
  const base = opts.originUrl.replace(/\/+$/, '');
  // The stack's shared keep-alive handling (http-agent.ts): a PUT that meets a connection the origin
  // is closing is sent again on a fresh one there, not here.
  const agent = createKeepAliveAgent();
  return {
    async send(method, name, content) {
      const url = new URL(`${base}/stream/${name}`);
      const headers: Record<string, string | number> = { authorization: `Bearer ${opts.token()}` };
      if (content) Object.assign(headers, { 'content-type': content.type, 'content-length': content.body.length });
      try {
        const { res } = await requestWithRetry(
          { host: url.hostname, port: url.port, path: url.pathname, method, agent, headers },
          { timeoutMs: PUT_TIMEOUT_MS, write: (req) => req.end(content?.body) },
        );
        res.resume();
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) return true;
        opts.log.write(`[playlist] ${name} ${method} answered ${status}`);
        return false;
      } catch (err) {
        opts.log.write(`[playlist] ${name} ${method} failed: ${redactText((err as Error).message, [opts.token()])}`);
        return false;
      }
    },
    destroy() {
      agent.destroy();
    },
  };
}

/** One PUT at a time per playlist, always of the newest text: a slow origin gets fewer, never older, versions. */
function createPublisher(origin: OriginClient): { publish(name: string, text: string): void; stopRetrying(): void; drain(): Promise<void> } {
  let retrying = true;
  const pending = new Map<string, string>();
  const busy = new Map<string, Promise<void>>();
  const put = (name: string, text: string): Promise<boolean> =>
    origin.send('PUT', `${name}.m3u8`, { body: Buffer.from(text), type: 'application/vnd.apple.mpegurl' });

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
  };
}
