import { maskIp, type Cidr } from './ipAddress';

/**
 * Longest-prefix match over CIDRs: one hash map per prefix length in use, probed from the longest
 * length down. Inventories hold a handful of distinct lengths, so a lookup is a few map probes,
 * and updates are single map operations (no trie to rebalance).
 */
export class PrefixTable<V> {
  private readonly byLength = new Map<number, Map<bigint, V>>();
  /** Lengths in use, longest first. */
  private lengths: number[] = [];

  set(cidr: Cidr, value: V): void {
    let table = this.byLength.get(cidr.prefix);
    if (table === undefined) {
      table = new Map();
      this.byLength.set(cidr.prefix, table);
      this.lengths = [...this.byLength.keys()].sort((a, b) => b - a);
    }
    table.set(cidr.base, value);
  }

  delete(cidr: Cidr): void {
    const table = this.byLength.get(cidr.prefix);
    if (table?.delete(cidr.base) && table.size === 0) {
      this.byLength.delete(cidr.prefix);
      this.lengths = this.lengths.filter((length) => length !== cidr.prefix);
    }
  }

  /** Every entry containing ip, most specific first. */
  *matches(ip: bigint): Generator<V> {
    for (const length of this.lengths) {
      const value = this.byLength.get(length)?.get(maskIp(ip, length));
      if (value !== undefined) {
        yield value;
      }
    }
  }
}
