import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  benchmarksJson,
  renderSummary,
  replaceSummary,
  SUMMARY_END,
  SUMMARY_START,
  type BenchInputs,
  type BenchRun,
} from './benchmarkSummary';

const run: BenchRun = {
  mode: 'quick',
  command: 'npm run bench -- --quick',
  date: '2026-11-21T12:00:00.000Z',
  durationSeconds: 420,
  machine: { cores: 2, kernel: '6.18', bpftrace: 'v0.17.0', node: 'v20.20.2', chdb: '3.4.0', loadAverageAtStart: 3.2 },
};

const timing = (p50: number, p95: number) => ({ p50, p95 });

const inputs: BenchInputs = {
  capture: {
    command: 'node --import tsx bench/capture.ts --json --quick',
    options: { rounds: 2, seconds: 4, concurrency: 8 },
    summary: {
      connectionsPerSecondWithout: 3000.4,
      connectionsPerSecondWith: 2900.2,
      throughputRatio: 0.96666,
      agentCpuUsPerConnection: 98.74,
      lostEvents: 0,
      peakRssBytes: 512 * 2 ** 20,
    },
  },
  ingest: {
    rows: 200_000,
    naiveRows: 1000,
    rounds: 3,
    rowsPerSecondPerCore: 40_000,
    jsonRowsPerSecondPerCore: 25_000,
    nativeOverJson: 1.62,
    naiveRowsPerSecondPerCore: 40,
    speedup: 1000,
    rowsPerSecond: 20_000,
  },
  storage: {
    rawRows: 1_000_000,
    bytesPerRow: 29.5,
    rollups: { connections_1m: { rows: 600_000, bytesPerRow: 30, bytesPerSourceRow: 18 } },
    columns: [{ column: 'connection_id', bytesPerRow: 5.1 }],
    codecTrials: { 'labels and enums ZSTD(1)': 27 },
  },
  queries: {
    rawConnectionRows: 1_000_000,
    runs: 5,
    window24h: {
      queries: {
        'connections.flows': timing(300, 620),
        'connections.throughput': timing(100, 200),
        'dns.totals': timing(10, 900),
      },
    },
    rawVsRollup: {
      day: {
        raw: { queries: { 'connections.flows': timing(800, 900), 'dns.totals': timing(50, 60) } },
        hour: { queries: { 'connections.flows': timing(200, 300), 'dns.totals': timing(10, 20) } },
      },
    },
  },
};

describe('benchmarksJson', () => {
  const b = benchmarksJson(run, inputs);

  it('carries the headline figures under their dotted keys', () => {
    assert.equal(b.capture.throughput_ratio, 0.967);
    assert.equal(b.capture.cpu_us_per_connection, 98.7);
    assert.equal(b.capture.lost_events, 0);
    assert.equal(b.ingest.rows_per_s_per_core, 40_000);
    assert.equal(b.ingest.naive_rows_per_s_per_core, 40);
    assert.equal(b.ingest.json_rows_per_s_per_core, 25_000);
    assert.equal(b.ingest.native_over_json, 1.62);
    assert.equal(b.storage.bytes_per_row, 29.5);
    assert.equal(b.storage.rollups?.connections_1m.bytes_per_source_row, 18);
    assert.equal(b.query.raw_rows, 1_000_000);
  });

  it("takes each page's slowest panel for its p95, and rollup ÷ raw of the same question", () => {
    assert.equal(b.query.connections_24h_p95_ms, 620);
    assert.equal(b.query.dns_24h_p95_ms, 900);
    assert.equal(b.query.rollup_vs_raw_ratio, 0.25);
    assert.equal(b.query.dns_rollup_vs_raw_ratio, 0.2);
  });

  it('says for each target whether the measured figure meets it', () => {
    const met = Object.fromEntries(b.targets.map((t) => [t.figure, t.met]));
    assert.deepEqual(met, {
      'capture.throughput_ratio': true,
      'capture.cpu_us_per_connection': false,
      'capture.lost_events': true,
      'ingest.rows_per_s_per_core': false,
      'storage.bytes_per_row': true,
      'query.connections_24h_p95_ms': false,
    });
    assert.equal(b.mode, 'quick');
    assert.equal(b.machine.cores, 2);
  });

  it('records a benchmark that failed as null figures, not met, with its error', () => {
    const failed = benchmarksJson(run, { ...inputs, capture: { error: 'needs root' } });
    assert.equal(failed.capture.error, 'needs root');
    assert.equal(failed.capture.throughput_ratio, null);
    const ratio = failed.targets.find((t) => t.figure === 'capture.throughput_ratio');
    assert.deepEqual([ratio?.value, ratio?.met], [null, false]);
    assert.match(renderSummary(failed), /- capture did not run: needs root/);
  });

  it('refuses page-query output without the pages it summarizes', () => {
    const queries = {
      ...inputs.queries,
      window24h: { queries: { 'dns.totals': timing(1, 2) } },
    } as BenchInputs['queries'];
    assert.throws(() => benchmarksJson(run, { ...inputs, queries }), /expected connections\.\* queries/);
  });
});

describe('renderSummary', () => {
  const text = renderSummary(benchmarksJson(run, inputs));

  it('has one row per target with the measured value and the verdict', () => {
    assert.match(text, /\| `capture\.throughput_ratio` \| 0\.967 \| >= 0\.95 \| met \|/);
    assert.match(text, /\| `ingest\.rows_per_s_per_core` \| 40,000 \| >= 250,000 \| \*\*not met\*\* \|/);
    assert.match(text, /\| `storage\.rollups\.connections_1m` \| 30 B per rollup row \| 18 B per source row \|/);
    assert.match(
      text,
      /\| `ingest\.json_rows_per_s_per_core` \(the same batches as JSONCompactEachRow\) \| 25,000 \| Native is 1\.62x \|/
    );
  });

  it('names the run: command, mode, machine and sizes', () => {
    assert.match(text, /`npm run bench -- --quick` \(quick mode\) on 2026-11-21/);
    assert.match(text, /2 cores, kernel 6\.18, bpftrace v0\.17\.0/);
    assert.match(text, /page queries on 1,000,000 raw rows/);
  });
});

describe('replaceSummary', () => {
  it('appends a marked section under the heading when the document has none', () => {
    const doc = replaceSummary('# Benchmarks\n\nText.\n', 'one', '## Summary');
    assert.equal(doc, `# Benchmarks\n\nText.\n\n## Summary\n\n${SUMMARY_START}\none\n${SUMMARY_END}\n`);
  });

  it('replaces only what lies between the markers on a rerun', () => {
    const first = replaceSummary('# B\n\nbefore\n', 'one', '## Summary') + '\nafter\n';
    const second = replaceSummary(first, 'two', '## Summary');
    assert.equal(second, first.replace('\none\n', '\ntwo\n'));
    assert.equal(second.split(SUMMARY_START).length, 2);
  });
});
