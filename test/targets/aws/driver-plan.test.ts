import { describe, expect, it } from 'vitest';
import { orderLevels } from '../../../src/core/graph.js';
import { loadProfile } from '../../../src/core/profiles.js';
import { validateSpec, type RawSpec } from '../../../src/core/spec.js';
import { MEDIASTORE } from '../../helpers/aws-run.js';
import { createAwsDriver } from '../../../src/targets/aws/driver.js';

async function planFor(raw: RawSpec) {
  const { spec } = validateSpec({ target: 'aws', stack: 'show', ...raw });
  const ladder = await loadProfile(spec!.profile);
  return { spec: spec!, ladder, plan: createAwsDriver({ playerAssets: async () => [] }).plan(spec!, ladder) };
}

describe('plan', () => {
  const table: Array<[string, RawSpec, string[]]> = [
    ['URL_PULL, s3', { input: 'URL_PULL', sourceUrl: 'https://e.com/a.m3u8' },
      ['role', 'input', 'origin', 'logs-bucket', 'origin-oac', 'cache-policy-playlists', 'cache-policy-segments', 'player-function', 'distribution', 'origin-policy', 'player', 'channel', 'dashboard', 'stop-schedule-group', 'stop-schedule-role', 'stop-schedule']],
    ['URL_PULL with password', { input: 'URL_PULL', sourceUrl: 'https://e.com/a.m3u8', sourceUser: 'u', sourcePassword: true },
      ['role', 'source-password', 'input', 'origin', 'logs-bucket', 'origin-oac', 'cache-policy-playlists', 'cache-policy-segments', 'player-function', 'distribution', 'origin-policy', 'player', 'channel', 'dashboard', 'stop-schedule-group', 'stop-schedule-role', 'stop-schedule']],
    ['RTMP_PUSH, mediastore', { input: 'RTMP_PUSH', cidr: ['10.0.0.0/8'], ...MEDIASTORE },
      ['role', 'input-security-group', 'input', 'origin', 'logs-bucket', 'origin-oac', 'cache-policy-playlists', 'cache-policy-segments', 'player-function', 'distribution', 'origin-policy', 'player', 'channel', 'dashboard', 'stop-schedule-group', 'stop-schedule-role', 'stop-schedule']],
  ];
  for (const [label, raw, ids] of table) {
    it(`${label}: the resources, in dependency order`, async () => {
      const { plan } = await planFor(raw);
      expect([...plan.map((p) => p.id)].sort()).toEqual([...ids].sort());
      const seen = new Set<string>();
      for (const p of plan) {
        for (const d of p.dependsOn) expect(seen.has(d), `${p.id} after ${d}`).toBe(true);
        seen.add(p.id);
      }
      expect(orderLevels(plan).flat()).toEqual(plan.map((p) => p.id));
    });
  }

  it('names use the ACCOUNT placeholder and derive from the stack', async () => {
    const { plan } = await planFor({ input: 'URL_PULL', sourceUrl: 'https://e.com/a.m3u8', region: 'eu-west-1' });
    const byId = Object.fromEntries(plan.map((p) => [p.id, p.name]));
    expect(byId.origin).toBe('show-origin-ACCOUNT-eu-west-1');
    expect(byId['logs-bucket']).toBe('show-logs-ACCOUNT-eu-west-1');
    expect(byId.channel).toBe('show-channel');
    expect(byId.dashboard).toBe('show-eu-west-1');
  });

  it('the channel comes after the origin, role and input; the bucket policy after the distribution', async () => {
    const { plan } = await planFor({ input: 'URL_PULL', sourceUrl: 'https://e.com/a.m3u8' });
    const at = (id: string) => plan.findIndex((p) => p.id === id);
    expect(at('channel')).toBeGreaterThan(Math.max(at('origin'), at('role'), at('input')));
    expect(at('origin-policy')).toBeGreaterThan(at('distribution'));
    expect(at('dashboard')).toBeGreaterThan(at('channel'));
  });

  it('lists the stop schedule after its group, nothing waiting on it (a failed delete must not hold the channel); the role after the channel it names', async () => {
    const { plan } = await planFor({ input: 'URL_PULL', sourceUrl: 'https://e.com/a.m3u8', region: 'eu-west-1' });
    const at = (id: string) => plan.findIndex((p) => p.id === id);
    expect(at('stop-schedule')).toBeGreaterThan(at('stop-schedule-group'));
    expect(plan.filter((p) => p.dependsOn.includes('stop-schedule'))).toEqual([]);
    expect(at('stop-schedule-role')).toBeGreaterThan(at('channel'));
    const byId = Object.fromEntries(plan.map((p) => [p.id, p]));
    expect(byId['stop-schedule-group']).toMatchObject({ kind: 'scheduler-schedule-group', name: 'show-livestream' });
    expect(byId['stop-schedule-role']).toMatchObject({ kind: 'iam-role', name: 'show-scheduler-eu-west-1' });
    expect(byId['stop-schedule']).toMatchObject({ kind: 'scheduler-schedule', name: 'show-stop-channel' });
  });
});

describe('estimateCost', () => {
  it('HD-720p in us-east-1 is about $2.41/h, with notes on what it leaves out', async () => {
    const { spec, ladder } = await planFor({ input: 'URL_PULL', sourceUrl: 'https://e.com/a.m3u8', profile: 'HD-720p' });
    const cost = createAwsDriver({ playerAssets: async () => [] }).estimateCost(spec, ladder)!;
    expect(cost.perHour).toBeCloseTo(2.41, 2);
    expect(cost.currency).toBe('USD');
    expect(cost.notes.join('\n')).toMatch(/CloudFront/);
    expect(cost.notes.join('\n')).toMatch(/dashboard/i);
    expect(cost.notes.join('\n')).toMatch(/EventBridge Scheduler.*14 million invocations a month free, then \$1.00 per million/);
  });
});
