import type { AgentHealthRow, ConnectionRow, ContainerMetadataRow, DnsQueryRow } from '../shared/schema';

/**
 * Rows for integration tests: every column set, so a test only states what it is about. Times
 * default to a few minutes ago because the raw tables drop rows older than their TTL on insert.
 */
export function connectionRow(overrides: Partial<ConnectionRow> = {}): ConnectionRow {
  return {
    ts: Date.now() - 5 * 60_000,
    connection_id: '1',
    node: 'node-a',
    pid: 100,
    comm: 'curl',
    protocol: 'tcp',
    direction: 'outbound',
    local_ip: '10.0.0.1',
    local_port: 40000,
    local_container_id: '',
    local_cluster: 'prod',
    local_namespace: 'shop',
    local_deployment: 'web',
    local_pod: 'web-1',
    local_container: 'app',
    remote_ip: '10.0.0.2',
    remote_port: 5432,
    remote_container_id: '',
    remote_cluster: 'prod',
    remote_namespace: 'db',
    remote_deployment: 'pg',
    remote_pod: 'pg-0',
    remote_container: 'postgres',
    remote_node: 'node-b',
    remote_service: 'db/pg',
    remote_service_ip: '10.96.0.20',
    remote_service_port: 5432,
    remote_dns_name: 'pg.db.svc.cluster.local',
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
    ...overrides,
  };
}

export function dnsQueryRow(overrides: Partial<DnsQueryRow> = {}): DnsQueryRow {
  return {
    ts: Date.now() - 5 * 60_000,
    node: 'node-a',
    pid: 100,
    comm: 'curl',
    container_id: '',
    client_cluster: 'prod',
    client_namespace: 'shop',
    client_deployment: 'web',
    client_pod: 'web-1',
    client_container: 'app',
    client_ip: '10.0.0.1',
    client_port: 53000,
    server_ip: '10.96.0.10',
    server_port: 53,
    protocol: 'udp',
    query_id: 4242,
    qname: 'pg.db.svc.cluster.local',
    qtype: 'A',
    rcode: 'NOERROR',
    latency_us: 0,
    retries: 0,
    answers: [],
    ...overrides,
  };
}

export function containerMetadataRow(overrides: Partial<ContainerMetadataRow> = {}): ContainerMetadataRow {
  return {
    timestamp: Date.now() - 5 * 60_000,
    network: 'vpc-1',
    project: 'p',
    region: 'eu-west1',
    zone: 'eu-west1-b',
    cluster: 'prod',
    cluster_role: 'prod',
    environment: 'production',
    namespace: 'shop',
    node: 'node-a',
    deployment: 'web',
    pod_id: 'sandbox-1',
    pod: 'web-1',
    container_id: 'd'.repeat(64),
    container: 'app',
    hostname: 'web-1',
    ip: '10.0.0.1',
    host_network: false,
    pod_uid: '6f1c5b0e-0000-4000-8000-000000000001',
    ...overrides,
  };
}

export function agentHealthRow(overrides: Partial<AgentHealthRow> = {}): AgentHealthRow {
  return {
    ts: Date.now() - 5 * 60_000,
    node: 'node-a',
    agent_version: '0.1.0',
    interval_ms: 10_000,
    probes_attached: 9,
    probes_expected: 10,
    events_read: 123_456,
    lost_events: 0,
    malformed_lines: 0,
    map_full_errors: 0,
    bpftrace_restarts: 0,
    records_spooled: 10,
    records_sent: 9,
    records_dropped: 1,
    spool_bytes: 4096,
    cpu_ms: 250,
    rss_bytes: 2 ** 33,
    gap_start: 0,
    gap_end: 0,
    gap_reason: '',
    ...overrides,
  };
}
