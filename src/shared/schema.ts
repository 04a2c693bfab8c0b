/**
 * The one schema definition. DDL in sql/ is checked against it (system.columns), row types derive
 * from it, the SQL builders take their identifiers from it, and the Vector sinks are checked
 * against it. Nothing else restates a column list.
 *
 * Beyond the contract in DESIGN.md, rows carry the metadata of both sides (namespace, deployment,
 * pod, ...) so that rollups can be keyed by it and pages never join at read time. The agent fills
 * those columns from container_metadata when it writes, which also keeps history honest: a row
 * shows the pod that held the IP at capture time, not whoever holds it now.
 */

/** A ClickHouse column and the TypeScript type of the value an insert carries for it. */
export interface Column<T = unknown> {
  readonly type: string;
  /** Inner part of CODEC(...), or undefined for the table default (LZ4). */
  readonly codec?: string;
  readonly doc: string;
  /** Phantom: never set, only carries T for RowOf. */
  readonly __value?: T;
}

/**
 * A column a later migration added. Rows may leave it out (writers that predate it, fixtures): the
 * insert sends null, which ClickHouse stores as the type's default ('::', 0, '').
 */
interface AddedColumn<T> extends Column<T> {
  readonly added: true;
}

type ValueOf<C> = C extends Column<infer T> ? T : never;
type AddedKeys<C> = { [K in keyof C]: C[K] extends AddedColumn<unknown> ? K : never }[keyof C];

export type RowOf<C extends Record<string, Column>> = { [K in Exclude<keyof C, AddedKeys<C>>]: ValueOf<C[K]> } & {
  [K in AddedKeys<C>]?: ValueOf<C[K]>;
};

function column<T>(type: string, doc: string, codec?: string): Column<T> {
  return codec === undefined ? { type, doc } : { type, doc, codec };
}

function added<T>(c: Column<T>): AddedColumn<T> {
  return { ...c, added: true };
}

/** Epoch milliseconds on insert; ClickHouse reads an integer as DateTime64(3) ticks. */
const timestamp = (doc: string) => column<number>("DateTime64(3, 'UTC')", doc, 'Delta, ZSTD(1)');
const label = (doc: string) => column<string>('LowCardinality(String)', doc);
/**
 * Labels and enums of the raw tables compress with ZSTD(1) (sql/0007): −11 % on a connections row
 * at 10M rows in the codec trials (docs/BENCHMARKS.md). Rollups keep LZ4: they are small and read
 * often.
 */
const RAW_DICT_CODEC = 'ZSTD(1)';
const rawLabel = (doc: string) => column<string>('LowCardinality(String)', doc, RAW_DICT_CODEC);
const ip = (doc: string) => column<string>('IPv6', doc, 'ZSTD(1)');
const port = (doc: string) => column<number>('UInt16', doc, 'ZSTD(1)');
const counter64 = (doc: string) => column<number>('UInt64', doc, 'T64, ZSTD(1)');
const counter32 = (doc: string) => column<number>('UInt32', doc, 'T64, ZSTD(1)');
const flag = (doc: string) => column<0 | 1>('UInt8', doc, 'T64, ZSTD(1)');

export const PROTOCOLS = ['tcp', 'udp'] as const;
export const DIRECTIONS = ['outbound', 'inbound'] as const;
export const CONNECTION_STATES = ['open', 'active', 'closed', 'failed'] as const;
export type Protocol = (typeof PROTOCOLS)[number];
export type Direction = (typeof DIRECTIONS)[number];
export type ConnectionState = (typeof CONNECTION_STATES)[number];

function enum8<T extends string>(values: readonly T[], doc: string, codec?: string): Column<T> {
  const members = values.map((v, i) => `'${v}' = ${i + 1}`).join(', ');
  return column<T>(`Enum8(${members})`, doc, codec);
}

const rawEnum8 = <T extends string>(values: readonly T[], doc: string) => enum8(values, doc, RAW_DICT_CODEC);

