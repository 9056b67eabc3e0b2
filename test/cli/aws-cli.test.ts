/**
 * The AWS target through the real CLI: the plan and its cost, refusal to spend money without
 * confirmation, and a whole up / status / down sent to a loopback --endpoint-url.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startAwsEndpoint, type AwsEndpoint } from '../helpers/aws-endpoint.js';
import { livestream } from '../helpers/cli.js';
import { makeTmpDir } from '../helpers/tmp-dir.js';

const creds = { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'not-a-real-secret', AWS_REGION: '' };

describe('livestream --target aws (CLI)', () => {
  let dir: string;
  let endpoint: AwsEndpoint | undefined;
  beforeEach(async () => (dir = await makeTmpDir('aws-cli-')));
  afterEach(async () => {
    await endpoint?.close();
    endpoint = undefined;
  });
  const state = () => ['--state-dir', path.join(dir, 'state')];

  it('plan prints every resource in dependency order and HD-720p at ≈ $2.41/h, creating nothing', async () => {
    const plan = await livestream(['plan', '--target', 'aws', '--source-url', 'https://example.com/live/index.m3u8', '--json', ...state()]);
    expect(plan.code).toBe(0);
    expect(plan.json.cost.perHour).toBeCloseTo(2.41, 2);
    const ids = plan.json.resources.map((r: { id: string }) => r.id);
    expect(ids.indexOf('role')).toBeLessThan(ids.indexOf('channel'));
    expect(ids.indexOf('input')).toBeLessThan(ids.indexOf('channel'));
    expect(ids.indexOf('origin')).toBeLessThan(ids.indexOf('distribution'));
    const human = await livestream(['plan', '--target', 'aws', '--profile', 'HD-1080p', '--source-url', 'https://example.com/live/index.m3u8', ...state()]);
    expect(human.stdout).toContain('≈ $3.11/hour');
  });

  it('refuses to create paid resources without a terminal unless --yes', async () => {
    const up = await livestream(['up', '--target', 'aws', '--source-url', 'https://example.com/live/index.m3u8', '--json', ...state()], { env: creds });
    expect(up.code).toBe(2);
    expect(up.json.error.code).toBe('MISSING_OPTIONS');
    expect(up.json.error.hint).toContain('--yes');
  });

  it('lists every invalid option at once with its fix, exit code 2', async () => {
    const up = await livestream(['up', '--target', 'aws', '--input', 'RTMP_PUSH', '--region', 'mars-1', '--stack', 'Bad Name', '--json', ...state()]);
    expect(up.code).toBe(2);
    expect(up.json.error.code).toBe('SPEC_INVALID');
    expect(up.json.error.details.problems.map((p: { path: string }) => p.path).sort()).toEqual(['cidr', 'region', 'stack']);
  });

  it.each([
    ['URL_PULL with a password', ['--input', 'URL_PULL', '--source-url', 'https://example.com/live/index.m3u8', '--source-user', 'alice', '--source-password-stdin'], 's3', 'ssm'],
    ['RTMP_PUSH', ['--input', 'RTMP_PUSH', '--cidr', '203.0.113.0/24'], 's3', 'medialive'],
    ['RTP_PUSH on MediaStore', ['--input', 'RTP_PUSH', '--cidr', '198.51.100.0/24', '--origin', 'mediastore'], 'mediastore', 'mediastore'],
    ['INPUT_DEVICE', ['--input', 'INPUT_DEVICE', '--device-id', 'hd-0123456789abcdef'], 's3', 'medialive'],
    // The passphrase comes on stdin and goes to Secrets Manager only.
    ['SRT_LISTENER with a passphrase', ['--input', 'SRT_LISTENER', '--cidr', '203.0.113.0/24', '--srt-passphrase-stdin'], 's3', 'secretsmanager'],
    ['SRT_CALLER with a passphrase', ['--input', 'SRT_CALLER', '--source-url', 'srt://203.0.113.7:9000?streamid=studio', '--srt-latency', '400', '--srt-passphrase-stdin'], 's3', 'secretsmanager'],
  ])('%s: up, status and down send real SDK requests to --endpoint-url', async (_name, args, _origin, service) => {
    endpoint = await startAwsEndpoint();
    const common = ['--target', 'aws', '--endpoint-url', endpoint.url, '--stack', 'cli', '--json', ...state()];
    const password = 'pa55-word-never-shown';
    const up = await livestream(['up', ...args, '--yes', ...common], { env: creds, input: password });
    expect(up.stderr).toBe('');
    expect(up.code).toBe(0);
    expect(up.json.outputs.playbackUrl).toMatch(/^https:\/\/.+\/stream\/index\.m3u8$/);
    expect(endpoint.services()).toContain(service);
    expect(endpoint.services()).toEqual(expect.arrayContaining(['sts', 'iam', 'medialive', 'cloudfront', 'monitoring']));
    expect(endpoint.errors).toEqual([]);

    const stateText = await readFile(path.join(dir, 'state', 'cli.json'), 'utf8');
    expect(stateText).not.toContain(password);
    // An SRT listener's URL with its passphrase is shown once, for the encoder; nothing else shows it.
    const shownOnce: string | undefined = up.json.srtUrlWithPassphrase;
    if (args.includes('SRT_LISTENER')) expect(shownOnce).toBe(`${up.json.outputs.pushEndpoint}&passphrase=${password}`);
    else expect(shownOnce).toBeUndefined();
    expect(up.stdout.replace(shownOnce ?? '\0', '')).not.toContain(password);

    const status = await livestream(['status', '--stack', 'cli', '--json', ...state()], { env: creds });
    expect(status.code).toBe(0);
    expect(status.stdout).not.toContain(password);
    // The loopback endpoint keeps no state, so only what it answers from its script is checked.
    expect(status.json.channel.state).toBe('RUNNING');
    expect(status.json.resources.map((r: { id: string }) => r.id)).toEqual(expect.arrayContaining(['role', 'input', 'origin', 'distribution', 'channel', 'dashboard']));

    const down = await livestream(['down', '--yes', '--stack', 'cli', '--json', ...state()], { env: creds });
    expect(down.code).toBe(0);
    expect(down.json.failed).toEqual([]);
    expect(down.json.keptNames).toEqual([expect.stringMatching(/^cli-logs-/)]);
  });

  it('SRT_LISTENER without a passphrase: up makes one and shows it once with the URL; status, the state and down never show it', async () => {
    endpoint = await startAwsEndpoint();
    const common = ['--target', 'aws', '--endpoint-url', endpoint.url, '--stack', 'made', '--json', ...state()];
    const up = await livestream(['up', '--input', 'SRT_LISTENER', '--cidr', '203.0.113.0/24', '--yes', ...common], { env: creds });
    expect(up.code).toBe(0);
    const made = /[?&]passphrase=([A-Za-z0-9]{32})$/.exec(up.json.srtUrlWithPassphrase)?.[1];
    expect(made).toBeDefined();
    expect(up.json.outputs.srtPassphraseSecret).toMatch(/^arn:aws:secretsmanager:/);
    expect(await readFile(path.join(dir, 'state', 'made.json'), 'utf8')).not.toContain(made!);
    const status = await livestream(['status', '--stack', 'made', '--json', ...state()], { env: creds });
    expect(status.stdout).not.toContain(made!);
    const down = await livestream(['down', '--yes', '--stack', 'made', '--json', ...state()], { env: creds });
    expect(down.code).toBe(0);
    expect(down.stdout).not.toContain(made!);
  });
});
