import { DIRECTIONS, PROTOCOLS } from '../schema';
import type { Dimension, Metric } from './catalog';
import { CONNECTION_RAW_ONLY, connectionRelation } from './connectionRelation';
import type { Dataset } from './dataset';
import type { Filter } from './filters';
import { seriesQuery, topQuery, type SeriesOptions, type TopOptions } from './groupedQuery';
import type { BuiltQuery } from './query';
import { IP, oneOf, PORT, STRING, UINT32, type ValueKind } from './valueKinds';

const dim = (name: string, values: ValueKind, doc: string, rawOnly = false): Dimension => ({
  expr: `c.${name}`,
  values,
  rawOnly,
  doc,
});

/** Everything a connection query may filter or group on. src = the client, dst = the server. */
export const CONNECTION_DIMENSIONS = {
  protocol: dim('protocol', oneOf(PROTOCOLS), 'tcp or udp'),
  direction: dim('direction', oneOf(DIRECTIONS), 'Which side observed: outbound = the client, inbound = the server'),
  src_cluster: dim('src_cluster', STRING, 'Cluster of the client'),
  src_namespace: dim('src_namespace', STRING, 'Namespace of the client'),
  src_deployment: dim('src_deployment', STRING, 'Owning workload of the client'),
  src_pod: dim('src_pod', STRING, 'Pod of the client'),
  src_node: dim('src_node', STRING, 'Node of the client'),
  dst_cluster: dim('dst_cluster', STRING, 'Cluster of the server'),
  dst_namespace: dim('dst_namespace', STRING, 'Namespace of the server'),
  dst_deployment: dim('dst_deployment', STRING, 'Owning workload of the server'),
  dst_pod: dim('dst_pod', STRING, 'Pod of the server'),
  dst_node: dim('dst_node', STRING, 'Node of the server'),
  dst_service: {
    ...dim('dst_service', STRING, 'Service the client dialed (known to the client only)'),
    clientOnly: true,
  },
  dst_dns_name: {
    ...dim('dst_dns_name', STRING, 'DNS name of the server (known to the client only)'),
    clientOnly: true,
  },
  dst_port: dim('dst_port', PORT, 'Server port'),
  remote_ip: dim('remote_ip', IP, 'Peer IP as the observing side saw it (raw only)', true),
  remote_port: dim('remote_port', PORT, 'Peer port as the observing side saw it (raw only)', true),
  src_port: dim(
    'src_port',
    PORT,
    'Client port, usually ephemeral: with the IPs and dst_port it names one connection (raw only)',
    true
  ),
  observer: dim('observer', STRING, 'Node whose agent reported the row (raw only)', true),
  src_ip: dim('src_ip', IP, 'Client IP (raw only)', true),
  dst_ip: dim('dst_ip', IP, 'Server IP (raw only)', true),
  comm: dim('comm', STRING, 'Command of the observing process (raw only)', true),
  pid: dim('pid', UINT32, 'Observing process (raw only)', true),
  src_container: dim('src_container', STRING, 'Container of the client (raw only)', true),
  dst_container: dim('dst_container', STRING, 'Container of the server (raw only)', true),
} satisfies Record<string, Dimension> & Record<keyof typeof CONNECTION_RAW_ONLY, Dimension>;

export type ConnectionDimension = keyof typeof CONNECTION_DIMENSIONS;

/**
 * Double observation: a connection between two monitored hosts is reported by the client's agent
 * (outbound rows) and by the server's (inbound rows), each counting the same bytes. Per pair of
 * endpoints (PAIR_KEY, which both observers agree on), the larger of the two sides' sums counts a
 * pair seen from both sides once and a pair seen from one side only (an external peer, a host
 * without an agent) fully; the metrics then add pairs up. Reconciling per pair rather than per
 * requested group keeps a group that mixes both kinds (a fleet total) right. Connection counts
 * (opened, failed, closed, resets) are observed by both sides the same way. Retransmits are not:
 * each side counts only the segments it retransmitted itself, so the two sides add up, and so do
 * RTT samples.
 */
const once = (column: string) =>
  `greatest(sumIf(c.${column}, c.direction = 'outbound'), sumIf(c.${column}, c.direction = 'inbound'))`;

const POD_PAIR = [
  'protocol',
  'src_cluster',
  'src_namespace',
  'src_deployment',
  'src_pod',
  'src_node',
  'dst_cluster',
  'dst_namespace',
  'dst_deployment',
  'dst_pod',
  'dst_node',
  'dst_port',
];

