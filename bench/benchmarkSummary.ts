/**
 * docs/benchmarks.json and the summary table of docs/BENCHMARKS.md, from what each benchmark
 * printed. Pure (no I/O), so its shape and its rendering are unit-tested; bench/run.ts runs the
 * benchmarks and writes the files.
 */
import type { IngestResult } from './ingest';

export type Mode = 'full' | 'quick';

/** The parts of each benchmark's JSON this summary reads (bench/capture.ts, ingest.ts, storage.ts, pageQueries.ts). */
export interface CaptureOutput {
  readonly command: string;
  readonly options: { readonly rounds: number; readonly seconds: number; readonly concurrency: number };
  readonly summary: {
    readonly connectionsPerSecondWithout: number;
    readonly connectionsPerSecondWith: number;
    readonly throughputRatio: number;
    readonly agentCpuUsPerConnection: number;
    readonly lostEvents: number;
    readonly peakRssBytes: number;
  };
}

/** What the summary reads of bench/ingest.ts's result (its own, minus the verdict it recomputes). */
export type IngestOutput = Omit<IngestResult, 'target' | 'met' | 'measurements'>;

export interface StorageOutput {
  readonly rawRows: number;
  readonly bytesPerRow: number;
  readonly rollups: Record<string, { rows: number; bytesPerRow: number; bytesPerSourceRow: number }>;
  readonly columns: ReadonlyArray<{ column: string; bytesPerRow: number }>;
  readonly codecTrials: Record<string, number>;
}

interface QueryTiming {
  readonly p50: number;
  readonly p95: number;
}

export interface PageQueriesOutput {
  readonly rawConnectionRows: number;
  readonly runs: number;
  readonly window24h: { readonly queries: Record<string, QueryTiming> };
  readonly rawVsRollup: {
    readonly day: {
      readonly raw: { queries: Record<string, QueryTiming> };
      readonly hour: { queries: Record<string, QueryTiming> };
    };
  };
}

export interface Machine {
  readonly cores: number;
  readonly kernel: string;
  readonly bpftrace: string;
  readonly node: string;
  readonly chdb: string;
  readonly loadAverageAtStart: number;
}

/** Outputs of the benchmarks that ran; a failed one carries its error instead. */
export interface BenchInputs {
  readonly capture: CaptureOutput | { error: string };
  readonly ingest: IngestOutput | { error: string };
  readonly storage: StorageOutput | { error: string };
  readonly queries: PageQueriesOutput | { error: string };
}

export interface Target {
  readonly figure: string;
  readonly value: number | null;
  readonly op: '>=' | '<=';
  readonly target: number;
  readonly met: boolean;
}

export const TARGETS: ReadonlyArray<Omit<Target, 'value' | 'met'>> = [
  { figure: 'capture.throughput_ratio', op: '>=', target: 0.95 },
  { figure: 'capture.cpu_us_per_connection', op: '<=', target: 10 },
  { figure: 'capture.lost_events', op: '<=', target: 0 },
  { figure: 'ingest.rows_per_s_per_core', op: '>=', target: 250_000 },
  { figure: 'storage.bytes_per_row', op: '<=', target: 30 },
  { figure: 'query.connections_24h_p95_ms', op: '<=', target: 500 },
];

const failed = <T extends object>(x: T | { error: string }): x is { error: string } => 'error' in x;
const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

/** The slowest panel of a page: its p95 is what the page waits for. */
function worstP95(queries: Record<string, QueryTiming>, page: string): number {
  const p95s = Object.entries(queries)
    .filter(([name]) => name.startsWith(`${page}.`))
    .map(([, q]) => q.p95);
  if (p95s.length === 0) {
    throw new Error(`page-queries output: expected ${page}.* queries in window24h, found none`);
  }
  return Math.max(...p95s);
}

function rollupOverRaw(q: PageQueriesOutput, name: string): number {
  const raw = q.rawVsRollup.day.raw.queries[name];
  const rollup = q.rawVsRollup.day.hour.queries[name];
  if (raw === undefined || rollup === undefined) {
    throw new Error(`page-queries output: expected ${name} in rawVsRollup.day.raw and .hour`);
  }
  return round(rollup.p50 / raw.p50, 3);
}

/** Each section of the JSON; a benchmark that failed leaves its error and null headline figures. */
export interface CaptureSection {
  readonly error?: string;
  readonly throughput_ratio: number | null;
  readonly cpu_us_per_connection: number | null;
  readonly lost_events: number | null;
  readonly connections_per_s_without?: number;
  readonly connections_per_s_with?: number;
  readonly peak_rss_mib?: number;
  readonly rounds?: number;
  readonly seconds_per_round?: number;
}

