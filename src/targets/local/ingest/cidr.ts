/**
 * CIDR allow-list matching for the push inputs' gates. Pure: strings in, answers out.
 * Node reports IPv4 peers of a dual-stack (`::`) socket as IPv4-mapped IPv6 (`::ffff:127.0.0.1`);
 * those are matched as the IPv4 address they carry, so `--cidr 127.0.0.1/32` works on either socket.
 */
import { isIPv4, isIPv6 } from 'node:net';

export interface Cidr {
  family: 4 | 6;
  /** The network address as a big integer (32 or 128 bits). */
  network: bigint;
  prefix: number;
}

/** Parses "address/prefix"; returns undefined when it is not a valid CIDR. A bare address is a /32 or /128. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  const addressText = slash < 0 ? text : text.slice(0, slash);
  const prefixText = slash < 0 ? undefined : text.slice(slash + 1);
  const address = parseAddress(addressText);
  if (!address) return undefined;
  const bits = address.family === 4 ? 32 : 128;
  let prefix = bits;
  if (prefixText !== undefined) {
    if (!/^\d{1,3}$/.test(prefixText)) return undefined;
    prefix = Number(prefixText);
    if (prefix > bits) return undefined;
  }
  return { family: address.family, network: address.value & maskOf(prefix, bits), prefix };
}

/** Whether `address` (as Node reports it) lies inside `cidr`. False for anything unparsable. */
export function cidrContains(cidr: string | Cidr, address: string): boolean {
  const range = typeof cidr === 'string' ? parseCidr(cidr) : cidr;
  const ip = parseAddress(address);
  if (!range || !ip) return false;
  const candidate = range.family === 4 ? asIPv4(ip) : ip;
  if (!candidate || candidate.family !== range.family) return false;
  const bits = range.family === 4 ? 32 : 128;
  return (candidate.value & maskOf(range.prefix, bits)) === range.network;
}

/** Whether any CIDR of the allow-list contains `address`. An empty list allows nobody. */
export function isAllowed(cidrs: readonly string[], address: string): boolean {
  return cidrs.some((c) => cidrContains(c, address));
}

/** `::ffff:1.2.3.4` → `1.2.3.4`, for logs and state; other addresses unchanged. */
export function displayAddress(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m ? m[1]! : address;
}

interface Address {
  family: 4 | 6;
  value: bigint;
}

function parseAddress(text: string): Address | undefined {
  // Zone ids (fe80::1%eth0) are not part of the address for matching.
  const bare = text.replace(/%.*$/, '');
  if (isIPv4(bare)) return { family: 4, value: parseIPv4(bare) };
  if (isIPv6(bare)) return { family: 6, value: parseIPv6(bare) };
  return undefined;
}

function parseIPv4(text: string): bigint {
  return text.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function parseIPv6(text: string): bigint {
  let head = text;
  let tailV4: bigint | undefined;
  // An embedded IPv4 tail (::ffff:1.2.3.4) stands for the last two groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    tailV4 = parseIPv4(v4[1]!);
    head = text.slice(0, -v4[1]!.length) + '0:0';
  }
  const [left, right] = head.includes('::') ? head.split('::') : [head, undefined];
  const leftGroups = left ? left.split(':') : [];
  const rightGroups = right === undefined ? [] : right ? right.split(':') : [];
  const missing = 8 - leftGroups.length - rightGroups.length;
  const groups = [...leftGroups, ...Array<string>(right === undefined ? 0 : missing).fill('0'), ...rightGroups];
  let value = groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
  if (tailV4 !== undefined) value = (value & ~0xffffffffn) | tailV4;
  return value;
}

function asIPv4(ip: Address): Address | undefined {
  if (ip.family === 4) return ip;
  // ::ffff:0:0/96 carries an IPv4 address in its low 32 bits.
  return ip.value >> 32n === 0xffffn ? { family: 4, value: ip.value & 0xffffffffn } : undefined;
}

function maskOf(prefix: number, bits: number): bigint {
  if (prefix === 0) return 0n;
  const all = (1n << BigInt(bits)) - 1n;
  return (all >> BigInt(bits - prefix)) << BigInt(bits - prefix);
}
