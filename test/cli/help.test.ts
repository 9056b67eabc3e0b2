import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeTmpDir } from '../helpers/tmp-dir.js';

const run = promisify(execFile);
const bin = new URL('../../bin/livestream.js', import.meta.url).pathname;
const tracer = new URL('../fixtures/trace-imports.mjs', import.meta.url).href;

// These run the built CLI (npm test builds first), as a user would.
describe('livestream --help', () => {
  let dir: string;
  beforeAll(async () => (dir = await makeTmpDir('help-')));

  it.each([['--help'], ['up', '--help'], ['down', '--help'], ['schedule', '--help'], ['recordings', '--help']])('%s teaches without loading the AWS SDK or the local servers', async (...args) => {
    const trace = path.join(dir, `trace-${args.join('-')}.txt`);
    const { stdout } = await run(process.execPath, ['--import', tracer, bin, ...args], { env: { ...process.env, TRACE_FILE: trace } });
    const loaded = await readFile(trace, 'utf8');
    expect(loaded).toContain('/dist/cli/main.js');
    expect(loaded).not.toMatch(/@aws-sdk/);
    expect(loaded).not.toMatch(/dist\/targets\//);
    expect(stdout).toMatch(/Usage: livestream/);
  });

  it('top-level help lists every command, examples and exit codes', async () => {
    const { stdout } = await run(process.execPath, [bin, '--help']);
    for (const cmd of ['up', 'plan', 'start', 'stop', 'schedule', 'status', 'down', 'recordings', 'profiles']) expect(stdout).toMatch(new RegExp(`\\n  ${cmd}\\b`));
    expect(stdout).toContain('Exit codes:');
  });

  it('up --help explains every option, including why s3 is the default origin', async () => {
    const { stdout } = await run(process.execPath, [bin, 'up', '--help']);
    for (const flag of ['--input', '--source-url', '--source-user', '--source-password-stdin', '--cidr', '--device-id', '--profile', '--no-start', '--stack', '--target', '--region', '--aws-profile', '--endpoint-url', '--origin', '--listen', '--yes', '--dry-run', '--foreground', '--state-dir', '--json', '--stop-after', '--stop-at', '--budget']) {
      expect(stdout).toContain(flag);
    }
    expect(stdout).toContain('2025-11-13');
  });

  it('schedule --help gives every way to set the end, with examples', async () => {
    const { stdout } = await run(process.execPath, [bin, 'schedule', '--help']);
    for (const flag of ['--stop-after', '--stop-at', '--budget', '--clear', '--stack', '--state-dir', '--json']) expect(stdout).toContain(flag);
    expect(stdout).toContain('livestream schedule --stop-at 2026-12-02T22:00');
  });

  it('an unknown option is a usage error with exit code 2', async () => {
    const err = await run(process.execPath, [bin, 'up', '--inptu', 'URL_PULL']).catch((e) => e);
    expect(err.code).toBe(2);
    expect(err.stderr).toContain("unknown option '--inptu'");
  });
});
