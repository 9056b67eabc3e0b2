/** `up` returns once the stream plays through the edge: a master playlist whose media playlists list segments. */
import { LivestreamError } from '../../../core/errors.js';
import type { Host } from '../../../core/host.js';
import { PROBE_HEADER } from '../edge/viewer-headers.js';

async function fetchText(url: string): Promise<string | undefined> {
  try {
    // Marked as our own check: its 404s before the first segment are not errors viewers saw (the
    // edge still logs every request; it leaves these out of the viewer figures only).
    const res = await fetch(url, { headers: { [PROBE_HEADER]: 'readiness' }, signal: AbortSignal.timeout(5_000) });
    return res.ok ? await res.text() : undefined;
  } catch {
    return undefined;
  }
}

/** Every media playlist named by the master lists at least one segment. */
export async function isPlaying(masterUrl: string): Promise<boolean> {
  const master = await fetchText(masterUrl);
  if (!master?.startsWith('#EXTM3U')) return false;
  const media = master.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  if (media.length === 0) return false;
  const lists = await Promise.all(media.map((m) => fetchText(new URL(m, masterUrl).toString())));
  return lists.every((l) => l !== undefined && /#EXTINF/.test(l));
}

export async function waitForPlayback(masterUrl: string, host: Host, timeoutMs = 120_000): Promise<void> {
  const progress = host.progress('Waiting for the first segments to reach the edge (the encoder is warming up)');
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await isPlaying(masterUrl)) {
      progress.succeed(`Stream is playing through the edge (${Math.round((Date.now() - started) / 1000)} s)`);
      return;
    }
    progress.update(`Waiting for the first segments to reach the edge… ${Math.round((Date.now() - started) / 1000)} s`);
    await new Promise((r) => setTimeout(r, 1_000));
  }
  progress.fail('No playable stream yet');
  throw new LivestreamError('TIMEOUT', `The stream did not start playing within ${timeoutMs / 1000} s.`, {
    hint: 'Check the source and the logs folder (ffmpeg.log, daemon.log); "livestream status" shows the input state.',
  });
}
