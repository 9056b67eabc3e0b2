/** A CLI Output without a terminal, capturing what it prints (for the commands run in-process). */
import { PassThrough } from 'node:stream';
import { Output } from '../../src/cli/output.js';

export function captureOutput(opts: { json?: boolean; yes?: boolean } = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const output = new Output({ json: Boolean(opts.json), debug: false, yes: Boolean(opts.yes), stdout, stderr, stdinIsTTY: false });
  return { output, stdout: () => out, stderr: () => err, json: () => JSON.parse(out) };
}
