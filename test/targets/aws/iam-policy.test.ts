/**
 * docs/iam-policy.json (the policy the README tells users to attach) allows every call the AWS
 * target makes, and nothing it does not need: full up/status/stop/start/down runs against the
 * stateful fake, for every input type and origin, plus the resume paths, capture each SDK command;
 * each maps to the IAM actions it needs (test/helpers/iam-actions.ts) and must be allowed on its
 * resource. A new call in the code without a policy change fails here, naming the action.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AwsFake } from '../../helpers/aws-fake.js';
import { INPUT_SPECS, makeHarness, SRT_CALLER_ENCRYPTED } from '../../helpers/aws-run.js';
import { allowingStatement, needsOf, type Need, type Policy, type SentCall } from '../../helpers/iam-actions.js';

const POLICY_FILE = path.resolve(import.meta.dirname, '../../../docs/iam-policy.json');

/**
 * Actions the policy grants that no fake run exercises, each with why it is still needed. Keep
 * this short: anything here is unverified by the runs.
 */
const NOT_EXERCISED: Record<string, string> = {
  's3:DeleteObjectVersion': 'emptying a bucket that ever had versioning (ListObjectVersions returns version ids); our buckets never do, a reused one may',
};

interface Run {
  label: string;
  region: string;
  calls: SentCall[];
}

/**
 * One stack's life. With `lost`, that create takes effect but its answer is lost (a timeout, a
 * crash) and then `up` runs again (the adopt paths), or with `downAfterLoss` `down` runs straight
 * away (the find-by-name paths).
 */
async function lifecycle(label: string, raw: Parameters<typeof makeHarness>[0], secrets = {}, region = 'us-east-1', lost?: string, downAfterLoss = false, startFailsOnce = false): Promise<Run> {
  const fake = new AwsFake(region).install();
  const h = await makeHarness({ ...raw, region }, { secrets });
  try {
    if (startFailsOnce) {
      // The first start falls back to IDLE: `up` reads the channel's alerts to say why.
      await h.driver.up(await h.run());
      await h.driver.stop(await h.run());
      [...fake.channels.values()][0]!.startFails = { AlertType: 'Failed to Create Input', Message: 'source unreachable' };
      await expect(h.driver.start(await h.run()), label).rejects.toThrow(/source unreachable/);
    }
    if (lost) {
      fake.failOn(lost, { after: true });
      await expect(h.driver.up(await h.run()), label).rejects.toThrow();
    }
    if (!downAfterLoss) {
      await h.driver.up(await h.run());
      await h.driver.status(await h.run());
      await h.driver.stop(await h.run());
      await h.driver.start(await h.run());
      // "livestream schedule" on the running channel: the stop schedule moves (UpdateSchedule).
      await h.driver.schedule(await h.run(), { kind: 'after', seconds: 2 * 3600 });
    }
    const report = await h.driver.down(await h.run(), { deleteLogs: true });
    expect(report.failed, label).toEqual([]);
    expect(fake.inventory(), label).toEqual([]);
    return { label, region, // The fake names each call by its SDK module; IAM names MediaStore's data plane "mediastore" too.
    calls: fake.calls.map((c) => ({ service: c.service === 'mediastore-data' ? 'mediastore' : c.service, command: c.command, input: c.input })) };
  } finally {
    fake.restore();
    await h.cleanup();
  }
}

const runs: Run[] = [];
let policy: Policy;

