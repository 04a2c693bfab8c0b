/**
 * IP -> the last DNS name whose answer held that IP on this node: the label of an external peer
 * (connections.remote_dns_name). An address reached through a CNAME chain is labelled with the
 * name the client asked for, not the chain's last owner: the application dialed
 * "api.example.com", and "d1234.cdn.example.net" tells the reader less. Entries live for the
 * record's TTL plus a grace period, so a connection opened just as a short TTL (0-30 s is common
 * behind load balancers) runs out still gets its name; the newest answer for an address wins.
 * Bounded: the least recently used entry goes first. Pure: no Node APIs.
 */

export interface DnsNameMapOptions {
  readonly maxEntries?: number;
  /** Kept past the TTL; default 30 s. */
  readonly graceMs?: number;
  /** Milliseconds on the clock observations are stamped with (monotonic in the agent). */
  readonly now: () => number;
}

export interface DnsNameMapStats {
  readonly size: number;
  readonly evictions: number;
}

interface Entry {
  readonly name: string;
  readonly expiresAt: number;
}

const V4_MAPPED = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/** One spelling per address: answers give 10.0.0.1, dual-stack sockets report ::ffff:10.0.0.1. */
function addressKey(ip: string): string {
  const lower = ip.toLowerCase();
  return V4_MAPPED.exec(lower)?.[1] ?? lower;
}

export class DnsNameMap {
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private readonly graceMs: number;
  private readonly now: () => number;
  private evictions = 0;

  constructor(options: DnsNameMapOptions) {
    this.maxEntries = options.maxEntries ?? 65_536;
    this.graceMs = options.graceMs ?? 30_000;
    this.now = options.now;
    if (!Number.isInteger(this.maxEntries) || this.maxEntries < 1) {
      throw new RangeError(`DnsNameMap maxEntries: expected a positive integer, got ${options.maxEntries}`);
    }
    if (!(this.graceMs >= 0)) {
      throw new RangeError(`DnsNameMap graceMs: expected milliseconds >= 0, got ${options.graceMs}`);
    }
  }

  /** Records that `name`'s answer held `ip` with this TTL (seconds), seen at `atMs`. */
  observe(ip: string, name: string, ttlSeconds: number, atMs = this.now()): void {
    const key = addressKey(ip);
    // Delete first: a Map iterates in insertion order, so re-inserting marks the entry newest.
    this.entries.delete(key);
    this.entries.set(key, { name, expiresAt: atMs + Math.max(0, ttlSeconds) * 1000 + this.graceMs });
    if (this.entries.size > this.maxEntries) {
      this.entries.delete(this.entries.keys().next().value as string);
      this.evictions++;
    }
  }

  /** The name for `ip`, or undefined when none was seen or it expired. */
  lookup(ip: string, atMs = this.now()): string | undefined {
    const key = addressKey(ip);
    const entry = this.entries.get(key);
    if (entry === undefined) {
      return undefined;
    }
    this.entries.delete(key);
    if (atMs > entry.expiresAt) {
      return undefined;
    }
    this.entries.set(key, entry);
    return entry.name;
  }

  stats(): DnsNameMapStats {
    return { size: this.entries.size, evictions: this.evictions };
  }
}
