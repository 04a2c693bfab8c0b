import type { ParamValue } from './query';

/**
 * What a dimension's values look like. Each kind knows how to check a user value and which
 * ClickHouse type its placeholder carries, so a bad value fails here with a message instead of
 * as a server-side parse error.
 */
export type ValueKind =
  | { readonly kind: 'string' }
  | { readonly kind: 'port' }
  | { readonly kind: 'uint32' }
  | { readonly kind: 'ip' }
  | { readonly kind: 'enum'; readonly values: readonly string[] };

export const STRING: ValueKind = { kind: 'string' };
export const PORT: ValueKind = { kind: 'port' };
export const UINT32: ValueKind = { kind: 'uint32' };
export const IP: ValueKind = { kind: 'ip' };
export const oneOf = (values: readonly string[]): ValueKind => ({ kind: 'enum', values });

/** Type of the placeholder for one value of the kind. Enums compare as strings (validated first). */
export function clickhouseType(kind: ValueKind): string {
  switch (kind.kind) {
    case 'port':
      return 'UInt16';
    case 'uint32':
      return 'UInt32';
    case 'ip':
      return 'IPv6';
    default:
      return 'String';
  }
}

/**
 * Checks one value for `input` (a name for messages, like "filter on dst_port") and returns it in
 * the form the placeholder takes: integers as numbers, IPv4 as v4-mapped IPv6 (the stored form).
 */
export function validateValue(kind: ValueKind, value: unknown, input: string): ParamValue {
  switch (kind.kind) {
    case 'string':
      if (typeof value !== 'string') {
        throw new Error(`${input}: expected a string, got ${describe(value)}`);
      }
      return value;
    case 'port':
      return integerIn(value, 0, 65535, input, 'a port (integer 0-65535)');
    case 'uint32':
      return integerIn(value, 0, 4294967295, input, 'an integer 0-4294967295');
    case 'ip':
      return ipLiteral(value, input);
    case 'enum':
      if (typeof value !== 'string' || !kind.values.includes(value)) {
        throw new Error(`${input}: expected one of ${kind.values.join(', ')}, got ${describe(value)}`);
      }
      return value;
  }
}

function integerIn(value: unknown, min: number, max: number, input: string, expected: string): number {
  const n = typeof value === 'string' && /^[0-9]{1,10}$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    throw new Error(`${input}: expected ${expected}, got ${describe(value)}`);
  }
  return n;
}

const IPV4 = /^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}$/;

function ipLiteral(value: unknown, input: string): string {
  if (typeof value === 'string') {
    if (IPV4.test(value)) {
      return `::ffff:${value}`;
    }
    if (isIPv6(value)) {
      return value.toLowerCase();
    }
  }
  throw new Error(`${input}: expected an IPv4 or IPv6 address, got ${describe(value)}`);
}

/** RFC 4291 text form: up to 8 hex groups, one '::', optionally ending in a dotted IPv4. */
function isIPv6(s: string): boolean {
  const halves = s.split('::');
  if (halves.length > 2) {
    return false;
  }
  const groups = halves.flatMap((h) => (h === '' ? [] : h.split(':')));
  const last = groups[groups.length - 1];
  const v4Tail = last !== undefined && IPV4.test(last);
  const hexGroups = v4Tail ? groups.slice(0, -1) : groups;
  if (!hexGroups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) {
    return false;
  }
  const width = hexGroups.length + (v4Tail ? 2 : 0);
  return halves.length === 2 ? width <= 7 : width === 8;
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
