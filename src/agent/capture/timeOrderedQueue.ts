/**
 * Puts events back in kernel time order. bpftrace reads one perf buffer per CPU, so a line from
 * one CPU can be read after a later line from another (a close before its open, an event before
 * the flush that it preceded). Values wait until they are older than a window and are then
 * applied sorted by timestamp, ties in arrival order; one that shows up after later values were
 * already applied is counted as late and is applied at the next release.
 *
 * Values are data handed to one apply function rather than a closure each: the capture queues
 * every line, and a closure per line was a good part of its garbage. Without an apply function the
 * values are closures and run themselves.
 */

interface Item<T> {
  readonly ts: number;
  readonly value: T;
}

// Array.prototype.sort is stable, and items are appended in arrival order: ties keep it.
const byTime = <T>(a: Item<T>, b: Item<T>) => a.ts - b.ts;
const runIt = (run: unknown) => (run as () => void)();

export class TimeOrderedQueue<T = () => void> {
  private items: Array<Item<T>> = [];
  private lastRunTs = Number.NEGATIVE_INFINITY;
  private lateItems = 0;

  constructor(private readonly apply: (value: T) => void = runIt) {}

  push(ts: number, value: T): void {
    if (ts < this.lastRunTs) {
      this.lateItems++;
    }
    this.items.push({ ts, value });
  }

  /** Applies every value with a timestamp at or before `ts`. */
  runUntil(ts: number): void {
    this.items.sort(byTime);
    let n = 0;
    while (n < this.items.length && this.items[n].ts <= ts) {
      n++;
    }
    this.runFirst(n);
  }

  /** Applies the oldest `n` values whatever their age: the bound on memory when lines pour in. */
  runOldest(n: number): void {
    this.items.sort(byTime);
    this.runFirst(Math.min(n, this.items.length));
  }

  runAll(): void {
    this.runOldest(this.items.length);
  }

  get length(): number {
    return this.items.length;
  }

  get late(): number {
    return this.lateItems;
  }

  private runFirst(n: number): void {
    const due = this.items.slice(0, n);
    this.items = this.items.slice(n);
    for (const item of due) {
      this.lastRunTs = Math.max(this.lastRunTs, item.ts);
      this.apply(item.value);
    }
  }
}
