import type { IngestRows, IngestTable } from '../../shared/schema';

/**
 * Where RowWriter puts batches: the ClickHouse store (a Store is one as it is) or the Vector sink
 * (src/agent/sink/vectorSink.ts). Calls come one at a time.
 */
export interface RowSink {
  /** For messages: 'embedded:<dir>', a server URL, 'vector at <url>'. */
  readonly description: string;
  /** Resolves once the batch is acknowledged; `dedupToken` makes a replay of it harmless downstream. */
  insert<T extends IngestTable>(table: T, rows: ReadonlyArray<IngestRows[T]>, dedupToken: string): Promise<void>;
}

/**
 * A failure the sink can classify. 'unavailable': the sink cannot take anything now (down, slow,
 * overloaded) — the batch is fine, so it is retried for as long as the spool keeps it. 'rejected':
 * the sink refused this batch and would refuse it again, so it is counted as dropped, not retried.
 * Other errors are retried up to RowWriter's maxAttempts.
 */
export class SinkError extends Error {
  override readonly name = 'SinkError';

  constructor(
    message: string,
    readonly kind: 'unavailable' | 'rejected',
    options?: { cause?: unknown }
  ) {
    super(message, options);
  }
}
