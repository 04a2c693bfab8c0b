/**
 * Page-query benchmark (issue 5): the Connections and DNS pages' queries over 24 hours of a
 * synthetic fleet (default 100M raw connection rows, 5,000 pods), timed on this machine.
 *
 *   npm run bench:queries -- [--rows N] [--runs N] [--data-dir DIR] [--seed N] [--pods N]
 *
 * Without --data-dir the fleet is generated into a fresh temp dir and removed afterwards. With
 * --data-dir an existing fleet is reused (generating 100M rows takes tens of minutes): the fleet is
 * generated there only if the dir has no connection rows yet. Prints a table and writes
 * docs/bench/page-queries.json. Targets are read off the output, never asserted.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DATABASE, tables } from '../src/shared/schema';
import { connectionsTop } from '../src/shared/sql/connections';
import { dnsTop } from '../src/shared/sql/dns';
import type { BuiltQuery } from '../src/shared/sql/query';
import type { Tier, TimeRange } from '../src/shared/sql/timeRange';
import { runSynthPlan } from '../src/shared/synth/runSynthPlan';
import { synthPlan } from '../src/shared/synth/synthPlan';
import { connectionsViewQueries, defaultConnectionsView } from '../src/shared/views/connectionsView';
import { defaultDnsView, dnsViewQueries } from '../src/shared/views/dnsView';
import { progressLine } from '../src/cli/synthCommand';
import { migrate } from '../src/store/migrate';
import { openForCli } from '../src/store/openForCli';
import type { Store } from '../src/store/store';
import { storageFootprint, waitForMerges } from './storageFootprint';
import { summarize, timeRuns, type Timing } from './timing';

const HOUR = 3_600_000;
/** The plugin asks for about this many points per series (src/plugin/queries/BuiltQueryRunner.ts). */
const POINTS = 300;
const TARGET_P95_MS = 500;
const RESULTS = join(__dirname, '..', 'docs', 'bench', 'page-queries.json');

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000000' },
    runs: { type: 'string', default: '10' },
    'raw-runs': { type: 'string', default: '3' },
    'data-dir': { type: 'string' },
    seed: { type: 'string', default: '1' },
    pods: { type: 'string', default: '5000' },
  },
});

function count(name: keyof typeof args): number {
  const n = Number(args[name]);
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new Error(`--${name}: expected a positive whole number, got "${String(args[name])}"`);
  }
  return n;
}

const log = (line: string) => process.stderr.write(`${line}\n`);

async function ensureFleet(store: Store): Promise<{ generated: boolean; seconds?: number; rowsPerSecond?: number }> {
  const [{ n }] = await store.query<{ n: string }>(`SELECT count() AS n FROM ${DATABASE}.${tables.connections.name}`);
  if (Number(n) > 0) {
    log(`reusing ${Number(n).toLocaleString('en-US')} connection rows in ${store.description}`);
    return { generated: false };
  }
  const toMs = Math.floor(Date.now() / HOUR) * HOUR;
  const plan = synthPlan({
    seed: count('seed'),
    connectionRows: count('rows'),
    pods: count('pods'),
    fromMs: toMs - 24 * HOUR,
    toMs,
  });
  const result = await runSynthPlan(
    plan,
    (q) => store.command(q.sql, q.params),
    (p) => log(progressLine(p))
  );
  const seconds = result.elapsedMs / 1000;
  return { generated: true, seconds: Math.round(seconds), rowsPerSecond: Math.round(result.rows / seconds) };
}

/** The day the fleet covers: 24 whole hours ending at the hour after its last row, and that last hour. */
async function windows(store: Store): Promise<{ day: TimeRange; hour: TimeRange; rawRows: number }> {
  const [r] = await store.query<{ last: string; n: string }>(
    `SELECT toUnixTimestamp64Milli(max(ts)) AS last, count() AS n FROM ${DATABASE}.${tables.connections.name}`
  );
  const toMs = Math.ceil((Number(r.last) + 1) / HOUR) * HOUR;
  return { day: { fromMs: toMs - 24 * HOUR, toMs }, hour: { fromMs: toMs - HOUR, toMs }, rawRows: Number(r.n) };
}

const stepFor = (range: TimeRange) => Math.max(1, Math.ceil((range.toMs - range.fromMs) / 1000 / POINTS));

function pageQueries(range: TimeRange): Record<string, BuiltQuery> {
  const step = stepFor(range);
  const prefixed = (page: string, queries: Record<string, BuiltQuery>) =>
    Object.fromEntries(Object.entries(queries).map(([name, q]) => [`${page}.${name}`, q]));
  return {
    ...prefixed('connections', connectionsViewQueries(defaultConnectionsView, range, step)),
    ...prefixed('dns', dnsViewQueries(defaultDnsView, range, step)),
  };
}

/** The same question on a pinned tier: the flows table's default grouping, and the DNS totals. */
function sameQuestion(range: TimeRange, tier: Tier): Record<string, BuiltQuery> {
  return {
    'connections.flows': connectionsTop({
      range,
      tier,
      groupBy: [...defaultConnectionsView.groupBy],
      metrics: ['bytes_src', 'bytes_dst', 'packets', 'retransmits', 'rtt_avg_us', 'failed', 'opened'],
      orderBy: 'bytes',
      limit: 100,
    }),
    'dns.totals': dnsTop({ range, tier, metrics: ['queries', 'errors', 'nxdomain', 'servfail', 'timeouts'] }),
  };
}

interface QueryResult extends Timing {
  readonly tier: string;
  /** Rows the table reads after index analysis (EXPLAIN ESTIMATE), summed over tables. */
  readonly estimatedReadRows: number;
}

