/**
 * Reads back the origin's access log (one JSON entry per line, in `origin-access-*.jsonl` files),
 * so a restarted daemon can rebuild the dashboard's charts. Corrupt or truncated lines (a crash
 * mid-write) are skipped, never fatal.
 */
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { AccessLogEntry } from '../origin/access-log.js';

const FILE_PATTERN = /^origin-access-.*\.jsonl$/;

/** Every entry with RequestTime at or after sinceMs, oldest first. A missing folder gives []. */
export async function loadAccessLogHistory(dir: string, sinceMs: number): Promise<AccessLogEntry[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => FILE_PATTERN.test(n));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const entries: Array<{ t: number; e: AccessLogEntry }> = [];
  for (const name of names.sort()) {
    const file = path.join(dir, name);
    const info = await stat(file).catch(() => undefined);
    // A file last written before sinceMs holds nothing newer: skip reading it.
    if (!info || !info.isFile() || info.mtimeMs < sinceMs) continue;
    for await (const line of createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity })) {
      const entry = parseEntry(line);
      if (!entry) continue;
      const t = Date.parse(entry.RequestTime);
      if (t >= sinceMs) entries.push({ t, e: entry });
    }
  }
  return entries.sort((a, b) => a.t - b.t).map((x) => x.e);
}

function parseEntry(line: string): AccessLogEntry | undefined {
  if (line.trim() === '') return undefined;
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  if (typeof o.RequestTime !== 'string' || !Number.isFinite(Date.parse(o.RequestTime))) return undefined;
  if (typeof o.Operation !== 'string' || typeof o.HTTPStatus !== 'number') return undefined;
  return o as unknown as AccessLogEntry;
}
