/**
 * Where chDB's share of an ingest row goes, by experiment on one scratch store (docs/BENCHMARKS.md,
 * change 6). The synthetic fleet generator's connection rows (500 pods, 10 minutes), then:
 *
 * - formats: ClickHouse writes the same rows as RowBinary with the labels declared LowCardinality
 *   (change 4's files), as RowBinary with them as String, as Native with them as String (change 6's
 *   encoder) and as Native with them as LowCardinality (the encoder since change 10), and the CPU of
 *   reading each into a Null table (reading and converting only) and into `connections` (with its
 *   rollup views) is compared;
 * - views: the agent's RowWriter inserts the rows with no rollup view on `connections`, with the four
 *   of the schema (since sql/0009, only the minute view reads the raw table and the other three a
 *   rollup), with all four on the raw table (as sql/0002 and sql/0004 made them), with those split
 *   in two by direction (no `if` over the labels); and the minute view alone, into its table and
 *   into a Null table (its SELECT and aggregation without the part writes). The variants that fill
 *   every rollup must leave the same rollup rows (checked), or the run fails.
 *
 * CPU is user + system of every thread of this process (node, V8's helpers, chDB's pools), insert
 * and the merges it started, per row; medians over rounds that alternate the order.
 *
 *   node --import tsx bench/insertStages.ts [--rows N] [--rounds N] [--only formats|views]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { RowWriter } from '../src/agent/writer/rowWriter';
import { DATABASE, columnNames, type ConnectionRow } from '../src/shared/schema';
import { quoteLiteral } from '../src/shared/sql/escape';
import { listMigrations, migrate } from '../src/store/migrate';
import { splitStatements } from '../src/store/migrationText';
import { nativeStructure } from '../src/store/nativeFormat';
import { openStore } from '../src/store/openStore';
import type { Store } from '../src/store/store';
import { median } from './captureReport';
import { cpuMs } from './processTree';
import { waitForMerges } from './storageFootprint';
import { synthConnectionRows } from './synthRows';

const VIEWS = ['connections_1m_mv', 'connections_1h_mv', 'connections_workload_1m_mv', 'connections_workload_1h_mv'];
const ROLLUPS = ['connections_1m', 'connections_1h', 'connections_workload_1m', 'connections_workload_1h'];
const log = (line: string) => process.stderr.write(`${line}\n`);
const cpuNow = () => cpuMs([process.pid]);

function positive(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new Error(`--${name} ${JSON.stringify(text)}: expected a whole number >= 1`);
  }
  return n;
}

/** Each view's CREATE statement in sql/ (read and split as migrate does): all four on the raw table. */
function rawViews(): Record<string, string> {
  const statements = listMigrations().flatMap((m) => splitStatements(m.text));
  return Object.fromEntries(
    VIEWS.map((v) => {
      const statement = statements.find((s) =>
        s.startsWith(`CREATE MATERIALIZED VIEW IF NOT EXISTS ${DATABASE}.${v} `)
      );
      if (statement === undefined) {
        throw new Error(`${v}: no CREATE MATERIALIZED VIEW for it in sql/`);
      }
      return [v, statement];
    })
  );
}

/** A view as two, one per direction: each side's labels taken as they are, without if(outbound, ...). */
function splitByDirection(name: string, statement: string): string[] {
  return (['outbound', 'inbound'] as const).map((dir) =>
    statement
      .replace(`${DATABASE}.${name} `, `${DATABASE}.${name}_${dir} `)
      .replace("WITH direction = 'outbound' AS outbound\n", '')
      .replace(/if\(outbound, ([^,()]+), ([^,()]+)\)/g, dir === 'outbound' ? '$1' : '$2')
      .replace(`FROM ${DATABASE}.connections\n`, `FROM ${DATABASE}.connections\nWHERE direction = '${dir}'\n`)
  );
}

