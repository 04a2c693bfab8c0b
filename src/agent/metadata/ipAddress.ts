import { isIPv4, isIPv6 } from 'node:net';

/**
 * IPs as 128-bit integers in the IPv6 space, IPv4 as v4-mapped: the same key space the store uses
 * (IPv6 columns), so '10.0.0.1' and '::ffff:10.0.0.1' are one key and CIDR masks are plain bit ops.
 */

const V4_MAPPED = 0xffffn << 32n;
const ALL_ONES = (1n << 128n) - 1n;

export function parseIp(text: string): bigint | undefined {
  if (typeof text !== 'string') {
    return undefined;
  }
  // A zone ('fe80::1%eth0') names a link, not another address.
  const address = text.includes('%') ? text.slice(0, text.indexOf('%')) : text;
  if (isIPv4(address)) {
    return V4_MAPPED | ipv4Bits(address);
  }
  return isIPv6(address) ? ipv6Bits(address) : undefined;
}

function ipv4Bits(address: string): bigint {
  return address.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n);
}

function ipv6Bits(address: string): bigint {
  let text = address.toLowerCase();
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    // An embedded IPv4 tail ('::ffff:1.2.3.4') is the last two groups.
    const v4 = ipv4Bits(text.slice(lastColon + 1));
    text = `${text.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? 0 : 8 - headGroups.length - tailGroups.length;
  const groups = [...headGroups, ...Array<string>(zeros).fill('0'), ...tailGroups];
  return groups.reduce((acc, group) => (acc << 16n) | BigInt(parseInt(group, 16)), 0n);
}

export interface Cidr {
  /** The network address, host bits cleared. */
  readonly base: bigint;
  /** Prefix length in the 128-bit space: an IPv4 /n is 96 + n. */
  readonly prefix: number;
}

/** 'a.b.c.d/n' or 'x::/n'; a bare address is its own /32 or /128. Undefined when malformed. */
export function parseCidr(text: string): Cidr | undefined {
  if (typeof text !== 'string') {
    return undefined;
  }
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const ip = parseIp(address);
  if (ip === undefined || address.includes('%')) {
    return undefined;
  }
  const v4 = isIPv4(address);
  const maxBits = v4 ? 32 : 128;
  const bitsText = slash < 0 ? String(maxBits) : text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bitsText) || Number(bitsText) > maxBits) {
    return undefined;
  }
  const prefix = Number(bitsText) + (v4 ? 96 : 0);
  return { base: maskIp(ip, prefix), prefix };
}

export function maskIp(ip: bigint, prefix: number): bigint {
  return ip & (ALL_ONES ^ ((1n << BigInt(128 - prefix)) - 1n));
}
