import { describe, expect, it } from 'vitest';
import { chooseDisplayHost } from '../../../../src/targets/local/plumbing/display-host.js';

describe('chooseDisplayHost', () => {
  const interfaces = {
    lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true }],
    eth0: [{ address: 'fe80::1', family: 'IPv6', internal: false }, { address: '192.168.1.10', family: 'IPv4', internal: false }],
  } as unknown as Parameters<typeof chooseDisplayHost>[1];

  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['0.0.0.0', '192.168.1.10'],
    ['::', '192.168.1.10'],
    ['::1', '[::1]'],
    ['10.0.0.5', '10.0.0.5'],
  ])('listen %s → %s', (listen, expected) => {
    expect(chooseDisplayHost(listen, interfaces)).toBe(expected);
  });

  it('wildcard without an external interface falls back to loopback', () => {
    expect(chooseDisplayHost('0.0.0.0', { lo: interfaces.lo })).toBe('127.0.0.1');
  });
});
