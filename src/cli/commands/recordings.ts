/**
 * `livestream recordings`: each recorded run of the channel (start, end, length, size, where), and
 * with `--download DIR` one MP4 per run in DIR. A stack that `down` tore down keeping its
 * recordings is read from its archived state, which goes back to history/ afterwards.
 */
import { access, constants, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { LivestreamError } from '../../core/errors.js';
import { formatBytes, formatDuration, type Recording } from '../../core/recording.js';
import type { RunContext } from '../../core/target.js';
import { loadDriver } from '../drivers.js';
import { guarded } from '../guarded.js';
import { table, type Output } from '../output.js';
import { openStore, type GlobalOptions } from '../resolve.js';

export type RecordingsOptions = GlobalOptions & { stack?: string; download?: string };

export function runRecordings(opts: RecordingsOptions, out: Output): Promise<number> {
  return guarded(out, async () => {
    // Checked before anything is read or finalised: a bad folder changes nothing.
    const target = opts.download !== undefined ? await checkDownloadDir(opts.download) : undefined;
    const dir = target?.dir;
    const store = openStore(opts);
    await store.lock('recordings');
    let restored = false;
    try {
      if (!(await store.load())) restored = Boolean(await store.restoreArchived());
      const state = store.require();
      const driver = await loadDriver(state.target);
      const run: RunContext = { spec: state.spec, ladder: state.ladder, secrets: {}, store, host: out.host(), now: () => new Date() };
      if (target?.missing) await mkdir(target.dir);
      if (dir) {
        const saved = await driver.downloadRecordings(run, dir);
        const human = saved.length === 0
          ? `Stack "${state.stack}" has no recordings to save.`
          : [`Saved ${saved.length} recording${saved.length === 1 ? '' : 's'} of stack "${state.stack}" to ${dir}:`, ...saved.map((s) => `  ${s.file}  ${formatDuration(s.recording.seconds)}, ${formatBytes(s.recording.bytes)}${s.recording.live ? ' (still recording: what is recorded so far)' : ''}`)].join('\n');
        out.result(human, { stack: state.stack, target: state.target, dir, saved });
      } else {
        const recordings = await driver.recordings(run);
        out.result(formatRecordings(out, state.stack, recordings), { stack: state.stack, target: state.target, recordings });
      }
    } finally {
      // A torn-down stack's state goes back where `down` put it.
      if (restored) await store.archive();
      await store.unlock();
    }
  });
}

export function formatRecordings(out: Output, stack: string, recordings: readonly Recording[]): string {
  if (recordings.length === 0) return `Stack "${stack}" has no recordings (each run of the channel is recorded unless --record none).`;
  const rows = recordings.map((r) => [
    r.start.replace('T', ' ').replace(/\.\d+Z$|Z$/, ''),
    r.live ? out.paint('green', 'recording') : (r.end ?? '').replace('T', ' ').replace(/\.\d+Z$|Z$/, ''),
    formatDuration(r.seconds),
    formatBytes(r.bytes),
    r.where,
  ]);
  const notices = recordings.filter((r) => r.notice).map((r) => `  ${out.paint('yellow', '!')} ${r.id}: ${r.notice}`);
  return [
    out.paint('bold', `Recordings of stack "${stack}" (times UTC):`),
    table([['start', 'end', 'length', 'size', 'where'], ...rows]),
    ...notices,
    `Save them as MP4 files: livestream recordings --stack ${stack} --download DIR`,
  ].join('\n');
}

/** DIR must be a folder this user can write, or one that can be made in such a folder (then `missing`). */
async function checkDownloadDir(given: string): Promise<{ dir: string; missing: boolean }> {
  const dir = path.resolve(given);
  const st = await stat(dir).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' || err.code === 'ENOTDIR' ? undefined : Promise.reject(err)));
  if (st && !st.isDirectory()) {
    throw new LivestreamError('SPEC_INVALID', `--download ${given}: ${dir} is a file, not a folder; nothing was written.`, { hint: 'Give a folder to save the MP4 files in, e.g. --download ./recordings' });
  }
  const writable = (p: string) => access(p, constants.W_OK | constants.X_OK).then(() => true, () => false);
  if (st && !(await writable(dir))) {
    throw new LivestreamError('SPEC_INVALID', `--download ${given}: the folder ${dir} is not writable by this user; nothing was written.`, { hint: 'Choose a folder you can write to, or fix its permissions (chmod u+w).' });
  }
  if (!st) {
    const parent = path.dirname(dir);
    if (!(await stat(parent).then((p) => p.isDirectory(), () => false)) || !(await writable(parent))) {
      throw new LivestreamError('SPEC_INVALID', `--download ${given}: ${dir} does not exist and cannot be made in ${parent}; nothing was written.`, { hint: 'Create the folder first, or give one inside a folder you can write to.' });
    }
  }
  return { dir, missing: !st };
}
