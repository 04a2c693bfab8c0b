import type { IngestRows, IngestTable } from '../../shared/schema';
import type { Store } from '../../store/store';
import { restartDelayMs } from '../bpftrace/restartBackoff';
import { dedupToken } from './dedupToken';
import { MemoryPendingBatches, type Batch, type PendingBatches } from './pendingBatches';

/**
 * Puts the agent's rows into the store: batches per table, each with a dedup token fixed when it
 * is made, inserted oldest first. A failed insert keeps the batch (and everything after it) for
 * the next flush, after a doubling delay; rows are dropped only when the pending bound is
 * exceeded, a batch has failed maxAttempts times, or the agent gives up at exit — and every
 * dropped row is counted.
 */
export interface RowWriterOptions {
  store: Store;
  /** Host name, part of every dedup token. */
  node: string;
  /** Distinguishes this agent run from earlier ones in dedup tokens. Default: start time and pid. */
  runId?: string;
  /** Rows per insert; larger writes are split. Default 50,000. */
  maxBatchRows?: number;
  /** Rows kept while the store does not take them. Default 500,000 (some hundreds of MB at worst). */
  maxPendingRows?: number;
  /** Tries of one batch before it is given up as rejected. Default 10 (about 5 minutes with the default delays). */
  maxAttempts?: number;
  /** Delay after the first failure, doubling up to maxRetryDelayMs. Default 1 s. */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** Where unacknowledged batches wait; the on-disk spool plugs in here. Default in memory. */
  pending?: PendingBatches;
  now?: () => number;
  log?: (line: string) => void;
}

/** Cumulative since the writer was made; agent_health takes deltas. */
export interface RowWriterStats {
  /** Rows the store acknowledged. */
  readonly sent: number;
  /** Rows given up on: pushed out by the bound, rejected too often, or abandoned at exit. */
  readonly dropped: number;
  /** Inserts that failed. */
  readonly failures: number;
  readonly pendingRows: number;
  readonly pendingBatches: number;
  /** The last insert error, until an insert succeeds again. */
  readonly lastError: string | undefined;
}

export interface FlushOptions {
  /** Try now even while a retry delay runs (the agent's last flush at exit). */
  force?: boolean;
}

function positiveInt(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`RowWriter ${what}: expected a positive integer, got ${value}`);
  }
  return value;
}

export class RowWriter {
  private readonly store: Store;
  private readonly node: string;
  private readonly runId: string;
  private readonly maxBatchRows: number;
  private readonly maxAttempts: number;
  private readonly retryPolicy: { initialMs: number; maxMs: number; stableMs: number };
  private readonly pending: PendingBatches;
  private readonly now: () => number;
  private readonly log: (line: string) => void;
  private sequence = 0;
  private sent = 0;
  private dropped = 0;
  private failures = 0;
  private failuresInARow = 0;
  private retryAt = 0;
  private lastError: string | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(opts: RowWriterOptions) {
    this.store = opts.store;
    this.node = opts.node;
    this.now = opts.now ?? Date.now;
    this.runId = opts.runId ?? `${this.now()}-${process.pid}`;
    this.maxBatchRows = positiveInt(opts.maxBatchRows ?? 50_000, 'maxBatchRows');
    const maxPendingRows = positiveInt(opts.maxPendingRows ?? 500_000, 'maxPendingRows');
    if (maxPendingRows < this.maxBatchRows) {
      throw new RangeError(
        `RowWriter maxPendingRows: expected at least maxBatchRows (${this.maxBatchRows}), got ${maxPendingRows}`
      );
    }
    this.maxAttempts = positiveInt(opts.maxAttempts ?? 10, 'maxAttempts');
    this.retryPolicy = {
      initialMs: positiveInt(opts.retryDelayMs ?? 1000, 'retryDelayMs'),
      maxMs: positiveInt(opts.maxRetryDelayMs ?? 60_000, 'maxRetryDelayMs'),
      stableMs: Infinity,
    };
    this.pending = opts.pending ?? new MemoryPendingBatches(maxPendingRows);
    this.log = opts.log ?? (() => undefined);
  }

  /** Queues rows for the next flush; nothing is sent until then. */
  write<T extends IngestTable>(table: T, rows: ReadonlyArray<IngestRows[T]>): void {
    for (let i = 0; i < rows.length; i += this.maxBatchRows) {
      const part = rows.slice(i, i + this.maxBatchRows);
      const token = dedupToken(this.node, this.runId, table, this.sequence++, part);
      const evicted = this.pending.push({ table, rows: part, token, attempts: 0 } as Batch);
      for (const batch of evicted) {
        this.drop(batch, `more than the pending bound of rows waited for ${this.store.description}`);
      }
    }
  }

  /**
   * Inserts pending batches in order until one fails or none is left. Flushes run one at a time;
   * a call during another waits for it and then runs.
   */
  flush(opts: FlushOptions = {}): Promise<void> {
    this.flushing = this.flushing.then(() => this.flushPending(opts.force ?? false));
    return this.flushing;
  }

  /** Counts everything still pending as dropped: the agent is exiting and nothing will retry it. */
  abandonPending(reason: string): number {
    const batches = this.pending.takeAll();
    for (const batch of batches) {
      this.drop(batch, reason);
    }
    return batches.reduce((n, b) => n + b.rows.length, 0);
  }

  stats(): RowWriterStats {
    return {
      sent: this.sent,
      dropped: this.dropped,
      failures: this.failures,
      pendingRows: this.pending.rows,
      pendingBatches: this.pending.length,
      lastError: this.lastError,
    };
  }

  private async flushPending(force: boolean): Promise<void> {
    if (!force && this.now() < this.retryAt) {
      return;
    }
    for (let batch = this.pending.peek(); batch !== undefined; batch = this.pending.peek()) {
      try {
        await this.insert(batch);
      } catch (err) {
        this.onFailure(batch, err);
        return;
      }
      this.pending.shift();
      this.sent += batch.rows.length;
      this.failuresInARow = 0;
      this.retryAt = 0;
      this.lastError = undefined;
    }
  }

  private insert(batch: Batch): Promise<void> {
    // The union of batch kinds is one table each; the store's generic cannot see that through it.
    return this.store.insert(
      batch.table as IngestTable,
      batch.rows as ReadonlyArray<IngestRows[IngestTable]>,
      batch.token
    );
  }

  private onFailure(batch: Batch, err: unknown): void {
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    this.failures++;
    this.failuresInARow++;
    batch.attempts++;
    this.lastError = `insert of ${batch.rows.length} ${batch.table} rows into ${this.store.description} failed: ${message}`;
    const delayMs = restartDelayMs(this.retryPolicy, this.failuresInARow);
    this.retryAt = this.now() + delayMs;
    if (batch.attempts >= this.maxAttempts) {
      this.pending.shift();
      this.drop(batch, `${this.lastError} (${batch.attempts} tries)`);
      return;
    }
    this.log(`${this.lastError}; ${this.pending.rows} rows pending, next try in ${Math.round(delayMs / 1000)} s`);
  }

  private drop(batch: Batch, reason: string): void {
    this.dropped += batch.rows.length;
    this.log(`dropped ${batch.rows.length} ${batch.table} rows: ${reason}`);
  }
}
