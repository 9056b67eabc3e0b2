/**
 * What the CLI prints for people, rendered without a terminal (no colour), checked to the letter:
 * the status of a local and an AWS stack, the plan with its cost, and the summary of `down`.
 * The inputs are data made here, so these tests follow the printing, not a driver.
 */
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatDown } from '../../src/cli/commands/down.js';
import { formatStatus, type StatusReport } from '../../src/cli/commands/status.js';
import { formatOutputs, showPlan } from '../../src/cli/commands/up.js';
import { Output } from '../../src/cli/output.js';
import { loadProfile } from '../../src/core/profiles.js';
import { validateSpec, type RawSpec, type StackSpec } from '../../src/core/spec.js';
import type { CostEstimate, DownReport, PlannedResource } from '../../src/core/target.js';

const TINY_LADDER = new URL('../fixtures/ladders/tiny.json', import.meta.url).pathname;

/** An Output as in a pipe or CI: no terminal, so no colour and no spinner; what it prints is kept. */
function plainOutput(stderrIsTTY = false) {
  const stdout = new PassThrough();
  const stderr = Object.assign(new PassThrough(), { isTTY: stderrIsTTY });
  let printed = '';
  stdout.on('data', (c: Buffer) => (printed += c.toString()));
  const out = new Output({ json: false, debug: false, yes: true, stdout, stderr, stdinIsTTY: false });
  return { out, stdout: () => printed };
}

function spec(raw: RawSpec): StackSpec {
  const { spec: valid, problems } = validateSpec(raw);
  if (!valid) throw new Error(`bad test spec: ${JSON.stringify(problems)}`);
  return valid;
}

afterEach(() => {
  vi.unstubAllEnvs();
});

const LOCAL_STATUS: StatusReport = {
  stack: 'demo',
  target: 'local',
  channel: { state: 'RUNNING' },
  resources: [
    { id: 'credential', kind: 'credential', name: 'credential', physicalId: '/state/demo/credential', exists: true },
    { id: 'store', kind: 'folder', name: 'store', physicalId: '/state/demo/store', exists: true },
    { id: 'daemon', kind: 'daemon', name: 'daemon', physicalId: '4242', exists: true, status: 'RUNNING' },
  ],
  outputs: {
    metricsUrl: 'http://127.0.0.1:8080/metrics',
    playbackUrl: 'http://127.0.0.1:8080/stream/index.m3u8',
    dashboardUrl: 'http://127.0.0.1:8080/dashboard/',
    playerUrl: 'http://127.0.0.1:8080/player/',
  },
  summary: [
    ['Input', 'URL_PULL, connected, 30.0 fps'],
    ['Encoder', 'speed 1.002x, 30 fps, 0 restarts'],
    ['Viewers', '2 now; 40 segments served, 85 requests (80 hits, 5 misses), 0 errors'],
  ],
  runningSeconds: 754,
};

const AWS_STATUS: StatusReport = {
  stack: 'event',
  target: 'aws',
  channel: { state: 'RUNNING' },
  resources: [
    { id: 'role', kind: 'iam-role', name: 'event-us-east-1-medialive', physicalId: 'arn:aws:iam::123456789012:role/event-us-east-1-medialive', exists: true },
    { id: 'input', kind: 'medialive-input', name: 'event-input', physicalId: '1234567', exists: true, status: 'ATTACHED' },
    { id: 'channel', kind: 'medialive-channel', name: 'event-channel', physicalId: '7654321', exists: true, status: 'RUNNING' },
    { id: 'dashboard', kind: 'cloudwatch-dashboard', name: 'event-us-east-1', physicalId: 'event-us-east-1', exists: null, detail: 'cannot read: access denied (cloudwatch:GetDashboard)' },
    { id: 'distribution', kind: 'cloudfront-distribution', name: 'livestream event (us-east-1)', physicalId: 'E2EXAMPLE', exists: false },
  ],
  outputs: {
    channelConsole: 'https://console.aws.amazon.com/medialive/home?region=us-east-1#/channels/7654321',
    playbackUrl: 'https://d111111abcdef8.cloudfront.net/stream/index.m3u8',
    playerUrl: 'https://d111111abcdef8.cloudfront.net/player/',
  },
  runningSeconds: 5430,
  runningAtLeast: true,
  costPerHour: 3.5,
  costSoFar: 5.28,
};

