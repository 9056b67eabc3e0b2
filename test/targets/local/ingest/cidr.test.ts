import { describe, expect, it } from 'vitest';
import { cidrContains, displayAddress, isAllowed, parseCidr } from '../../../../src/targets/local/ingest/cidr.js';

describe('parseCidr', () => {
  it.each([
    ['10.0.0.0/8', { family: 4, network: 0x0a000000n, prefix: 8 }],
    ['10.1.2.3/8', { family: 4, network: 0x0a000000n, prefix: 8 }],
    ['0.0.0.0/0', { family: 4, network: 0n, prefix: 0 }],
    ['192.168.1.7', { family: 4, network: 0xc0a80107n, prefix: 32 }],
    ['2001:db8::/32', { family: 6, network: 0x20010db8n << 96n, prefix: 32 }],
    ['::1/128', { family: 6, network: 1n, prefix: 128 }],
    ['::/0', { family: 6, network: 0n, prefix: 0 }],
    ['::ffff:10.0.0.1/128', { family: 6, network: (0xffffn << 32n) | 0x0a000001n, prefix: 128 }],
  ])('%s', (text, expected) => {
    expect(parseCidr(text)).toEqual(expected);
  });

  it.each(['', 'abc', '10.0.0.0/33', '10.0.0.0/', '10.0.0/8', '::1/129', '10.0.0.0/-1', '10.0.0.0/8/9', '1.2.3.4/0x8'])('rejects %j', (text) => {
    expect(parseCidr(text)).toBeUndefined();
  });
});

describe('cidrContains', () => {
  it.each([
    ['127.0.0.1/32', '127.0.0.1', true],
    ['127.0.0.1/32', '127.0.0.2', false],
    ['127.0.0.2/32', '127.0.0.1', false],
    ['10.0.0.0/8', '10.255.255.255', true],
    ['10.0.0.0/8', '11.0.0.0', false],
    ['192.168.1.0/24', '192.168.1.200', true],
    ['192.168.1.0/24', '192.168.2.1', false],
    ['0.0.0.0/0', '203.0.113.9', true],
    // IPv4-mapped IPv6, as Node reports IPv4 peers of a dual-stack socket
    ['127.0.0.1/32', '::ffff:127.0.0.1', true],
    ['127.0.0.2/32', '::ffff:127.0.0.1', false],
    ['10.0.0.0/8', '::FFFF:10.9.8.7', true],
    ['::ffff:0:0/96', '::ffff:10.9.8.7', true],
    // IPv6
    ['::1/128', '::1', true],
    ['::1/128', '::2', false],
    ['::1/128', '::ffff:127.0.0.1', false],
    ['2001:db8::/32', '2001:db8:ffff::1', true],
    ['2001:db8::/32', '2001:db9::1', false],
    ['2001:db8:abcd:12::/64', '2001:db8:abcd:12:1:2:3:4', true],
    ['2001:db8:abcd:12::/64', '2001:db8:abcd:13::1', false],
    ['fe80::/10', 'fe80::1%eth0', true],
    ['::/0', '2001:db8::1', true],
    // families never cross, except through the mapped form
    ['::/0', '10.0.0.1', false],
    ['0.0.0.0/0', '::1', false],
    // garbage
    ['10.0.0.0/8', 'not-an-ip', false],
    ['garbage', '10.0.0.1', false],
  ])('%s contains %s: %s', (cidr, address, expected) => {
    expect(cidrContains(cidr, address)).toBe(expected);
  });
});

describe('isAllowed', () => {
  it.each([
    [[], '127.0.0.1', false],
    [['127.0.0.2/32'], '127.0.0.1', false],
    [['127.0.0.2/32', '127.0.0.0/8'], '127.0.0.1', true],
    [['2001:db8::/32', '10.0.0.0/8'], '::ffff:10.1.1.1', true],
    [['2001:db8::/32', '10.0.0.0/8'], '::1', false],
  ])('%j allows %s: %s', (cidrs, address, expected) => {
    expect(isAllowed(cidrs, address)).toBe(expected);
  });
});

describe('displayAddress', () => {
  it.each([
    ['::ffff:127.0.0.1', '127.0.0.1'],
    ['127.0.0.1', '127.0.0.1'],
    ['::1', '::1'],
  ])('%s → %s', (address, shown) => {
    expect(displayAddress(address)).toBe(shown);
  });
});