/** Metadata of one side of a connection, denormalized at capture time. */
function sideMetadata<P extends string>(prefix: P) {
  const who = prefix === 'local' ? 'this side' : 'the peer';
  return {
    [`${prefix}_cluster`]: rawLabel(`Cluster of ${who}; '' when unknown`),
    [`${prefix}_namespace`]: rawLabel(`Kubernetes namespace of ${who}; '' for host processes and unknown peers`),
    [`${prefix}_deployment`]: rawLabel(`Owning workload (Deployment, StatefulSet, DaemonSet, ...) of ${who}`),
    [`${prefix}_pod`]: rawLabel(`Pod name of ${who}`),
    [`${prefix}_container`]: rawLabel(`Container name of ${who}`),
  } as Record<`${P}_${'cluster' | 'namespace' | 'deployment' | 'pod' | 'container'}`, Column<string>>;
}

export const connectionsColumns = {
  ts: timestamp('End of the interval, or the close time'),
  connection_id: column<string>('UInt64', 'Stable for the life of one connection on one node', 'ZSTD(1)'),
  node: rawLabel('Host name of the node that observed the connection'),
  pid: column<number>('UInt32', 'Process that owns the socket', 'T64, ZSTD(1)'),
  comm: rawLabel('Command name of that process'),
  protocol: rawEnum8(PROTOCOLS, 'Transport protocol'),
  direction: rawEnum8(DIRECTIONS, "'outbound': this side connected; 'inbound': this side accepted"),
  local_ip: ip('IP of this side (IPv4 as v4-mapped IPv6)'),
  local_port: port('Port of this side'),
  local_container_id: rawLabel("Runtime's full 64-hex container id of this side; '' for host processes"),
  ...sideMetadata('local'),
  remote_ip: ip('IP of the peer (IPv4 as v4-mapped IPv6)'),
  remote_port: port('Port of the peer'),
  remote_container_id: rawLabel("Container id of the peer when it belongs to the fleet; '' otherwise"),
  ...sideMetadata('remote'),
  remote_node: rawLabel('Node the peer runs on, when it belongs to the fleet'),
  remote_service: rawLabel("namespace/name of the Service whose cluster IP this side dialed; '' if none"),
  remote_service_ip: added(
    ip("The address this side dialed when netfilter translated it to remote_ip (a Service IP); '::' if none")
  ),
  remote_service_port: added(port('The port this side dialed when translated to remote_port; 0 if none')),
  remote_dns_name: rawLabel('Last DNS name whose answer held remote_ip on this node, or the inventory name'),
  bytes_tx: counter64('Bytes sent by this side during the interval'),
  bytes_rx: counter64('Bytes received by this side during the interval'),
  packets_tx: counter64('Packets (TCP segments, UDP datagrams) sent during the interval'),
  packets_rx: counter64('Packets received during the interval'),
  retransmits: counter32('TCP segments retransmitted by this side during the interval'),
  resets: counter32('TCP resets sent or received during the interval'),
  rtt_us: counter32('Smoothed RTT at the end of the interval, microseconds; 0 when unknown (UDP)'),
  state: rawEnum8(CONNECTION_STATES, "'failed' = a connect that never established (refused, reset, timed out)"),
  opened: flag('1 on the first row of a connection, so sum(opened) counts new connections'),
  duration_ms: counter64('Life of the connection, on the closing row; 0 otherwise'),
};

export const DNS_PROTOCOLS = ['udp', 'tcp'] as const;

export const dnsQueriesColumns = {
  ts: timestamp('Time the question was sent'),
  node: rawLabel('Host name of the node that observed the question'),
  pid: column<number>('UInt32', 'Process that asked', 'T64, ZSTD(1)'),
  comm: rawLabel('Command name of that process'),
  container_id: rawLabel("Container id of the asking process; '' for host processes"),
  client_cluster: rawLabel('Cluster of the asking workload'),
  client_namespace: rawLabel('Namespace of the asking workload'),
  client_deployment: rawLabel('Owning workload of the asking pod'),
  client_pod: rawLabel('Pod that asked'),
  client_container: rawLabel('Container that asked'),
  client_ip: ip('Source IP of the question'),
  client_port: port('Source port of the question'),
  server_ip: ip('Resolver the question was sent to'),
  server_port: port('Resolver port'),
  protocol: rawEnum8(DNS_PROTOCOLS, 'Transport of the question'),
  query_id: column<number>('UInt16', 'DNS message id', 'ZSTD(1)'),
  qname: rawLabel('Question name, lower case, no trailing dot'),
  qtype: rawLabel("Question type: 'A', 'AAAA', ..."),
  rcode: rawLabel("'NOERROR', 'NXDOMAIN', 'SERVFAIL', 'REFUSED', ..., or 'TIMEOUT' when no response came"),
  latency_us: counter32('Question to response, microseconds; 0 on TIMEOUT'),
  retries: column<number>('UInt16', 'Times the same question was sent again before it was answered', 'T64, ZSTD(1)'),
  answers: column<string[]>('Array(String)', 'Answer records as text (addresses, CNAME targets, ...)', 'ZSTD(1)'),
};

