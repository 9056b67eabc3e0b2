import { describe, expect, it } from 'vitest';
import { checkCidr, specDifferences, validateSpec, type RawSpec } from '../../src/core/spec.js';

const paths = (raw: RawSpec) => validateSpec(raw).problems.map((p) => p.path);

describe('validateSpec', () => {
  it('defaults to a local URL_PULL stack with the demo source, HD-720p, started', () => {
    expect(validateSpec({}).spec).toEqual({
      stack: 'livestream', target: 'local', input: 'URL_PULL', sourcePassword: false, cidrs: [],
      profile: 'HD-720p', start: true, local: { listen: '127.0.0.1', port: 0, rtmpPort: 1935, rtpPort: 5000 },
    });
  });

  it('leaves the edge processes to the machine unless a number is given', () => {
    expect(validateSpec({ edgeWorkers: 'auto' }).spec?.local?.edgeWorkers).toBeUndefined();
    expect(validateSpec({ edgeWorkers: '3' }).spec?.local?.edgeWorkers).toBe(3);
  });

  it('fills the AWS options with their defaults', () => {
    const { spec } = validateSpec({ target: 'aws', sourceUrl: 'https://example.com/live/index.m3u8' });
    expect(spec?.aws).toEqual({ region: 'us-east-1', origin: 's3' });
    expect(spec?.local).toBeUndefined();
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
