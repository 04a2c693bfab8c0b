/**
 * How fast do agent records get into the embedded store, per core? Realistic connection rows (the
 * synthetic fleet generator's, in time order) go through the agent's own RowWriter into a fresh
 * chDB store, in 100,000-row batches (RowWriter's default) with dedup tokens, rollup views included, exactly as `netmon up`
 * writes them (Native files, src/store/clientStore.ts). Side by side, in the same run and on the
 * same rows: the same RowWriter batches sent as JSONCompactEachRow (the store's format before
 * RowBinary and Native, and still a server's), and the naive path: one INSERT per row, the row as JSONEachRow
 * text (JSON.stringify). Rounds rotate the three paths' order.
 *
 * Each measurement is its own process with its own data dir; its CPU is user + system of the whole
 * process from /proc/self/stat (node's main thread, V8's helpers and chDB's threads), from the
 * first write until the last insert returned and the merges it started have finished. rows/s per
 * core = rows ÷ CPU seconds. Target >= 250,000 (reported, not asserted). As in a running agent,
 * the rows share their label strings and the batched paths are warm: one batch goes through
 * first, outside the window, and the store is emptied after it (since change 11).
 *
 *   node --import tsx bench/ingest.ts [--rows N] [--naive-rows N] [--rounds N] [--quick] [--json]
 *
 * Prints a table (stderr with --json, which prints the JSON on stdout instead of writing
 * bench/results/ingest.json).
 */
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { RowWriter } from '../src/agent/writer/rowWriter';
import { DATABASE, tables, type ConnectionRow } from '../src/shared/schema';
import { migrate } from '../src/store/migrate';
import type { InsertFormat } from '../src/store/clientStore';
import { openStore } from '../src/store/openStore';
import type { Store } from '../src/store/store';
import { truncateAll } from '../src/store/testStore';
import { median } from './captureReport';
import { runChildJson } from './childJson';
import { cpuMsByThread } from './processTree';
import { waitForMerges } from './storageFootprint';
import { synthConnectionRows } from './synthRows';

const INGEST_TARGET_ROWS_PER_S_PER_CORE = 250_000;
const SEED = 7;
/** A few hundred pods over the last 10 minutes: the variety one node's agent sees in an interval or two. */
const PODS = 500;
const SPAN_MS = 10 * 60_000;
const MERGE_WAIT_MS = 60_000;
const SCRIPT = __filename;

/** 'batched': RowWriter into the store as openStore makes it (Native); 'json': the same, as JSONCompactEachRow. */
type IngestPath = 'batched' | 'json' | 'naive';
const PATHS: readonly IngestPath[] = ['batched', 'json', 'naive'];

export interface Measurement {
  readonly path: IngestPath;
  readonly rows: number;
  readonly wallMs: number;
  /** Insert window plus the merges it started: all threads of the process. */
  readonly cpuMs: number;
  readonly cpuMsByThread: Record<string, number>;
  readonly rowsPerSecond: number;
  readonly rowsPerSecondPerCore: number;
}

const log = (line: string) => process.stderr.write(`${line}\n`);

function positive(name: string, text: string | undefined): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new Error(`--${name} ${JSON.stringify(text)}: expected a whole number >= 1`);
  }
  return n;
}

async function withFreshStore<T>(work: (store: Store) => Promise<T>, insertFormat?: InsertFormat): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'netmon-bench-ingest-'));
  const store = await openStore({ dataDir: dir, insertFormat });
  try {
    await migrate(store);
    return await work(store);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Child: generates the rows once, as NDJSON, so every measurement reads the same ones. */
async function prepare(file: string, rows: number): Promise<{ rows: number }> {
  writeFileSync(file, '');
  let written = 0;
  await withFreshStore(async (store) => {
    for await (const page of synthConnectionRows(store, { seed: SEED, rows, pods: PODS, spanMs: SPAN_MS })) {
      appendFileSync(file, page.map((r) => `${JSON.stringify(r)}\n`).join(''));
      written += page.length;
    }
  });
  return { rows: written };
}

/** The first `limit` rows of the file, read as bytes: the whole file as one string may be too long for V8. */
function readRows(file: string, limit: number): ConnectionRow[] {
  const bytes = readFileSync(file);
  const rows: ConnectionRow[] = [];
  for (let start = 0; start < bytes.length && rows.length < limit;) {
    const end = bytes.indexOf(10, start);
    const stop = end === -1 ? bytes.length : end;
    if (stop > start) {
      rows.push(JSON.parse(bytes.toString('utf8', start, stop)) as ConnectionRow);
    }
    start = stop + 1;
  }
  return rows;
}

function threadDelta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(after).map(([k, v]) => [k, Math.round(v - (before[k] ?? 0))]));
}

