/**
 * --endpoint-url: real SDK requests (signed, over HTTP) reach a loopback server, for each input
 * type and both origins. The server answers each protocol well enough for a whole up and down.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RawSpec } from '../../../src/core/spec.js';
import { INPUT_SPECS, makeHarness, type AwsHarness } from '../../helpers/aws-run.js';
import { startAwsEndpoint, type AwsEndpoint } from '../../helpers/aws-endpoint.js';

const saved: Record<string, string | undefined> = {};
const ENV = {
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLETEST',
  AWS_SECRET_ACCESS_KEY: 'secret-example-key-for-tests',
  AWS_SESSION_TOKEN: undefined,
  AWS_PROFILE: undefined,
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_CONFIG_FILE: '/nonexistent/config',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
};

beforeAll(() => {
  for (const [k, v] of Object.entries(ENV)) {
    saved[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});
afterAll(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

let endpoint: AwsEndpoint | undefined;
let h: AwsHarness | undefined;
afterEach(async () => {
  await endpoint?.close();
  endpoint = undefined;
  h = undefined;
});

const CASES: Array<{ label: string; raw: RawSpec; secrets?: { sourcePassword: string } }> = [
  ...Object.entries(INPUT_SPECS).map(([label, raw]) => ({ label: `${label}, s3`, raw, secrets: label === 'URL_PULL_AUTH' ? { sourcePassword: 'pw-endpoint' } : undefined })),
  { label: 'URL_PULL, mediastore', raw: { ...INPUT_SPECS.URL_PULL, origin: 'mediastore' } },
  { label: 'RTMP_PUSH, mediastore', raw: { ...INPUT_SPECS.RTMP_PUSH, origin: 'mediastore' } },
];

describe('every AWS call goes to --endpoint-url', () => {
  it('answers STS GetCallerIdentity first, then the resources\' services follow', async () => {
    endpoint = await startAwsEndpoint();
    h = await makeHarness({ ...INPUT_SPECS.URL_PULL!, endpointUrl: endpoint.url });
    await h.driver.up(await h.run());
    const first = endpoint.requests[0]!;
    expect(first).toMatchObject({ method: 'POST', service: 'sts', region: 'us-east-1', operation: 'GetCallerIdentity' });
    expect(first.host).toBe(endpoint.url.replace('http://', ''));
    expect(endpoint.requests.length).toBeGreaterThan(1);
    expect(endpoint.requests.every((r) => r.host === first.host)).toBe(true);
    expect(JSON.parse(await h.stateText()).runtime.accountId).toBe('123456789012');
  });

  for (const c of CASES) {
    it(`${c.label}: a whole up and down run against it`, async () => {
      endpoint = await startAwsEndpoint();
      h = await makeHarness({ ...c.raw, endpointUrl: endpoint.url }, { secrets: c.secrets });
      const outputs = await h.driver.up(await h.run());
      expect(outputs.playbackUrl).toBe('https://d111.cloudfront.net/stream/index.m3u8');
      const services = endpoint.services();
      const want = ['cloudfront', 'iam', 'medialive', 'monitoring', 'scheduler', 'sts', c.raw.origin === 'mediastore' ? 'mediastore' : 's3'];
      if (c.secrets) want.push('ssm');
      for (const s of want) expect(services, s).toContain(s);
      const ops = endpoint.requests.map((r) => r.operation);
      expect(ops).toContain('CreateChannel');
      expect(ops).toContain('StartChannel');
      expect(ops).toContain('PutDashboard');
      if (c.raw.input === 'RTMP_PUSH' || c.raw.input === 'RTP_PUSH') expect(ops).toContain('CreateInputSecurityGroup');
      const report = await h.driver.down(await h.run(), { deleteLogs: true });
      expect(report.failed).toEqual([]);
      expect(endpoint.requests.map((r) => r.operation)).toContain('DeleteChannel');
      // Every request was one the server knew how to answer.
      expect(endpoint.errors).toEqual([]);
      expect(endpoint.requests.every((r) => r.region === 'us-east-1')).toBe(true);
    });
  }
});

describe('a stack in an opt-in region (ap-south-2), over the wire', () => {
  it('signs the logs bucket\'s S3 requests for us-east-1, everything regional for ap-south-2', async () => {
    endpoint = await startAwsEndpoint();
    h = await makeHarness({ ...INPUT_SPECS.URL_PULL!, region: 'ap-south-2', endpointUrl: endpoint.url });
    await h.driver.up(await h.run());
    const report = await h.driver.down(await h.run(), { deleteLogs: true });
    expect(report.failed).toEqual([]);
    expect(endpoint.errors).toEqual([]);
    const regionsOf = (match: (r: { service: string; path: string }) => boolean) => [...new Set(endpoint!.requests.filter(match).map((r) => r.region))];
    const logs = regionsOf((r) => r.service === 's3' && r.path.startsWith('/teststack-logs-123456789012-ap-south-2'));
    const origin = regionsOf((r) => r.service === 's3' && r.path.startsWith('/teststack-origin-123456789012-ap-south-2'));
    expect(logs).toEqual(['us-east-1']);
    expect(origin).toEqual(['ap-south-2']);
    for (const service of ['medialive', 'monitoring']) expect(regionsOf((r) => r.service === service), service).toEqual(['ap-south-2']);
    expect(regionsOf((r) => r.service === 'cloudfront')).toEqual(['us-east-1']);
  });
});