export const containerMetadataColumns = {
  timestamp: timestamp('When this metadata was observed; the latest row per container_id wins'),
  network: label('Network (VPC) name'),
  project: label('Cloud project or account'),
  region: label('Cloud region'),
  zone: label('Cloud zone'),
  cluster: label('Kubernetes cluster'),
  cluster_role: label('Role of the cluster (prod, staging, ...)'),
  environment: label('Environment label'),
  namespace: label('Kubernetes namespace'),
  node: label('Node the container runs on'),
  deployment: label('Owning workload'),
  pod_id: column<string>('String', 'Pod id as the runtime knows it (sandbox id)', 'ZSTD(1)'),
  pod: label('Pod name'),
  container_id: column<string>('String', "Runtime's full 64-hex container id", 'ZSTD(1)'),
  container: label('Container name'),
  hostname: label('Host name inside the pod'),
  ip: ip('Pod IP (the node IP for host-network pods)'),
  host_network: column<boolean>('Bool', 'The pod shares the node network namespace'),
  pod_uid: column<string>('String', 'Kubernetes pod UID', 'ZSTD(1)'),
};

export const agentHealthColumns = {
  ts: timestamp('End of the interval'),
  node: label('Host name of the agent'),
  agent_version: label('Version of the netmon agent'),
  interval_ms: counter32('Length of the interval'),
  probes_attached: counter32('Probes bpftrace reported attached'),
  probes_expected: counter32('Probes the programs declare'),
  events_read: counter64('Lines read from bpftrace'),
  lost_events: counter64('Events bpftrace reported lost (perf buffer full)'),
  malformed_lines: counter64('Lines that did not parse or carried an unknown event type'),
  map_full_errors: counter64('Map updates that failed because a map was full'),
  bpftrace_restarts: counter32('Times bpftrace was restarted'),
  records_spooled: counter64('Records written to the on-disk queue'),
  records_sent: counter64('Records the store acknowledged'),
  records_dropped: counter64('Records given up on (queue full or rejected)'),
  spool_bytes: counter64('Size of the on-disk queue at the end of the interval'),
  cpu_ms: counter32('CPU time of the agent and bpftrace during the interval'),
  rss_bytes: counter64('Resident memory of the agent and bpftrace at the end of the interval'),
  gap_start: column<number>("DateTime64(3, 'UTC')", 'Start of a capture gap in this interval; epoch 0 when none'),
  gap_end: column<number>("DateTime64(3, 'UTC')", 'End of that gap; epoch 0 when none'),
  gap_reason: label("Why capture stopped ('bpftrace exited: ...', 'agent restarted', ...); '' when none"),
};

const sum64 = (doc: string) => column<never>('SimpleAggregateFunction(sum, UInt64)', doc);
const max32 = (doc: string) => column<never>('SimpleAggregateFunction(max, UInt32)', doc);

