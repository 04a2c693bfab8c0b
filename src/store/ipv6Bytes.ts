/**
 * IP text to the 16 bytes of a ClickHouse IPv6 value (network order), for the Native encoder.
 * It accepts what ClickHouse accepts from JSON text, so the two insert paths store the same
 * values and refuse the same ones (nativeFormat.itest.ts checks this against the engine): dotted
 * IPv4 as its v4-mapped address (::ffff:a.b.c.d), IPv6 with at most one `::` and an optional
 * dotted IPv4 tail, hex in either case. Refused, as there: no zone (`%eth0`), no spaces, no
 * leading zeros in an IPv4 part (`010.0.0.1`, which some parsers read as octal), an empty string.
 */

import { parseIp } from '../agent/metadata/ipAddress';

const DOT = 46;

/** Writes the address at `offset`; false when the text is not an address (the bytes are then unspecified). */
export function writeIpv6(text: string, out: Uint8Array, offset: number): boolean {
  // The agent's rows are nearly all IPv4: the common case first, without allocating.
  if (text.indexOf(':') === -1) {
    for (let i = 0; i < 10; i++) {
      out[offset + i] = 0;
    }
    out[offset + 10] = 0xff;
    out[offset + 11] = 0xff;
    return writeIpv4(text, 0, text.length, out, offset + 12);
  }
  // '::' is every row's remote_service_ip unless the connection was DNAT'd: too common for
  // parseIp's BigInt path, which allocated per row.
  if (text === '::') {
    for (let i = 0; i < 16; i++) {
      out[offset + i] = 0;
    }
    return true;
  }
  return writeIpv6Text(text, out, offset);
}

/** Dotted quad text[start, end) into 4 bytes at `at`. */
function writeIpv4(text: string, start: number, end: number, out: Uint8Array, at: number): boolean {
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === DOT) {
      if (digits === 0 || part === 3) {
        return false;
      }
      out[at + part++] = value;
      value = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits === 1 && value === 0) {
        return false; // a leading zero
      }
      value = value * 10 + (c - 48);
      if (++digits > 3 || value > 255) {
        return false;
      }
    } else {
      return false;
    }
  }
  if (digits === 0 || part !== 3) {
    return false;
  }
  out[at + 3] = value;
  return true;
}

/**
 * The rare IPv6 text goes through the agent's one IP parser (node's own validation) rather than a
 * second one here; a zone is refused first, since that parser drops it and ClickHouse does not.
 */
function writeIpv6Text(text: string, out: Uint8Array, offset: number): boolean {
  const bits = text.includes('%') ? undefined : parseIp(text);
  if (bits === undefined) {
    return false;
  }
  let rest = bits;
  for (let i = 15; i >= 0; i--) {
    out[offset + i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return true;
}