export interface IngestSection {
  readonly error?: string;
  /** RowWriter batches as the embedded store sends them (Native blocks). */
  readonly rows_per_s_per_core: number | null;
  readonly naive_rows_per_s_per_core: number | null;
  /** The same batches as JSONCompactEachRow, the store's format before RowBinary and Native; absent from older runs. */
  readonly json_rows_per_s_per_core?: number;
  readonly native_over_json?: number;
  readonly batched_over_naive?: number;
  readonly rows_per_s_wall?: number;
  readonly rows?: number;
  readonly naive_rows?: number;
  readonly rounds?: number;
}

export interface StorageSection {
  readonly error?: string;
  readonly bytes_per_row: number | null;
  readonly raw_rows?: number;
  readonly rollups?: Record<string, { rows: number; bytes_per_row: number; bytes_per_source_row: number }>;
  readonly costliest_columns?: ReadonlyArray<{ column: string; bytes_per_row: number }>;
  readonly codec_trials_bytes_per_row?: Record<string, number>;
}

export interface QuerySection {
  readonly error?: string;
  readonly connections_24h_p95_ms: number | null;
  readonly dns_24h_p95_ms?: number;
  readonly rollup_vs_raw_ratio?: number;
  readonly dns_rollup_vs_raw_ratio?: number;
  readonly raw_rows?: number;
  readonly runs?: number;
}

function captureSection(c: BenchInputs['capture']): CaptureSection {
  if (failed(c)) {
    return { error: c.error, throughput_ratio: null, cpu_us_per_connection: null, lost_events: null };
  }
  const s = c.summary;
  return {
    throughput_ratio: round(s.throughputRatio, 3),
    cpu_us_per_connection: round(s.agentCpuUsPerConnection, 1),
    lost_events: s.lostEvents,
    connections_per_s_without: Math.round(s.connectionsPerSecondWithout),
    connections_per_s_with: Math.round(s.connectionsPerSecondWith),
    peak_rss_mib: round(s.peakRssBytes / 2 ** 20, 1),
    rounds: c.options.rounds,
    seconds_per_round: c.options.seconds,
  };
}

function ingestSection(i: BenchInputs['ingest']): IngestSection {
  if (failed(i)) {
    return { error: i.error, rows_per_s_per_core: null, naive_rows_per_s_per_core: null };
  }
  return {
    rows_per_s_per_core: i.rowsPerSecondPerCore,
    naive_rows_per_s_per_core: i.naiveRowsPerSecondPerCore,
    json_rows_per_s_per_core: i.jsonRowsPerSecondPerCore,
    native_over_json: i.nativeOverJson,
    batched_over_naive: i.speedup,
    rows_per_s_wall: i.rowsPerSecond,
    rows: i.rows,
    naive_rows: i.naiveRows,
    rounds: i.rounds,
  };
}

function storageSection(s: BenchInputs['storage']): StorageSection {
  if (failed(s)) {
    return { error: s.error, bytes_per_row: null };
  }
  return {
    bytes_per_row: s.bytesPerRow,
    raw_rows: s.rawRows,
    rollups: Object.fromEntries(
      Object.entries(s.rollups).map(([t, r]) => [
        t,
        { rows: r.rows, bytes_per_row: r.bytesPerRow, bytes_per_source_row: r.bytesPerSourceRow },
      ])
    ),
    costliest_columns: s.columns.slice(0, 8).map((c) => ({ column: c.column, bytes_per_row: c.bytesPerRow })),
    codec_trials_bytes_per_row: s.codecTrials,
  };
}

function querySection(q: BenchInputs['queries']): QuerySection {
  if (failed(q)) {
    return { error: q.error, connections_24h_p95_ms: null };
  }
  return {
    connections_24h_p95_ms: worstP95(q.window24h.queries, 'connections'),
    dns_24h_p95_ms: worstP95(q.window24h.queries, 'dns'),
    rollup_vs_raw_ratio: rollupOverRaw(q, 'connections.flows'),
    dns_rollup_vs_raw_ratio: rollupOverRaw(q, 'dns.totals'),
    raw_rows: q.rawConnectionRows,
    runs: q.runs,
  };
}

export interface BenchRun {
  readonly mode: Mode;
  readonly command: string;
  readonly date: string;
  readonly durationSeconds: number;
  readonly machine: Machine;
}

/** The figure at a dotted path of a section object, or null when it is missing. */
function at(sections: Record<string, object>, path: string): number | null {
  const [section, key] = path.split('.');
  const value = (sections[section] as Record<string, unknown> | undefined)?.[key];
  return typeof value === 'number' ? value : null;
}

export interface BenchmarksJson {
  readonly mode: Mode;
  readonly command: string;
  readonly date: string;
  readonly duration_s: number;
  readonly machine: Machine;
  readonly capture: CaptureSection;
  readonly ingest: IngestSection;
  readonly storage: StorageSection;
  readonly query: QuerySection;
  /** One per headline figure: its value, the target and whether the value meets it. */
  readonly targets: readonly Target[];
}

