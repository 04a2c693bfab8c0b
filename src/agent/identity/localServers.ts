import type { Protocol } from '../../shared/schema';

/**
 * Which container serves (protocol, ip, port) on this node, learned from the inbound rows the agent
 * itself writes. A connection DNAT'd from a Service IP to a pod on this node names the Service IP
 * in its socket, so the capture pipeline's socket index cannot see that the peer is local; once
 * the destination is translated, the backend's accepted socket is. Rows of one flush are learned
 * before any is enriched, so the client's row finds the backend's in the same batch, and a
 * server's entry stays for ttlMs after its last row, so later intervals find it too.
 *
 * Only inbound rows teach: their local side is a listening endpoint. Loopback addresses repeat in
 * every network namespace and a wildcard names no one, so neither is kept. Pure: no Node APIs.
 */

export interface LocalServersOptions {
  /** Default 16,384 endpoints; the least recently learned goes first. */
  readonly maxEntries?: number;
  /** Default 2 minutes: several flush intervals, short enough that a reused pod IP is not misread. */
  readonly ttlMs?: number;
  readonly now: () => number;
}

interface Entry {
  readonly containerId: string;
  readonly expiresAt: number;
}

const V4_MAPPED = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

function keyOf(protocol: Protocol, ip: string, port: number): string | undefined {
  const canonical = V4_MAPPED.exec(ip)?.[1] ?? ip.toLowerCase();
  if (
    port === 0 ||
    canonical === '0.0.0.0' ||
    canonical === '::' ||
    canonical === '::1' ||
    canonical.startsWith('127.')
  ) {
    return undefined;
  }
  return `${protocol} ${canonical} ${port}`;
}

export class LocalServers {
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(options: LocalServersOptions) {
    this.maxEntries = options.maxEntries ?? 16_384;
    this.ttlMs = options.ttlMs ?? 120_000;
    this.now = options.now;
    if (!Number.isInteger(this.maxEntries) || this.maxEntries < 1) {
      throw new RangeError(`LocalServers maxEntries: expected a positive integer, got ${options.maxEntries}`);
    }
    if (!(this.ttlMs > 0)) {
      throw new RangeError(`LocalServers ttlMs: expected milliseconds > 0, got ${options.ttlMs}`);
    }
  }

  learn(protocol: Protocol, ip: string, port: number, containerId: string): void {
    const key = containerId === '' ? undefined : keyOf(protocol, ip, port);
    if (key === undefined) {
      return;
    }
    // Delete first: a Map iterates in insertion order, so the oldest entry is always the first.
    this.entries.delete(key);
    this.entries.set(key, { containerId, expiresAt: this.now() + this.ttlMs });
    if (this.entries.size > this.maxEntries) {
      this.entries.delete(this.entries.keys().next().value as string);
    }
  }

  /** The container serving this endpoint, or undefined when none was seen lately. */
  containerOf(protocol: Protocol, ip: string, port: number): string | undefined {
    const key = keyOf(protocol, ip, port);
    const entry = key === undefined ? undefined : this.entries.get(key);
    if (entry === undefined) {
      return undefined;
    }
    if (this.now() > entry.expiresAt) {
      this.entries.delete(key!);
      return undefined;
    }
    return entry.containerId;
  }

  get size(): number {
    return this.entries.size;
  }
}
