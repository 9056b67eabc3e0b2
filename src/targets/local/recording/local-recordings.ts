/**
 * The local recordings as `livestream recordings` lists and downloads them, read from the stack's
 * recordings folder (recording-folder.ts), which outlives the stack process and `down`. A recording
 * left unfinished by a writer that is gone (SIGKILL) is finalised on the way (finalise.ts).
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Host } from '../../../core/host.js';
import { formatBytes, type Recording } from '../../../core/recording.js';
import { isAlive } from '../../../core/state.js';
import { finaliseRecording, listParts, remuxParts, waitWhileFinalising } from './finalise.js';
import { mp4Name, readMeta, type RecordingMeta } from './recording-folder.js';

export interface LocalRecordingsOptions {
  /** The stack's recordings folder (StackLayout.recordings). */
  root: string;
  stack: string;
  /** Found only when something needs remuxing. */
  ffmpegPath: () => Promise<string>;
  log?: (line: string) => void;
}

/** Oldest first. */
export async function listLocalRecordings(opts: LocalRecordingsOptions): Promise<Recording[]> {
  const root = opts.root;
  const names = (await readdir(root).catch(() => [] as string[])).sort();
  const out: Recording[] = [];
  for (const name of names) {
    const dir = path.join(root, name);
    let meta = await readMeta(dir);
    if (!meta) continue;
    const live = meta.end === undefined && isAlive(meta.pid);
    if (!live && (!meta.file || (await listParts(dir)).length > 0)) {
      let done = await finaliseRecording(dir, opts.stack, { ffmpegPath: await opts.ffmpegPath(), log: opts.log }).catch((err: Error) => {
        // No room for the MP4 beside its parts (the disk that stopped it is still full)...: listed as
        // parts, which `--download` remuxes into its own folder, and tried again next time.
        const notice = `not finalised: ${err.message}`;
        return { ...meta!, notice: meta!.notice ? `${meta!.notice}; ${notice}` : notice };
      });
      if (done === 'busy') {
        // The stack process is making its MP4 (the run just ended): what it makes is what to list.
        await waitWhileFinalising(dir);
        done = await readMeta(dir);
      }
      if (done === undefined) continue;
      meta = done;
    }
    out.push(await toRecording(dir, meta, live));
  }
  return out;
}

async function toRecording(dir: string, meta: RecordingMeta, live: boolean): Promise<Recording> {
  const bytes = meta.file ? meta.bytes : await partsBytes(dir);
  return {
    id: meta.id,
    start: meta.start,
    ...(meta.end ? { end: meta.end } : {}),
    seconds: meta.seconds,
    bytes,
    where: meta.file ? path.join(dir, meta.file) : dir,
    live,
    rendition: meta.rendition,
    ...(meta.notice ? { notice: meta.notice } : {}),
  };
}

async function partsBytes(dir: string): Promise<number> {
  const sizes = await Promise.all((await listParts(dir)).map((p) => stat(path.join(dir, p)).then((s) => s.size)));
  return sizes.reduce((a, b) => a + b, 0);
}

/**
 * One MP4 per recording into `dir` (an existing writable folder), each written beside its final
 * name and renamed into place: a finalised one copied, one still being written remuxed as it is now.
 */
export async function downloadLocalRecordings(opts: LocalRecordingsOptions, dir: string, host: Host): Promise<Array<{ recording: Recording; file: string }>> {
  const recordings = await listLocalRecordings(opts);
  const saved: Array<{ recording: Recording; file: string }> = [];
  for (const [i, rec] of recordings.entries()) {
    const file = path.join(dir, mp4Name(opts.stack, rec.id));
    const label = `Saving ${i + 1}/${recordings.length} ${path.basename(file)}`;
    const progress = host.progress(label);
    const tmp = `${file}.part`;
    try {
      if (rec.where.endsWith('.mp4')) {
        let copied = 0;
        const source = createReadStream(rec.where);
        source.on('data', (chunk) => {
          copied += chunk.length;
          progress.update(`${label}: ${formatBytes(copied)} of ${formatBytes(rec.bytes)}`);
        });
        await pipeline(source, createWriteStream(tmp, { mode: 0o644 }));
        await rename(tmp, file);
      } else {
        // Still being written, or its finaliser is at work: what is recorded so far, remuxed here.
        await remuxParts(rec.where, file, {
          ffmpegPath: await opts.ffmpegPath(),
          onProgress: (s) => progress.update(`${label}: ${Math.round(s)} of ${Math.round(rec.seconds)} s`),
          log: opts.log,
        });
      }
      progress.succeed(`Saved ${file} (${formatBytes((await stat(file)).size)})`);
      saved.push({ recording: rec, file });
    } catch (err) {
      progress.fail(`${label}: ${(err as Error).message}`);
      await rm(tmp, { force: true });
      throw err;
    }
  }
  return saved;
}