async function insertAll(store: Store, path: IngestPath, rows: readonly ConnectionRow[]): Promise<void> {
  if (path === 'batched' || path === 'json') {
    const writer = new RowWriter({ store, node: 'bench-node' });
    writer.write('connections', rows);
    await writer.flush();
    const { sent, lastError } = writer.stats();
    if (sent !== rows.length) {
      throw new Error(`RowWriter sent ${sent} of ${rows.length} rows: ${lastError ?? 'no error recorded'}`);
    }
    return;
  }
  const insert = `INSERT INTO ${DATABASE}.${tables.connections.name} FORMAT JSONEachRow\n`;
  for (const row of rows) {
    await store.command(insert + JSON.stringify(row));
  }
}

/**
 * The agent hands over its rows' labels as shared strings: the metadata index's, the node name,
 * the container ids of its attribution cache (src/agent/capture/connectionRow.ts). Rows read from
 * JSON carry a fresh copy of each instead, and a fresh string is hashed again by every lookup of
 * the Native encoder's dictionaries (~0.4 µs a row more; docs/BENCHMARKS.md, change 11). So the
 * labels are shared here as the agent shares them. comm stays fresh: the agent's comes from each
 * bpftrace line.
 */
function shareLabels(rows: ConnectionRow[]): void {
  const columns = Object.entries(tables.connections.columns as Record<string, { type: string }>)
    .filter(([name, c]) => c.type === 'LowCardinality(String)' && name !== 'comm')
    .map(([name]) => name);
  const shared = new Map<string, string>();
  for (const row of rows) {
    const r = row as unknown as Record<string, unknown>;
    for (const c of columns) {
      const v = r[c];
      if (typeof v === 'string') {
        const s = shared.get(v);
        if (s === undefined) {
          shared.set(v, v);
        } else {
          r[c] = s;
        }
      }
    }
  }
}

/** Rows of the warm-up batch: RowWriter's batch size, enough for V8 to have compiled the encoder. */
const WARM_UP_ROWS = 100_000;

/**
 * A running agent's insert path is warm: V8 has compiled the encoder (the first ~40,000 rows a
 * process encodes cost ~3x the rest) and chDB has run the statement before. So the same path inserts
 * a first batch before the measured window, its merges finish, and the raw and rollup tables are
 * emptied again.
 */
async function warmUp(store: Store, rows: readonly ConnectionRow[]): Promise<void> {
  const writer = new RowWriter({ store, node: 'bench-node', runId: 'warm-up' });
  writer.write('connections', rows.slice(0, WARM_UP_ROWS));
  await writer.flush();
  await waitForMerges(store, MERGE_WAIT_MS, log);
  await truncateAll(store);
}

/** Child: one measurement of one path on a fresh store. */
async function measure(path: IngestPath, file: string, limit: number): Promise<Measurement> {
  const rows = readRows(file, limit);
  shareLabels(rows);
  const format: InsertFormat | undefined = path === 'json' ? 'JSONCompactEachRow' : undefined;
  return withFreshStore(async (store) => {
    if (path !== 'naive') {
      await warmUp(store, rows);
    }
    const before = cpuMsByThread([process.pid]);
    const start = performance.now();
    await insertAll(store, path, rows);
    const wallMs = performance.now() - start;
    await waitForMerges(store, MERGE_WAIT_MS, log);
    const byThread = threadDelta(before, cpuMsByThread([process.pid]));
    const [{ n }] = await store.query<{ n: string }>(`SELECT count() AS n FROM ${DATABASE}.${tables.connections.name}`);
    if (Number(n) !== rows.length) {
      throw new Error(`${path}: the store holds ${n} rows after inserting ${rows.length}; expected all of them`);
    }
    const cpuMs = Object.values(byThread).reduce((s, v) => s + v, 0);
    return {
      path,
      rows: rows.length,
      wallMs: Math.round(wallMs),
      cpuMs,
      cpuMsByThread: byThread,
      rowsPerSecond: Math.round(rows.length / (wallMs / 1000)),
      rowsPerSecondPerCore: Math.round(rows.length / (cpuMs / 1000)),
    };
  }, format);
}

