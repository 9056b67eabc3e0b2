/**
 * The only place that reads ladder files from disk. Built-in ladders live in profiles/;
 * anything else given to --profile is treated as a path to the user's own ladder file.
 */
import { readFile, readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { LivestreamError, formatProblems } from './errors.js';
import { validateLadder, type Ladder } from './ladder.js';

/** profiles/ sits at the package root, two levels above both src/core and dist/core. */
export const BUILTIN_PROFILE_DIR = fileURLToPath(new URL('../../profiles/', import.meta.url));

export const BUILTIN_PROFILES = ['HD-1080p', 'HD-720p', 'SD-540p'] as const;

export function isBuiltinProfile(name: string): boolean {
  return (BUILTIN_PROFILES as readonly string[]).includes(name);
}

/** Parse and validate ladder JSON text; `source` names the file in error messages. */
export function parseLadder(text: string, source: string): Ladder {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new LivestreamError('LADDER_INVALID', `${source} is not valid JSON: ${(err as Error).message}`, {
      hint: 'Fix the JSON syntax; profiles/HD-720p.json is a complete example.',
    });
  }
  const { ladder, problems } = validateLadder(json);
  if (!ladder) {
    throw new LivestreamError('LADDER_INVALID', `${source} is not a valid ladder:\n${formatProblems(problems)}`, {
      hint: 'profiles/HD-720p.json is a complete example of a ladder file.',
      details: { problems },
    });
  }
  return ladder;
}

/** Load a built-in profile by name, or a ladder file by path. */
export async function loadProfile(nameOrPath: string, cwd = process.cwd()): Promise<Ladder> {
  const file = isBuiltinProfile(nameOrPath)
    ? path.join(BUILTIN_PROFILE_DIR, `${nameOrPath}.json`)
    : path.resolve(cwd, nameOrPath);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new LivestreamError(
      'PROFILE_NOT_FOUND',
      code === 'ENOENT'
        ? `Profile "${nameOrPath}" is neither a built-in profile nor a readable ladder file.`
        : `Cannot read ladder file ${file}: ${(err as Error).message}`,
      { hint: `Use one of ${BUILTIN_PROFILES.join(', ')}, or the path to your own ladder file (see "livestream profiles").` },
    );
  }
  return parseLadder(text, isBuiltinProfile(nameOrPath) ? `built-in profile ${nameOrPath}` : file);
}

/** Every built-in ladder, for `livestream profiles`. */
export async function listBuiltinProfiles(): Promise<Ladder[]> {
  const names = (await readdir(BUILTIN_PROFILE_DIR)).filter((f) => f.endsWith('.json')).sort();
  return Promise.all(names.map((f) => loadProfile(path.join(BUILTIN_PROFILE_DIR, f))));
}
