/**
 * The driver's own check, for stacks that reach it without the CLI's validation (a state file, a
 * program using the driver): names AWS would refuse stop `up` and `plan` before the first call.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { AwsFake } from '../../helpers/aws-fake.js';
import { installAwsFake } from '../../helpers/install-aws-fake.js';
import { INPUT_SPECS, makeHarness, type AwsHarness } from '../../helpers/aws-run.js';

let fake: AwsFake;
let h: AwsHarness | undefined;
beforeEach(() => (fake = installAwsFake()));

describe('AWS driver preflight', () => {
  it('refuses a stack whose IAM role name would pass 64 characters, making no AWS call', async () => {
    h = await makeHarness(INPUT_SPECS.URL_PULL!);
    const run = await h.run();
    const spec = { ...run.spec, stack: `a${'b'.repeat(59)}` };
    const err = await h.driver.up({ ...run, spec }).catch((e) => e);
    expect(err.code).toBe('SPEC_INVALID');
    expect(err.message).toMatch(/IAM role name .* at most 64/);
    expect(fake.calls).toEqual([]);
    expect(() => h!.driver.plan(spec, run.ladder)).toThrow(/IAM role name/);
  });
});