export function benchmarksJson(run: BenchRun, inputs: BenchInputs): BenchmarksJson {
  const sections = {
    capture: captureSection(inputs.capture),
    ingest: ingestSection(inputs.ingest),
    storage: storageSection(inputs.storage),
    query: querySection(inputs.queries),
  };
  const targets: Target[] = TARGETS.map((t) => {
    const value = at(sections, t.figure);
    const met = value !== null && (t.op === '>=' ? value >= t.target : value <= t.target);
    return { ...t, value, met };
  });
  return {
    mode: run.mode,
    command: run.command,
    date: run.date,
    duration_s: run.durationSeconds,
    machine: run.machine,
    ...sections,
    targets,
  };
}

const num = (n: number | null | undefined) => (n === null || n === undefined ? '—' : n.toLocaleString('en-US'));

/** The summary table and its method notes, as Markdown. */
export function renderSummary(b: BenchmarksJson): string {
  const rows = b.targets.map(
    (t) => `| \`${t.figure}\` | ${num(t.value)} | ${t.op} ${num(t.target)} | ${t.met ? 'met' : '**not met**'} |`
  );
  const i = b.ingest;
  const s = b.storage;
  const q = b.query;
  const side: string[] = [];
  if (i.json_rows_per_s_per_core !== undefined) {
    side.push(
      `| \`ingest.json_rows_per_s_per_core\` (the same batches as JSONCompactEachRow) | ${num(i.json_rows_per_s_per_core)} | Native is ${num(i.native_over_json)}x |`
    );
  }
  if (i.naive_rows_per_s_per_core !== null) {
    side.push(
      `| \`ingest.naive_rows_per_s_per_core\` (one INSERT per row, JSONEachRow) | ${num(i.naive_rows_per_s_per_core)} | batched is ${num(i.batched_over_naive)}x |`
    );
  }
  if (s.rollups !== undefined) {
    for (const [t, r] of Object.entries(s.rollups)) {
      side.push(
        `| \`storage.rollups.${t}\` | ${num(r.bytes_per_row)} B per rollup row | ${num(r.bytes_per_source_row)} B per source row |`
      );
    }
  }
  if (q.dns_24h_p95_ms !== undefined) {
    side.push(`| \`query.dns_24h_p95_ms\` | ${num(q.dns_24h_p95_ms)} | |`);
    side.push(
      `| \`query.rollup_vs_raw_ratio\` (connections flows, 24 h, p50 hour rollup ÷ raw) | ${num(q.rollup_vs_raw_ratio)} | DNS totals: ${num(q.dns_rollup_vs_raw_ratio)} |`
    );
  }
  const errors = (['capture', 'ingest', 'storage', 'query'] as const)
    .map((k) => [k, b[k].error] as const)
    .filter(([, e]) => e !== undefined)
    .map(([k, e]) => `- ${k} did not run: ${e}`);
  const m = b.machine;
  return [
    `Run \`${b.command}\` (${b.mode} mode) on ${b.date.slice(0, 10)}, ${num(b.duration_s)} s: ${m.cores} cores, ` +
      `kernel ${m.kernel}, bpftrace ${m.bpftrace}, node ${m.node}, chDB ${m.chdb}; load average ${m.loadAverageAtStart} ` +
      'at the start (the machine is shared). Every figure is a median of interleaved rounds or a p95 over runs, ' +
      'measured in this one run; the JSON is `docs/benchmarks.json`.',
    '',
    `Sizes: capture ${num(b.capture.rounds)} rounds of ${num(b.capture.seconds_per_round)} s each way; ingest ${num(i.rows)} rows ` +
      `(naive path ${num(i.naive_rows)}), ${num(i.rounds)} rounds; storage ${num(s.raw_rows)} raw rows; ` +
      `page queries on ${num(q.raw_rows)} raw rows, ${num(q.runs)} runs each.`,
    '',
    '| Figure | Measured | Target | |',
    '| --- | ---: | ---: | --- |',
    ...rows,
    '',
    '| Beside it | Measured | |',
    '| --- | ---: | --- |',
    ...side,
    ...(errors.length > 0 ? ['', ...errors] : []),
  ].join('\n');
}

export const SUMMARY_START = '<!-- bench:summary:start -->';
export const SUMMARY_END = '<!-- bench:summary:end -->';

/** The document with the text between the markers replaced, or the marked section appended if it has none. */
export function replaceSummary(doc: string, summary: string, heading: string): string {
  const block = `${SUMMARY_START}\n${summary}\n${SUMMARY_END}`;
  const start = doc.indexOf(SUMMARY_START);
  const end = doc.indexOf(SUMMARY_END);
  if (start === -1 || end === -1 || end < start) {
    return `${doc.trimEnd()}\n\n${heading}\n\n${block}\n`;
  }
  return doc.slice(0, start) + block + doc.slice(end + SUMMARY_END.length);
}
