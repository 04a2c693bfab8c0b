import { dnsClientRollupColumns, dnsRollupColumns, dnsWorkloadRollupColumns } from '../schema';
import type { Dimension, Metric } from './catalog';
import type { Dataset } from './dataset';
import { dnsRelation } from './dnsRelation';
import type { Filter } from './filters';
import { seriesQuery, topQuery, type SeriesOptions, type TopOptions } from './groupedQuery';
import type { BuiltQuery } from './query';
import type { Tier, TimeRange } from './timeRange';
import { IP, STRING, UINT32, type ValueKind } from './valueKinds';

const dim = (name: string, values: ValueKind, doc: string, rawOnly = false): Dimension => ({
  expr: `c.${name}`,
  values,
  rawOnly,
  doc,
});

/** Everything a DNS query may filter or group on. */
export const DNS_DIMENSIONS = {
  node: dim('node', STRING, 'Node of the client'),
  client_cluster: dim('client_cluster', STRING, 'Cluster of the asking workload'),
  client_namespace: dim('client_namespace', STRING, 'Namespace of the asking workload'),
  client_deployment: dim('client_deployment', STRING, 'Owning workload of the asking pod'),
  client_pod: dim('client_pod', STRING, 'Pod that asked'),
  server_ip: dim('server_ip', IP, 'Resolver'),
  qname: dim('qname', STRING, 'Question name'),
  qtype: dim('qtype', STRING, 'Question type'),
  rcode: dim('rcode', STRING, 'Response code, or TIMEOUT'),
  comm: dim('comm', STRING, 'Command that asked (raw only)', true),
  pid: dim('pid', UINT32, 'Process that asked (raw only)', true),
  client_ip: dim('client_ip', IP, 'Source IP of the question (raw only)', true),
  client_container: dim('client_container', STRING, 'Container that asked (raw only)', true),
  container_id: dim('container_id', STRING, 'Container id that asked (raw only)', true),
  answer: {
    expr: 'arrayJoin(c.answers)',
    values: STRING,
    rawOnly: true,
    groupOnly: true,
    doc: 'One answer record; a question with several answers counts under each (raw only, group only)',
  },
} satisfies Record<string, Dimension>;

export type DnsDimension = keyof typeof DNS_DIMENSIONS;

const ANSWERED = "c.rcode != 'TIMEOUT'";
const ERRORS = "sumIf(c.queries, c.rcode != 'NOERROR')";
const quantile = (index: number) => ({
  expr: `quantilesTDigestMerge(0.5, 0.95, 0.99)(c.latency)[${index}]`,
  rawExpr: `quantilesTDigestIf(0.5, 0.95, 0.99)(c.latency, ${ANSWERED})[${index}]`,
});

/** Metric columns of DNS queries; the names are the result column names. */
export const DNS_METRICS = {
  queries: { expr: 'sum(c.queries)', doc: 'Questions asked' },
  qps: { expr: 'sum(c.queries)', perSecond: true, doc: 'Questions per second' },
  errors: { expr: ERRORS, doc: 'Questions not answered NOERROR (TIMEOUT included)' },
  error_ratio: { expr: `${ERRORS} / sum(c.queries)`, doc: 'errors / queries' },
  nxdomain: { expr: "sumIf(c.queries, c.rcode = 'NXDOMAIN')", doc: 'NXDOMAIN answers' },
  servfail: { expr: "sumIf(c.queries, c.rcode = 'SERVFAIL')", doc: 'SERVFAIL answers' },
  timeouts: { expr: "sumIf(c.queries, c.rcode = 'TIMEOUT')", doc: 'Questions that got no response' },
  retries: { expr: 'sum(c.retries)', doc: 'Questions sent again' },
  latency_avg_us: {
    expr: `sum(c.latency_sum_us) / nullIf(sumIf(c.queries, ${ANSWERED}), 0)`,
    doc: 'Mean latency of answered questions, microseconds; NULL when none was answered',
  },
  latency_p50_us: { ...quantile(1), doc: 'Median latency of answered questions (t-digest), microseconds' },
  latency_p95_us: { ...quantile(2), doc: '95th percentile latency of answered questions, microseconds' },
  latency_p99_us: { ...quantile(3), doc: '99th percentile latency of answered questions, microseconds' },
} satisfies Record<string, Metric>;