/** On the workload rollups a pair is a pair of workloads (see sql/0004 for when that is exact). */
const PAIR_KEY: Record<'pod' | 'workload', string[]> = {
  pod: POD_PAIR.map((k) => `c.${k}`),
  workload: POD_PAIR.filter((k) => k !== 'src_pod' && k !== 'dst_pod').map((k) => `c.${k}`),
};

/** A view that names one of these, to group or filter, reads the pod-keyed rollups. */
const POD_GRAIN_DIMENSIONS = ['src_pod', 'dst_pod', 'src_node', 'dst_node'];

const RECONCILED = {
  src_bytes: once('src_bytes'),
  dst_bytes: once('dst_bytes'),
  src_packets: once('src_packets'),
  dst_packets: once('dst_packets'),
  retransmits: 'sum(c.retransmits)',
  resets: once('resets'),
  opened: once('opened'),
  failed: once('failed'),
  closed: once('closed'),
  rtt_sum_us: 'sum(c.rtt_sum_us)',
  rtt_samples: 'sum(c.rtt_samples)',
  rtt_max_us: 'max(c.rtt_max_us)',
};

const BYTES = 'sum(c.src_bytes) + sum(c.dst_bytes)';
const PACKETS = 'sum(c.src_packets) + sum(c.dst_packets)';

/** Metric columns of connection queries, over reconciled pairs; the names are the result column names. */
export const CONNECTION_METRICS = {
  bytes: { expr: BYTES, doc: 'Bytes both ways' },
  bytes_src: { expr: 'sum(c.src_bytes)', doc: 'Bytes sent by the client' },
  bytes_dst: { expr: 'sum(c.dst_bytes)', doc: 'Bytes sent by the server' },
  bytes_per_s: { expr: BYTES, perSecond: true, doc: 'Bytes both ways per second' },
  packets: { expr: PACKETS, doc: 'Packets both ways' },
  packets_src: { expr: 'sum(c.src_packets)', doc: 'Packets sent by the client' },
  packets_dst: { expr: 'sum(c.dst_packets)', doc: 'Packets sent by the server' },
  retransmits: { expr: 'sum(c.retransmits)', doc: 'Segments retransmitted, both sides added' },
  retransmit_ratio: {
    expr: `sum(c.retransmits) / nullIf(${PACKETS}, 0)`,
    doc: 'Retransmits per packet sent (both ways); NULL when nothing was sent',
  },
  failed: { expr: 'sum(c.failed)', doc: 'Connects that never established' },
  resets: { expr: 'sum(c.resets)', doc: 'TCP resets' },
  opened: { expr: 'sum(c.opened)', doc: 'New connections' },
  closed: { expr: 'sum(c.closed)', doc: 'Connections that closed' },
  rtt_avg_us: {
    expr: 'sum(c.rtt_sum_us) / nullIf(sum(c.rtt_samples), 0)',
    doc: 'Mean smoothed RTT over rows that had one, both sides, microseconds; NULL when none did',
  },
  rtt_max_us: { expr: 'max(c.rtt_max_us)', doc: 'Largest smoothed RTT, microseconds' },
} satisfies Record<string, Metric>;

export type ConnectionMetric = keyof typeof CONNECTION_METRICS;
export type ConnectionFilter = Filter<ConnectionDimension>;

export const connectionDataset: Dataset<ConnectionDimension, ConnectionMetric> = {
  name: 'connection',
  dimensions: CONNECTION_DIMENSIONS,
  metrics: CONNECTION_METRICS,
  relation: connectionRelation,
  coarserGrains: [{ grain: 'workload', lacks: POD_GRAIN_DIMENSIONS }],
  reconcile: { pairKey: PAIR_KEY, measures: RECONCILED, clientRows: "c.direction = 'outbound'" },
};

/** Top groups of connections, e.g. the busiest dst_service by bytes, or the worst by retransmit_ratio. */
export function connectionsTop(opts: TopOptions<ConnectionDimension, ConnectionMetric>): BuiltQuery {
  return topQuery(connectionDataset, opts);
}

/** Connection metrics per step, optionally one series per value of a dimension. */
export function connectionsSeries(opts: SeriesOptions<ConnectionDimension, ConnectionMetric>): BuiltQuery {
  return seriesQuery(connectionDataset, opts);
}