describe('formatStatus', () => {
  it('a local stack: channel, running time without cost, resources, live figures, links first', () => {
    expect(formatStatus(plainOutput().out, LOCAL_STATUS)).toBe([
      'Stack "demo" on local: channel RUNNING',
      'Running 12m34s',
      '',
      'resource    name        state',
      'credential  credential  exists',
      'folder      store       exists',
      'daemon      daemon      RUNNING',
      '',
      'Input    URL_PULL, connected, 30.0 fps',
      'Encoder  speed 1.002x, 30 fps, 0 restarts',
      'Viewers  2 now; 40 segments served, 85 requests (80 hits, 5 misses), 0 errors',
      '',
      'Playback URL  http://127.0.0.1:8080/stream/index.m3u8',
      'Player        http://127.0.0.1:8080/player/',
      'Dashboard     http://127.0.0.1:8080/dashboard/',
      'Metrics       http://127.0.0.1:8080/metrics',
    ].join('\n'));
  });

  it('a stopped channel says its runs added up, not that it is running', () => {
    const stopped = formatStatus(plainOutput().out, { ...AWS_STATUS, runningAtLeast: false, channel: { state: 'IDLE' } });
    expect(stopped.split('\n')[1]).toBe('Not running; ran 1h30m, cost so far ≈ $5.28 at ≈ $3.50/h');
  });

  it('an AWS stack: cost so far as a lower bound, an unreadable resource says why, a missing one says MISSING', () => {
    expect(formatStatus(plainOutput().out, AWS_STATUS)).toBe([
      'Stack "event" on aws: channel RUNNING',
      'Running at least 1h30m, cost so far ≥ $5.28 at ≈ $3.50/h (a start livestream did not record: counted from when it first saw the channel running)',
      '',
      'resource                 name                          state',
      'iam-role                 event-us-east-1-medialive     exists',
      'medialive-input          event-input                   ATTACHED',
      'medialive-channel        event-channel                 RUNNING',
      'cloudwatch-dashboard     event-us-east-1               cannot read: access denied (cloudwatch:GetDashboard)',
      'cloudfront-distribution  livestream event (us-east-1)  MISSING',
      '',
      'Playback URL       https://d111111abcdef8.cloudfront.net/stream/index.m3u8',
      'Player             https://d111111abcdef8.cloudfront.net/player/',
      'MediaLive console  https://console.aws.amazon.com/medialive/home?region=us-east-1#/channels/7654321',
    ].join('\n'));
  });

  it('an AWS channel found running with no recorded start: the hourly rate, no time or cost claimed', () => {
    const found: StatusReport = {
      ...AWS_STATUS,
      channel: { state: 'RUNNING', detail: 'no state file: found by its names and tag' },
      resources: AWS_STATUS.resources.slice(2, 3),
      outputs: {},
      runningSeconds: 0,
      runningAtLeast: undefined,
      runningStartUnknown: true,
      costSoFar: undefined,
    };
    expect(formatStatus(plainOutput().out, found)).toBe([
      'Stack "event" on aws: channel RUNNING (no state file: found by its names and tag)',
      'Running since a time livestream never recorded (no state file here); it costs ≈ $3.50/h while it runs',
      '',
      'resource           name           state',
      'medialive-channel  event-channel  RUNNING',
    ].join('\n'));
  });

  it('NO_COLOR on a terminal prints the same plain text; without it the terminal gets colour', () => {
    vi.stubEnv('NO_COLOR', '1');
    expect(formatStatus(plainOutput(true).out, AWS_STATUS)).toBe(formatStatus(plainOutput().out, AWS_STATUS));
    vi.stubEnv('NO_COLOR', '');
    expect(formatStatus(plainOutput(true).out, AWS_STATUS)).toContain('\u001b[32mRUNNING\u001b[39m');
  });
});

