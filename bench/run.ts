/**
 * Every benchmark, one after the other, each in its own process: capture (bench/capture.ts),
 * ingest (bench/ingest.ts), storage (bench/storage.ts), page queries (bench/pageQueries.ts).
 * Writes docs/benchmarks.json and the summary between the markers of docs/BENCHMARKS.md.
 *
 *   npm run bench                 full: capture 4 x 10 s each way, ingest 500k rows, storage 10M rows,
 *                                 queries on 100M rows (generating them takes tens of minutes)
 *   npm run bench -- --quick      reduced: capture 2 x 4 s, ingest 200k, storage 1M, queries on 1M rows
 *   npm run bench -- --queries-data-dir DIR   reuse (or keep) the page-query fleet in DIR
 *
 * A benchmark that fails is recorded with its error and the run goes on; the exit code is then 1.
 * Targets are reported, never asserted.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, release } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { version as chdbVersion } from 'chdb';
import {
  benchmarksJson,
  renderSummary,
  replaceSummary,
  type BenchInputs,
  type Machine,
  type PageQueriesOutput,
} from './benchmarkSummary';
import { runChild, runChildJson } from './childJson';

const ROOT = join(__dirname, '..');
const JSON_OUT = join(ROOT, 'docs', 'benchmarks.json');
const DOC = join(ROOT, 'docs', 'BENCHMARKS.md');
/** Where bench/pageQueries.ts writes its results. */
const PAGE_QUERIES_OUT = join(ROOT, 'docs', 'bench', 'page-queries.json');
const HEADING = '## Summary: `npm run bench`';

const log = (line: string) => process.stderr.write(`\n== ${line}\n`);

function machine(): Machine {
  let bpftrace = 'not found';
  try {
    bpftrace = execFileSync('bpftrace', ['--version'], { encoding: 'utf8' })
      .trim()
      .replace(/^bpftrace /, '');
  } catch {
    // Reported as not found; the capture benchmark then fails with its own reason.
  }
  const v = chdbVersion();
  return {
    cores: availableParallelism(),
    kernel: release(),
    bpftrace,
    node: process.version,
    chdb: `${v.chdb} (ClickHouse ${v.libchdb.replace(/"/g, '')})`,
    loadAverageAtStart: Math.round(loadavg()[0] * 10) / 10,
  };
}

async function attempt<T>(what: string, run: () => Promise<T>): Promise<T | { error: string }> {
  log(what);
  try {
    return await run();
  } catch (err) {
    const error = (err as Error).message;
    process.stderr.write(`${what} failed: ${error}\n`);
    return { error };
  }
}

/**
 * bench/pageQueries.ts writes its own results file; a quick run puts back what a full run left
 * there, so the record of the 100M-row run is not replaced by a smaller one.
 */
async function pageQueries(quick: boolean, dataDir: string | undefined): Promise<PageQueriesOutput> {
  const previous = existsSync(PAGE_QUERIES_OUT) ? readFileSync(PAGE_QUERIES_OUT, 'utf8') : undefined;
  const args = quick ? ['--rows', '1000000', '--runs', '5', '--raw-runs', '2'] : [];
  const out = await runChild(join(__dirname, 'pageQueries.ts'), [
    ...args,
    ...(dataDir === undefined ? [] : ['--data-dir', dataDir]),
  ]);
  process.stderr.write(out);
  const result = JSON.parse(readFileSync(PAGE_QUERIES_OUT, 'utf8')) as PageQueriesOutput;
  if (quick && previous !== undefined) {
    writeFileSync(PAGE_QUERIES_OUT, previous);
  }
  return result;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      'queries-data-dir': { type: 'string' },
    },
  });
  const quick = values.quick;
  const started = Date.now();
  const host = machine();
  const mode = quick ? ['--quick'] : [];
  const script = (name: string) => join(__dirname, name);
  const inputs: BenchInputs = {
    capture: await attempt('capture (bench/capture.ts)', () => runChildJson(script('capture.ts'), ['--json', ...mode])),
    ingest: await attempt('ingest (bench/ingest.ts)', () => runChildJson(script('ingest.ts'), ['--json', ...mode])),
    storage: await attempt('storage (bench/storage.ts)', () => runChildJson(script('storage.ts'), ['--json', ...mode])),
    queries: await attempt('page queries (bench/pageQueries.ts)', () => pageQueries(quick, values['queries-data-dir'])),
  };
  const result = benchmarksJson(
    {
      mode: quick ? 'quick' : 'full',
      command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
      date: new Date(started).toISOString(),
      durationSeconds: Math.round((Date.now() - started) / 1000),
      machine: host,
    },
    inputs
  );
  writeFileSync(JSON_OUT, `${JSON.stringify(result, null, 2)}\n`);
  const summary = renderSummary(result);
  writeFileSync(DOC, replaceSummary(readFileSync(DOC, 'utf8'), summary, HEADING));
  process.stdout.write(`${summary}\n\nwrote ${JSON_OUT} and the summary in ${DOC}\n`);
  if (Object.values(inputs).some((i) => 'error' in i)) {
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${(err as Error).message}\n`);
  process.exit(1);
});
