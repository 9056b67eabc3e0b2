/**
 * The notice codes are one list (core/notices.ts): the type checker holds every notify call to it;
 * this holds the list to the code, so it names no notice that nothing sends.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NOTICE_CODES } from '../../src/core/notices.js';

const SRC = path.resolve(import.meta.dirname, '../../src');

async function sentCodes(): Promise<Set<string>> {
  const files = (await readdir(SRC, { recursive: true })).filter((f) => f.endsWith('.ts'));
  const codes = new Set<string>();
  for (const f of files) {
    const text = await readFile(path.join(SRC, f), 'utf8');
    // Every notice is an object literal passed to notify: its code is a literal "code: 'X'".
    for (const call of text.matchAll(/\.notify\(\{[\s\S]*?code: '([A-Z_]+)'/g)) codes.add(call[1]!);
  }
  return codes;
}

describe('notice codes', () => {
  it('lists each code once', () => {
    expect(new Set(NOTICE_CODES).size).toBe(NOTICE_CODES.length);
  });

  it('lists exactly the codes that src/ sends', async () => {
    expect([...(await sentCodes())].sort()).toEqual([...NOTICE_CODES].sort());
  });
});
