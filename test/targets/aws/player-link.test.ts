/**
 * The printed player link works on CloudFront: the distribution runs the published player
 * function on /player/ requests, and `down` removes the function only once no distribution
 * names it (CloudFront answers FunctionInUse otherwise).
 */
import vm from 'node:vm';
import { beforeEach, describe, expect, it } from 'vitest';
import { AwsFake } from '../../helpers/aws-fake.js';
import { installAwsFake } from '../../helpers/install-aws-fake.js';
import { INPUT_SPECS, makeHarness, type AwsHarness } from '../../helpers/aws-run.js';

let fake: AwsFake;
let h: AwsHarness | undefined;

beforeEach(() => (fake = installAwsFake()));

/** What CloudFront would fetch from the origin for a viewer's path, by running the associated function. */
function originKeyFor(config: Record<string, any>, functions: AwsFake['functions'], uri: string): string | { redirect: string } {
  const behaviour = config.CacheBehaviors.Items.find((b: { PathPattern: string }) => b.PathPattern === uri.slice(1) || (b.PathPattern.endsWith('/*') && uri.startsWith(`/${b.PathPattern.slice(0, -1)}`)));
  const arn = behaviour?.FunctionAssociations?.Items?.find((a: { EventType: string }) => a.EventType === 'viewer-request')?.FunctionARN;
  if (!arn) return uri.slice(1);
  const fn = [...functions.values()].find((f) => f.arn === arn)!;
  expect(fn.published).toBe(true);
  const context = vm.createContext({});
  vm.runInContext(fn.code, context);
  const out = (context.handler as (e: unknown) => any)({ version: '1.0', context: { eventType: 'viewer-request' }, viewer: { ip: '198.51.100.1' }, request: { method: 'GET', uri, querystring: {}, headers: {}, cookies: {} } });
  if (out.statusCode) return { redirect: out.headers.location.value };
  return out.uri.slice(1);
}

describe('the player link on AWS', () => {
  it('https://<distribution>/player/ reaches an object that exists in the origin', async () => {
    h = await makeHarness(INPUT_SPECS.URL_PULL!);
    const outputs = await h.driver.up(await h.run());
    const dist = [...fake.distributions.values()][0]!;
    expect(outputs.playerUrl).toBe(`https://${dist.domain}/player/`);
    const origin = fake.buckets.get('teststack-origin-123456789012-us-east-1')!;
    const key = originKeyFor(dist.config, fake.functions, new URL(outputs.playerUrl!).pathname);
    expect(key).toBe('player/index.html');
    expect(origin.objects.has(key as string)).toBe(true);
    expect(originKeyFor(dist.config, fake.functions, '/player')).toEqual({ redirect: '/player/' });
    // The function is created and published before the distribution that names it.
    const names = fake.commandNames();
    expect(names.indexOf('CreateFunction')).toBeLessThan(names.indexOf('PublishFunction'));
    expect(names.indexOf('PublishFunction')).toBeLessThan(names.indexOf('CreateDistributionWithTags'));
    expect(dist.config.PriceClass).toBe('PriceClass_All');
  });

  it('down deletes the function after the distribution stops naming it', async () => {
    h = await makeHarness(INPUT_SPECS.URL_PULL!);
    await h.driver.up(await h.run());
    const report = await h.driver.down(await h.run(), { deleteLogs: true });
    expect(report.failed).toEqual([]);
    expect(fake.inventory()).toEqual([]);
    const calls = fake.calls;
    const disable = calls.findIndex((c) => c.command === 'UpdateDistribution');
    expect(JSON.stringify(calls[disable]!.input.DistributionConfig)).not.toContain(':function/');
    expect(disable).toBeLessThan(calls.findIndex((c) => c.command === 'DeleteFunction'));
  });

  it('a distribution that cannot be deleted (even one disabled by hand) no longer names the function', async () => {
    h = await makeHarness(INPUT_SPECS.URL_PULL!);
    await h.driver.up(await h.run());
    const dist = [...fake.distributions.values()][0]!;
    dist.config = { ...dist.config, Enabled: false };
    fake.failOn('DeleteDistribution', { times: 100 });
    const report = await h.driver.down(await h.run(), { deleteLogs: true });
    expect(report.failed.map((f) => f.id)).toContain('distribution');
    // Disassociated by the disable update: the function is free to go whenever teardown reaches it.
    expect(JSON.stringify(fake.distributions.get(dist.id)!.config)).not.toContain(':function/');
  });

  it('--price-class 100 reaches the distribution', async () => {
    h = await makeHarness({ ...INPUT_SPECS.URL_PULL!, priceClass: '100' });
    await h.driver.up(await h.run());
    expect([...fake.distributions.values()][0]!.config.PriceClass).toBe('PriceClass_100');
  });
});
