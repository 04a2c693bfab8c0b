import { isIP } from 'node:net';

/**
 * Field checks shared by the parsers of bpftrace's JSON output (connections.bt, dns.bt). A field that
 * fails throws Reject with a reason naming the field and what was expected; each parser catches it
 * and counts the line as malformed, so one bad line never stops capture.
 */
export class Reject extends Error {}

// bpftrace's comm is TASK_COMM_LEN (16) bytes; JSON escaping can only shorten it once decoded.
export const MAX_COMM_CHARS = 64;
// INET6_ADDRSTRLEN less the NUL.
export const MAX_ADDR_CHARS = 45;
export const U32_MAX = 0xffff_ffff;

export function reject(reason: string): never {
  throw new Reject(reason);
}

/** A value as it may appear in a reason: quoted if a string, cut to 40 characters. */
export function describe(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}

export function int(value: unknown, what: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    reject(`${what}: expected an integer in [${min}, ${max}], got ${describe(value)}`);
  }
  return value;
}

export function str(value: unknown, what: string, maxChars: number): string {
  if (typeof value !== 'string' || value.length > maxChars) {
    reject(`${what}: expected a string of at most ${maxChars} characters, got ${describe(value)}`);
  }
  return value;
}

export function address(value: unknown, what: string): string {
  return typeof value === 'string' && value.length <= MAX_ADDR_CHARS && isIP(value) !== 0
    ? value
    : reject(`${what}: expected an IPv4 or IPv6 address, got ${describe(value)}`);
}

/** A tuple event has exactly `want` fields; its first names the event. */
export function arity(data: readonly unknown[], want: number): void {
  if (data.length !== want) {
    reject(`${describe(data[0])} event: expected ${want} fields, got ${data.length}`);
  }
}
