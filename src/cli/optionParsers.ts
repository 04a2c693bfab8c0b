/**
 * Parsers for option values, in commander's argParser shape: they return the parsed value or
 * throw InvalidArgumentError, whose message commander prints after naming the option.
 */
import { InvalidArgumentError } from 'commander';

export function positiveInteger(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError(`expected a positive whole number, got "${value}".`);
  }
  return n;
}

/** A TCP port to listen on; 0 asks the system for any free one. */
export function listenPort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n > 65535) {
    throw new InvalidArgumentError(`expected a port in [0, 65535] (0 = any free port), got "${value}".`);
  }
  return n;
}

/** Seconds may be fractional (a test wants a short --interval); zero and negatives make no sense. */
export function positiveSeconds(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw new InvalidArgumentError(`expected a positive number of seconds, got "${value}".`);
  }
  return n;
}

/** Checked up front so a typo fails as a usage error before any connection is tried. */
export function clickhouseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(`expected a URL like http://user:password@host:8123, got "${value}".`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidArgumentError(
      `expected an http:// or https:// URL (ClickHouse's HTTP interface), got "${value}".`
    );
  }
  return value;
}