/** Group-by keys of the connection rollups, oriented client (src) to server (dst). */
export const connectionsRollupColumns = {
  ts: column<never>("DateTime('UTC')", 'Start of the bucket', 'Delta, ZSTD(1)'),
  protocol: enum8(PROTOCOLS, 'Transport protocol'),
  direction: enum8(DIRECTIONS, 'Which side observed the rows: outbound = the client, inbound = the server'),
  src_cluster: label('Cluster of the client'),
  src_namespace: label('Namespace of the client'),
  src_deployment: label('Owning workload of the client'),
  src_pod: label('Pod of the client'),
  src_node: label('Node of the client'),
  dst_cluster: label('Cluster of the server'),
  dst_namespace: label('Namespace of the server'),
  dst_deployment: label('Owning workload of the server'),
  dst_pod: label('Pod of the server'),
  dst_node: label('Node of the server'),
  dst_service: label('Service the client dialed, if any'),
  dst_dns_name: label('External name of the server, if known'),
  dst_port: port('Server port'),
  src_bytes: sum64('Bytes sent by the client'),
  dst_bytes: sum64('Bytes sent by the server'),
  src_packets: sum64('Packets sent by the client'),
  dst_packets: sum64('Packets sent by the server'),
  retransmits: sum64('Retransmitted segments seen by the observing side'),
  resets: sum64('Resets seen by the observing side'),
  opened: sum64('New connections'),
  failed: sum64('Connects that never established'),
  closed: sum64('Connections that closed'),
  rtt_sum_us: sum64('Sum of rtt_us over rows that had one'),
  rtt_samples: sum64('Rows that had an RTT'),
  rtt_max_us: max32('Largest smoothed RTT seen'),
};

/**
 * The workload-keyed connection rollups (sql/0004): the pod-keyed ones without pods, and with a
 * side's node only when that side has no workload (a host process, a bare pod, an outside peer).
 */
const { src_pod: _srcPod, dst_pod: _dstPod, ...podFree } = connectionsRollupColumns;
export const connectionsWorkloadRollupColumns = {
  ...podFree,
  src_node: label('Node of the client when it has no workload (a host process); else empty'),
  dst_node: label('Node of the server when it has no workload; else empty'),
};

/** Group-by keys of the DNS rollups. */
export const dnsRollupColumns = {
  ts: column<never>("DateTime('UTC')", 'Start of the bucket', 'Delta, ZSTD(1)'),
  node: label('Node of the client'),
  client_cluster: label('Cluster of the client'),
  client_namespace: label('Namespace of the client'),
  client_deployment: label('Owning workload of the client'),
  client_pod: label('Pod of the client'),
  server_ip: ip('Resolver'),
  qname: label('Question name'),
  qtype: label('Question type'),
  rcode: label('Response code or TIMEOUT'),
  queries: sum64('Questions'),
  retries: sum64('Retransmitted questions'),
  latency_sum_us: sum64('Sum of latency over answered questions'),
  latency: column<never>('AggregateFunction(quantileTDigest, UInt32)', 'Latency digest over answered questions'),
};

/** The workload-keyed DNS rollups (sql/0005): the pod-keyed ones without node and pod. */
const { node: _node, client_pod: _clientPod, ...dnsWorkload } = dnsRollupColumns;
export const dnsWorkloadRollupColumns = dnsWorkload;

/** The DNS rollups by asking workload and rcode only (sql/0006): the page's totals and latency. */
const { server_ip: _serverIp, qname: _qname, qtype: _qtype, ...dnsClient } = dnsWorkload;
export const dnsClientRollupColumns = dnsClient;

export type TtlTier = 'raw' | 'minute' | 'hour';

export const DEFAULT_TTL_DAYS: Record<TtlTier, number> = { raw: 7, minute: 30, hour: 365 };

export interface TableDef<C extends Record<string, Column> = Record<string, Column>> {
  readonly name: string;
  readonly columns: C;
  /** Retention tier, or undefined when rows live until replaced (metadata). */
  readonly ttl?: TtlTier;
  /** Column the TTL counts from. */
  readonly ttlColumn?: string;
  readonly doc: string;
}

function table<C extends Record<string, Column>>(def: TableDef<C>): TableDef<C> {
  return def;
}

export const DATABASE = 'netmon';

