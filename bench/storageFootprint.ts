import { DATABASE, tables, type TableName } from '../src/shared/schema';
import type { Store } from '../src/store/store';

export interface TableFootprint {
  readonly table: TableName;
  readonly rows: number;
  readonly parts: number;
  readonly compressedBytes: number;
  readonly uncompressedBytes: number;
  readonly bytesPerRow: number;
}

const MEASURED: TableName[] = ['connections', 'connections_1m', 'connections_1h', 'dns_queries', 'dns_1m', 'dns_1h'];

/** Active parts of the raw and rollup tables: rows as stored (rollup rows after merges so far) and bytes on disk. */
export async function storageFootprint(store: Store): Promise<TableFootprint[]> {
  const rows = await store.query<{ table: string; rows: string; parts: string; c: string; u: string }>(
    `SELECT table, sum(rows) AS rows, count() AS parts, sum(data_compressed_bytes) AS c, sum(data_uncompressed_bytes) AS u
     FROM system.parts WHERE active AND database = {db:String} AND table IN {tables:Array(String)} GROUP BY table`,
    { db: DATABASE, tables: MEASURED.map((t) => tables[t].name) }
  );
  return MEASURED.map((table) => {
    const r = rows.find((x) => x.table === tables[table].name);
    const n = Number(r?.rows ?? 0);
    const compressed = Number(r?.c ?? 0);
    return {
      table,
      rows: n,
      parts: Number(r?.parts ?? 0),
      compressedBytes: compressed,
      uncompressedBytes: Number(r?.u ?? 0),
      bytesPerRow: n > 0 ? Math.round((compressed / n) * 10) / 10 : 0,
    };
  });
}

/** Waits until no merge runs on the schema's tables (or the deadline passes), so queries see settled parts. */
export async function waitForMerges(store: Store, maxMs: number, log: (line: string) => void): Promise<boolean> {
  const deadline = Date.now() + maxMs;
  for (;;) {
    const [{ n }] = await store.query<{ n: string }>(
      'SELECT count() AS n FROM system.merges WHERE database = {db:String}',
      { db: DATABASE }
    );
    if (Number(n) === 0) {
      return true;
    }
    if (Date.now() > deadline) {
      log(`merges still running after ${Math.round(maxMs / 1000)} s; measuring anyway`);
      return false;
    }
    log(`waiting for ${n} merges`);
    await new Promise((r) => setTimeout(r, 10_000));
  }
}
