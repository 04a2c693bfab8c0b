import type { IngestRows, IngestTable } from '../../shared/schema';
import { restartDelayMs } from '../bpftrace/restartBackoff';
import { dedupToken } from './dedupToken';
import { MemoryPendingBatches, summary, type Batch, type BatchSummary, type PendingBatches } from './pendingBatches';
import { failureKind, type RowSink } from './rowSink';

/** RowWriterOptions.maxBatchRows's default. */
const DEFAULT_MAX_BATCH_ROWS = 100_000;

/**
 * Puts the agent's rows into the store (or another RowSink): batches per table, each with a dedup
 * token fixed when it is made, kept in the pending queue (memory, or the disk spool) and inserted
 * oldest first, one insert at a time. A failed insert keeps the batch (and everything after it)
 * for the next flush, after a doubling delay; rows are dropped only when the pending bound is
 * exceeded, the sink rejects a batch, a batch has failed maxAttempts times, or the agent gives up
 * at exit with nothing on disk — and every dropped row is counted.
 *
 * write() only hands rows over; the next flush puts them into the queue (on disk, with an fsync)
 * before it tries the sink, so a slow sink holds up the flush, never the caller of write().
 */
export interface RowWriterOptions {
  /** Where batches go: the ClickHouse store, or any RowSink (the Vector sink). */
  store: RowSink;
  /** Host name, part of every dedup token. */
  node: string;
  /** Distinguishes this agent run from earlier ones in dedup tokens. Default: start time and pid. */
  runId?: string;
  /**
   * Rows per insert; larger writes are split. Default 100,000: fewer, larger parts leave chDB fewer
   * merges. 500k rows into the embedded store cost 11.5 µs a row of CPU in 50k-row batches, 8.5 in
   * 100k and 8.1 in 125k (docs/BENCHMARKS.md, change 7); the encoder then keeps ~45 MB of outputs.
   */
  maxBatchRows?: number;
  /** Rows kept while the store does not take them. Default 500,000 (some hundreds of MB at worst). */
  maxPendingRows?: number;
  /**
   * Tries of one batch before it is given up as rejected. Default 10 (about 5 minutes with the
   * default delays). A SinkError 'unavailable' does not count: the sink is away, the batch is fine.
   */
  maxAttempts?: number;
  /** Delay after the first failure, doubling up to maxRetryDelayMs. Default 1 s. */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** Where unacknowledged batches wait: DiskPendingBatches to outlive the process. Default in memory, maxPendingRows. */
  pending?: PendingBatches;
  now?: () => number;
  log?: (line: string) => void;
}

/** Cumulative since the writer was made; agent_health takes deltas. */
export interface RowWriterStats {
  /** Rows the store acknowledged. */
  readonly sent: number;
  /** Rows given up on: pushed out by the bound, rejected, failed too often, abandoned at exit, or damaged on disk. */
  readonly dropped: number;
  /** Rows written to the disk spool. */
  readonly spooled: number;
  /** Size of the disk spool; 0 in memory. */
  readonly spoolBytes: number;
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
  private readonly store: RowSink;
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
  /** Written but not yet in the pending queue. */
  private staged: Batch[] = [];
  private stagedRows = 0;
  /** Every flush and queue operation runs after the one before, so they never overlap. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(opts: RowWriterOptions) {
    this.store = opts.store;
    this.node = opts.node;
    this.now = opts.now ?? Date.now;
    this.runId = opts.runId ?? `${this.now()}-${process.pid}`;
    this.maxBatchRows = positiveInt(opts.maxBatchRows ?? DEFAULT_MAX_BATCH_ROWS, 'maxBatchRows');
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

  /** Hands rows over for the next flush; nothing is queued or sent until then. */
  write<T extends IngestTable>(table: T, rows: ReadonlyArray<IngestRows[T]>): void {
    for (let i = 0; i < rows.length; i += this.maxBatchRows) {
      const part = rows.slice(i, i + this.maxBatchRows);
      const token = dedupToken(this.node, this.runId, table, this.sequence++, part);
      this.staged.push({ table, rows: part, token, attempts: 0 } as Batch);
      this.stagedRows += part.length;
    }
  }