async function allRuns(): Promise<Run[]> {
  if (runs.length > 0) return runs;
  policy = JSON.parse(await readFile(POLICY_FILE, 'utf8')) as Policy;
  for (const [label, raw] of Object.entries(INPUT_SPECS)) {
    runs.push(await lifecycle(`${label}, s3`, raw, label === 'URL_PULL_AUTH' ? { sourcePassword: 'pw' } : {}));
  }
  // No MediaStore run: AWS ended MediaStore (2025-11-13), so it is only reachable through
  // --endpoint-url (an emulator), and the policy is for real accounts.
  runs.push(await lifecycle('URL_PULL, s3, eu-west-1', INPUT_SPECS.URL_PULL!, {}, 'eu-west-1'));
  // An opt-in region: the logs bucket lives in us-east-1, the rest (parameter, dashboard, channel) in ap-south-2.
  runs.push(await lifecycle('URL_PULL_AUTH, s3, ap-south-2 (opt-in)', INPUT_SPECS.URL_PULL_AUTH!, { sourcePassword: 'pw' }, 'ap-south-2'));
  for (const command of ['CreateRole', 'PutParameter', 'CreateBucket', 'CreateFunction', 'CreateOriginAccessControl', 'CreateCachePolicy']) {
    runs.push(await lifecycle(`URL_PULL_AUTH, ${command} answer lost, up again`, INPUT_SPECS.URL_PULL_AUTH!, { sourcePassword: 'pw' }, 'us-east-1', command));
  }
  runs.push(await lifecycle('SRT_CALLER with a passphrase, s3', SRT_CALLER_ENCRYPTED, { srtPassphrase: 'given-Passphrase-42' }));
  runs.push(await lifecycle('SRT_LISTENER, CreateSecret answer lost, up again', INPUT_SPECS.SRT_LISTENER!, {}, 'us-east-1', 'CreateSecret'));
  runs.push(await lifecycle('SRT_LISTENER, CreateSecret answer lost, then down', INPUT_SPECS.SRT_LISTENER!, {}, 'us-east-1', 'CreateSecret', true));
  runs.push(await lifecycle('URL_PULL, s3, the first start fails', INPUT_SPECS.URL_PULL!, {}, 'us-east-1', undefined, false, true));
  for (const command of ['CreateInputSecurityGroup', 'CreateInput', 'CreateChannel', 'CreateDistributionWithTags']) {
    runs.push(await lifecycle(`RTMP_PUSH, ${command} answer lost, then down`, INPUT_SPECS.RTMP_PUSH!, {}, 'us-east-1', command, true));
  }
  return runs;
}

afterAll(() => {
  runs.length = 0;
});

function needs(all: Run[]): Array<Need & { run: string }> {
  return all.flatMap((r) => r.calls.flatMap((c) => needsOf(c, r.region).map((n) => ({ ...n, run: r.label }))));
}

describe('docs/iam-policy.json', () => {
  it('allows every AWS call of up, status, stop, start, schedule and down, on the resource it touches', async () => {
    const all = needs(await allRuns());
    expect(all.length).toBeGreaterThan(100);
    const missing = new Map<string, string>();
    for (const n of all) {
      const key = `${n.action} on ${n.resource}`;
      if (!missing.has(key) && !allowingStatement(policy, n)) missing.set(key, `${key} (for ${n.because}, ${n.run})`);
    }
    expect([...missing.values()]).toEqual([]);
  });

  it('grants no action the target does not use (or that is listed with why it cannot be exercised)', async () => {
    const used = new Set(needs(await allRuns()).map((n) => n.action.toLowerCase()));
    const granted = policy.Statement.flatMap((s) => [s.Action].flat());
    expect(granted.filter((a) => a.includes('*'))).toEqual([]);
    const unused = granted.filter((a) => !used.has(a.toLowerCase()) && !(a in NOT_EXERCISED));
    expect(unused).toEqual([]);
  });

  it('docs/aws-calls.md lists every command sent, with the actions it needs', async () => {
    const doc = await readFile(path.resolve(import.meta.dirname, '../../../docs/aws-calls.md'), 'utf8');
    const rows = new Map([...doc.matchAll(/^\| `([a-z0-9-]+:\w+)` \| ([^|]+) \|/gm)].map((m) => [m[1]!, m[2]!]));
    const missing: string[] = [];
    for (const r of await allRuns()) {
      for (const c of r.calls) {
        const row = rows.get(`${c.service}:${c.command}`);
        const actions = needsOf(c, r.region).map((n) => n.action);
        if (!row || actions.some((a) => !row.includes(a))) missing.push(`${c.service}:${c.command} (${actions.join(', ') || 'no action'})`);
      }
    }
    expect([...new Set(missing)]).toEqual([]);
  });

  it('is a valid identity policy: version, Allow only, every statement named', async () => {
    await allRuns();
    expect(policy.Version).toBe('2012-10-17');
    for (const s of policy.Statement) {
      expect(s.Effect).toBe('Allow');
      expect(s.Sid).toMatch(/^[A-Za-z0-9]+$/);
      expect(s).not.toHaveProperty('Principal');
    }
    expect(new Set(policy.Statement.map((s) => s.Sid)).size).toBe(policy.Statement.length);
  });
});
