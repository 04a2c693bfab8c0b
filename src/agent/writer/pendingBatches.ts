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

/** What is said about a batch that is given up: without its rows, which a disk queue would have to read back. */
export interface BatchSummary {
  readonly table: IngestTable;
  readonly token: string;
  readonly rowCount: number;
}

/**
 * The batches the store has not acknowledged yet, oldest first: in memory, or on disk so they
 * outlive the process (diskPendingBatches.ts). Calls must not overlap; RowWriter makes them one
 * at a time.
 */
export interface PendingBatches {
  /** Adds a batch; resolves, once it is kept, to the batches pushed out to stay within the bound (oldest first). */
  push(batch: Batch): Promise<BatchSummary[]>;
  /** The oldest batch; the same object until it is shifted, so its attempts count. */
  peek(): Promise<Batch | undefined>;
  /** Removes the oldest batch: acknowledged, or given up. */
  shift(): Promise<void>;
  /**
   * The agent exits and stops trying: removes and returns what would be lost with the process.
   * A durable queue keeps everything for the next start and returns nothing.
   */
  abandon(): Promise<BatchSummary[]>;
  readonly length: number;
  readonly rows: number;
  /** Size on disk; 0 in memory. */
  readonly bytes: number;
  /** Rows written to disk so far (cumulative); 0 in memory. */
  readonly spooledRows: number;
  /** Rows the queue lost by itself (records found damaged when it opened); cumulative. */
  readonly lostRows: number;
}

export function summary(batch: Batch): BatchSummary {
  return { table: batch.table, token: batch.token, rowCount: batch.rows.length };
}

/**
 * In memory, bounded by rows: when the store is away longer than the bound covers, the oldest
 * batches go first, since recent data is what a person looks at when the store comes back.
 */
export class MemoryPendingBatches implements PendingBatches {
  private readonly batches: Batch[] = [];
  private rowCount = 0;
  readonly bytes = 0;
  readonly spooledRows = 0;
  readonly lostRows = 0;

  constructor(private readonly maxRows: number) {
    if (!Number.isSafeInteger(maxRows) || maxRows < 1) {
      throw new RangeError(`MemoryPendingBatches maxRows: expected a positive integer, got ${maxRows}`);
    }
  }

  push(batch: Batch): Promise<BatchSummary[]> {
    this.batches.push(batch);
    this.rowCount += batch.rows.length;
    const evicted: BatchSummary[] = [];
    // The newest batch always stays, even alone above the bound: the writer keeps batches smaller.
    while (this.rowCount > this.maxRows && this.batches.length > 1) {
      evicted.push(summary(this.removeOldest()));
    }
    return Promise.resolve(evicted);
  }

  peek(): Promise<Batch | undefined> {
    return Promise.resolve(this.batches[0]);
  }

  shift(): Promise<void> {
    if (this.batches.length > 0) {
      this.removeOldest();
    }
    return Promise.resolve();
  }

  abandon(): Promise<BatchSummary[]> {
    const all = this.batches.splice(0).map(summary);
    this.rowCount = 0;
    return Promise.resolve(all);
  }

  get length(): number {
    return this.batches.length;
  }

  get rows(): number {
    return this.rowCount;
  }

  private removeOldest(): Batch {
    const batch = this.batches.shift()!;
    this.rowCount -= batch.rows.length;
    return batch;
  }
}