describe('the plan', () => {
  const PLAN: PlannedResource[] = [
    { id: 'role', kind: 'iam-role', name: 'event-eu-west-1-medialive', describe: 'IAM role for MediaLive', dependsOn: [] },
    { id: 'input-security-group', kind: 'medialive-input-security-group', name: 'event-isg', describe: 'MediaLive input security group', dependsOn: [] },
    { id: 'input', kind: 'medialive-input', name: 'event-input', describe: 'MediaLive RTMP push input', dependsOn: ['input-security-group'] },
    { id: 'channel', kind: 'medialive-channel', name: 'event-channel', describe: 'MediaLive channel', dependsOn: ['role', 'input'] },
  ];
  const COST: CostEstimate = {
    perHour: 1.234,
    currency: 'USD',
    lines: [
      { item: 'MediaLive channel (2 renditions)', perHour: 1.2 },
      { item: 'MediaLive RTMP push input', perHour: 0.034, estimated: 'no published price for this region' },
    ],
    asOf: '2026-11-01',
    approximate: true,
    notes: ['CloudFront data transfer and requests'],
  };

  it('on AWS: where, what goes in, each resource with what it waits for, and the hourly cost line by line', async () => {
    const ladder = await loadProfile(TINY_LADDER);
    const { out, stdout } = plainOutput();
    const aws = spec({ target: 'aws', stack: 'event', region: 'eu-west-1', input: 'RTMP_PUSH', cidr: ['203.0.113.0/24'], priceClass: '100', start: true });
    showPlan(out, aws, ladder, PLAN, COST, true);
    expect(stdout()).toBe([
      'Plan for stack "event" on aws (eu-west-1, origin s3, CloudFront price class 100)',
      'Input RTMP_PUSH; profile tiny: 270p15, 180p15, H.264 Baseline; channel started',
      '',
      '#  resource                        name                       after',
      '1  IAM role for MediaLive          event-eu-west-1-medialive  -',
      '2  MediaLive input security group  event-isg                  -',
      '3  MediaLive RTMP push input       event-input                input-security-group',
      '4  MediaLive channel               event-channel              role, input',
      '',
      'Recording: off (--record top or --record 480x270 records each run)',
      'Cost while the channel runs: ≈ $1.23/hour (approximate, prices as of 2026-11-01)',
      '  MediaLive channel (2 renditions): $1.200/h',
      '  MediaLive RTMP push input: $0.034/h (estimated: no published price for this region)',
      '  not included: CloudFront data transfer and requests',
      // AWS's default end, with what the channel will have cost by then (12 h at $1.234).
      'Stops: stops 12h after each start, ≈ $14.81 by then (default; --stop-after none to run until stopped)',
      '',
    ].join('\n'));
  });

  it('on this machine: the demo stream when no source is given, and nothing to pay', async () => {
    const ladder = await loadProfile(TINY_LADDER);
    const { out, stdout } = plainOutput();
    const local = spec({ target: 'local', stack: 'demo', input: 'URL_PULL', listen: '127.0.0.1', start: false });
    const plan: PlannedResource[] = [
      { id: 'credential', kind: 'credential', name: 'credential', describe: 'Ingest credential (owner-only file)', dependsOn: [] },
      { id: 'daemon', kind: 'daemon', name: 'daemon', describe: 'Stack process: origin, edge, ingest, encoder', dependsOn: ['credential'] },
    ];
    showPlan(out, local, ladder, plan, undefined, true);
    expect(stdout()).toBe([
      'Plan for stack "demo" on local (127.0.0.1)',
      'Input URL_PULL from the built-in demo stream; profile tiny: 270p15, 180p15, H.264 Baseline; channel left stopped',
      '',
      '#  resource                                      name        after',
      '1  Ingest credential (owner-only file)           credential  -',
      '2  Stack process: origin, edge, ingest, encoder  daemon      credential',
      '',
      'Recording: 480x270 as encoded (500 kb/s video + 64 kb/s audio), ≈ 254 MB of disk in the stack\'s recordings folder per hour; kept by "down" (--record none turns it off)',
      'Cost: nothing to pay; it runs on this machine.',
      'Stops: runs until stopped ("livestream stop"; --stop-after 2h or --stop-at sets an end)',
      '',
    ].join('\n'));
  });

  it('for scripts (--json): a token in the source URL masked, as on the line for people', async () => {
    const ladder = await loadProfile(TINY_LADDER);
    const stdout = new PassThrough();
    let printed = '';
    stdout.on('data', (c: Buffer) => (printed += c.toString()));
    const out = new Output({ json: true, debug: false, yes: true, stdout, stderr: new PassThrough(), stdinIsTTY: false });
    const withToken = spec({ target: 'local', stack: 'demo', input: 'URL_PULL', sourceUrl: 'https://cdn.example.com/live/index.m3u8?token=abc123def', start: true });
    showPlan(out, withToken, ladder, [], undefined, true);
    const data = JSON.parse(printed);
    expect(data.spec.sourceUrl).not.toContain('abc123def');
    expect(data.spec.sourceUrl).toMatch(/^https:\/\/cdn\.example\.com\/live\/index\.m3u8\?token=/);
  });
});

describe('what up prints', () => {
  const OUTPUTS = { playerUrl: 'http://127.0.0.1:8080/player/', playbackUrl: 'http://127.0.0.1:8080/live/index.m3u8' };

  it('a low-mode stack: the ffplay command to copy, under the links, saying what it gains', () => {
    const { out } = plainOutput();
    const text = formatOutputs(out, spec({ stack: 'demo', input: 'URL_PULL', latency: 'low' }), OUTPUTS, undefined, 'ffplay -fflags nobuffer -live_start_index -2 http://127.0.0.1:8080/live/index_1280x720.m3u8');
    const lines = text.split('\n');
    const at = lines.findIndex((l) => l.startsWith('In ffplay'));
    expect(at).toBeGreaterThan(lines.findIndex((l) => l.includes(OUTPUTS.playbackUrl)));
    expect(lines[at]).toContain('two from the end instead of three');
    expect(lines[at + 1]).toBe('  ffplay -fflags nobuffer -live_start_index -2 http://127.0.0.1:8080/live/index_1280x720.m3u8');
  });

  it('no command to give (standard mode, AWS: describeFfplayCommand gives none), no ffplay line', () => {
    const { out } = plainOutput();
    expect(formatOutputs(out, spec({ stack: 'demo', input: 'URL_PULL' }), OUTPUTS)).not.toContain('ffplay');
  });
});

