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

/**
 * Connection rows as the agent hands them to its writer (epoch-ms ts, IPv4 as dotted text, counters
 * as numbers), made by the synthetic fleet generator in `store` (an empty, migrated scratch store,
 * whose tables this fills) and read back in time order, as an agent's flushes produce them.
 */
export async function synthConnectionRows(store: Store, opts: SynthRowsOptions): Promise<ConnectionRow[]> {
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
  const rows = await store.query<Record<string, unknown>>(
    `SELECT * REPLACE (toUnixTimestamp64Milli(ts) AS ts, ${['local_ip', 'remote_ip', 'remote_service_ip'].map(ipText).join(', ')})
     FROM ${DATABASE}.${tables.connections.name} ORDER BY ts`
  );
  for (const row of rows) {
    row.ts = Number(row.ts);
    for (const name of NUMBER_COLUMNS) {
      row[name] = Number(row[name]);
    }
  }
  return rows as unknown as ConnectionRow[];
}