export const tables = {
  connections: table({
    name: 'connections',
    columns: connectionsColumns,
    ttl: 'raw',
    ttlColumn: 'ts',
    doc: 'One row per connection per flush interval while active, and a final row on close or failure. Deltas.',
  }),
  dns_queries: table({
    name: 'dns_queries',
    columns: dnsQueriesColumns,
    ttl: 'raw',
    ttlColumn: 'ts',
    doc: 'One row per DNS question, paired with its response or marked TIMEOUT.',
  }),
  container_metadata: table({
    name: 'container_metadata',
    columns: containerMetadataColumns,
    doc: 'One row per container; the latest timestamp wins.',
  }),
  agent_health: table({
    name: 'agent_health',
    columns: agentHealthColumns,
    ttl: 'minute',
    ttlColumn: 'ts',
    doc: 'Self-telemetry of each agent, one row per interval.',
  }),
  connections_1m: table({
    name: 'connections_1m',
    columns: connectionsRollupColumns,
    ttl: 'minute',
    ttlColumn: 'ts',
    doc: 'Connections per minute, keyed by both sides.',
  }),
  connections_1h: table({
    name: 'connections_1h',
    columns: connectionsRollupColumns,
    ttl: 'hour',
    ttlColumn: 'ts',
    doc: 'Connections per hour, keyed by both sides; its view reads connections_1m (sql/0009).',
  }),
  connections_workload_1m: table({
    name: 'connections_workload_1m',
    columns: connectionsWorkloadRollupColumns,
    ttl: 'minute',
    ttlColumn: 'ts',
    doc: 'Connections per minute, keyed by the workloads of both sides (no pods); its view reads connections_1m (sql/0009).',
  }),
  connections_workload_1h: table({
    name: 'connections_workload_1h',
    columns: connectionsWorkloadRollupColumns,
    ttl: 'hour',
    ttlColumn: 'ts',
    doc: 'Connections per hour, keyed by the workloads of both sides (no pods); its view reads connections_workload_1m (sql/0009).',
  }),
  dns_1m: table({
    name: 'dns_1m',
    columns: dnsRollupColumns,
    ttl: 'minute',
    ttlColumn: 'ts',
    doc: 'DNS questions per minute.',
  }),
  dns_1h: table({
    name: 'dns_1h',
    columns: dnsRollupColumns,
    ttl: 'hour',
    ttlColumn: 'ts',
    doc: 'DNS questions per hour.',
  }),
  dns_workload_1m: table({
    name: 'dns_workload_1m',
    columns: dnsWorkloadRollupColumns,
    ttl: 'minute',
    ttlColumn: 'ts',
    doc: 'DNS questions per minute, keyed by the asking workload (no node, no pod).',
  }),
  dns_workload_1h: table({
    name: 'dns_workload_1h',
    columns: dnsWorkloadRollupColumns,
    ttl: 'hour',
    ttlColumn: 'ts',
    doc: 'DNS questions per hour, keyed by the asking workload (no node, no pod).',
  }),
  dns_client_1m: table({
    name: 'dns_client_1m',
    columns: dnsClientRollupColumns,
    ttl: 'minute',
    ttlColumn: 'ts',
    doc: 'DNS questions per minute, keyed by the asking workload and rcode only.',
  }),
  dns_client_1h: table({
    name: 'dns_client_1h',
    columns: dnsClientRollupColumns,
    ttl: 'hour',
    ttlColumn: 'ts',
    doc: 'DNS questions per hour, keyed by the asking workload and rcode only.',
  }),
} as const;

export type TableName = keyof typeof tables;

/** Tables the agent writes; the rollups are filled by materialized views. */
export const INGEST_TABLES = ['connections', 'dns_queries', 'container_metadata', 'agent_health'] as const;
export type IngestTable = (typeof INGEST_TABLES)[number];

export type ConnectionRow = RowOf<typeof connectionsColumns>;
export type DnsQueryRow = RowOf<typeof dnsQueriesColumns>;
export type ContainerMetadataRow = RowOf<typeof containerMetadataColumns>;
export type AgentHealthRow = RowOf<typeof agentHealthColumns>;

export interface IngestRows {
  connections: ConnectionRow;
  dns_queries: DnsQueryRow;
  container_metadata: ContainerMetadataRow;
  agent_health: AgentHealthRow;
}

export function columnNames(name: TableName): string[] {
  return Object.keys(tables[name].columns);
}
