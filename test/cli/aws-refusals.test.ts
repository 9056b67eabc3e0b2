/**
 * A stack AWS would refuse is refused before the first AWS request: `up` against a loopback
 * --endpoint-url that records every request sees none, whatever is wrong (region, CIDR, origin, ladder).
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAwsEndpoint, type AwsEndpoint } from '../helpers/aws-endpoint.js';
import { livestream } from '../helpers/cli.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

const creds = { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'not-a-real-secret', AWS_REGION: '' };
const SOURCE = ['--source-url', 'https://example.com/live/index.m3u8'];

describe('up --target aws refuses a stack AWS would refuse, making no AWS request', () => {
  let dir: string;
  let endpoint: AwsEndpoint;
  let badLadder: string;
  beforeAll(async () => {
    dir = await makeTmpDir('aws-refusals-');
    endpoint = await startAwsEndpoint();
    const ladder = JSON.parse(await readFile(new URL('../../profiles/HD-720p.json', import.meta.url), 'utf8'));
    ladder.renditions[0].bitrate = 1;
    ladder.hls.playlistSize = 1;
    badLadder = path.join(dir, 'bad-ladder.json');
    await writeFile(badLadder, JSON.stringify(ladder));
  });
  afterAll(async () => {
    await endpoint.close();
  });

  it.each<[string, string[], string, string[]]>([
    ['a region without MediaLive (us-west-1)', [...SOURCE, '--region', 'us-west-1'], 'SPEC_INVALID', ['region']],
    ['an opt-in region without MediaLive (me-south-1)', [...SOURCE, '--region', 'me-south-1'], 'SPEC_INVALID', ['region']],
    ['an IPv6 CIDR', ['--input', 'RTMP_PUSH', '--cidr', '2001:db8::/48'], 'SPEC_INVALID', ['cidr[0]']],
    ['a stack name S3 reserves', [...SOURCE, '--stack', 'xn--live'], 'SPEC_INVALID', ['stack']],
    ['a ladder with a 1 b/s rendition and a 1-segment playlist', [...SOURCE, '--profile', 'LADDER'], 'LADDER_INVALID', ['renditions[0].bitrate', 'hls.playlistSize']],
  ])('%s', async (_name, args, code, paths) => {
    const withLadder = args.map((a) => (a === 'LADDER' ? badLadder : a));
    const up = await livestream(['up', '--target', 'aws', '--endpoint-url', endpoint.url, '--yes', '--json', '--state-dir', path.join(dir, 'state'), ...withLadder], { env: creds });
    expect(up.code).toBe(2);
    expect(up.json.error.code).toBe(code);
    expect(up.json.error.details.problems.map((p: { path: string }) => p.path)).toEqual(paths);
    expect(endpoint.requests).toEqual([]);
  });

  it.each(['ap-south-2', 'ap-southeast-4', 'ap-southeast-5', 'me-central-1'])('accepts %s (opt-in, MediaLive runs there): the plan puts the logs bucket in us-east-1', async (region) => {
    const plan = await livestream(['up', '--target', 'aws', ...SOURCE, '--region', region, '--dry-run', '--json', '--state-dir', path.join(dir, 'state')], { env: creds });
    expect(plan.code).toBe(0);
    const logs = plan.json.resources.find((r: { id: string }) => r.id === 'logs-bucket');
    expect(logs.name).toBe(`livestream-logs-ACCOUNT-${region}`);
    expect(logs.describe).toBe('S3 bucket for CloudFront logs (in us-east-1)');
    expect(plan.json.cost.lines.every((l: { estimated?: string }) => l.estimated?.includes(`no ${region} list price at hand`))).toBe(true);
    expect(endpoint.requests).toEqual([]);
  });

  it('MediaStore without --endpoint-url says it ended and to use s3, before any request', async () => {
    const up = await livestream(['up', '--target', 'aws', '--origin', 'mediastore', ...SOURCE, '--yes', '--json', '--state-dir', path.join(dir, 'state')], { env: creds });
    expect(up.code).toBe(2);
    expect(up.json.error.code).toBe('SPEC_INVALID');
    expect(up.json.error.message).toContain('2025-11-13');
    expect(up.json.error.details.problems[0].fix).toContain('--origin s3');
  });

  it('--foreground (a local stack in this terminal) is refused on AWS, before any request and with no state', async () => {
    const stateDir = path.join(dir, 'state-foreground');
    const up = await livestream(['up', '--target', 'aws', '--foreground', '--endpoint-url', endpoint.url, ...SOURCE, '--yes', '--json', '--state-dir', stateDir], { env: creds });
    expect(up.code).toBe(2);
    expect(up.json.error.code).toBe('SPEC_INVALID');
    expect(up.json.error.hint).toContain('--target local');
    expect(endpoint.requests).toEqual([]);
    await expect(readFile(path.join(stateDir, 'livestream', 'state.json'))).rejects.toThrow();
  });
});
