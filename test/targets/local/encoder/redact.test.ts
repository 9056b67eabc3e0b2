import { describe, expect, it } from 'vitest';
import { redactArgs, redactText } from '../../../../src/targets/local/encoder/redact.js';

describe('redaction', () => {
  it.each([
    ['-headers "Authorization: Bearer abc.def-123\\r\\n"', '-headers "Authorization: Bearer ***\\r\\n"'],
    ["Opening 'https://alice:s3cret@src.example/live.m3u8' for reading", "Opening 'https://***:***@src.example/live.m3u8' for reading"],
    ['http://h/x.m3u8?token=abcd&x=1', 'http://h/x.m3u8?token=***&x=1'],
    ['nothing secret here', 'nothing secret here'],
  ])('masks %s', (input, expected) => {
    expect(redactText(input)).toBe(expected);
  });

  it('masks known secret values anywhere', () => {
    expect(redactText('pass=hunter22 and again hunter22', ['hunter22'])).toBe('pass=*** and again ***');
  });

  it('renders arguments as one quoted, redacted line', () => {
    expect(redactArgs(['-headers', 'Authorization: Bearer tok\r\n', '-i', 'rtmp://u:p@h/app'])).toBe(
      '-headers "Authorization: Bearer ***\\r\\n" -i rtmp://***:***@h/app',
    );
  });
});
