/**
 * The README's first lines are a promise to a new user: two commands that work on a fresh machine.
 * CI must run the second one exactly as written, so the promise is tested on every submission.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');

/** The commands of the README's first sh block, without their comments. */
async function readmeCommands(): Promise<string[]> {
  const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
  const block = /```sh\n([\s\S]*?)```/.exec(readme)![1]!;
  return block.split('\n').map((l) => l.replace(/\s+#.*$/, '').trim()).filter(Boolean);
}

describe('the README\'s two commands', () => {
  it('are an install-and-run of the local target, then the tests', async () => {
    const [run, test] = await readmeCommands();
    expect(run).toMatch(/^npm ci && node bin\/livestream\.js up /);
    expect(test).toMatch(/npm test$/);
  });

  it('the second is what CI runs, to the letter', async () => {
    const [, test] = await readmeCommands();
    const ci = (await readFile(path.join(ROOT, '.ci/run'), 'utf8')).split('\n').map((l) => l.trim());
    expect(ci).toContain(test);
  });
});
