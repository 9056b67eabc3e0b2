/**
 * Calibrations kept per machine and ffmpeg build, so a stack starts without measuring again:
 * one JSON file in the user's cache folder ($XDG_CACHE_HOME/livestream, else ~/.cache/livestream).
 * The key holds everything the measurement depends on; anything else changing is a new key.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Ladder } from '../../../core/ladder.js';
import type { EncoderChoice } from './preset-search.js';

export interface MachineFacts {
  cpuModel: string;
  cores: number;
  ffmpegPath: string;
  ffmpegVersion: string;
}

export interface CacheEntry {
  machine: MachineFacts;
  /** The ladder's shape, as in the key, for people reading the file. */
  ladder: string;
  choice: EncoderChoice;
}

interface CacheFile {
  version: 1;
  entries: Record<string, CacheEntry>;
}

/** This machine's facts; the ffmpeg ones come from find-ffmpeg.ts. */
export function machineFacts(ffmpeg: { ffmpeg: string; version: string }): MachineFacts {
  const cpus = os.cpus();
  return { cpuModel: cpus[0]?.model.trim() ?? 'unknown', cores: cpus.length, ffmpegPath: ffmpeg.ffmpeg, ffmpegVersion: ffmpeg.version };
}

/**
 * What the speed depends on in the ladder: sizes, rates, bitrates, GOPs and what it pins (a pinned
 * preset changes the search), and the latency mode. Not its name or the other HLS settings, which the
 * encode does not feel.
 */
export function ladderShape(ladder: Ladder): string {
  const r = ladder.renditions.map((x) => `${x.width}x${x.height}@${x.framerate}:${x.bitrate}/${x.maxBitrate}:${x.profile}:g${x.gopSeconds}`);
  // The latency mode changes x264's options (X264_LATENCY_ARGS), and so what a preset costs.
  return `${r.join(',')};preset=${ladder.local.preset};scaler=${ladder.local.scaler};latency=${ladder.hls.latency ?? 'standard'}`;
}

/** Pure: the cache key for a machine, an ffmpeg build and a ladder shape (and the bar, which moves the answer). */
export function calibrationKey(machine: MachineFacts, ladder: Ladder, bar: number): string {
  const facts = [machine.cpuModel, machine.cores, machine.ffmpegPath, machine.ffmpegVersion, ladderShape(ladder), bar].join('\n');
  return createHash('sha256').update(facts).digest('hex').slice(0, 32);
}

/** Pure: where the cache lives, from the environment given. */
export function calibrationCacheDir(env: NodeJS.ProcessEnv, home: string): string {
  const base = env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(home, '.cache');
  return path.join(base, 'livestream');
}

export function defaultCalibrationCacheDir(): string {
  return calibrationCacheDir(process.env, os.homedir());
}

const FILE = 'encoder-calibration.json';

async function readCache(dir: string): Promise<CacheFile> {
  try {
    const json = JSON.parse(await readFile(path.join(dir, FILE), 'utf8')) as CacheFile;
    if (json?.version === 1 && typeof json.entries === 'object' && json.entries !== null) return json;
  } catch {
    // absent or unreadable: a cache, so start afresh
  }
  return { version: 1, entries: {} };
}

export async function readCalibration(dir: string, key: string): Promise<CacheEntry | undefined> {
  return (await readCache(dir)).entries[key];
}

/** Written whole to a temporary file and renamed, so two stacks starting at once never leave half a file. */
export async function writeCalibration(dir: string, key: string, entry: CacheEntry): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const cache = await readCache(dir);
  cache.entries[key] = entry;
  const tmp = path.join(dir, `${FILE}.${process.pid}.tmp`);
  await writeFile(tmp, JSON.stringify(cache, null, 2) + '\n', { mode: 0o600 });
  await rename(tmp, path.join(dir, FILE));
}

/** `up --recalibrate`: forget every calibration, so the next start of a stack process measures again. */
export async function clearCalibrations(dir: string): Promise<number> {
  const n = Object.keys((await readCache(dir)).entries).length;
  await rm(path.join(dir, FILE), { force: true });
  return n;
}

/**
 * For the plan, which must not run ffmpeg: the newest calibration of this ladder shape on a machine
 * with this CPU, whatever the ffmpeg ("last here").
 */
export async function latestCalibration(dir: string, ladder: Ladder, cpu = { model: os.cpus()[0]?.model.trim() ?? 'unknown', cores: os.cpus().length }): Promise<CacheEntry | undefined> {
  const shape = ladderShape(ladder);
  const matches = Object.values((await readCache(dir)).entries)
    .filter((e) => e.ladder === shape && e.machine.cpuModel === cpu.model && e.machine.cores === cpu.cores)
    .sort((a, b) => (b.choice.calibratedAt ?? '').localeCompare(a.choice.calibratedAt ?? ''));
  return matches[0];
}
