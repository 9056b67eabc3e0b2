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

describe('figures live in the README only', () => {
  it('the cascade comment of buildFilterGraph points to the Performance section\'s "Cascade scaling" and quotes no figure', async () => {
    const src = await readFile(path.join(ROOT, 'src/targets/local/encoder/ffmpeg-args.ts'), 'utf8');
    const fn = src.indexOf('export function buildFilterGraph');
    const comment = src.slice(src.lastIndexOf('/**', fn), fn).replace(/\n\s*\*\/?\s?/g, ' ');
    expect(comment).toContain('(Performance, "Cascade scaling")');
    // Its bench's PSNR figures were once quoted here and went void with the bench's alignment fix.
    expect(comment).not.toMatch(/\d\s*(dB|%)/);
    const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
    const start = readme.indexOf('\n## Performance\n');
    const end = readme.indexOf('\n## ', start + 1);
    expect(start).toBeGreaterThan(-1);
    expect(readme.slice(start, end === -1 ? undefined : end)).toMatch(/^- Cascade scaling /m);
  });
});
