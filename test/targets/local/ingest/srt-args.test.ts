/** The SRT decoder's input: the ffconcat list that carries the passphrase, and the arguments that read it. */
import { stat, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildSrtConcatList, buildSrtInputArgs, isPassphraseRefusal, writeSrtConcatList } from '../../../../src/targets/local/ingest/srt-args.js';
import { buildSrtPushEndpoint } from '../../../../src/targets/local/ingest/srt-listener.js';
import { makeTmpDir } from '../../../helpers/tmp-dir.js';

describe('buildSrtConcatList', () => {
  it('a listener on loopback: latency in µs, the passphrase quoted', () => {
    expect(buildSrtConcatList({ host: '127.0.0.1', port: 40555, mode: 'listener', latencyMs: 120, passphrase: 'abcdefghij0123456789' })).toBe([
      'ffconcat version 1.0',
      "file 'srt://127.0.0.1:40555'",
      'option mode listener',
      'option latency 120000',
      "option passphrase 'abcdefghij0123456789'",
      '',
    ].join('\n'));
  });

  it('a caller with a stream id and no passphrase; quotes in values are escaped as ffmpeg reads them', () => {
    expect(buildSrtConcatList({ host: '2001:db8::7', port: 9000, mode: 'caller', latencyMs: 2000, streamId: "it's #1 studio" })).toBe([
      'ffconcat version 1.0',
      "file 'srt://[2001:db8::7]:9000'",
      'option mode caller',
      'option latency 2000000',
      "option streamid 'it'\\''s #1 studio'",
      '',
    ].join('\n'));
  });
});

describe('buildSrtInputArgs', () => {
  it('reads the list with the concat demuxer, allowed to open srt:// and udp', () => {
    expect(buildSrtInputArgs('/w/srt-input.ffconcat')).toEqual(['-f', 'concat', '-safe', '0', '-protocol_whitelist', 'file,srt,udp', '-i', '/w/srt-input.ffconcat']);
  });
});

describe('writeSrtConcatList', () => {
  it('writes the list owner-only, replacing an earlier one', async () => {
    const dir = await makeTmpDir('srt-args-');
    const file = path.join(dir, 'srt-input.ffconcat');
    await writeSrtConcatList(file, { host: '127.0.0.1', port: 1, mode: 'listener', latencyMs: 120, passphrase: 'old-passphrase' });
    await writeSrtConcatList(file, { host: '127.0.0.1', port: 2, mode: 'listener', latencyMs: 120, passphrase: 'new-passphrase' });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readFile(file, 'utf8')).toContain("option passphrase 'new-passphrase'");
  });
});

describe('isPassphraseRefusal', () => {
  it.each([
    ['the listener refusing', '10:47:56.214855/SRT:RcvQ:w1!W:SRT.cn: processConnectRequest: rsp(REJECT): 1010 - Incorrect passphrase', true],
    ['the caller refused', '10:47:56.214986/SRT:RcvQ:w1!W:SRT.cn: processAsyncConnectRequest: REJECT reported from HS processing: Incorrect passphrase - not processing further', true],
    ['the listener\'s earlier lines of the same refusal', '10:47:56.214175/SRT:RcvQ:w1!W:SRT.cn: KMREQ/rcv: (snd) Rx process failure - BADSECRET', false],
    ['another refusal', 'processConnectRequest: rsp(REJECT): 1002 - Peer rejected connection', false],
  ])('%s', (_name, line, refused) => {
    expect(isPassphraseRefusal(line)).toBe(refused);
  });
});

describe('buildSrtPushEndpoint', () => {
  it.each([
    ['192.168.1.10', 5050, 'live', 'srt://192.168.1.10:5050?streamid=live'],
    ['::1', 5050, 'my stack', 'srt://[::1]:5050?streamid=my%20stack'],
  ])('%s', (host, port, stack, url) => {
    expect(buildSrtPushEndpoint(host, port, stack)).toBe(url);
  });
});
