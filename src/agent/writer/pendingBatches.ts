import type { IngestRows, IngestTable } from '../../shared/schema';

/** Rows of one table that go to the store in one insert, under one dedup token. */
export type Batch = { [T in IngestTable]: BatchOf<T> }[IngestTable];

export interface BatchOf<T extends IngestTable> {
  readonly table: T;
  readonly rows: ReadonlyArray<IngestRows[T]>;
  /** Fixed when the batch is made, so every retry (and a replay after a restart) carries the same one. */
  readonly token: string;
  /** Inserts tried and failed so far. */
  attempts: number;
}

/**
 * The batches the store has not acknowledged yet, oldest first. This is the seam for the on-disk
 * spool (issue 8): a disk-backed queue implements the same interface and the writer is unchanged.
 */
export interface PendingBatches {
  /** Adds a batch; returns the batches pushed out to stay within the bound (oldest first). */
  push(batch: Batch): Batch[];
  peek(): Batch | undefined;
  shift(): Batch | undefined;
  /** Removes and returns everything. */
  takeAll(): Batch[];
  readonly length: number;
  readonly rows: number;
}

/**
 * In memory, bounded by rows: when the store is away longer than the bound covers, the oldest
 * batches go first, since recent data is what a person looks at when the store comes back.
 */
export class MemoryPendingBatches implements PendingBatches {
  private readonly batches: Batch[] = [];
  private rowCount = 0;

  constructor(private readonly maxRows: number) {
    if (!Number.isSafeInteger(maxRows) || maxRows < 1) {
      throw new RangeError(`MemoryPendingBatches maxRows: expected a positive integer, got ${maxRows}`);
    }
  }

  push(batch: Batch): Batch[] {
    this.batches.push(batch);
    this.rowCount += batch.rows.length;
    const evicted: Batch[] = [];
    // The newest batch always stays, even alone above the bound: the writer keeps batches smaller.
    while (this.rowCount > this.maxRows && this.batches.length > 1) {
      evicted.push(this.shift()!);
    }
    return evicted;
  }

  peek(): Batch | undefined {
    return this.batches[0];
  }

  shift(): Batch | undefined {
    const batch = this.batches.shift();
    this.rowCount -= batch?.rows.length ?? 0;
    return batch;
  }

  takeAll(): Batch[] {
    const all = this.batches.splice(0);
    this.rowCount = 0;
    return all;
  }

  get length(): number {
    return this.batches.length;
  }

  get rows(): number {
    return this.rowCount;
  }
}