export interface IngestResult {
  readonly rows: number;
  readonly naiveRows: number;
  readonly rounds: number;
  /** The default path: RowWriter batches as Native blocks. */
  readonly rowsPerSecondPerCore: number;
  /** RowWriter batches as JSONCompactEachRow, measured in the same rounds. */
  readonly jsonRowsPerSecondPerCore: number;
  /** Median over rounds of Native ÷ JSON within the round. */
  readonly nativeOverJson: number;
  readonly naiveRowsPerSecondPerCore: number;
  /** Batched over naive, medians. */
  readonly speedup: number;
  readonly rowsPerSecond: number;
  readonly target: number;
  readonly met: boolean;
  readonly measurements: readonly Measurement[];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string' },
      'naive-rows': { type: 'string' },
      rounds: { type: 'string' },
      quick: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      // Internal: the child modes.
      prepare: { type: 'string' },
      measure: { type: 'string' },
      'rows-file': { type: 'string' },
    },
  });
  const rows = positive('rows', values.rows ?? (values.quick ? '200000' : '500000'));
  if (values.prepare !== undefined) {
    process.stdout.write(JSON.stringify(await prepare(values.prepare, rows)));
    return;
  }
  if (values.measure !== undefined) {
    const path = values.measure as IngestPath;
    if (!PATHS.includes(path)) {
      throw new Error(`--measure ${JSON.stringify(path)}: expected ${PATHS.join(', ')}`);
    }
    process.stdout.write(JSON.stringify(await measure(path, values['rows-file'] ?? '', rows)));
    return;
  }
  const naiveRows = positive('naive-rows', values['naive-rows'] ?? (values.quick ? '300' : '1000'));
  const rounds = positive('rounds', values.rounds ?? (values.quick ? '3' : '5'));
  const work = mkdtempSync(join(tmpdir(), 'netmon-bench-ingest-rows-'));
  const file = join(work, 'rows.ndjson');
  const measurements: Measurement[] = [];
  try {
    log(`generating ${rows.toLocaleString('en-US')} connection rows`);
    await runChildJson(SCRIPT, ['--prepare', file, '--rows', String(rows)]);
    for (let i = 0; i < rounds; i++) {
      // Rotated, so each path runs first, second and last as often.
      const order = PATHS.map((_, k) => PATHS[(i + k) % PATHS.length]);
      for (const path of order) {
        const limit = path === 'naive' ? naiveRows : rows;
        const m = await runChildJson<Measurement>(SCRIPT, [
          '--measure',
          path,
          '--rows-file',
          file,
          '--rows',
          String(limit),
        ]);
        measurements.push(m);
        log(
          `round ${i + 1}/${rounds} ${path}: ${m.rows} rows, ${m.rowsPerSecond.toLocaleString('en-US')} rows/s, ` +
            `${m.rowsPerSecondPerCore.toLocaleString('en-US')} rows/s per core, CPU ${JSON.stringify(m.cpuMsByThread)}`
        );
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  // One measurement per round, in round order.
  const byPath = (path: IngestPath) => measurements.filter((m) => m.path === path);
  const of = (path: IngestPath, f: (m: Measurement) => number) => median(byPath(path).map(f));
  const perCore = of('batched', (m) => m.rowsPerSecondPerCore);
  const jsonPerCore = of('json', (m) => m.rowsPerSecondPerCore);
  const naivePerCore = of('naive', (m) => m.rowsPerSecondPerCore);
  // Paired within a round, so a busy stretch of the shared machine moves both sides of a ratio.
  const json = byPath('json');
  const ratios = byPath('batched').map((m, k) => m.rowsPerSecondPerCore / json[k].rowsPerSecondPerCore);
  const result: IngestResult = {
    rows,
    naiveRows,
    rounds,
    rowsPerSecondPerCore: perCore,
    jsonRowsPerSecondPerCore: jsonPerCore,
    nativeOverJson: Math.round(median(ratios) * 100) / 100,
    naiveRowsPerSecondPerCore: naivePerCore,
    speedup: Math.round((perCore / naivePerCore) * 10) / 10,
    rowsPerSecond: of('batched', (m) => m.rowsPerSecond),
    target: INGEST_TARGET_ROWS_PER_S_PER_CORE,
    met: perCore >= INGEST_TARGET_ROWS_PER_S_PER_CORE,
    measurements,
  };
  const summary =
    `ingest (medians of ${rounds}): RowWriter batches ${perCore.toLocaleString('en-US')} rows/s per core ` +
    `(${result.rowsPerSecond.toLocaleString('en-US')} rows/s wall), the same as JSONCompactEachRow ` +
    `${jsonPerCore.toLocaleString('en-US')} (Native ${result.nativeOverJson}x), naive row-by-row ${naivePerCore.toLocaleString('en-US')} ` +
    `rows/s per core: ${result.speedup}x; target >= ${INGEST_TARGET_ROWS_PER_S_PER_CORE.toLocaleString('en-US')}: ` +
    `${result.met ? 'met' : 'NOT met'}\n`;
  if (values.json) {
    process.stderr.write(summary);
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    process.stdout.write(summary);
    const dir = join(__dirname, 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'ingest.json'), `${JSON.stringify(result, null, 2)}\n`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/ingest: ${(err as Error).message}\n`);
  process.exit(1);
});
