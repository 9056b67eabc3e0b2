import { describe, expect, it } from 'vitest';
import { checkCidr, specDifferences, validateSpec, type RawSpec } from '../../src/core/spec.js';

/** The target's own options of a valid spec, with the target checked. */
const localOf = (raw: RawSpec) => {
  const spec = validateSpec(raw).spec!;
  if (spec.target !== 'local') throw new Error(`expected a local spec, got ${spec.target}`);
  return spec.local;
};
const awsOf = (raw: RawSpec) => {
  const spec = validateSpec(raw).spec!;
  if (spec.target !== 'aws') throw new Error(`expected an AWS spec, got ${spec.target}`);
  return spec.aws;
};

const paths = (raw: RawSpec) => validateSpec(raw).problems.map((p) => p.path);

describe('validateSpec', () => {
  it('defaults to a local URL_PULL stack with the demo source, HD-720p, started', () => {
    expect(validateSpec({}).spec).toEqual({
      stack: 'livestream', target: 'local', input: 'URL_PULL', sourcePassword: false, cidrs: [],
      profile: 'HD-720p', start: true, stop: { kind: 'none' }, local: { listen: '127.0.0.1', port: 0, rtmpPort: 1935, rtpPort: 5000, srtPort: 5050 },
      record: 'top',
      latency: 'standard',
    });
  });

  it('records the top rendition on local and nothing on aws unless asked; a rendition is named WxH', () => {
    expect(validateSpec({}).spec?.record).toBe('top');
    expect(validateSpec({ target: 'aws', sourceUrl: 'https://example.com/a.m3u8' }).spec?.record).toBe('none');
    expect(validateSpec({ target: 'aws', sourceUrl: 'https://example.com/a.m3u8', record: 'top' }).spec?.record).toBe('top');
    expect(validateSpec({ record: '640x360' }).spec?.record).toBe('640x360');
    expect(validateSpec({ record: '720p' }).problems).toEqual([
      { path: 'record', message: '"720p" is not a rendition', fix: 'use --record top, --record none or a rendition of the ladder such as --record 1280x720 ("livestream profiles" lists them)' },
    ]);
  });

  it('leaves the edge processes to the machine unless a number is given', () => {
    expect(localOf({ edgeWorkers: 'auto' }).edgeWorkers).toBeUndefined();
    expect(localOf({ edgeWorkers: '3' }).edgeWorkers).toBe(3);
  });

  it('fills the AWS options with their defaults', () => {
    const { spec } = validateSpec({ target: 'aws', sourceUrl: 'https://example.com/live/index.m3u8' });
    expect(spec).toHaveProperty('aws', { region: 'us-east-1', origin: 's3' });
    expect(spec).not.toHaveProperty('local');
  });

  it.each<[string, RawSpec, string[]]>([
    ['push input without CIDR', { input: 'RTMP_PUSH' }, ['cidr']],
    ['RTP push without CIDR', { input: 'RTP_PUSH' }, ['cidr']],
    ['bad CIDRs, each reported', { input: 'RTP_PUSH', cidr: ['10.0.0.0/33', 'nonsense', '2001:db8::/129'] }, ['cidr[0]', 'cidr[1]', 'cidr[2]']],
    ['CIDR on a pull input', { cidr: ['10.0.0.0/8'] }, ['cidr']],
    ['aws URL_PULL without source', { target: 'aws' }, ['sourceUrl']],
    ['ftp source', { sourceUrl: 'ftp://x/y.m3u8' }, ['sourceUrl']],
    ['credentials inside the URL', { sourceUrl: 'https://u:p@x/y.m3u8' }, ['sourceUrl']],
    ['password without user', { sourceUrl: 'https://x/y.m3u8', sourcePassword: true }, ['sourceUser']],
    ['device without id', { input: 'INPUT_DEVICE' }, ['deviceId']],
    ['aws device id not a Link id', { target: 'aws', input: 'INPUT_DEVICE', deviceId: '/dev/video0' }, ['deviceId']],
    ['unknown input and target', { input: 'SRT', target: 'gcp' }, ['target', 'input']],
    ['bad stack name', { stack: 'My Stack!' }, ['stack']],
    ['region without MediaLive', { target: 'aws', sourceUrl: 'https://x/y.m3u8', region: 'af-south-1' }, ['region']],
    ['aws flags on local', { region: 'us-east-1', origin: 's3' }, ['region', 'origin']],
    ['listen not an IP', { listen: 'everywhere' }, ['listen']],
    ['port out of range', { port: '70000' }, ['port']],
    ['no edge processes', { edgeWorkers: '0' }, ['edgeWorkers']],
    ['edge processes not a number', { edgeWorkers: 'many' }, ['edgeWorkers']],
    ['unknown origin', { target: 'aws', sourceUrl: 'https://x/y.m3u8', origin: 'gcs' }, ['origin']],
  ])('%s', (_name, raw, expected) => {
    expect(paths(raw)).toEqual(expected);
  });

  it('reports every problem at once, each with a fix', () => {
    const { problems } = validateSpec({ target: 'aws', input: 'RTMP_PUSH', region: 'mars-1', stack: 'X' });
    expect(problems.map((p) => p.path).sort()).toEqual(['cidr', 'region', 'stack']);
    expect(problems.every((p) => p.fix)).toBe(true);
  });

  const AWS = { target: 'aws', sourceUrl: 'https://x/y.m3u8' } as const;
  const problemOf = (raw: RawSpec, path: string) => validateSpec(raw).problems.find((p) => p.path === path);

  // Each of these reached AWS before (and failed there after other resources existed).
  it.each<[string, RawSpec, string, RegExp, RegExp]>([
    ['us-west-1: MediaLive has no endpoint there', { ...AWS, region: 'us-west-1' }, 'region', /MediaLive has no endpoint in us-west-1/, /--region us-west-2 or --region us-east-2/],
    ['me-south-1: opt-in, no MediaLive', { ...AWS, region: 'me-south-1' }, 'region', /MediaLive has no endpoint in me-south-1/, /--region me-central-1 or --region ap-south-1/],
    ['an unknown region of a known continent', { ...AWS, region: 'eu-west-9' }, 'region', /no endpoint in eu-west-9/, /--region eu-west-1 or --region eu-west-2/],
    ['an IPv6 CIDR on aws', { target: 'aws', input: 'RTMP_PUSH', cidr: ['203.0.113.7/32', '2001:db8::/48'] }, 'cidr[1]', /IPv4 CIDRs only/, /your encoder's IPv4 address/],
    ['MediaStore on AWS', { ...AWS, origin: 'mediastore' }, 'origin', /ended AWS Elemental MediaStore on 2025-11-13/, /--origin s3/],
    ['a stack S3 reserves: xn--', { ...AWS, stack: 'xn--live' }, 'stack', /starts with "xn--", which S3 reserves/, /"sthree-", "amzn-s3-demo-"/],
    ['a stack S3 reserves: sthree-', { ...AWS, stack: 'sthree-live' }, 'stack', /"sthree-"/, /does not start with/],
    ['a stack S3 reserves: amzn-s3-demo-', { ...AWS, stack: 'amzn-s3-demo-live' }, 'stack', /"amzn-s3-demo-"/, /does not start with/],
  ])('refuses %s, saying why and what to use instead', (_name, raw, path, message, fix) => {
    const { spec, problems } = validateSpec(raw);
    expect(spec).toBeUndefined();
    expect(problems.map((p) => p.path)).toEqual([path]);
    expect(problemOf(raw, path)!.message).toMatch(message);
    expect(problemOf(raw, path)!.fix).toMatch(fix);
  });

  it.each(['us-east-1', 'us-east-2', 'us-west-2', 'ca-central-1', 'sa-east-1', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-central-1', 'eu-north-1',
    'ap-south-1', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-southeast-1', 'ap-southeast-2',
    // Opt-in regions where MediaLive runs: CloudFront cannot log to a bucket there, so the logs bucket goes to us-east-1.
    'ap-south-2', 'ap-southeast-4', 'ap-southeast-5', 'me-central-1'])('accepts %s', (region) => {
    expect(validateSpec({ ...AWS, region }).problems).toEqual([]);
  });

  it('still names an existing stack that only creation rules refuse, so down and status can find it', () => {
    for (const raw of [
      { ...AWS, region: 'us-west-1' }, { ...AWS, region: 'me-south-1' }, { ...AWS, stack: 'xn--live' },
      { ...AWS, origin: 'mediastore' }, { target: 'aws', input: 'RTMP_PUSH', cidr: ['2001:db8::/48'] },
    ] as RawSpec[]) {
      expect(validateSpec(raw).spec).toBeUndefined();
      expect(validateSpec(raw, { existing: true }).problems).toEqual([]);
    }
    expect(paths({ ...AWS, region: 'mars-1', stack: 'Bad Name' })).toEqual(['stack', 'region']);
    expect(validateSpec({ ...AWS, region: 'mars-1', stack: 'Bad Name' }, { existing: true }).problems.map((p) => p.path)).toEqual(['stack', 'region']);
  });

  it('keeps MediaStore for emulators (--endpoint-url) and IPv6 CIDRs for the local target', () => {
    expect(awsOf({ ...AWS, origin: 'mediastore', endpointUrl: 'http://127.0.0.1:4566' }).origin).toBe('mediastore');
    expect(validateSpec({ input: 'RTP_PUSH', cidr: ['2001:db8::/32'] }).problems).toEqual([]);
  });

  it('suggests an IPv4 example for a malformed CIDR on aws, IPv4 or IPv6 locally', () => {
    expect(problemOf({ target: 'aws', input: 'RTMP_PUSH', cidr: ['nonsense'] }, 'cidr[0]')!.fix).not.toContain('2001:db8');
    expect(problemOf({ input: 'RTMP_PUSH', cidr: ['nonsense'] }, 'cidr[0]')!.fix).toContain('2001:db8::/32');
  });

  it('accepts IPv6 CIDRs and each input type with its fields', () => {
    expect(validateSpec({ input: 'RTMP_PUSH', cidr: ['2001:db8::/32', '127.0.0.1/32'] }).problems).toEqual([]);
    expect(validateSpec({ target: 'aws', input: 'INPUT_DEVICE', deviceId: 'hd-0123456789abcdef' }).problems).toEqual([]);
    expect(validateSpec({ input: 'INPUT_DEVICE', deviceId: 'demo' }).problems).toEqual([]);
  });
});

describe('checkCidr', () => {
  it.each([
    ['10.0.0.0/8', undefined],
    ['0.0.0.0/0', undefined],
    ['::/0', undefined],
    ['10.0.0.1', 'is not in CIDR notation (address/prefix)'],
    ['10.0.0.0/40', 'has an IPv4 prefix longer than 32'],
    ['300.1.1.1/8', 'does not start with an IPv4 or IPv6 address'],
  ])('%s', (cidr, why) => expect(checkCidr(cidr)).toBe(why));
});

describe('specDifferences', () => {
  it('names what changed, ignoring CIDR order and the start flag', () => {
    const a = validateSpec({ input: 'RTMP_PUSH', cidr: ['10.0.0.0/8', '127.0.0.1/32'] }).spec!;
    const b = validateSpec({ input: 'RTMP_PUSH', cidr: ['127.0.0.1/32', '10.0.0.0/8'], start: false }).spec!;
    expect(specDifferences(a, b)).toEqual([]);
    const c = validateSpec({ input: 'RTMP_PUSH', cidr: ['10.0.0.0/8'], profile: 'SD-540p' }).spec!;
    expect(specDifferences(a, c)).toEqual(['cidr: 10.0.0.0/8,127.0.0.1/32 → 10.0.0.0/8', 'profile: HD-720p → SD-540p']);
  });
});

describe('--recordings-expire-days', () => {
  const AWS_PULL = { target: 'aws', input: 'URL_PULL', sourceUrl: 'https://cdn.example.com/live/index.m3u8' } as const;

  it('sets the AWS recordings lifecycle in whole days, for a stack that records', () => {
    const { spec, problems } = validateSpec({ ...AWS_PULL, record: 'top', recordingsExpireDays: '30' });
    expect(problems).toEqual([]);
    expect(spec?.target === 'aws' && spec.aws.recordingsExpireDays).toBe(30);
  });

  it.each([['0'], ['-3'], ['1.5'], ['soon']])('refuses %s days, naming the fix', (days) => {
    const { problems } = validateSpec({ ...AWS_PULL, record: 'top', recordingsExpireDays: days });
    expect(problems).toEqual([expect.objectContaining({ path: 'recordingsExpireDays', fix: expect.stringContaining('--recordings-expire-days 30') })]);
  });

  it('refuses it for a stack that records nothing, and on the local target', () => {
    expect(validateSpec({ ...AWS_PULL, recordingsExpireDays: '30' }).problems).toEqual([expect.objectContaining({ path: 'recordingsExpireDays', fix: expect.stringContaining('--record top') })]);
    expect(validateSpec({ target: 'local', recordingsExpireDays: '30' }).problems).toEqual([expect.objectContaining({ path: 'recordingsExpireDays', message: expect.stringContaining('only for --target aws') })]);
  });

  it('is part of the stack: a different value on a later up is a changed spec', () => {
    const a = validateSpec({ ...AWS_PULL, record: 'top', recordingsExpireDays: '30' }).spec;
    const b = validateSpec({ ...AWS_PULL, record: 'top', recordingsExpireDays: '7' }).spec;
    expect(specDifferences(a!, b!)).toEqual(['recordingsExpireDays: 30 → 7']);
  });
});
