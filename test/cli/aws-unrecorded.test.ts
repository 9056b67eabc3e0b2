/**
 * `down` and `status --target aws --region R --stack S` of a stack whose state file is gone, through
 * the CLI commands (in-process, so the stateful fake answers): status lists what AWS has, and down
 * without a terminal and without --yes lists it and refuses, deleting nothing.
 */
import { rm } from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import { beforeEach, describe, expect, it } from 'vitest';
import { runDown } from '../../src/cli/commands/down.js';
import { runStatus } from '../../src/cli/commands/status.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import { Output } from '../../src/cli/output.js';
import { AwsFake } from '../helpers/aws-fake.js';
import { installAwsFake } from '../helpers/install-aws-fake.js';
import { INPUT_SPECS, makeHarness, type AwsHarness } from '../helpers/aws-run.js';

let fake: AwsFake;
let h: AwsHarness;

beforeEach(async () => {
  fake = installAwsFake();
  h = await makeHarness(INPUT_SPECS.RTMP_PUSH!);
  await h.driver.up(await h.run());
  await rm(h.store.file);
});

function output(json: boolean): { out: Output; stdout: () => string; stderr: () => string } {
  const collect = () => {
    const stream = new PassThrough();
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
  };
  const o = collect();
  const e = collect();
  return { out: new Output({ json, debug: false, yes: false, stdout: o.stream, stderr: e.stream, stdinIsTTY: false }), stdout: o.text, stderr: e.text };
}

const where = () => ({ stack: 'teststack', stateDir: h.dir, target: 'aws', region: 'us-east-1' });

describe('down / status --target aws without a state file (CLI)', () => {
  it('status for people says the running channel\'s start is unknown and what it costs per hour', async () => {
    const { out, stdout } = output(false);
    expect(await runStatus(where(), out)).toBe(EXIT.OK);
    expect(stdout()).toMatch(/Running since a time livestream never recorded \(no state file here\); it costs ≈ \$\d+\.\d\d\/h while it runs/);
    expect(stdout()).not.toMatch(/Running 0s/);
  });

  it('status lists what AWS has of the stack, writes no state file and exits 0', async () => {
    const { out, stdout } = output(true);
    expect(await runStatus({ ...where(), json: true }, out)).toBe(EXIT.OK);
    const report = JSON.parse(stdout());
    expect(report.channel.state).toBe('RUNNING');
    // Its start was never recorded here: no "0s, $0.00" for a channel that is billing.
    expect(report).toMatchObject({ runningStartUnknown: true, costPerHour: expect.any(Number) });
    expect(report.costSoFar).toBeUndefined();
    expect(report.resources.map((r: { id: string }) => r.id)).toEqual(expect.arrayContaining(['channel', 'input', 'input-security-group', 'distribution', 'origin', 'logs-bucket', 'role']));
    expect(report.outputs.pushEndpoint).toMatch(/^rtmp:\/\//);
    expect(await h.stateText()).toBe('');
  });

  it('down without a terminal and without --yes lists what it found, refuses (exit 3) and deletes nothing', async () => {
    const before = fake.inventory();
    const mutations = fake.commandNames().filter((c) => !/^(Get|Describe|Head|List)/.test(c)).length;
    const { out, stdout, stderr } = output(false);
    expect(await runDown(where(), out)).toBe(EXIT.ABORTED);
    expect(stderr()).toContain('teststack-channel');
    expect(stderr()).toContain('RUNNING');
    expect(stderr() + stdout()).toContain('--yes');
    expect(fake.inventory()).toEqual(before);
    expect(fake.commandNames().filter((c) => !/^(Get|Describe|Head|List)/.test(c))).toHaveLength(mutations);
  });

  it('without --target a missing state is still "stack not found" (exit 5), with no AWS call', async () => {
    const calls = fake.calls.length;
    const { out } = output(true);
    expect(await runStatus({ stack: 'teststack', stateDir: h.dir, json: true }, out)).toBe(EXIT.NOT_FOUND);
    expect(fake.calls.length).toBe(calls);
  });
});
