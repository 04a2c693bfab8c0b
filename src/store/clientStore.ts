import { randomUUID } from 'node:crypto';
import { closeSync, openSync, rmSync, writevSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';
import { DATABASE, columnNames, type IngestRows, type IngestTable } from '../shared/schema';
import { quoteLiteral } from '../shared/sql/escape';
import type { QueryParams } from '../shared/sql/query';
import { nativeEncoder, nativeStructure } from './nativeFormat';
import { defaultScratchParent, makeScratchDir } from './scratchDir';
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
 * Every insert's settings: the dedup ones, and optimize_on_insert = 0. With it on (the default),
 * each rollup part is sorted and merged by its key once more as it is written, as a background
 * merge would; but every rollup's view groups by exactly its table's sorting key, so each view's
 * block already holds one row per key and that pass finds nothing to merge
 * (rollupParts.itest.ts holds the views to this). The raw tables are plain MergeTree, which it does
 * not touch. Off, a long-lived embedded store took ~9 % less CPU a row; the benchmark's fresh
 * store showed no difference (docs/BENCHMARKS.md, change 12). The writer profile in
 * deploy/clickhouse/users.d/netmon.xml sets the same for Vector's inserts, whose sink cannot send
 * settings.
 */
function insertSettings(token: string | undefined): ClickHouseSettings {
  return { ...dedupSettings(token), optimize_on_insert: 0 };
}

/**
 * How rows reach the engine. 'Native' (the embedded store, set by openStore): the batch is encoded
 * as a Native block (nativeFormat.ts) into a scratch file, and chDB runs
 * `INSERT INTO t (cols) SELECT * FROM file(path, 'Native', structure)`. chDB's client
 * connection joins an insert's body to its SQL as one string and its raw insert takes only text
 * formats, so a file is the one way to hand it binary. 'JSONCompactEachRow' (a server, and the
 * default): positional arrays in schema.ts column order, named in the INSERT; a server's file()
 * would read its own disk.
 *
 * Measured: 200k connections rows into chDB with the rollup views, the same stored data (a hash
 * over all columns), `node --import tsx src/store/insertFormat.bench.ts`. Before RowBinary, wall
 * time, best of two: JSONEachRow 9.2 s, JSONCompactEachRow 4.3 s, CSV 4.5 s (CSV is no faster and
 * needs its own quoting and a seconds-based DateTime64; JSONEachRow's keys are most of its bytes).
 * With RowBinary, CPU of the whole process (process.cpuUsage: node, V8's helpers, chDB's threads)
 * until the insert returned, medians of 5 alternating rounds on the shared 2-core box at load 4-5:
 *   JSONEachRow 8.0 s, CSV 5.0 s, JSONCompactEachRow 6.2 s, RowBinary file 2.9 s (/dev/shm) or
 *   3.4 s (/tmp): 2.1x less CPU than JSONCompactEachRow; encoding is ~3 µs of its ~15 µs a row.
 * The file's place is within the noise (it lives milliseconds and is never flushed); /dev/shm is
 * preferred so that a full data disk fails in chDB (NOT_ENOUGH_SPACE), not in the scratch write.
 * Native blocks with the labels as String replaced RowBinary files with them as LowCardinality:
 * ~2.7 µs less of chDB's CPU a row (nativeFormat.ts; docs/BENCHMARKS.md, change 6). Since change
 * 10 the labels travel as Native LowCardinality dictionaries, ~0.6 µs a row less again.
 */
export type InsertFormat = 'Native' | 'JSONCompactEachRow';

export interface StoreFromClientOptions {
  /** Default 'JSONCompactEachRow', which works against any ClickHouse; 'Native' only where file() reads this machine's disk (chDB). */
  insertFormat?: InsertFormat;
  /** Where Native inserts make their scratch directory; default /dev/shm, else the OS temp dir. */
  scratchParent?: string;
}

function insertValues<T extends IngestTable>(table: T, rows: ReadonlyArray<IngestRows[T]>): unknown[][] {
  const names = columnNames(table) as Array<keyof IngestRows[T]>;
  return rows.map((row) => names.map((name) => row[name]));
}

/**
 * Writes every byte of the chunks to a new file, or throws. writev may write only part (a disk
 * that fills up returns a short count first, and the error only on the next call), so it loops.
 */
function writeChunksSync(file: string, chunks: readonly Buffer[]): void {
  const fd = openSync(file, 'w', 0o600);
  try {
    let rest = chunks.filter((c) => c.length > 0);
    while (rest.length > 0) {
      let written = writevSync(fd, rest);
      if (written === 0) {
        throw Object.assign(new Error(`writev wrote nothing to ${file}`), { code: 'EIO' });
      }
      let i = 0;
      while (i < rest.length && written >= rest[i].length) {
        written -= rest[i].length;
        i++;
      }
      rest = rest.slice(i);
      if (written > 0) {
        rest[0] = rest[0].subarray(written);
      }
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Inserts through Native files in one private directory, made at the first insert and removed
 * on close; each insert's file is removed once chDB has read it, whatever happened.
 */
function nativeInserter(client: ClickHouseClient, scratchParent: string) {
  let dir: string | undefined;
  let sequence = 0;
  return {
    async insert<T extends IngestTable>(table: T, rows: ReadonlyArray<IngestRows[T]>, dedupToken?: string) {
      dir ??= makeScratchDir(scratchParent);
      const file = join(dir, `${sequence++}.bin`);
      try {
        // Bad rows throw here, naming the row and column, before any file exists. The write is
        // synchronous because the encoder's buffers are reused by its next call (nativeFormat.ts).
        nativeEncoder(table)(rows, (chunks) => {
          try {
            writeChunksSync(file, chunks);
          } catch (error) {
            // The code (ENOSPC, say) stays on the cause, where RowWriter's failureKind looks for it.
            const code = (error as NodeJS.ErrnoException).code ?? String(error);
            throw new Error(`cannot write the insert's scratch file ${file}: ${code}`, { cause: error });
          }
        });
        const columns = columnNames(table).join(', ');
        const source = `file(${quoteLiteral(file)}, 'Native', ${quoteLiteral(nativeStructure(table))})`;
        // The same insert settings as the JSON path, applied the same way (chDB: SETs before the statement).
        await client.command({
          query: `INSERT INTO ${DATABASE}.${table} (${columns}) SELECT * FROM ${source}`,
          clickhouse_settings: insertSettings(dedupToken),
        });
      } finally {
        await unlink(file).catch(() => undefined);
      }
    },
    close() {
      if (dir !== undefined) {
        rmSync(dir, { recursive: true, force: true });
        dir = undefined;
      }
    },
  };
}

/** A Store over any @clickhouse/client, embedded or remote; openStore picks the connection. */
export function storeFromClient(
  client: ClickHouseClient,
  description: string,
  opts: StoreFromClientOptions = {}
): Store {
  const native =
    opts.insertFormat === 'Native' ? nativeInserter(client, opts.scratchParent ?? defaultScratchParent()) : undefined;
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
      if (native !== undefined) {
        await native.insert(table, rows, dedupToken);
        return;
      }
      await client.insert({
        table: `${DATABASE}.${table}`,
        columns: columnNames(table) as [string, ...string[]],
        values: insertValues(table, rows),
        format: 'JSONCompactEachRow',
        clickhouse_settings: insertSettings(dedupToken),
      });
    },

    async close() {
      native?.close();
      await client.close();
    },
  };
}
