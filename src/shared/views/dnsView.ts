import { lookup } from '../sql/catalog';
import { dnsErrorShareSeries, dnsNameDrilldown, dnsSeries, dnsTop, type DnsFilter } from '../sql/dns';
import type { BuiltQuery } from '../sql/query';
import type { TimeRange } from '../sql/timeRange';

/** Who asked: the DNS page's selectors, coarse to fine, then the resolver. */
export const DNS_SELECTORS = [
  'client_cluster',
  'client_namespace',
  'client_deployment',
  'client_pod',
  'node',
  'server_ip',
] as const;
export type DnsSelector = (typeof DNS_SELECTORS)[number];

export interface DnsView {
  readonly selectors: Partial<Readonly<Record<DnsSelector, readonly string[]>>>;
  readonly database?: string;
}

export const defaultDnsView: DnsView = { selectors: {} };

/** Names and clients listed: enough for an incident, cheap for the browser. */
export const DNS_TOP_LIMIT = 50;

const FAILED: DnsFilter = { dim: 'rcode', op: 'neq', value: 'NOERROR' };

export function dnsViewFilters(view: DnsView): DnsFilter[] {
  return DNS_SELECTORS.flatMap((dim) => {
    const values = view.selectors[dim];
    return values !== undefined && values.length > 0 ? [{ dim, op: 'in', values } as const] : [];
  });
}

export type DnsPanel = 'totals' | 'qps' | 'errorShare' | 'latency' | 'failingNames' | 'clients';

/** The DNS page's queries. */
export function dnsViewQueries(view: DnsView, range: TimeRange, stepSeconds: number): Record<DnsPanel, BuiltQuery> {
  const base = { range, filters: dnsViewFilters(view), database: view.database };
  return {
    totals: dnsTop({ ...base, metrics: ['queries', 'errors', 'error_ratio', 'nxdomain', 'servfail', 'timeouts'] }),
    qps: dnsSeries({ ...base, stepSeconds, metrics: ['qps'] }),
    errorShare: dnsErrorShareSeries({ ...base, stepSeconds }),
    latency: dnsSeries({ ...base, stepSeconds, metrics: ['latency_p50_us', 'latency_p95_us', 'latency_p99_us'] }),
    // Only failed questions, so a name with no failure never fills the list.
    failingNames: dnsTop({
      ...base,
      filters: [...base.filters, FAILED],
      groupBy: ['qname'],
      metrics: ['errors', 'nxdomain', 'servfail', 'timeouts'],
      limit: DNS_TOP_LIMIT,
    }),
    clients: dnsTop({
      ...base,
      groupBy: ['client_namespace', 'client_deployment'],
      metrics: ['queries', 'errors', 'error_ratio', 'nxdomain', 'timeouts', 'latency_p95_us'],
      orderBy: 'errors',
      limit: DNS_TOP_LIMIT,
    }),
  };
}

export type DnsNamePanel = 'series' | 'clients' | 'servers' | 'answers';

/** Drill-down to one name: its answers over time, who asks it, which servers answer, and what they answer. */
export function dnsNameQueries(
  view: DnsView,
  qname: string,
  range: TimeRange,
  stepSeconds: number
): Record<DnsNamePanel, BuiltQuery> {
  if (typeof qname !== 'string' || qname === '') {
    throw new Error(`DNS name drill-down: expected a question name, got ${JSON.stringify(qname)}`);
  }
  const filters = dnsViewFilters(view);
  const detail = dnsNameDrilldown({ range, qname, filters, database: view.database });
  return {
    series: dnsSeries({
      range,
      filters: [...filters, { dim: 'qname', op: 'eq', value: qname }],
      stepSeconds,
      metrics: ['queries'],
      splitBy: 'rcode',
      seriesLimit: 'all',
      database: view.database,
    }),
    ...detail,
  };
}

/** Values a selector offers: those seen in the range, busiest first, under its coarser client levels. */
export function dnsSelectorValuesQuery(view: DnsView, dim: DnsSelector, range: TimeRange): BuiltQuery {
  lookup(Object.fromEntries(DNS_SELECTORS.map((d) => [d, d])), dim, 'DNS selector');
  const at = DNS_SELECTORS.indexOf(dim);
  const parents = at <= 3 ? DNS_SELECTORS.slice(0, at) : [];
  const selectors = Object.fromEntries(parents.map((p) => [p, view.selectors[p] ?? []]));
  return dnsTop({
    range,
    filters: dnsViewFilters({ selectors }),
    groupBy: [dim],
    metrics: ['queries'],
    limit: 1000,
    database: view.database,
  });
}
