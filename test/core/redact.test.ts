import { describe, expect, it } from 'vitest';
import { redactArgs, redactText, redactUrl } from '../../src/core/redact.js';

describe('redactText', () => {
  it.each([
    // URL credentials: user and password, a user alone (a stream key), a password holding "@".
    ["Opening 'https://alice:s3cret@src.example/live.m3u8' for reading", "Opening 'https://***@src.example/live.m3u8' for reading"],
    ['Cannot reach https://alice:s3cret@example.com/live.m3u8', 'Cannot reach https://***@example.com/live.m3u8'],
    ['rtmp://u:p@h/app', 'rtmp://***@h/app'],
    ['rtmp://u:@h/app', 'rtmp://***@h/app'],
    ['srt://streamkey@h:9000', 'srt://***@h:9000'],
    ['https://bob:p@ss@h/x', 'https://***@h/x'],
    // Query secrets, by name.
    ['http://h/x.m3u8?token=abcd&x=1', 'http://h/x.m3u8?token=***&x=1'],
    ['http://h/x?x=1&key=k1&password=p1&pass=p2&secret=s1&sig=g1&signature=g2', 'http://h/x?x=1&key=***&password=***&pass=***&secret=***&sig=***&signature=***'],
    ['https://b.s3.amazonaws.com/o?X-Amz-Security-Token=t&X-Amz-Signature=abc&X-Amz-Date=20240101', 'https://b.s3.amazonaws.com/o?X-Amz-Security-Token=***&X-Amz-Signature=***&X-Amz-Date=20240101'],
    ['https://h/live?apiKey=k&authToken=t&auth=a&passphrase=pp', 'https://h/live?apiKey=***&authToken=***&auth=***&passphrase=***'],
    ["'http://h/x?token=abcd'", "'http://h/x?token=***'"],
    // Headers.
    ['-headers "Authorization: Bearer abc.def-123\\r\\n"', '-headers "Authorization: Bearer ***\\r\\n"'],
    ['Authorization: Basic dXNlcjpwYXNz', 'Authorization: Basic ***'],
    ['authorization:abc123', 'authorization:***'],
    ['{"auth":"Bearer eyJhbGciOi.x.y"}', '{"auth":"Bearer ***"}'],
    // Nothing secret: left alone.
    ['nothing secret here', 'nothing secret here'],
    ['rtmp://127.0.0.1:1935/demo/stream', 'rtmp://127.0.0.1:1935/demo/stream'],
    ['http://h/x.m3u8?x=1&_HLS_msn=4', 'http://h/x.m3u8?x=1&_HLS_msn=4'],
    ['[tcp @ 0x55d0] Connection refused', '[tcp @ 0x55d0] Connection refused'],
  ])('%s', (input, expected) => {
    expect(redactText(input)).toBe(expected);
  });

  it.each([
    ['a known secret anywhere, every time', 'pass=hunter22 and again hunter22', ['hunter22'], 'pass=*** and again ***'],
    ['the longer of two overlapping secrets whole', 'token abcd1234', ['abcd', 'abcd1234'], 'token ***'],
    ['not a secret too short to be one', 'on and on', ['on'], 'on and on'],
    ['a write token in an error message', 'PUT http://127.0.0.1:8080/x failed: 401 for t0k3nvalue', ['t0k3nvalue'], 'PUT http://127.0.0.1:8080/x failed: 401 for ***'],
  ])('masks %s', (_what, input, secrets, expected) => {
    expect(redactText(input, secrets)).toBe(expected);
  });
});

describe('redactUrl', () => {
  it.each([
    ['https://example.com/live/index.m3u8', 'https://example.com/live/index.m3u8'],
    ['https://example.com', 'https://example.com/'],
    ['https://u:p@example.com/live.m3u8?token=t&x=1', 'https://***@example.com/live.m3u8?token=***&x=1'],
    ['https://u@example.com/live.m3u8', 'https://***@example.com/live.m3u8'],
    ['not a url ?token=abc', 'not a url ?token=***'],
  ])('%s → %s', (input, expected) => {
    expect(redactUrl(input)).toBe(expected);
  });
});

describe('redactArgs', () => {
  it('renders arguments as one quoted, redacted line', () => {
    expect(redactArgs(['-headers', 'Authorization: Bearer tok\r\n', '-i', 'rtmp://u:p@h/app'])).toBe(
      '-headers "Authorization: Bearer ***\\r\\n" -i rtmp://***@h/app',
    );
  });

  it('masks known secrets inside arguments', () => {
    expect(redactArgs(['-password', 'hunter22', '-i', 'rtmp://h/app'], ['hunter22'])).toBe('-password *** -i rtmp://h/app');
  });
});
