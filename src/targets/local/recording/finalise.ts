/**
 * A recording's parts (MPEG-TS, one per encoder life) remuxed into one MP4, not re-encoded:
 *
 *   ffmpeg -f concat -safe 0 -i parts.txt -map 0:v -map 0:a? -c copy -bsf:a aac_adtstoasc -movflags +faststart out.mp4
 *
 * The concat demuxer starts each part where the one before ended, so the timestamps run on across
 * an encoder restart (each life starts its own at zero); within a part they are continuous through
 * an input loss, as the encoder never sees one (the slate fills it). `+faststart` puts the index
 * first, so the MP4 plays in a browser before it is all fetched.
 *
 * Done by the daemon when a run ends, or by whoever finds a recording without an end whose writer
 * is gone (the daemon was SIGKILLed): `recordings`, `down`, `start`. A lock file with the
 * finaliser's pid keeps two from doing it at once; the parts go only once the MP4 is in place, so
 * a finaliser killed half-way leaves the parts for the next one.
 */
import { open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isAlive } from '../../../core/state.js';
import { createProgressParser, parseProgress } from '../encoder/progress.js';
import { spawnFfmpeg } from '../encoder/spawn-ffmpeg.js';
import { LOCK_FILE, PART_FILE, mp4Name, readMeta, writeMeta, type RecordingMeta } from './recording-folder.js';

export interface RemuxOptions {
  ffmpegPath: string;
  /** Seconds of output written so far, for a progress indicator. */
  onProgress?: (seconds: number) => void;
  log?: (line: string) => void;
}

/** The parts in order, empty ones left out (an encoder that died before its first segment). */
export async function listParts(dir: string): Promise<string[]> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => PART_FILE.test(n)).sort();
  const sizes = await Promise.all(names.map((n) => stat(path.join(dir, n)).then((s) => s.size, () => 0)));
  return names.filter((_n, i) => sizes[i]! > 0);
}

/** The ffmpeg arguments that remux `list` (a concat list) into `out`; pure. */
export function buildRemuxArgs(list: string, out: string): string[] {
  return [
    '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error', '-progress', 'pipe:1',
    '-f', 'concat', '-safe', '0', '-i', list,
    '-map', '0:v', '-map', '0:a?', '-c', 'copy',
    // ADTS (MPEG-TS's AAC framing) is not what MP4 holds: old ffmpeg builds do not convert on their own.
    '-bsf:a', 'aac_adtstoasc',
    '-movflags', '+faststart', '-f', 'mp4', '-y', out,
  ];
}

/** Remux the parts of `dir` into `out` (written as out.tmp, then renamed): the MP4's duration in seconds. */
export async function remuxParts(dir: string, out: string, opts: RemuxOptions): Promise<number> {
  const parts = await listParts(dir);
  if (parts.length === 0) throw new Error(`no recorded segments in ${dir}`);
  // Beside the output, not the parts: the parts' disk may be the full one.
  const list = path.join(path.dirname(out), `.parts-${process.pid}-${path.basename(out)}.txt`);
  await writeFile(list, parts.map((p) => `file '${path.join(dir, p).replace(/'/g, "'\\''")}'`).join('\n') + '\n', { mode: 0o600 });
  const tmp = `${out}.tmp`;
  try {
    const child = spawnFfmpeg({ ffmpegPath: opts.ffmpegPath, args: buildRemuxArgs(list, tmp), label: 'recording', log: { write: (l) => opts.log?.(l) } });
    const parser = createProgressParser();
    let seconds = 0;
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (text: string) => {
      for (const p of parseProgress(parser, text)) {
        if (p.outTimeSeconds !== undefined && p.outTimeSeconds > 0) {
          seconds = p.outTimeSeconds;
          opts.onProgress?.(seconds);
        }
      }
    });
    const code = await new Promise<number | null>((resolve) => {
      child.on('close', (c) => resolve(c));
      child.on('error', () => resolve(-1));
    });
    if (code !== 0) throw new Error(`ffmpeg could not remux the recording in ${dir} (exit ${code}; see its log)`);
    await rename(tmp, out);
    return Math.round(seconds * 1000) / 1000;
  } finally {
    await rm(list, { force: true });
    await rm(tmp, { force: true });
  }
}

/** Take the folder's finalising lock; false while a live process holds it. */
async function takeLock(dir: string): Promise<boolean> {
  const file = path.join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(file, 'wx', 0o600);
      await fh.writeFile(String(process.pid));
      await fh.close();
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // Held by a live process (this one too: the daemon's own finaliser, while it lists): busy.
      const pid = Number(await readLockPid(file));
      if (pid && isAlive(pid)) return false;
      await rm(file, { force: true });
    }
  }
  return false;
}

function readLockPid(file: string): Promise<string> {
  return readFile(file, 'utf8').catch(() => '');
}

/** Whether someone alive is finalising the recording in `dir`. */
export async function isFinalising(dir: string): Promise<boolean> {
  const pid = Number(await readLockPid(path.join(dir, LOCK_FILE)));
  return Boolean(pid) && isAlive(pid);
}

/** Wait while someone alive finalises the recording in `dir` (it takes as long as copying the file). */
export async function waitWhileFinalising(dir: string, pollMs = 250): Promise<void> {
  while (await isFinalising(dir)) await new Promise((r) => setTimeout(r, pollMs));
}

/**
 * Finalise the recording in `dir` into `<stack>-<id>.mp4`: its end (from the last part's time when
 * the writer died without saying), the MP4's duration and size, the parts removed. A recording with
 * no segment at all is removed. Returns the meta as it is now; undefined when it was removed, or
 * `busy` when another process is finalising it.
 */
export async function finaliseRecording(dir: string, stack: string, opts: RemuxOptions): Promise<RecordingMeta | undefined | 'busy'> {
  const before = await readMeta(dir);
  if (!before) return undefined;
  if (before.file && (await listParts(dir)).length === 0) return before;
  if (!(await takeLock(dir))) return 'busy';
  try {
    // Read again under the lock: another finaliser may have finished in between.
    const meta = (await readMeta(dir)) ?? before;
    const parts = await listParts(dir);
    if (meta.file && parts.length === 0) return meta;
    if (parts.length === 0) {
      await rm(dir, { recursive: true, force: true });
      return undefined;
    }
    const lastWrite = (await stat(path.join(dir, parts[parts.length - 1]!))).mtime;
    const file = mp4Name(stack, meta.id);
    const seconds = await remuxParts(dir, path.join(dir, file), opts);
    const done: RecordingMeta = {
      ...meta,
      end: meta.end ?? lastWrite.toISOString(),
      seconds: seconds || meta.seconds,
      bytes: (await stat(path.join(dir, file))).size,
      file,
    };
    await writeMeta(dir, done);
    for (const p of parts) await rm(path.join(dir, p), { force: true });
    opts.log?.(`[recording] ${meta.id}: finalised to ${file} (${done.seconds} s)`);
    return done;
  } finally {
    await rm(path.join(dir, LOCK_FILE), { force: true });
  }
}
