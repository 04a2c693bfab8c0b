import { DATABASE, tables, type dnsRollupColumns } from '../schema';
import type { Grain } from './dataset';
import type { Tier } from './timeRange';

/**
 * Raw DNS rows in the shape of the rollups, with the expressions the materialized views apply.
 * `latency` stays the plain value here; on rollups it is a t-digest state, which is why the
 * quantile metrics carry a raw variant. Typed by the rollup columns so none can be forgotten.
 */
const RAW_AS_ROLLUP: Record<keyof typeof dnsRollupColumns, string> = {
  ts: 'ts',
  node: 'node',
  client_cluster: 'client_cluster',
  client_namespace: 'client_namespace',
  client_deployment: 'client_deployment',
  client_pod: 'client_pod',
  server_ip: 'server_ip',
  qname: 'qname',
  qtype: 'qtype',
  rcode: 'rcode',
  queries: '1',
  retries: 'retries',
  latency_sum_us: "if(rcode != 'TIMEOUT', latency_us, 0)",
  latency: 'latency_us',
};

/** Columns the rollups drop; asking for one of them sends the query to raw. */
export const DNS_RAW_ONLY = ['comm', 'pid', 'client_ip', 'client_container', 'container_id', 'answers'] as const;

const projection = Object.entries(RAW_AS_ROLLUP)
  .map(([name, expr]) => (name === expr ? name : `${expr} AS ${name}`))
  .concat(DNS_RAW_ONLY)
  .join(', ');

const TABLES: Record<Grain, Record<Tier, string>> = {
  pod: { raw: tables.dns_queries.name, minute: tables.dns_1m.name, hour: tables.dns_1h.name },
  workload: { raw: tables.dns_queries.name, minute: tables.dns_workload_1m.name, hour: tables.dns_workload_1h.name },
  client: { raw: tables.dns_queries.name, minute: tables.dns_client_1m.name, hour: tables.dns_client_1h.name },
};

/** `database` must have passed databaseIdentifier (openScope sees to it). Raw has one grain. */
export function dnsRelation(tier: Tier, database: string = DATABASE, grain: Grain = 'pod'): string {
  const table = `${database}.${TABLES[grain][tier]}`;
  return tier === 'raw' ? `(SELECT ${projection} FROM ${table}) AS c` : `${table} AS c`;
}