/** Each view as the migrated store has it, after every ALTER of its query (sql/0009). */
async function liveViews(store: Store): Promise<Record<string, string>> {
  const rows = await store.query<{ name: string; statement: string }>(
    `SELECT name, create_table_query AS statement FROM system.tables
     WHERE database = {database:String} AND name IN {names:Array(String)}`,
    { database: DATABASE, names: VIEWS }
  );
  const byName = Object.fromEntries(rows.map((r) => [r.name, r.statement]));
  return Object.fromEntries(
    VIEWS.map((v) => {
      if (byName[v] === undefined) {
        throw new Error(`${v}: not in the migrated store`);
      }
      return [v, byName[v]];
    })
  );
}

async function dropViews(store: Store): Promise<void> {
  for (const v of VIEWS) {
    for (const suffix of ['', '_outbound', '_inbound']) {
      await store.command(`DROP VIEW IF EXISTS ${DATABASE}.${v}${suffix}`);
    }
  }
}

async function truncate(store: Store): Promise<void> {
  for (const t of ['connections', ...ROLLUPS]) {
    await store.command(`TRUNCATE TABLE ${DATABASE}.${t}`);
  }
}

/** Rows and a checksum of each rollup, merged (FINAL). */
async function rollupFingerprint(store: Store): Promise<string> {
  const parts: string[] = [];
  for (const t of ROLLUPS) {
    const [r] = await store.query<{ n: string; s: string }>(
      `SELECT count() AS n, sum(src_bytes) + 7 * sum(dst_packets) + sum(rtt_max_us) + sum(closed) AS s FROM ${DATABASE}.${t} FINAL`
    );
    parts.push(`${t} ${r.n}/${r.s}`);
  }
  return parts.join(', ');
}

type Medians = Record<string, number>;

