/**
 * Bytes on disk per row: a synthetic fleet (the generator's skew: varied IPs, ports, pods; 24 h)
 * is written into a fresh embedded store, every table is merged (OPTIMIZE FINAL, the state a table
 * reaches once its parts settle), and active parts are read from system.parts: compressed bytes per
 * raw connections row (target <= 30; DeepFlow's flow logs take ~150), per rollup row and per raw
 * row that fed the rollup, and which columns of connections cost most (system.columns).
 *
 *   node --import tsx bench/storage.ts [--rows N] [--pods N] [--seed N] [--quick] [--json]
 *
 * Default 10M raw rows (1M with --quick). Prints a table (stderr with --json, which prints the JSON
 * on stdout instead of writing bench/results/storage.json).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DATABASE, tables } from '../src/shared/schema';
import { runSynthPlan } from '../src/shared/synth/runSynthPlan';
import { synthPlan } from '../src/shared/synth/synthPlan';
import { migrate } from '../src/store/migrate';
import { openStore } from '../src/store/openStore';
import type { Store } from '../src/store/store';
import { CODEC_TRIALS, trialBytesPerRow } from './codecTrial';
import { storageFootprint, type TableFootprint } from './storageFootprint';

const TARGET_BYTES_PER_ROW = 30;
const HOUR = 3_600_000;
const log = (line: string) => process.stderr.write(`${line}\n`);

export interface ColumnBytes {
  readonly column: string;
  readonly bytesPerRow: number;
  readonly share: number;
}

export interface StorageResult {
  readonly rawRows: number;
  readonly bytesPerRow: number;
  readonly target: number;
  readonly met: boolean;
  readonly generationSeconds: number;
  readonly tables: readonly TableFootprint[];
  /** Per rollup: bytes per rollup row, and the rollup's bytes per raw row of its source. */
  readonly rollups: Record<string, { rows: number; bytesPerRow: number; bytesPerSourceRow: number }>;
  /** connections' columns, costliest first. */
  readonly columns: readonly ColumnBytes[];
  /** Bytes per connections row on a copy with other codecs (bench/codecTrial.ts): proposals, not the schema. */
  readonly codecTrials: Record<string, number>;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

async function columnBytes(store: Store, rows: number): Promise<ColumnBytes[]> {
  const cols = await store.query<{ name: string; c: string }>(
    `SELECT name, data_compressed_bytes AS c FROM system.columns
     WHERE database = {db:String} AND table = {t:String} ORDER BY data_compressed_bytes DESC`,
    { db: DATABASE, t: tables.connections.name }
  );
  const total = cols.reduce((s, c) => s + Number(c.c), 0);
  return cols.map((c) => ({
    column: c.name,
    bytesPerRow: Math.round((Number(c.c) / rows) * 100) / 100,
    share: Math.round((Number(c.c) / total) * 1000) / 1000,
  }));
}

async function codecTrials(store: Store): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [name, changes] of Object.entries(CODEC_TRIALS)) {
    log(`codec trial: ${name}`);
    out[name] = await trialBytesPerRow(store, changes);
  }
  return out;
}

const SOURCE_OF: Record<string, 'connections' | 'dns_queries'> = {
  connections_1m: 'connections',
  connections_1h: 'connections',
  dns_1m: 'dns_queries',
  dns_1h: 'dns_queries',
};

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string' },
      pods: { type: 'string', default: '5000' },
      seed: { type: 'string', default: '1' },
      quick: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  const number = (name: string, text: string) => {
    const n = Number(text);
    if (!Number.isSafeInteger(n) || n < 1) {
      throw new Error(`--${name} ${JSON.stringify(text)}: expected a whole number >= 1`);
    }
    return n;
  };
  const rows = number('rows', values.rows ?? (values.quick ? '1000000' : '10000000'));
  const dir = mkdtempSync(join(tmpdir(), 'netmon-bench-storage-'));
  const store = await openStore({ dataDir: dir });
  let result: StorageResult;
  try {
    await migrate(store);
    const toMs = Math.floor(Date.now() / HOUR) * HOUR;
    const plan = synthPlan({
      seed: number('seed', values.seed),
      connectionRows: rows,
      pods: number('pods', values.pods),
      fromMs: toMs - 24 * HOUR,
      toMs,
    });
    log(`generating ${rows.toLocaleString('en-US')} connection rows`);
    const generated = await runSynthPlan(plan, (q) => store.command(q.sql, q.params));
    for (const t of Object.values(tables)) {
      log(`OPTIMIZE ${t.name} FINAL`);
      await store.command(`OPTIMIZE TABLE ${DATABASE}.${t.name} FINAL`);
    }
    const footprint = await storageFootprint(store);
    const rowsOf = (table: string) => footprint.find((f) => f.table === table)?.rows ?? 0;
    const raw = footprint.find((f) => f.table === 'connections');
    if (raw === undefined || raw.rows !== rows) {
      throw new Error(`connections holds ${raw?.rows ?? 0} rows after generating ${rows}; expected them all`);
    }
    const rollups = Object.fromEntries(
      footprint
        .filter((f) => f.table in SOURCE_OF)
        .map((f) => [
          f.table,
          {
            rows: f.rows,
            bytesPerRow: f.bytesPerRow,
            bytesPerSourceRow: round1(f.compressedBytes / rowsOf(SOURCE_OF[f.table])),
          },
        ])
    );
    result = {
      rawRows: rows,
      bytesPerRow: raw.bytesPerRow,
      target: TARGET_BYTES_PER_ROW,
      met: raw.bytesPerRow <= TARGET_BYTES_PER_ROW,
      generationSeconds: Math.round(generated.elapsedMs / 1000),
      tables: footprint,
      rollups,
      columns: await columnBytes(store, rows),
      codecTrials: await codecTrials(store),
    };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const lines = [
    `storage: ${result.bytesPerRow} B per connections row over ${rows.toLocaleString('en-US')} rows ` +
      `(target <= ${TARGET_BYTES_PER_ROW}: ${result.met ? 'met' : 'NOT met'})`,
    ...Object.entries(result.rollups).map(
      ([t, r]) => `  ${t}: ${r.rows} rows, ${r.bytesPerRow} B/row, ${r.bytesPerSourceRow} B per source row`
    ),
    '  costliest columns (B/row): ' +
      result.columns
        .slice(0, 8)
        .map((c) => `${c.column} ${c.bytesPerRow}`)
        .join(', '),
    ...Object.entries(result.codecTrials).map(([name, b]) => `  trial, ${name}: ${b} B/row`),
    '',
  ].join('\n');
  if (values.json) {
    process.stderr.write(lines);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    process.stdout.write(lines);
    const out = join(__dirname, 'results');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'storage.json'), `${JSON.stringify(result, null, 2)}\n`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/storage: ${(err as Error).message}\n`);
  process.exit(1);
});
