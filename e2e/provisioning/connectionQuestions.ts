import {
  connectionsSeries,
  connectionsTop,
  type ConnectionDimension,
  type ConnectionMetric,
} from '../../src/shared/sql/connections';
import type { Filter } from '../../src/shared/sql/filters';
import { MAX_ROWS } from '../../src/shared/sql/groupedQuery';
import type { TimeRange } from '../../src/shared/sql/timeRange';
import type { Store } from '../../src/store/store';
import { queryNumbers } from '../../src/store/testStore';

/**
 * The shared builders' question behind a provisioned query over connections. Dashboards and alert
 * rules hand-write their SQL (Grafana macros and variables), so the test asks the builders the same
 * question on the same rows and expects the same numbers: that is what keeps the hand-written
 * reconciliation of pairs seen from both sides equal to the builders'.
 */
export interface ConnectionQuestion {
  /** Result column, and the dimensions whose values it joins with '/' (a workload is namespace/deployment). */
  readonly keys: Readonly<Record<string, readonly ConnectionDimension[]>>;
  /** Result column, and the builder metric it must equal. */
  readonly metrics: Readonly<Record<string, ConnectionMetric>>;
  readonly filters?: ReadonlyArray<Filter<ConnectionDimension>>;
  /** The dimension the dashboard's namespace variable narrows. */
  readonly namespaceDim?: ConnectionDimension;
  /** One row per minute (a `time` column, $__timeInterval at a 1-minute interval), else one over the window. */
  readonly perMinute?: boolean;
  /** The HAVING guard: groups that exchanged fewer packets return no row. */
  readonly minPackets?: number;
}

const TCP: ReadonlyArray<Filter<ConnectionDimension>> = [{ dim: 'protocol', op: 'eq', value: 'tcp' }];
const SRC_WORKLOAD: ConnectionDimension[] = ['src_namespace', 'src_deployment'];
const DST_WORKLOAD: ConnectionDimension[] = ['dst_namespace', 'dst_deployment'];
const one = (d: ConnectionDimension) => [d];

/** By `${dashboard uid}/${panel title}`; every panel reading the connection rollup must be here. */
export const PANEL_QUESTIONS: Readonly<Record<string, ConnectionQuestion>> = {
  'netmon-overview/Bytes by client namespace': {
    keys: { namespace: one('src_namespace') },
    metrics: { bytes: 'bytes' },
    namespaceDim: 'src_namespace',
    perMinute: true,
  },
  'netmon-overview/New and failed connections': {
    keys: {},
    metrics: { opened: 'opened', failed: 'failed' },
    namespaceDim: 'src_namespace',
    perMinute: true,
  },
  'netmon-overview/Busiest workload pairs': {
    keys: Object.fromEntries(
      (['src_namespace', 'src_deployment', 'dst_namespace', 'dst_deployment', 'dst_port'] as const).map((d) => [
        d,
        one(d),
      ])
    ),
    metrics: {
      bytes_sent: 'bytes_src',
      bytes_received: 'bytes_dst',
      connections: 'opened',
      retransmit_ratio: 'retransmit_ratio',
    },
    namespaceDim: 'src_namespace',
  },
  'netmon-tcp-health/Retransmit ratio by client workload': {
    keys: { workload: SRC_WORKLOAD },
    metrics: { retransmit_ratio: 'retransmit_ratio' },
    filters: TCP,
    namespaceDim: 'src_namespace',
    perMinute: true,
  },
  'netmon-tcp-health/Average RTT by server workload': {
    keys: { workload: DST_WORKLOAD },
    metrics: { rtt_us: 'rtt_avg_us' },
    filters: TCP,
    namespaceDim: 'dst_namespace',
    perMinute: true,
  },
  'netmon-tcp-health/Resets and failed connects': {
    keys: {},
    metrics: { resets: 'resets', failed: 'failed' },
    filters: TCP,
    namespaceDim: 'src_namespace',
    perMinute: true,
  },
  'netmon-tcp-health/Worst pairs by retransmit ratio (at least 1000 packets)': {
    keys: Object.fromEntries([...SRC_WORKLOAD, ...DST_WORKLOAD].map((d) => [d, one(d)])),
    metrics: {
      packets: 'packets',
      retransmits: 'retransmits',
      retransmit_ratio: 'retransmit_ratio',
      rtt_max_us: 'rtt_max_us',
    },
    filters: TCP,
    namespaceDim: 'src_namespace',
    minPackets: 1000,
  },
};

