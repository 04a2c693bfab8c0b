import type { Endpoint, NatFlow, NatProtocol } from './conntrackLine';

/**
 * Where DNAT'd connections really go: (protocol, client ip:port, dialed ip:port) as the client's
 * socket names them → the backend ip:port that netfilter translated the destination to. Fed by
 * conntrackEvents; read by the agent when it builds a connection's rows.
 *
 * The conntrack event and the bpftrace line of the same connect travel separate pipes, so either
 * may come first. lookup() is synchronous and meant to be asked again at each flush (rows are
 * built a reorder window after their events, by when the event is in); resolve() waits for an
 * entry that has not arrived yet, for callers that can.
 *
 * Bounded: at most maxEntries, least recently used evicted first. An entry expires ttlMs after it
 * was recorded or last found, so a connection the agent keeps asking about keeps its entry while
 * one that ended ages out; a later connection on the same tuple is a new conntrack event that
 * replaces it.
 */

export interface NatTableOptions {
  /** Default 65,536: one per live DNAT'd connection on a busy node. */
  readonly maxEntries?: number;
  /** Default 5 minutes: well over any flush interval, so a live connection's lookups keep it. */
  readonly ttlMs?: number;
  /** Monotonic milliseconds; injectable so expiry is testable without waiting. */
  readonly now?: () => number;
}

/** Cumulative since the table was made. */
export interface NatTableStats {
  readonly entries: number;
  /** Flows recorded whose destination was translated. */
  readonly translations: number;
  /** Flows recorded whose destination was not translated (not stored). */
  readonly untranslated: number;
  /** Entries dropped to stay within maxEntries. */
  readonly evictions: number;
  readonly expired: number;
  readonly hits: number;
  readonly misses: number;
}

interface Entry {
  readonly backend: Endpoint;
  touchedAt: number;
}

interface Waiter {
  readonly settle: (backend: Endpoint | undefined) => void;
}

/** IPv4 as dotted quad even when a dual-stack socket names it v4-mapped, as conntrack never does. */
function canonicalIp(ip: string): string {
  const lower = ip.toLowerCase();
  return lower.startsWith('::ffff:') && lower.includes('.') ? lower.slice(7) : lower;
}

function tupleKey(protocol: NatProtocol, local: Endpoint, remote: Endpoint): string {
  return `${protocol} ${canonicalIp(local.ip)} ${local.port} ${canonicalIp(remote.ip)} ${remote.port}`;
}

function positive(value: number, what: string): number {
  if (!(Number.isFinite(value) && value > 0)) {
    throw new RangeError(`NatTable ${what}: expected a positive number, got ${value}`);
  }
  return value;
}

export class NatTable {
  private readonly maxEntries: number;
  private readonly ttlMs: number;
  private readonly now: () => number;
  /** In order of last touch, oldest first: eviction and expiry both take from the front. */
  private readonly entries = new Map<string, Entry>();
  private readonly waiters = new Map<string, Set<Waiter>>();
  private readonly counts = { translations: 0, untranslated: 0, evictions: 0, expired: 0, hits: 0, misses: 0 };

  constructor(opts: NatTableOptions = {}) {
    this.maxEntries = positive(opts.maxEntries ?? 65_536, 'maxEntries');
    if (!Number.isInteger(this.maxEntries)) {
      throw new RangeError(`NatTable maxEntries: expected a whole number, got ${this.maxEntries}`);
    }
    this.ttlMs = positive(opts.ttlMs ?? 300_000, 'ttlMs');
    this.now = opts.now ?? (() => performance.now());
  }

  record(flow: NatFlow): void {
    if (flow.backend.ip === flow.dialed.ip && flow.backend.port === flow.dialed.port) {
      this.counts.untranslated++;
      return;
    }
    this.counts.translations++;
    const key = tupleKey(flow.protocol, flow.client, flow.dialed);
    const backend = { ip: canonicalIp(flow.backend.ip), port: flow.backend.port };
    this.entries.delete(key);
    this.entries.set(key, { backend, touchedAt: this.now() });
    this.dropExpired();
    for (const [oldest] of this.entries) {
      if (this.entries.size <= this.maxEntries) {
        break;
      }
      this.entries.delete(oldest);
      this.counts.evictions++;
    }
    const waiting = this.waiters.get(key);
    this.waiters.delete(key);
    waiting?.forEach((w) => w.settle(backend));
  }

  /** The backend this socket's remote endpoint was translated to, or undefined if none (yet). */
  lookup(protocol: NatProtocol, local: Endpoint, remote: Endpoint): Endpoint | undefined {
    this.dropExpired();
    const key = tupleKey(protocol, local, remote);
    const entry = this.entries.get(key);
    if (entry === undefined) {
      this.counts.misses++;
      return undefined;
    }
    this.counts.hits++;
    entry.touchedAt = this.now();
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.backend;
  }

  /** Like lookup, but waits up to waitMs for an entry that has not been recorded yet. */
  resolve(protocol: NatProtocol, local: Endpoint, remote: Endpoint, waitMs: number): Promise<Endpoint | undefined> {
    const found = this.lookup(protocol, local, remote);
    if (found !== undefined) {
      return Promise.resolve(found);
    }
    const key = tupleKey(protocol, local, remote);
    return new Promise((settle) => {
      const waiter: Waiter = {
        settle: (backend) => {
          clearTimeout(timer);
          settle(backend);
        },
      };
      const timer = setTimeout(() => {
        const set = this.waiters.get(key);
        set?.delete(waiter);
        if (set?.size === 0) {
          this.waiters.delete(key);
        }
        settle(undefined);
      }, waitMs);
      const set = this.waiters.get(key) ?? new Set<Waiter>();
      set.add(waiter);
      this.waiters.set(key, set);
    });
  }

  stats(): NatTableStats {
    return { entries: this.entries.size, ...this.counts };
  }

  private dropExpired(): void {
    const cutoff = this.now() - this.ttlMs;
    for (const [key, entry] of this.entries) {
      if (entry.touchedAt > cutoff) {
        break;
      }
      this.entries.delete(key);
      this.counts.expired++;
    }
  }
}
