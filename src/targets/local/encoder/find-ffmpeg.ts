/**
 * Find an ffmpeg that can encode the ladder: `LIVESTREAM_FFMPEG`, then PATH, then the binary shipped
 * by the optional npm package `@ffmpeg-installer/ffmpeg`. "Usable" means it runs and lists the
 * libx264 and aac encoders (some distribution builds leave libx264 out).
 */
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { LivestreamError } from '../../../core/errors.js';
import { MODERN_FFMPEG_CAPS, parseFfmpegCaps, type FfmpegCaps } from './ffmpeg-caps.js';
import { runFfmpeg } from './spawn-ffmpeg.js';

export interface FoundFfmpeg {
  ffmpeg: string;
  ffprobe?: string;
  version: string;
  source: 'env' | 'path' | 'npm';
  /** What this binary's options allow (read once from its `-h full`); the argument builders adapt to it. */
  caps: FfmpegCaps;
}

export interface FindFfmpegDeps {
  /** Path of the npm-shipped binary, or undefined when the package is not installed. */
  loadNpmFfmpeg?: () => Promise<string | undefined>;
}

const HOW_TO_GET =
  'Install one: "sudo apt-get install ffmpeg" (Debian/Ubuntu), "brew install ffmpeg" (macOS), ' +
  'or "npm i @ffmpeg-installer/ffmpeg"; or set LIVESTREAM_FFMPEG=/path/to/ffmpeg.';

export async function findFfmpeg(env: NodeJS.ProcessEnv = process.env, deps: FindFfmpegDeps = {}): Promise<FoundFfmpeg> {
  const rejected: string[] = [];

  const fromEnv = env.LIVESTREAM_FFMPEG;
  if (fromEnv) {
    const check = await checkFfmpeg(fromEnv);
    if (check.ok) return { ffmpeg: fromEnv, ...(await probeBeside(fromEnv, env)), version: check.version, caps: check.caps, source: 'env' };
    // The user asked for this one explicitly: say why it was refused rather than quietly use another.
    throw new LivestreamError('FFMPEG_NOT_FOUND', `LIVESTREAM_FFMPEG=${fromEnv} is not usable: ${check.reason}.`, { hint: HOW_TO_GET });
  }

  const onPath = await findOnPath('ffmpeg', env);
  if (onPath) {
    const check = await checkFfmpeg(onPath);
    if (check.ok) return { ffmpeg: onPath, ...(await probeBeside(onPath, env)), version: check.version, caps: check.caps, source: 'path' };
    rejected.push(`${onPath}: ${check.reason}`);
  }

  const npmPath = await (deps.loadNpmFfmpeg ?? loadNpmFfmpeg)();
  if (npmPath) {
    const check = await checkFfmpeg(npmPath);
    if (check.ok) return { ffmpeg: npmPath, ...(await probeBeside(npmPath, env)), version: check.version, caps: check.caps, source: 'npm' };
    rejected.push(`${npmPath}: ${check.reason}`);
  }

  const why = rejected.length > 0 ? ` Tried ${rejected.join('; ')}.` : ' None on PATH, and @ffmpeg-installer/ffmpeg is not installed.';
  throw new LivestreamError('FFMPEG_NOT_FOUND', `No usable ffmpeg (with libx264 and aac) was found.${why}`, { hint: HOW_TO_GET });
}

type Check = { ok: true; version: string; caps: FfmpegCaps } | { ok: false; reason: string };

async function checkFfmpeg(file: string): Promise<Check> {
  try {
    const v = await runFfmpeg(file, ['-hide_banner', '-version'], 10_000);
    const first = v.stdout.toString('utf8').split('\n')[0] ?? '';
    const m = /^ffmpeg version (\S+)/.exec(first);
    if (v.code !== 0 || !m) return { ok: false, reason: 'it does not run as ffmpeg ("-version" failed)' };
    const e = await runFfmpeg(file, ['-hide_banner', '-encoders'], 10_000);
    const list = e.stdout.toString('utf8');
    const missing = ['libx264', 'aac'].filter((name) => !new RegExp(`^\\s*\\S+\\s+${name}\\s`, 'm').test(list));
    if (missing.length > 0) return { ok: false, reason: `it has no ${missing.join(' or ')} encoder` };
    return { ok: true, version: m[1]!, caps: await detectCaps(file) };
  } catch (err) {
    return { ok: false, reason: `it could not be started (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` };
  }
}

/** Once per run: about 1 MB of help text, read in well under a second. */
async function detectCaps(file: string): Promise<FfmpegCaps> {
  const h = await runFfmpeg(file, ['-hide_banner', '-h', 'full'], 15_000);
  return h.code === 0 ? parseFfmpegCaps(h.stdout.toString('utf8')) : MODERN_FFMPEG_CAPS;
}

async function findOnPath(name: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    if (await isExecutable(file)) return file;
  }
  return undefined;
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** ffprobe next to ffmpeg, else on PATH; the npm package ships none. */
async function probeBeside(ffmpeg: string, env: NodeJS.ProcessEnv): Promise<{ ffprobe?: string }> {
  const beside = path.join(path.dirname(ffmpeg), 'ffprobe');
  if (await isExecutable(beside)) return { ffprobe: beside };
  const onPath = await findOnPath('ffprobe', env);
  return onPath ? { ffprobe: onPath } : {};
}

/** The optional dependency is imported only when needed, and its absence is not an error here. */
export async function loadNpmFfmpeg(): Promise<string | undefined> {
  try {
    const name = '@ffmpeg-installer/ffmpeg';
    const mod = (await import(name)) as { default?: { path?: string }; path?: string };
    return mod.default?.path ?? mod.path;
  } catch {
    return undefined;
  }
}