describe('the summary of down', () => {
  const EMPTY: DownReport = { deleted: [], kept: [], failed: [], blocked: [], keptNames: [] };

  it('leads with what still bills, then what else is left, then how to finish', () => {
    const report: DownReport = {
      ...EMPTY,
      deleted: ['dashboard', 'player'],
      failed: [{ id: 'channel', name: 'event-channel', message: 'access denied (medialive:StopChannel)' }],
      blocked: ['input', 'input-security-group'],
      stillBilling: [
        { id: 'channel', name: 'event-channel', physicalId: '7654321', state: 'RUNNING', cost: 'running', message: 'MediaLive channel event-channel (7654321) is still RUNNING and billing (about $1.23/hour): it was not stopped.' },
        { id: 'input', name: 'event-input', physicalId: '1234567', state: 'DETACHED', cost: 'idle', message: 'MediaLive input event-input still exists: MediaLive charges a small hourly fee for an idle push input until it is deleted.' },
      ],
      refused: [{ id: 'origin', name: 'event-origin', physicalId: 'someone-elses-bucket', reason: 'its tag names another stack' }],
      keptNames: ['S3 bucket event-logs-123456789012-eu-west-1'],
    };
    expect(formatDown(plainOutput().out, 'event', report)).toBe([
      'Stack "event" is NOT torn down, and still costs money:',
      '  $ MediaLive channel event-channel (7654321) is still RUNNING and billing (about $1.23/hour): it was not stopped.',
      '  $ MediaLive input event-input still exists: MediaLive charges a small hourly fee for an idle push input until it is deleted.',
      'Also left:',
      '  could not delete channel (event-channel): access denied (medialive:StopChannel)',
      '  left in place: input (something that uses it could not be deleted)',
      '  left in place: input-security-group (something that uses it could not be deleted)',
      "  refused: origin someone-elses-bucket is not this stack's (its tag names another stack); not touched",
      '  kept: S3 bucket event-logs-123456789012-eu-west-1 (delete it with "livestream down --delete-logs", or by hand)',
      'Run "livestream down --stack event" again once the cause is fixed; the state file holds exactly what still exists.',
    ].join('\n'));
  });

  it('a distribution left enabled bills traffic: still a stack that costs money, with no failure to report', () => {
    const report: DownReport = {
      ...EMPTY,
      stillBilling: [{ id: 'distribution', name: 'livestream event (us-east-1)', physicalId: 'E2EXAMPLE', state: 'enabled', cost: 'traffic', message: 'CloudFront distribution E2EXAMPLE is still enabled: it serves viewers and bills their traffic.' }],
    };
    expect(formatDown(plainOutput().out, 'event', report)).toBe([
      'Stack "event" is NOT torn down, and still costs money:',
      '  $ CloudFront distribution E2EXAMPLE is still enabled: it serves viewers and bills their traffic.',
    ].join('\n'));
  });

  it('partly torn down with nothing billing by the hour', () => {
    const report: DownReport = { ...EMPTY, failed: [{ id: 'dashboard', name: 'event-us-east-1', message: 'access denied (cloudwatch:DeleteDashboards)' }], stillBilling: [] };
    expect(formatDown(plainOutput().out, 'event', report)).toBe([
      'Stack "event" is partly torn down; nothing left bills by the hour.',
      '  could not delete dashboard (event-us-east-1): access denied (cloudwatch:DeleteDashboards)',
      'Run "livestream down --stack event" again once the cause is fixed; the state file holds exactly what still exists.',
    ].join('\n'));
  });

  it('torn down: the kept logs and where the state went', () => {
    const report: DownReport = {
      ...EMPTY,
      deleted: ['channel', 'input', 'distribution'],
      stillBilling: [],
      keptNames: ['S3 bucket event-logs-123456789012-eu-west-1'],
      archivedState: '/state/history/event-2026-12-01T05-00-00-000Z.json',
    };
    expect(formatDown(plainOutput().out, 'event', report)).toBe([
      'Stack "event" is torn down; nothing of it is left running.',
      '  kept: S3 bucket event-logs-123456789012-eu-west-1 (delete it with "livestream down --delete-logs", or by hand)',
      '  state archived to /state/history/event-2026-12-01T05-00-00-000Z.json',
    ].join('\n'));
  });
});