async function formats(store: Store, rounds: number): Promise<Medians> {
  await store.command(
    `CREATE TABLE IF NOT EXISTS ${DATABASE}.insert_stages_null AS ${DATABASE}.connections ENGINE = Null`
  );
  const columns = columnNames('connections').join(', ');
  // The labels as the table's LowCardinality(String), as change 4's RowBinary files declared them
  // and the Native encoder writes them since change 10, or as String, as change 6's encoder did.
  const asTable = nativeStructure('connections');
  const asString = asTable.replaceAll('LowCardinality(String)', 'String');
  const scratch = mkdtempSync(join(tmpdir(), 'netmon-insert-stages-'));
  const sources: Record<string, string> = {};
  try {
    for (const [name, format, structure] of [
      ['RowBinary, labels as LowCardinality', 'RowBinary', asTable],
      ['RowBinary, labels as String', 'RowBinary', asString],
      ['Native, labels as String', 'Native', asString],
      ['Native, labels as LowCardinality', 'Native', asTable],
    ]) {
      const file = join(scratch, `rows.${Object.keys(sources).length}`);
      const source = `file(${quoteLiteral(file)}, '${format}', ${quoteLiteral(structure)})`;
      await store.command(`INSERT INTO FUNCTION ${source} SELECT ${columns} FROM ${DATABASE}.connections ORDER BY ts`);
      sources[name] = source;
    }
    const [{ n }] = await store.query<{ n: string }>(`SELECT count() AS n FROM ${DATABASE}.connections`);
    const rows = Number(n);
    const samples: Record<string, number[]> = {};
    for (let round = 0; round < rounds; round++) {
      const names = Object.keys(sources);
      for (const format of round % 2 === 0 ? names : [...names].reverse()) {
        for (const target of ['insert_stages_null', 'connections']) {
          await truncate(store);
          const before = cpuNow();
          await store.command(`INSERT INTO ${DATABASE}.${target} (${columns}) SELECT * FROM ${sources[format]}`);
          await waitForMerges(store, 60_000, log);
          const usPerRow = ((cpuNow() - before) * 1000) / rows;
          const key = `${format} into ${target === 'connections' ? 'connections with its views' : 'a Null table'}`;
          (samples[key] ??= []).push(usPerRow);
          log(`round ${round + 1} ${key}: ${usPerRow.toFixed(2)} µs/row`);
        }
      }
    }
    return Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, Math.round(median(v) * 100) / 100]));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function views(store: Store, rows: readonly ConnectionRow[], rounds: number): Promise<Medians> {
  const schema = await liveViews(store);
  const raw = rawViews();
  await store.command(
    `CREATE TABLE IF NOT EXISTS ${DATABASE}.insert_stages_null_1m AS ${DATABASE}.connections_1m ENGINE = Null`
  );
  const variants: Record<string, string[]> = {
    'no rollup views': [],
    'the four views of the schema (three on a rollup, sql/0009)': Object.values(schema),
    'the four views on the raw table (before sql/0009)': Object.values(raw),
    'those split by direction': Object.entries(raw).flatMap(([name, sql]) => splitByDirection(name, sql)),
    // One view's parts: its SELECT and aggregation alone (into a Null table), and with its part writes and merges.
    'the minute view alone': [raw.connections_1m_mv],
    'the minute view alone, into a Null table': [
      raw.connections_1m_mv.replace(`TO ${DATABASE}.connections_1m AS`, `TO ${DATABASE}.insert_stages_null_1m AS`),
    ],
  };
  /** The variants that fill every rollup, and so must leave the same rows. */
  const complete = new Set(Object.keys(variants).slice(1, 4));
  const samples: Record<string, number[]> = {};
  const fingerprints = new Set<string>();
  const names = Object.keys(variants);
  for (let round = 0; round < rounds; round++) {
    for (const name of round % 2 === 0 ? names : [...names].reverse()) {
      await dropViews(store);
      await truncate(store);
      for (const statement of variants[name]) {
        await store.command(statement);
      }
      const before = cpuNow();
      const writer = new RowWriter({ store, node: 'bench-node' });
      writer.write('connections', rows);
      await writer.flush();
      await waitForMerges(store, 60_000, log);
      const usPerRow = ((cpuNow() - before) * 1000) / rows.length;
      if (writer.stats().sent !== rows.length) {
        throw new Error(`${name}: RowWriter sent ${writer.stats().sent} of ${rows.length} rows`);
      }
      (samples[name] ??= []).push(usPerRow);
      if (complete.has(name)) {
        fingerprints.add(await rollupFingerprint(store));
      }
      log(`round ${round + 1} ${name}: ${usPerRow.toFixed(2)} µs/row`);
    }
  }
  if (fingerprints.size !== 1) {
    throw new Error(`the view variants left different rollups: ${[...fingerprints].join(' | ')}`);
  }
  await dropViews(store);
  for (const statement of Object.values(schema)) {
    await store.command(statement);
  }
  return Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, Math.round(median(v) * 100) / 100]));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: '200000' },
      rounds: { type: 'string', default: '3' },
      only: { type: 'string' },
    },
  });
  const rowCount = positive('rows', values.rows);
  const rounds = positive('rounds', values.rounds);
  if (values.only !== undefined && values.only !== 'formats' && values.only !== 'views') {
    throw new Error(`--only ${JSON.stringify(values.only)}: expected formats or views`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'netmon-bench-stages-'));
  const store = await openStore({ dataDir: dir });
  try {
    await migrate(store);
    log(`generating ${rowCount.toLocaleString('en-US')} connection rows`);
    const rows: ConnectionRow[] = [];
    for await (const page of synthConnectionRows(store, { seed: 7, rows: rowCount, pods: 500, spanMs: 600_000 })) {
      rows.push(...page);
    }
    const result: Record<string, Medians> = {};
    if (values.only !== 'views') {
      result.formats = await formats(store, rounds);
    }
    if (values.only !== 'formats') {
      result.views = await views(store, rows, rounds);
    }
    for (const [experiment, medians] of Object.entries(result)) {
      log(`\n${experiment}, µs CPU per row, medians of ${rounds} rounds:`);
      for (const [name, us] of Object.entries(medians)) {
        log(`  ${name.padEnd(72)} ${us.toFixed(2)}`);
      }
    }
    process.stdout.write(`${JSON.stringify({ rows: rowCount, rounds, ...result }, null, 2)}\n`);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`insertStages: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
