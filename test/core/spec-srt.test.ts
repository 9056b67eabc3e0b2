/** SRT inputs in the spec: what each needs, what is refused, and the defaults applied once. */
import { describe, expect, it } from 'vitest';
import { checkSrtCallerUrl, checkSrtPassphrase, specDifferences, srtPassphraseFrom, validateSpec, type RawSpec } from '../../src/core/spec.js';

const paths = (raw: RawSpec) => validateSpec(raw).problems.map((p) => p.path);

describe('SRT_LISTENER', () => {
  it('needs a --cidr, like every push input, and makes its passphrase unless one is given', () => {
    expect(paths({ input: 'SRT_LISTENER' })).toEqual(['cidr']);
    const { spec } = validateSpec({ input: 'SRT_LISTENER', cidr: ['127.0.0.1/32'] });
    expect(spec?.srt).toEqual({ latencyMs: 120, passphrase: 'generated' });
    expect(validateSpec({ input: 'SRT_LISTENER', cidr: ['127.0.0.1/32'], srtPassphrase: true, srtLatency: '800' }).spec?.srt).toEqual({ latencyMs: 800, passphrase: 'given' });
  });

  it.each([['119'], ['15001'], ['1.5'], ['fast']])('refuses a latency of %s ms (MediaLive takes 120-15000)', (latency) => {
    expect(paths({ input: 'SRT_LISTENER', cidr: ['127.0.0.1/32'], srtLatency: latency })).toEqual(['srtLatency']);
  });

  it('takes no --source-url', () => {
    expect(paths({ input: 'SRT_LISTENER', cidr: ['127.0.0.1/32'], sourceUrl: 'srt://1.2.3.4:9000' })).toEqual(['sourceUrl']);
  });
});

describe('SRT_CALLER', () => {
  it('needs the srt:// address of the user\'s listener, and keeps its stream id; no passphrase unless given', () => {
    expect(paths({ input: 'SRT_CALLER' })).toEqual(['sourceUrl']);
    const { spec } = validateSpec({ input: 'SRT_CALLER', sourceUrl: 'srt://203.0.113.7:9000?streamid=studio' });
    expect(spec?.srt).toEqual({ latencyMs: 120, streamId: 'studio', passphrase: 'none' });
    expect(spec?.cidrs).toEqual([]);
  });

  it.each<[string, string, RegExp]>([
    ['http://203.0.113.7:9000', 'local', /is not SRT/],
    ['srt://203.0.113.7', 'local', /needs the listener's port/],
    ['srt://203.0.113.7:9000?passphrase=secret123456', 'local', /passphrase does not go in the URL/],
    ['srt://203.0.113.7:9000?latency=200', 'local', /latency does not go in the URL/],
    ['srt://203.0.113.7:9000?mode=listener', 'local', /"mode" is not an option/],
    ['srt://user:pw@203.0.113.7:9000', 'local', /carries no credentials/],
    ['srt://studio.example.com:9000', 'aws', /not an IPv4 address/],
    [`srt://203.0.113.7:9000?streamid=${'x'.repeat(513)}`, 'local', /1-512 characters/],
  ])('refuses %s on %s', (url, target, why) => {
    expect(checkSrtCallerUrl(url, target as 'local' | 'aws')?.message).toMatch(why);
  });

  it('accepts a host name locally (ffmpeg resolves it), an IPv4 address on AWS', () => {
    expect(checkSrtCallerUrl('srt://studio.example.com:9000', 'local')).toBeUndefined();
    expect(checkSrtCallerUrl('srt://203.0.113.7:9000?streamid=a', 'aws')).toBeUndefined();
  });
});

describe('SRT options on other inputs', () => {
  it('are refused, naming the flag', () => {
    expect(paths({ input: 'RTMP_PUSH', cidr: ['127.0.0.1/32'], srtLatency: '200', srtPassphrase: true })).toEqual(['srtLatency', 'srtPassphrase']);
    expect(validateSpec({ input: 'RTMP_PUSH', cidr: ['127.0.0.1/32'] }).spec?.srt).toBeUndefined();
  });
});

describe('the passphrase', () => {
  it.each<[string, RegExp | undefined]>([
    ['0123456789', undefined],
    ['x'.repeat(79), undefined],
    ['short', /5 characters; SRT takes 10 to 79/],
    ['x'.repeat(80), /80 characters/],
    ['has a space in it', /printable ASCII characters only/],
    ['ünïcödé-pässphrase', /printable ASCII/],
  ])('%s', (value, why) => {
    const got = checkSrtPassphrase(value);
    if (why) expect(got).toMatch(why);
    else expect(got).toBeUndefined();
  });

  it('made from 32 random bytes: 32 letters and digits, which every check and URL takes', () => {
    const made = srtPassphraseFrom(new Uint8Array(32).map((_, i) => i * 37));
    expect(made).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(checkSrtPassphrase(made)).toBeUndefined();
  });
});

describe('an existing stack', () => {
  it('with another SRT latency is a different spec', () => {
    const a = validateSpec({ input: 'SRT_LISTENER', cidr: ['127.0.0.1/32'] }).spec!;
    const b = validateSpec({ input: 'SRT_LISTENER', cidr: ['127.0.0.1/32'], srtLatency: 500 }).spec!;
    expect(specDifferences(a, b)).toEqual(['srtLatency: 120 → 500']);
  });
});

describe('--srt-port (local)', () => {
  it('defaults to 5050, as MediaLive\'s SRT listener endpoints, and takes 0 for any free port', () => {
    const spec = validateSpec({ input: 'SRT_LISTENER', cidr: ['127.0.0.1/32'] }).spec;
    expect(spec?.target === 'local' && spec.local.srtPort).toBe(5050);
    const any = validateSpec({ input: 'SRT_LISTENER', cidr: ['127.0.0.1/32'], srtPort: '0' }).spec;
    expect(any?.target === 'local' && any.local.srtPort).toBe(0);
  });

  it.each([['70000'], ['-1'], ['udp']])('refuses %s', (port) => {
    expect(paths({ input: 'SRT_LISTENER', cidr: ['127.0.0.1/32'], srtPort: port })).toEqual(['srtPort']);
  });

  it('is only for SRT_LISTENER, and only local', () => {
    expect(paths({ input: 'SRT_CALLER', sourceUrl: 'srt://203.0.113.7:9000', srtPort: '9000' })).toEqual(['srtPort']);
    expect(paths({ target: 'aws', input: 'SRT_LISTENER', cidr: ['203.0.113.7/32'], srtPort: '9000' })).toContain('listen');
  });

  it('is its default in a stack recorded before it existed: not a change', () => {
    const now = validateSpec({ input: 'SRT_LISTENER', cidr: ['127.0.0.1/32'] }).spec!;
    if (now.target !== 'local') throw new Error('local spec expected');
    const { srtPort: _port, ...before } = now.local;
    expect(specDifferences({ ...now, local: before as typeof now.local }, now)).toEqual([]);
  });
});
