import { connectionsColumns, DATABASE, tables, type ConnectionRow } from '../src/shared/schema';
import { runSynthPlan } from '../src/shared/synth/runSynthPlan';
import { synthPlan } from '../src/shared/synth/synthPlan';
import type { Store } from '../src/store/store';

/** Counters the agent sends as JS numbers; the store returns every UInt64 as a string. */
const NUMBER_COLUMNS = Object.entries(connectionsColumns)
  .filter(([name, c]) => c.type === 'UInt64' && name !== 'connection_id')
  .map(([name]) => name);

export interface SynthRowsOptions {
  readonly seed: number;
  readonly rows: number;
  readonly pods: number;
  /** The rows' time window ends now and lasts this long: recent, so the raw table's TTL keeps them. */
  readonly spanMs: number;
}

/** Rows per read: one JSONEachRow result of all rows would pass V8's longest string (~512 MB) near 1M rows. */
const PAGE_ROWS = 100_000;

/**
 * Connection rows as the agent hands them to its writer (epoch-ms ts, IPv4 as dotted text, counters
 * as numbers), made by the synthetic fleet generator in `store` (an empty, migrated scratch store,
 * whose tables this fills) and read back in time order, as an agent's flushes produce them, a page
 * at a time.
 */
export async function* synthConnectionRows(store: Store, opts: SynthRowsOptions): AsyncGenerator<ConnectionRow[]> {
  const toMs = Date.now();
  const plan = synthPlan({
    seed: opts.seed,
    connectionRows: opts.rows,
    pods: opts.pods,
    fromMs: toMs - opts.spanMs,
    toMs,
    dnsRows: 0,
  });
  await runSynthPlan(plan, (q) => store.command(q.sql, q.params));
  const ipText = (name: string) => `replaceOne(toString(${name}), '::ffff:', '') AS ${name}`;
  const select = `SELECT * REPLACE (toUnixTimestamp64Milli(ts) AS ts, ${['local_ip', 'remote_ip', 'remote_service_ip'].map(ipText).join(', ')})
    FROM ${DATABASE}.${tables.connections.name} ORDER BY ts, connection_id, direction
    LIMIT {limit:UInt64} OFFSET {offset:UInt64}`;
  for (let offset = 0; offset < opts.rows; offset += PAGE_ROWS) {
    const rows = await store.query<Record<string, unknown>>(select, { limit: PAGE_ROWS, offset });
    for (const row of rows) {
      row.ts = Number(row.ts);
      for (const name of NUMBER_COLUMNS) {
        row[name] = Number(row[name]);
      }
    }
    yield rows as unknown as ConnectionRow[];
  }
}
