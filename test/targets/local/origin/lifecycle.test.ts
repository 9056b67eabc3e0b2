import { describe, expect, it } from 'vitest';
import { LivestreamError } from '../../../../src/core/errors.js';
import {
  DEFAULT_LIFECYCLE_POLICY,
  matchWildcard,
  parseLifecyclePolicy,
  selectExpired,
  validateLifecyclePolicy,
} from '../../../../src/targets/local/origin/lifecycle.js';

describe('parseLifecyclePolicy', () => {
  it('parses the reference default', () => {
    expect(parseLifecyclePolicy(DEFAULT_LIFECYCLE_POLICY)).toEqual([
      { paths: [{ wildcard: 'stream/*.ts' }], age: { op: '>', seconds: 300 }, action: 'EXPIRE' },
    ]);
  });

  it('parses JSON text with prefixes, wildcards and days', () => {
    const text = JSON.stringify({
      rules: [
        { definition: { path: [{ prefix: 'stream/' }, { wildcard: 'stream/*.ts' }], seconds_since_create: [{ numeric: ['>', 300] }] }, action: 'EXPIRE' },
        { definition: { path: [{ prefix: 'vod/' }], days_since_create: [{ numeric: ['>=', 2] }] }, action: 'EXPIRE' },
      ],
    });
    expect(parseLifecyclePolicy(text)).toEqual([
      { paths: [{ prefix: 'stream/' }, { wildcard: 'stream/*.ts' }], age: { op: '>', seconds: 300 }, action: 'EXPIRE' },
      { paths: [{ prefix: 'vod/' }], age: { op: '>=', seconds: 172_800 }, action: 'EXPIRE' },
    ]);
  });

  const invalid: [string, unknown, string[]][] = [
    ['not an object', 42, ['rules']],
    ['rules not an array', { rules: {} }, ['rules']],
    ['wrong action', { rules: [{ definition: { path: [{ prefix: 'a/' }], seconds_since_create: [{ numeric: ['>', 1] }] }, action: 'ARCHIVE' }] }, ['rules[0].action']],
    ['no path', { rules: [{ definition: { seconds_since_create: [{ numeric: ['>', 1] }] }, action: 'EXPIRE' }] }, ['rules[0].definition.path']],
    ['bad path entry', { rules: [{ definition: { path: [{ suffix: '.ts' }], seconds_since_create: [{ numeric: ['>', 1] }] }, action: 'EXPIRE' }] }, ['rules[0].definition.path[0]']],
    ['no age', { rules: [{ definition: { path: [{ prefix: 'a/' }] }, action: 'EXPIRE' }] }, ['rules[0].definition']],
    ['two ages', { rules: [{ definition: { path: [{ prefix: 'a/' }], seconds_since_create: [{ numeric: ['>', 1] }], days_since_create: [{ numeric: ['>', 1] }] }, action: 'EXPIRE' }] }, ['rules[0].definition']],
    ['bad operator', { rules: [{ definition: { path: [{ prefix: 'a/' }], seconds_since_create: [{ numeric: ['<', 1] }] }, action: 'EXPIRE' }] }, ['rules[0].definition.seconds_since_create']],
    ['negative age', { rules: [{ definition: { path: [{ prefix: 'a/' }], seconds_since_create: [{ numeric: ['>', -5] }] }, action: 'EXPIRE' }] }, ['rules[0].definition.seconds_since_create']],
    [
      'every problem listed',
      { rules: [{ definition: { path: [], seconds_since_create: 'x' }, action: 'DELETE' }] },
      ['rules[0].action', 'rules[0].definition.path', 'rules[0].definition.seconds_since_create'],
    ],
  ];
  it.each(invalid)('reports %s', (_name, json, paths) => {
    expect(validateLifecyclePolicy(json).problems.map((p) => p.path)).toEqual(paths);
    expect(() => parseLifecyclePolicy(json)).toThrow(LivestreamError);
  });

  it('rejects text that is not JSON with SPEC_INVALID', () => {
    try {
      parseLifecyclePolicy('{rules');
      expect.unreachable();
    } catch (err) {
      expect((err as LivestreamError).code).toBe('SPEC_INVALID');
    }
  });
});

describe('matchWildcard', () => {
  const cases: [string, string, boolean][] = [
    ['stream/*.ts', 'stream/index_1280x720_00001.ts', true],
    ['stream/*.ts', 'stream/index.m3u8', false],
    ['stream/*.ts', 'other/x.ts', false],
    ['stream/*.ts', 'stream/sub/x.ts', true],
    ['stream/*.ts', 'stream/.ts', true],
    ['stream/*_*.ts', 'stream/a_b.ts', true],
    ['stream/*_*.ts', 'stream/ab.ts', false],
    ['*', 'anything', true],
    ['exact.ts', 'exact.ts', true],
    ['exact.ts', 'exact.tsx', false],
    ['a*a', 'a', false],
  ];
  it.each(cases)('%s vs %s -> %s', (pattern, p, expected) => {
    expect(matchWildcard(pattern, p)).toBe(expected);
  });
});

describe('selectExpired', () => {
  const rules = parseLifecyclePolicy(DEFAULT_LIFECYCLE_POLICY);
  const now = 1_000_000_000;
  const cases: [string, string, number, boolean][] = [
    ['old segment', 'stream/a.ts', now - 301_000, true],
    ['segment exactly 300 s old (rule is ">")', 'stream/a.ts', now - 300_000, false],
    ['young segment', 'stream/a.ts', now - 10_000, false],
    ['old playlist', 'stream/index.m3u8', now - 3_600_000, false],
    ['old segment elsewhere', 'vod/a.ts', now - 3_600_000, false],
  ];
  it.each(cases)('%s', (_name, path, createdMs, expired) => {
    expect(selectExpired([{ path, createdMs }], rules, now)).toEqual(expired ? [path] : []);
  });

  it('a prefix rule matches everything under it', () => {
    const byPrefix = parseLifecyclePolicy({ rules: [{ definition: { path: [{ prefix: 'tmp/' }], seconds_since_create: [{ numeric: ['>=', 0] }] }, action: 'EXPIRE' }] });
    expect(selectExpired([{ path: 'tmp/x.json', createdMs: now }, { path: 'tmpx', createdMs: 0 }], byPrefix, now)).toEqual(['tmp/x.json']);
  });
});
