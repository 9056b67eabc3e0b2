import { LivestreamError, formatProblems, type Problem } from '../../../core/errors.js';

/**
 * Lifecycle rules in MediaStore's object lifecycle policy format, e.g.
 * {"rules":[{"definition":{"path":[{"prefix":"stream/"},{"wildcard":"stream/*.ts"}],
 *   "seconds_since_create":[{"numeric":[">",300]}]},"action":"EXPIRE"}]}
 *
 * As in MediaStore, the entries of `path` are alternatives: an object matches a rule when its path
 * matches any of them. `*` in a wildcard matches any run of characters, `/` included. Ages are
 * given in `seconds_since_create` (transient rules) or `days_since_create`. Only EXPIRE exists here
 * (MediaStore's ARCHIVE transition has no local meaning). Pure: no clock, no disk.
 */
export type PathCondition = { prefix: string } | { wildcard: string };

export interface LifecycleRule {
  paths: PathCondition[];
  /** The object's age must be above (or at least, with '>=') this many seconds. */
  age: { op: '>' | '>='; seconds: number };
  action: 'EXPIRE';
}

/** The reference deployment's policy: stream/*.ts expire 300 s after they were created. */
export const DEFAULT_LIFECYCLE_POLICY = {
  rules: [
    {
      definition: {
        path: [{ wildcard: 'stream/*.ts' }],
        seconds_since_create: [{ numeric: ['>', 300] }],
      },
      action: 'EXPIRE',
    },
  ],
} as const;

const EXAMPLE = '{"rules":[{"definition":{"path":[{"wildcard":"stream/*.ts"}],"seconds_since_create":[{"numeric":[">",300]}]},"action":"EXPIRE"}]}';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Check a policy (already JSON-parsed) and list every problem with a dot path. */
export function validateLifecyclePolicy(json: unknown): { rules: LifecycleRule[]; problems: Problem[] } {
  const problems: Problem[] = [];
  const rules: LifecycleRule[] = [];
  if (!isRecord(json) || !Array.isArray(json.rules)) {
    problems.push({ path: 'rules', message: 'expected an object with a "rules" array', fix: EXAMPLE });
    return { rules, problems };
  }
  json.rules.forEach((raw: unknown, i: number) => {
    const at = `rules[${i}]`;
    const before = problems.length;
    if (!isRecord(raw)) {
      problems.push({ path: at, message: 'expected an object' });
      return;
    }
    if (raw.action !== 'EXPIRE') {
      problems.push({ path: `${at}.action`, message: `expected "EXPIRE", got ${JSON.stringify(raw.action)}` });
    }
    const def = raw.definition;
    if (!isRecord(def)) {
      problems.push({ path: `${at}.definition`, message: 'expected an object with "path" and "seconds_since_create" or "days_since_create"' });
      return;
    }
    const paths: PathCondition[] = [];
    if (!Array.isArray(def.path) || def.path.length === 0) {
      problems.push({ path: `${at}.definition.path`, message: 'expected a non-empty array of {"prefix": ...} or {"wildcard": ...}' });
    } else {
      def.path.forEach((p: unknown, j: number) => {
        const pat = `${at}.definition.path[${j}]`;
        if (isRecord(p) && typeof p.prefix === 'string' && p.wildcard === undefined) paths.push({ prefix: p.prefix });
        else if (isRecord(p) && typeof p.wildcard === 'string' && p.prefix === undefined && p.wildcard !== '') {
          paths.push({ wildcard: p.wildcard });
        } else problems.push({ path: pat, message: 'expected {"prefix": "<text>"} or {"wildcard": "<text with *>"}' });
      });
    }
    const secs = def.seconds_since_create;
    const days = def.days_since_create;
    let age: LifecycleRule['age'] | undefined;
    if ((secs === undefined) === (days === undefined)) {
      problems.push({ path: `${at}.definition`, message: 'expected exactly one of "seconds_since_create" or "days_since_create"' });
    } else {
      const key = secs !== undefined ? 'seconds_since_create' : 'days_since_create';
      const cond = secs ?? days;
      const numeric = Array.isArray(cond) && cond.length === 1 && isRecord(cond[0]) ? cond[0].numeric : undefined;
      if (
        Array.isArray(numeric) &&
        numeric.length === 2 &&
        (numeric[0] === '>' || numeric[0] === '>=') &&
        typeof numeric[1] === 'number' &&
        Number.isFinite(numeric[1]) &&
        numeric[1] >= 0
      ) {
        age = { op: numeric[0], seconds: key === 'days_since_create' ? numeric[1] * 86_400 : numeric[1] };
      } else {
        problems.push({ path: `${at}.definition.${key}`, message: 'expected [{"numeric": [">", <seconds, 0 or more>]}]' });
      }
    }
    if (problems.length === before && age !== undefined) rules.push({ paths, age, action: 'EXPIRE' });
  });
  return { rules, problems };
}

/** Parse a policy from its JSON text (or an already-parsed object); throws SPEC_INVALID listing every problem. */
export function parseLifecyclePolicy(json: string | unknown): LifecycleRule[] {
  let value: unknown = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json);
    } catch (err) {
      throw new LivestreamError('SPEC_INVALID', `The lifecycle policy is not valid JSON: ${(err as Error).message}`, {
        hint: `Example of a valid policy: ${EXAMPLE}`,
      });
    }
  }
  const { rules, problems } = validateLifecyclePolicy(value);
  if (problems.length > 0) {
    throw new LivestreamError('SPEC_INVALID', `The lifecycle policy is invalid:\n${formatProblems(problems)}`, {
      hint: `Example of a valid policy: ${EXAMPLE}`,
      details: problems,
    });
  }
  return rules;
}

/** Does a wildcard pattern (`*` = any run of characters) match the whole path? */
export function matchWildcard(pattern: string, objectPath: string): boolean {
  const parts = pattern.split('*');
  if (parts.length === 1) return pattern === objectPath;
  const first = parts[0];
  const last = parts[parts.length - 1];
  if (!objectPath.startsWith(first) || objectPath.length < first.length + last.length || !objectPath.endsWith(last)) return false;
  let pos = first.length;
  const end = objectPath.length - last.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const found = objectPath.indexOf(parts[i], pos);
    if (found === -1 || found + parts[i].length > end) return false;
    pos = found + parts[i].length;
  }
  return true;
}

/** Object paths here have no leading slash: "stream/index_00001.ts". */
export function matchesRulePath(rule: LifecycleRule, objectPath: string): boolean {
  return rule.paths.some((p) => ('prefix' in p ? objectPath.startsWith(p.prefix) : matchWildcard(p.wildcard, objectPath)));
}

export function isRuleDue(rule: LifecycleRule, ageSeconds: number): boolean {
  return rule.age.op === '>' ? ageSeconds > rule.age.seconds : ageSeconds >= rule.age.seconds;
}

/** The paths of the objects that some rule says to expire at `nowMs`. */
export function selectExpired(
  objects: Iterable<{ path: string; createdMs: number }>,
  rules: readonly LifecycleRule[],
  nowMs: number,
): string[] {
  const out: string[] = [];
  for (const o of objects) {
    const age = (nowMs - o.createdMs) / 1000;
    if (rules.some((r) => isRuleDue(r, age) && matchesRulePath(r, o.path))) out.push(o.path);
  }
  return out;
}
