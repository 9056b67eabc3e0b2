/**
 * Temporary folders for tests. `makeTmpDir` in a test (or its beforeEach) gives that test a folder of
 * its own, removed when the test finishes, passed or failed. In a beforeAll it gives the folder a
 * describe block's tests share (up, then status, then down), removed once the whole file has run,
 * after the file's own afterAll hooks (which may still need it, to run `down`).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, onTestFinished, TestRunner } from 'vitest';

const sharedDirs: string[] = [];

// Registered when a test file first imports this module (vitest evaluates it anew for each file), so
// it is the file's first afterAll and runs after the others (hooks run in reverse).
afterAll(async () => {
  await Promise.all(sharedDirs.splice(0).map(removeTmpDir));
});

/** A new empty folder under the system's temporary folder, named `<prefix>XXXXXX`. */
export async function makeTmpDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  if (TestRunner.getCurrentTest()) onTestFinished(() => removeTmpDir(dir));
  else sharedDirs.push(dir);
  return dir;
}

function removeTmpDir(dir: string): Promise<void> {
  return rm(dir, { recursive: true, force: true });
}
