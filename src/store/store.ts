import type { IngestRows, IngestTable } from '../shared/schema';
import type { QueryParams } from '../shared/sql/query';

/** Output formats `netmon sql` and the query endpoint can ask for. */
export type ResultFormat = 'JSONEachRow' | 'TabSeparatedWithNames' | 'PrettyCompactMonoBlock' | 'JSON';

/**
 * The one door to ClickHouse for Node code: the embedded engine (chDB) or a server over HTTP,
 * both behind @clickhouse/client, so callers never know which.
 */
export interface Store {
  /** 'embedded:<dir>' or the server URL without credentials, for messages. */
  readonly description: string;
  /** Rows as objects; 64-bit integers arrive as strings. */
  query<T = Record<string, unknown>>(sql: string, params?: QueryParams): Promise<T[]>;
  /** The result as text in the given format, for printing. */
  queryText(sql: string, format: ResultFormat, params?: QueryParams): Promise<string>;
  /** DDL and other statements without a result. */
  command(sql: string, params?: QueryParams): Promise<void>;
  /** One batched insert; a token makes a retried batch idempotent. */
  insert<T extends IngestTable>(table: T, rows: ReadonlyArray<IngestRows[T]>, dedupToken?: string): Promise<void>;
  close(): Promise<void>;
}
