/**
 * Puts events back in kernel time order. bpftrace reads one perf buffer per CPU, so a line from
 * one CPU can be read after a later line from another (a close before its open, an event before
 * the flush that it preceded). Items wait until they are older than a window and then run sorted
 * by timestamp, ties in arrival order; one that shows up after later items already ran is
 * counted as late and runs at the next release.
 */

interface Item {
  readonly ts: number;
  readonly arrival: number;
  readonly run: () => void;
}

const byTime = (a: Item, b: Item) => a.ts - b.ts || a.arrival - b.arrival;

export class TimeOrderedQueue {
  private items: Item[] = [];
  private arrivals = 0;
  private lastRunTs = Number.NEGATIVE_INFINITY;
  private lateItems = 0;

  push(ts: number, run: () => void): void {
    if (ts < this.lastRunTs) {
      this.lateItems++;
    }
    this.items.push({ ts, arrival: this.arrivals++, run });
  }

  /** Runs every item with a timestamp at or before `ts`. */
  runUntil(ts: number): void {
    this.items.sort(byTime);
    let n = 0;
    while (n < this.items.length && this.items[n].ts <= ts) {
      n++;
    }
    this.runFirst(n);
  }

  /** Runs the oldest `n` items whatever their age: the bound on memory when lines pour in. */
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
      item.run();
    }
  }
}