  /**
   * Queues what was written, then inserts pending batches in order until one fails or none is
   * left. Flushes run one at a time; a call during another waits for it and then runs.
   */
  flush(opts: FlushOptions = {}): Promise<void> {
    return this.serially(() => this.flushPending(opts.force ?? false));
  }

  /**
   * The agent is exiting and nothing will retry in this process: what the queue would lose with it
   * (everything, in memory) is counted as dropped; a disk spool keeps its batches for the next
   * start. Resolves to the rows dropped.
   */
  abandonPending(reason: string): Promise<number> {
    return this.serially(async () => {
      await this.queueStaged();
      const lost = await this.pending.abandon();
      for (const batch of lost) {
        this.drop(batch, reason);
      }
      return lost.reduce((n, b) => n + b.rowCount, 0);
    });
  }

  stats(): RowWriterStats {
    return {
      sent: this.sent,
      dropped: this.dropped + this.pending.lostRows,
      spooled: this.pending.spooledRows,
      spoolBytes: this.pending.bytes,
      failures: this.failures,
      pendingRows: this.pending.rows + this.stagedRows,
      pendingBatches: this.pending.length + this.staged.length,
      lastError: this.lastError,
    };
  }

  private serially<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task);
    // A failed task (the disk, say) must not stop every later one.
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async queueStaged(): Promise<void> {
    const staged = this.staged;
    this.staged = [];
    this.stagedRows = 0;
    for (const batch of staged) {
      let evicted: BatchSummary[];
      try {
        evicted = await this.pending.push(batch);
      } catch (err) {
        this.drop(summary(batch), `cannot queue it: ${(err as Error).message}`);
        continue;
      }
      for (const old of evicted) {
        this.drop(old, `more than the pending bound waited for ${this.store.description}`);
      }
    }
  }

  private async flushPending(force: boolean): Promise<void> {
    await this.queueStaged();
    if (!force && this.now() < this.retryAt) {
      return;
    }
    for (let batch = await this.pending.peek(); batch !== undefined; batch = await this.pending.peek()) {
      try {
        await this.insert(batch);
      } catch (err) {
        if (await this.onFailure(batch, err)) {
          continue;
        }
        return;
      }
      await this.pending.shift();
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

  /** Resolves to whether the flush goes on with the next batch (after a rejected one) or waits for the retry delay. */
  private async onFailure(batch: Batch, err: unknown): Promise<boolean> {
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    this.failures++;
    this.lastError = `insert of ${batch.rows.length} ${batch.table} rows into ${this.store.description} failed: ${message}`;
    const kind = failureKind(err);
    if (kind === 'rejected') {
      // The sink answered and would refuse it again: the batches behind it need not wait.
      await this.pending.shift();
      this.drop(summary(batch), `${this.lastError} (rejected, not retried)`);
      return true;
    }
    this.failuresInARow++;
    if (kind !== 'unavailable') {
      batch.attempts++;
    }
    const delayMs = restartDelayMs(this.retryPolicy, this.failuresInARow);
    this.retryAt = this.now() + delayMs;
    if (batch.attempts >= this.maxAttempts) {
      await this.pending.shift();
      this.drop(summary(batch), `${this.lastError} (${batch.attempts} tries)`);
      return false;
    }
    this.log(`${this.lastError}; ${this.pending.rows} rows pending, next try in ${Math.round(delayMs / 1000)} s`);
    return false;
  }

  private drop(batch: BatchSummary, reason: string): void {
    this.dropped += batch.rowCount;
    this.log(`dropped ${batch.rowCount} ${batch.table} rows: ${reason}`);
  }
}
