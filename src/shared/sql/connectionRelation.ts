import { DATABASE, tables, type connectionsRollupColumns } from '../schema';
import type { Grain } from './dataset';
import type { Tier } from './timeRange';

const OUTBOUND = "direction = 'outbound'";
const clientSide = (ifOutbound: string, ifInbound: string) => `if(${OUTBOUND}, ${ifOutbound}, ${ifInbound})`;

/**
 * Raw connection rows in the shape of the rollups: the same expressions the materialized views
 * apply, so a raw-table query and a rollup query differ only in their FROM. Rows are oriented
 * client (src) to server (dst) whichever side observed them. Typed by the rollup columns so a new
 * rollup column cannot be forgotten here.
 */
const RAW_AS_ROLLUP: Record<keyof typeof connectionsRollupColumns, string> = {
  ts: 'ts',
  protocol: 'protocol',
  direction: 'direction',
  src_cluster: clientSide('local_cluster', 'remote_cluster'),
  src_namespace: clientSide('local_namespace', 'remote_namespace'),
  src_deployment: clientSide('local_deployment', 'remote_deployment'),
  src_pod: clientSide('local_pod', 'remote_pod'),
  src_node: clientSide('node', 'remote_node'),
  dst_cluster: clientSide('remote_cluster', 'local_cluster'),
  dst_namespace: clientSide('remote_namespace', 'local_namespace'),
  dst_deployment: clientSide('remote_deployment', 'local_deployment'),
  dst_pod: clientSide('remote_pod', 'local_pod'),
  dst_node: clientSide('remote_node', 'node'),
  dst_service: clientSide('remote_service', "''"),
  dst_dns_name: clientSide('remote_dns_name', "''"),
  dst_port: clientSide('remote_port', 'local_port'),
  src_bytes: clientSide('bytes_tx', 'bytes_rx'),
  dst_bytes: clientSide('bytes_rx', 'bytes_tx'),
  src_packets: clientSide('packets_tx', 'packets_rx'),
  dst_packets: clientSide('packets_rx', 'packets_tx'),
  retransmits: 'retransmits',
  resets: 'resets',
  opened: 'opened',
  failed: "state = 'failed'",
  closed: "state = 'closed'",
  rtt_sum_us: 'if(rtt_us > 0, rtt_us, 0)',
  rtt_samples: 'rtt_us > 0',
  rtt_max_us: 'rtt_us',
};

/** Columns the rollups drop; asking for one of them sends the query to raw. */
export const CONNECTION_RAW_ONLY = {
  remote_ip: 'remote_ip',
  remote_port: 'remote_port',
  src_port: clientSide('local_port', 'remote_port'),
  observer: 'node',
  src_ip: clientSide('local_ip', 'remote_ip'),
  dst_ip: clientSide('remote_ip', 'local_ip'),
  comm: 'comm',
  pid: 'pid',
  src_container: clientSide('local_container', 'remote_container'),
  dst_container: clientSide('remote_container', 'local_container'),
} as const;

const projection = Object.entries({ ...RAW_AS_ROLLUP, ...CONNECTION_RAW_ONLY })
  .map(([name, expr]) => (name === expr ? name : `${expr} AS ${name}`))
  .join(', ');

const TABLES: Record<'pod' | 'workload', Record<Tier, string>> = {
  pod: { raw: tables.connections.name, minute: tables.connections_1m.name, hour: tables.connections_1h.name },
  workload: {
    raw: tables.connections.name,
    minute: tables.connections_workload_1m.name,
    hour: tables.connections_workload_1h.name,
  },
};

/** `database` must have passed databaseIdentifier (openScope sees to it). Raw has one grain. */
export function connectionRelation(tier: Tier, database: string = DATABASE, grain: Grain = 'pod'): string {
  const table = `${database}.${TABLES[grain === 'workload' ? 'workload' : 'pod'][tier]}`;
  return tier === 'raw' ? `(SELECT ${projection} FROM ${table}) AS c` : `${table} AS c`;
}