/** By alert rule uid; every rule reading the connection rollup must be here. */
export const ALERT_QUESTIONS: Readonly<Record<string, ConnectionQuestion>> = {
  'netmon-tcp-retransmit-ratio': {
    keys: { src: SRC_WORKLOAD, dst: DST_WORKLOAD },
    metrics: { retransmit_ratio: 'retransmit_ratio' },
    filters: TCP,
    minPackets: 1000,
  },
};

export type AnswerRow = Record<string, string | number | null>;

/** Numbers as numbers (64-bit integers arrive as strings), to 12 digits so float summation order cannot matter. */
function normalized(value: unknown): string | number | null {
  if (value === null || value === undefined) {
    return null;
  }
  const n =
    typeof value === 'number' ? value : /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(String(value)) ? Number(value) : NaN;
  return Number.isNaN(n) ? String(value) : Number(n.toPrecision(12));
}

/** The question's columns of result rows, in a stable order. */
export function answerRows(q: ConnectionQuestion, rows: ReadonlyArray<Record<string, unknown>>): AnswerRow[] {
  const columns = [...(q.perMinute ? ['time'] : []), ...Object.keys(q.keys), ...Object.keys(q.metrics)];
  const picked = rows.map((r) => Object.fromEntries(columns.map((c) => [c, normalized(r[c])])));
  return picked.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

/**
 * The builders' answer, tier pinned to the minute rollup. A per-minute question with at most one
 * key dimension is a connectionsSeries split by it; a workload joins two dimensions, which a series
 * cannot split by, so those ask connectionsTop once per minute the unsplit series returned.
 */
export async function builderAnswer(
  store: Store,
  q: ConnectionQuestion,
  window: TimeRange,
  namespace: string | 'All'
): Promise<AnswerRow[]> {
  const narrowed = namespace !== 'All' && q.namespaceDim !== undefined;
  const filters = [
    ...(q.filters ?? []),
    ...(narrowed ? [{ dim: q.namespaceDim!, op: 'in' as const, values: [namespace] }] : []),
  ];
  const dims = [...new Set(Object.values(q.keys).flat())];
  const metrics = [
    ...new Set([...Object.values(q.metrics), ...(q.minPackets === undefined ? [] : ['packets' as const])]),
  ];
  const top = (range: TimeRange) =>
    queryNumbers(store, connectionsTop({ range, filters, groupBy: dims, metrics, tier: 'minute', limit: MAX_ROWS }));
  const series = (splitBy?: ConnectionDimension) =>
    queryNumbers(
      store,
      connectionsSeries({
        range: window,
        filters,
        splitBy,
        seriesLimit: 'all',
        stepSeconds: 60,
        metrics,
        tier: 'minute',
      })
    );
  let rows: Array<Record<string, unknown>>;
  if (!q.perMinute) {
    rows = await top(window);
  } else if (dims.length <= 1) {
    rows = await series(dims[0]);
  } else {
    rows = [];
    for (const { time } of await series()) {
      const fromMs = Date.parse(`${String(time).replace(' ', 'T')}Z`);
      rows.push(...(await top({ fromMs, toMs: fromMs + 60_000 })).map((r) => ({ ...r, time })));
    }
  }
  const answers = rows
    .filter((r) => q.minPackets === undefined || Number(r.packets) >= q.minPackets)
    .map((r) => ({
      time: r.time,
      ...Object.fromEntries(Object.entries(q.keys).map(([name, ds]) => [name, ds.map((d) => String(r[d])).join('/')])),
      ...Object.fromEntries(Object.entries(q.metrics).map(([name, metric]) => [name, r[metric]])),
    }));
  return answerRows(q, answers);
}