export type DnsMetric = keyof typeof DNS_METRICS;
export type DnsFilter = Filter<DnsDimension>;

/** The pod-keyed rollup's columns a coarser rollup drops: the dimensions it cannot answer. */
function columnsMissingFrom(coarser: object): string[] {
  return Object.keys(dnsRollupColumns).filter((name) => !(name in coarser));
}

export const dnsDataset: Dataset<DnsDimension, DnsMetric> = {
  name: 'DNS',
  dimensions: DNS_DIMENSIONS,
  metrics: DNS_METRICS,
  relation: dnsRelation,
  // The page's totals, rates and latency read the client rollup; names and resolvers the workload
  // rollup; a node or a pod the pod-keyed one.
  coarserGrains: [
    { grain: 'client', lacks: columnsMissingFrom(dnsClientRollupColumns) },
    { grain: 'workload', lacks: columnsMissingFrom(dnsWorkloadRollupColumns) },
  ],
};

/** Top groups of DNS questions, e.g. the names with most NXDOMAIN, or the slowest resolvers. */
export function dnsTop(opts: TopOptions<DnsDimension, DnsMetric>): BuiltQuery {
  return topQuery(dnsDataset, opts);
}

/** DNS metrics per step (qps, error_ratio, latency quantiles), optionally split by a dimension. */
export function dnsSeries(opts: SeriesOptions<DnsDimension, DnsMetric>): BuiltQuery {
  return seriesQuery(dnsDataset, opts);
}

export interface DnsErrorShareOptions {
  readonly range: TimeRange;
  readonly filters?: readonly DnsFilter[];
  readonly stepSeconds: number;
  readonly tier?: Tier;
  readonly database?: string;
}

/**
 * Error ratio split by rcode: per step, each failing rcode's share of all questions, so the
 * series stack up to the step's error_ratio. The share is taken before NOERROR is dropped,
 * otherwise the denominator would lose the answered questions.
 */
export function dnsErrorShareSeries(opts: DnsErrorShareOptions): BuiltQuery {
  const perRcode = dnsSeries({ ...opts, metrics: ['queries'], splitBy: 'rcode', seriesLimit: 'all' });
  const sql = [
    'SELECT time, rcode, queries / sum(queries) OVER (PARTITION BY time) AS error_ratio',
    `FROM (${perRcode.sql})`,
    "QUALIFY rcode != 'NOERROR'",
    'ORDER BY time, rcode',
  ].join('\n');
  return { sql, params: perRcode.params };
}

export interface DnsDrilldownOptions {
  readonly range: TimeRange;
  readonly qname: string;
  readonly filters?: readonly DnsFilter[];
  readonly limit?: number;
  readonly database?: string;
}

/** One name in detail: who asks it, which resolvers answer, and what they answer (raw only). */
export function dnsNameDrilldown(opts: DnsDrilldownOptions): {
  clients: BuiltQuery;
  servers: BuiltQuery;
  answers: BuiltQuery;
} {
  const base = {
    range: opts.range,
    filters: [...(opts.filters ?? []), { dim: 'qname', op: 'eq', value: opts.qname } as const],
    limit: opts.limit,
    database: opts.database,
  };
  return {
    clients: dnsTop({
      ...base,
      groupBy: ['client_namespace', 'client_deployment', 'client_pod', 'node'],
      metrics: ['queries', 'errors', 'error_ratio', 'latency_p95_us'],
    }),
    servers: dnsTop({
      ...base,
      groupBy: ['server_ip'],
      metrics: ['queries', 'errors', 'timeouts', 'latency_p50_us', 'latency_p95_us', 'latency_p99_us'],
    }),
    answers: dnsTop({ ...base, groupBy: ['qtype', 'answer'], metrics: ['queries'] }),
  };
}
