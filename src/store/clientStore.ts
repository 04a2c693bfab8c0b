import { randomUUID } from 'node:crypto';
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';
import { DATABASE, columnNames, type IngestRows, type IngestTable } from '../shared/schema';
import type { QueryParams } from '../shared/sql/query';
import type { ResultFormat, Store } from './store';

/**
 * Every insert carries a token: the caller's, or a fresh one. chDB applies clickhouse_settings as a
 * session-wide SET, so a token left over from the previous insert would otherwise silently drop
 * the next, different batch. And without a token the tables' dedup window drops a batch whose
 * bytes match a recent one (same hash), a legitimate repeat included; insert_deduplicate = 0 does
 * not stop that on ClickHouse 26 (its new deduplicate_insert setting overrides it, and older
 * servers reject that name), while a unique token works on every version. The rollup views are
 * deduplicated along with the raw table, or a retried batch would be counted twice there.
 */
function dedupSettings(token: string | undefined): ClickHouseSettings {
  return {
    insert_deduplicate: 1,
    insert_deduplication_token: token ?? randomUUID(),
    deduplicate_blocks_in_dependent_materialized_views: 1,
  };
}

/**
 * Rows go over as JSONCompactEachRow: positional arrays in schema.ts column order, named in the
 * INSERT. 200k connections rows into chDB, rollup views included, on the 2-core dev box
 * (`node --import tsx src/store/insertFormat.bench.ts`), best of two rounds, same stored data:
 *   JSONEachRow 9.2 s, JSONCompactEachRow 4.3 s, CSV 4.5 s.
 * CSV is no faster and needs its own quoting and a seconds-based DateTime64, so JSON it is; the
 * keys of JSONEachRow are most of its bytes, and chDB parses the body as part of the SQL text.
 */
function insertValues<T extends IngestTable>(table: T, rows: ReadonlyArray<IngestRows[T]>): unknown[][] {
  const names = columnNames(table) as Array<keyof IngestRows[T]>;
  return rows.map((row) => names.map((name) => row[name]));
}

/** A Store over any @clickhouse/client, embedded or remote; openStore picks the connection. */
export function storeFromClient(client: ClickHouseClient, description: string): Store {
  return {
    description,

    async query<T>(sql: string, params?: QueryParams): Promise<T[]> {
      const result = await client.query({
        query: sql,
        format: 'JSONEachRow',
        query_params: params,
        // A server quotes them by default and chDB does not; quoted, no UInt64 loses precision.
        clickhouse_settings: { output_format_json_quote_64bit_integers: 1 },
      });
      return result.json<T>();
    },

    async queryText(sql: string, format: ResultFormat, params?: QueryParams): Promise<string> {
      // default_format rather than a FORMAT clause: the user's SQL may end in a comment or a `;`,
      // or carry its own FORMAT, which then wins as it would in clickhouse-client. The cast is
      // because the client's type lists only formats it can parse, and here nothing is parsed.
      const settings = { default_format: format } as ClickHouseSettings;
      const result = await client.exec({ query: sql, query_params: params, clickhouse_settings: settings });
      const chunks: Buffer[] = [];
      for await (const chunk of result.stream) {
        chunks.push(Buffer.from(chunk as Uint8Array));
      }
      return Buffer.concat(chunks).toString('utf8');
    },

    async command(sql: string, params?: QueryParams): Promise<void> {
      await client.command({ query: sql, query_params: params });
    },

    async insert<T extends IngestTable>(table: T, rows: ReadonlyArray<IngestRows[T]>, dedupToken?: string) {
      if (rows.length === 0) {
        return;
      }
      await client.insert({
        table: `${DATABASE}.${table}`,
        columns: columnNames(table) as [string, ...string[]],
        values: insertValues(table, rows),
        format: 'JSONCompactEachRow',
        clickhouse_settings: dedupSettings(dedupToken),
      });
    },

    async close() {
      await client.close();
    },
  };
}
