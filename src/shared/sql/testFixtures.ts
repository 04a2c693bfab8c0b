import type { ConnectionRow, DnsQueryRow } from '../schema';

/**
 * Rows for the builders' integration tests, small enough to work every expected number out by
 * hand (the tests spell the arithmetic out). T0 is an hour boundary so that [T0, T0 + 1 h) asks
 * the same question of raw, minute and hour tables, and recent, because the tables' TTLs drop
 * old rows as they are written.
 */
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const T0 = Math.floor(Date.now() / HOUR) * HOUR - 3 * HOUR;

/** How ClickHouse prints a DateTime('UTC') in JSON. */
export function utcText(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** Strings that break naive quoting: quotes, backslashes, comments, control characters, Grafana variables and macros, unicode. */
export const HOSTILE_STRINGS = [
  "x'); DROP TABLE netmon.connections; --",
  "O'Brien",
  'back\\slash\\',
  "\\'",
  '-- comment',
  '/* open comment',
  'line\nbreak\r\ttab',
  'nul\u0000byte',
  'esc\u001b[31m',
  '{f0:String}',
  "$__timeFilter(ts) ${src_namespace} [[dst_pod]] $__all'",
  'ünïcødé ✓ 日本 🙂',
  '',
];

function connection(row: Partial<ConnectionRow>): ConnectionRow {
  return {
    ts: T0,
    connection_id: '1',
    node: 'n1',
    pid: 100,
    comm: 'web',
    protocol: 'tcp',
    direction: 'outbound',
    local_ip: '10.0.1.1',
    local_port: 40000,
    local_container_id: 'a'.repeat(64),
    local_cluster: 'c1',
    local_namespace: 'shop',
    local_deployment: 'web',
    local_pod: 'web-1',
    local_container: 'web',
    remote_ip: '10.0.2.1',
    remote_port: 8080,
    remote_container_id: '',
    remote_cluster: '',
    remote_namespace: '',
    remote_deployment: '',
    remote_pod: '',
    remote_container: '',
    remote_node: '',
    remote_service: '',
    remote_dns_name: '',
    bytes_tx: 0,
    bytes_rx: 0,
    packets_tx: 0,
    packets_rx: 0,
    retransmits: 0,
    resets: 0,
    rtt_us: 0,
    state: 'active',
    opened: 0,
    duration_ms: 0,
    ...row,
  };
}

const API_AS_PEER = {
  remote_container_id: 'b'.repeat(64),
  remote_cluster: 'c1',
  remote_namespace: 'shop',
  remote_deployment: 'api',
  remote_pod: 'api-1',
  remote_container: 'api',
  remote_node: 'n2',
};
const WEB_AS_PEER = {
  remote_ip: '10.0.1.1',
  remote_port: 40000,
  remote_container_id: 'a'.repeat(64),
  remote_cluster: 'c1',
  remote_namespace: 'shop',
  remote_deployment: 'web',
  remote_pod: 'web-1',
  remote_container: 'web',
  remote_node: 'n1',
};
const ON_API = {
  node: 'n2',
  pid: 200,
  comm: 'api',
  direction: 'inbound',
  local_ip: '10.0.2.1',
  local_port: 8080,
  local_container_id: 'b'.repeat(64),
  local_namespace: 'shop',
  local_deployment: 'api',
  local_pod: 'api-1',
  local_container: 'api',
} as const;

/**
 * A: web-1 (n1) -> api-1 (n2):8080 through Service shop/api, seen by both agents over two
 *    minutes; the server saw 900 instead of 1000 client bytes in the first, and 2600 instead of
 *    2500 server bytes in the second (the other side's flush lagged).
 * B: web-1 -> api.stripe.com (1.2.3.4:443), outside the fleet: outbound only.
 * C: two failed connects web-1 -> db.internal (10.9.0.9:5432), minutes 0 and 2.
 * D: an external prober 203.0.113.7 -> api-1:8080: inbound only.
 * E: UDP web-1 -> coredns-1 (kube-system, n2):53, both sides.
 * OLD: a row one minute before T0, outside every window the tests ask for.
 */
export const CONNECTIONS: ConnectionRow[] = [
  connection({
    ts: T0 + 10_000,
    ...API_AS_PEER,
    remote_service: 'shop/api',
    bytes_tx: 1000,
    bytes_rx: 5000,
    packets_tx: 10,
    packets_rx: 20,
    retransmits: 2,
    rtt_us: 500,
    opened: 1,
  }),
  connection({
    ts: T0 + 10_000,
    ...ON_API,
    ...WEB_AS_PEER,
    connection_id: '2',
    bytes_tx: 5000,
    bytes_rx: 900,
    packets_tx: 20,
    packets_rx: 10,
    retransmits: 1,
    rtt_us: 700,
    opened: 1,
  }),
  connection({
    ts: T0 + 70_000,
    ...API_AS_PEER,
    remote_service: 'shop/api',
    bytes_tx: 500,
    bytes_rx: 2500,
    packets_tx: 5,
    packets_rx: 10,
    state: 'closed',
    duration_ms: 60_000,
  }),
  connection({
    ts: T0 + 70_000,
    ...ON_API,
    ...WEB_AS_PEER,
    connection_id: '2',
    bytes_tx: 2600,
    bytes_rx: 500,
    packets_tx: 10,
    packets_rx: 5,
    state: 'closed',
    duration_ms: 60_000,
  }),
  connection({
    ts: T0 + 20_000,
    connection_id: '3',
    local_port: 40001,
    remote_ip: '1.2.3.4',
    remote_port: 443,
    remote_dns_name: 'api.stripe.com',
    bytes_tx: 300,
    bytes_rx: 700,
    packets_tx: 3,
    packets_rx: 4,
    retransmits: 5,
    rtt_us: 20_000,
    state: 'closed',
    opened: 1,
  }),
  connection({
    ts: T0 + 30_000,
    connection_id: '4',
    local_port: 40002,
    remote_ip: '10.9.0.9',
    remote_port: 5432,
    remote_dns_name: 'db.internal',
    packets_tx: 1,
    retransmits: 1,
    resets: 1,
    state: 'failed',
    opened: 1,
  }),
  connection({
    ts: T0 + 150_000,
    connection_id: '5',
    local_port: 40003,
    remote_ip: '10.9.0.9',
    remote_port: 5432,
    remote_dns_name: 'db.internal',
    packets_tx: 1,
    retransmits: 1,
    resets: 1,
    state: 'failed',
    opened: 1,
  }),
  connection({
    ts: T0 + 40_000,
    ...ON_API,
    connection_id: '6',
    remote_ip: '203.0.113.7',
    remote_port: 55555,
    bytes_tx: 200,
    bytes_rx: 100,
    packets_tx: 2,
    packets_rx: 1,
    rtt_us: 300,
    state: 'closed',
    opened: 1,
  }),
  connection({
    ts: T0 + 50_000,
    connection_id: '7',
    protocol: 'udp',
    local_port: 40004,
    remote_ip: '10.0.2.53',
    remote_port: 53,
    remote_container_id: 'c'.repeat(64),
    remote_cluster: 'c1',
    remote_namespace: 'kube-system',
    remote_deployment: 'coredns',
    remote_pod: 'coredns-1',
    remote_container: 'coredns',
    remote_node: 'n2',
    remote_service: 'kube-system/kube-dns',
    bytes_tx: 60,
    bytes_rx: 120,
    packets_tx: 1,
    packets_rx: 1,
    opened: 1,
  }),
  connection({
    ts: T0 + 50_000,
    connection_id: '8',
    protocol: 'udp',
    node: 'n2',
    pid: 300,
    comm: 'coredns',
    direction: 'inbound',
    local_ip: '10.0.2.53',
    local_port: 53,
    local_container_id: 'c'.repeat(64),
    local_namespace: 'kube-system',
    local_deployment: 'coredns',
    local_pod: 'coredns-1',
    local_container: 'coredns',
    ...WEB_AS_PEER,
    remote_port: 40004,
    bytes_tx: 120,
    bytes_rx: 60,
    packets_tx: 1,
    packets_rx: 1,
    opened: 1,
  }),
  connection({ ts: T0 - MINUTE, connection_id: '9', ...API_AS_PEER, bytes_tx: 99_999, packets_tx: 1, opened: 1 }),
];

/** One connection whose peer's namespace and pod are each hostile string (for the filter tests). */
export function hostileConnections(): ConnectionRow[] {
  return HOSTILE_STRINGS.map((s, i) =>
    connection({
      ts: T0 + 1000 * i,
      connection_id: String(100 + i),
      remote_namespace: s,
      remote_pod: `pod-${i}`,
      remote_node: 'n2',
      remote_port: 9000,
      bytes_tx: i + 1,
      packets_tx: 1,
      opened: 1,
    })
  );
}

function dns(row: Partial<DnsQueryRow>): DnsQueryRow {
  return {
    ts: T0,
    node: 'n1',
    pid: 100,
    comm: 'web',
    container_id: 'a'.repeat(64),
    client_cluster: 'c1',
    client_namespace: 'shop',
    client_deployment: 'web',
    client_pod: 'web-1',
    client_container: 'web',
    client_ip: '10.0.1.1',
    client_port: 50000,
    server_ip: '10.0.0.53',
    server_port: 53,
    protocol: 'udp',
    query_id: 1,
    qname: 'api.stripe.com',
    qtype: 'A',
    rcode: 'NOERROR',
    latency_us: 0,
    retries: 0,
    answers: [],
    ...row,
  };
}

const API_CLIENT = {
  node: 'n2',
  pid: 200,
  comm: 'api',
  container_id: 'b'.repeat(64),
  client_deployment: 'api',
  client_pod: 'api-1',
  client_container: 'api',
  client_ip: '10.0.2.1',
  server_ip: '10.0.0.54',
};

/**
 * Minute 0: three answered questions for api.stripe.com (two A, one AAAA).
 * Minute 1: NXDOMAIN for nope.example, SERVFAIL and TIMEOUT (after 2 retries) for db.internal.
 * Minute 2: api-1 on n2 asks api.stripe.com A of another resolver, after 1 retry.
 */
export const DNS_QUERIES: DnsQueryRow[] = [
  dns({ ts: T0 + 5000, query_id: 1, latency_us: 1000, answers: ['1.2.3.4'] }),
  dns({ ts: T0 + 6000, query_id: 2, latency_us: 3000, answers: ['1.2.3.4', '1.2.3.5'] }),
  dns({ ts: T0 + 7000, query_id: 3, qtype: 'AAAA', latency_us: 2000 }),
  dns({ ts: T0 + 65_000, query_id: 4, qname: 'nope.example', rcode: 'NXDOMAIN', latency_us: 500 }),
  dns({ ts: T0 + 66_000, query_id: 5, qname: 'db.internal', rcode: 'SERVFAIL', latency_us: 4000 }),
  dns({ ts: T0 + 67_000, query_id: 6, qname: 'db.internal', rcode: 'TIMEOUT', retries: 2 }),
  dns({ ts: T0 + 130_000, query_id: 7, ...API_CLIENT, latency_us: 5000, retries: 1, answers: ['1.2.3.4'] }),
  dns({ ts: T0 - MINUTE, query_id: 8, qname: 'old.example', latency_us: 1 }),
];

/** One question per hostile name, each answered NOERROR. */
export function hostileDnsQueries(): DnsQueryRow[] {
  return HOSTILE_STRINGS.map((s, i) => dns({ ts: T0 + 1000 * i, query_id: 100 + i, qname: s, latency_us: 100 }));
}