interface QuerySet {
  readonly queries: Record<string, QueryResult>;
  /** Over every run of every query of the set: what the panels of a page see. */
  readonly overall: Timing & { worstQueryP95: number; withinTarget: boolean };
}

async function measureAll(store: Store, queries: Record<string, BuiltQuery>, runs: number): Promise<QuerySet> {
  const out: Record<string, QueryResult> = {};
  const all: number[] = [];
  for (const [name, q] of Object.entries(queries)) {
    const samples = await timeRuns(runs, () => store.query(q.sql, q.params));
    const estimate = await store.query<{ rows: string }>(`EXPLAIN ESTIMATE ${q.sql}`, q.params);
    const tier = /FROM \w+\.((?:connections|dns)(?:_workload|_client)?_1[mh])\b/.exec(q.sql)?.[1] ?? 'raw';
    out[name] = { ...summarize(samples), tier, estimatedReadRows: estimate.reduce((s, e) => s + Number(e.rows), 0) };
    all.push(...samples);
    log(`  ${name}: p50 ${out[name].p50} ms, p95 ${out[name].p95} ms (${tier})`);
  }
  const worstQueryP95 = Math.max(...Object.values(out).map((r) => r.p95));
  return { queries: out, overall: { ...summarize(all), worstQueryP95, withinTarget: worstQueryP95 <= TARGET_P95_MS } };
}

function table(title: string, set: QuerySet): string {
  const lines = Object.entries(set.queries).map(
    ([name, r]) =>
      `| ${name} | ${r.tier} | ${r.p50} | ${r.p95} | ${r.max} | ${r.estimatedReadRows.toLocaleString('en-US')} |`
  );
  return [
    `${title}`,
    '| query | table | p50 ms | p95 ms | max ms | rows read (estimate) |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
    ...lines,
    `| all runs of all queries | | ${set.overall.p50} | ${set.overall.p95} | ${set.overall.max} | |`,
  ].join('\n');
}

async function main(): Promise<void> {
  const runs = count('runs');
  const rawRuns = count('raw-runs');
  const dataDir = args['data-dir'] ?? mkdtempSync(join(tmpdir(), 'netmon-bench-queries-'));
  const temporary = args['data-dir'] === undefined;
  const store = await openForCli({ dataDir });
  try {
    await migrate(store);
    const generation = await ensureFleet(store);
    await waitForMerges(store, 10 * 60_000, log);
    const { day, hour, rawRows } = await windows(store);
    log(`window ${new Date(day.fromMs).toISOString()} .. ${new Date(day.toMs).toISOString()}`);
    log('24 h page queries');
    const day24 = await measureAll(store, pageQueries(day), runs);
    log('1 h page queries');
    const hour1 = await measureAll(store, pageQueries(hour), runs);
    log('same question, raw against rollup');
    const compare = {
      day: {
        raw: await measureAll(store, sameQuestion(day, 'raw'), rawRuns),
        hour: await measureAll(store, sameQuestion(day, 'hour'), runs),
      },
      hour: {
        raw: await measureAll(store, sameQuestion(hour, 'raw'), rawRuns),
        minute: await measureAll(store, sameQuestion(hour, 'minute'), runs),
      },
    };
    const ratio = (raw: QuerySet, rollup: QuerySet, name: string) =>
      Math.round((raw.queries[name].p50 / rollup.queries[name].p50) * 10) / 10;
    const ratios = Object.fromEntries(
      Object.keys(compare.day.raw.queries).map((name) => [
        name,
        {
          day_raw_over_hour: ratio(compare.day.raw, compare.day.hour, name),
          hour_raw_over_minute: ratio(compare.hour.raw, compare.hour.minute, name),
        },
      ])
    );
    const storage = await storageFootprint(store);
    const rollupBytes = storage.filter((s) => s.table !== 'connections' && s.table !== 'dns_queries');
    const result = {
      measuredAt: new Date().toISOString(),
      machine: { cores: availableParallelism(), loadAverage: loadavg().map((l) => Math.round(l * 10) / 10) },
      dataDir: temporary ? '(temporary)' : dataDir,
      rawConnectionRows: rawRows,
      generation,
      runs,
      rawRuns,
      targetP95Ms: TARGET_P95_MS,
      window24h: { ...day, ...day24 },
      window1h: { ...hour, ...hour1 },
      rawVsRollup: { ...compare, ratioOfP50: ratios },
      storage: {
        tables: storage,
        connectionsBytesPerRow: storage.find((s) => s.table === 'connections')?.bytesPerRow,
        rollupBytesPerRawConnectionRow:
          Math.round((rollupBytes.reduce((s, t) => s + t.compressedBytes, 0) / rawRows) * 10) / 10,
      },
    };
    mkdirSync(join(RESULTS, '..'), { recursive: true });
    writeFileSync(RESULTS, `${JSON.stringify(result, null, 2)}\n`);
    console.log(table('24 h window', day24));
    console.log(`\n${table('1 h window', hour1)}`);
    console.log(`\n${table('24 h, raw table', compare.day.raw)}\n\n${table('24 h, hour rollup', compare.day.hour)}`);
    console.log(
      `\n${table('1 h, raw table', compare.hour.raw)}\n\n${table('1 h, minute rollup', compare.hour.minute)}`
    );
    console.log('\n| table | rows | parts | compressed bytes | bytes/row |\n| --- | ---: | ---: | ---: | ---: |');
    for (const s of storage) {
      console.log(`| ${s.table} | ${s.rows} | ${s.parts} | ${s.compressedBytes} | ${s.bytesPerRow} |`);
    }
    console.log(`\nwrote ${RESULTS}`);
  } finally {
    await store.close();
    if (temporary) {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
}

main().catch((err: unknown) => {
  console.error(`bench:queries failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
