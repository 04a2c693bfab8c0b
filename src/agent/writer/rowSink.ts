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

/** Errors of a transport that did not get through: the server is down, unreachable or too slow. */
const TRANSPORT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * ClickHouse errors (the `code` of a ClickHouseError, from a server or chDB) that say the store
 * cannot write anything now, whatever the batch: NOT_ENOUGH_SPACE (a full disk: chDB's "Cannot
 * reserve 1.00 MiB, not enough space"), TABLE_IS_READ_ONLY (a disk gone read-only), TOO_MANY_PARTS
 * (merges behind: back-pressure).
 */
const STORE_CANNOT_WRITE_CODES = new Set(['243', '242', '252']);

/**
 * A full local disk (a Node fs error): the embedded store writes each batch to a scratch file for
 * chDB to read (src/store/clientStore.ts), so a full scratch disk is the store's full disk too.
 */
const DISK_FULL_CODES = new Set(['ENOSPC', 'EDQUOT']);

/**
 * How RowWriter treats a failed insert: a SinkError says so itself; an error whose chain shows the
 * server could not be reached (ClickHouse over HTTP refused, reset, timed out) or cannot write at
 * all (a full disk, the embedded store's or its scratch files' included) is 'unavailable' as well, so an outage waits in
 * the spool instead of using up a batch's attempts; anything else (a server that answered with an
 * error about this batch) is undefined: retried up to maxAttempts.
 */
export function failureKind(error: unknown): SinkError['kind'] | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof SinkError) {
      return e.kind;
    }
    const code = (e as { code?: unknown }).code;
    if (
      (typeof code === 'string' &&
        (TRANSPORT_CODES.has(code) || STORE_CANNOT_WRITE_CODES.has(code) || DISK_FULL_CODES.has(code))) ||
      /^(Timeout error|socket hang up)/i.test(e.message)
    ) {
      return 'unavailable';
    }
  }
  return undefined;
}
