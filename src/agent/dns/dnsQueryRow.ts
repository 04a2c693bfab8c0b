import type { DnsQueryRow } from '../../shared/schema';
import type { LookupMetadata } from '../capture/connectionRow';
import type { DnsLookupResult } from './dnsPairing';

export interface DnsRowContext {
  readonly node: string;
  readonly metadata: LookupMetadata;
  /** Monotonic ns -> epoch ms. */
  readonly toEpochMs: (ns: number) => number;
}

/** A paired (or timed-out) question as a dns_queries row, with the asking pod's metadata. */
export function buildDnsQueryRow(r: DnsLookupResult, ctx: DnsRowContext): DnsQueryRow {
  const meta = r.asker.containerId ? ctx.metadata(r.asker.containerId) : undefined;
  return {
    ts: ctx.toEpochMs(r.tsNs),
    node: ctx.node,
    pid: r.asker.pid,
    comm: r.asker.comm,
    container_id: r.asker.containerId,
    client_cluster: meta?.cluster ?? '',
    client_namespace: meta?.namespace ?? '',
    client_deployment: meta?.deployment ?? '',
    client_pod: meta?.pod ?? '',
    client_container: meta?.container ?? '',
    client_ip: r.clientIp,
    client_port: r.clientPort,
    server_ip: r.serverIp,
    server_port: r.serverPort,
    protocol: r.protocol,
    query_id: r.id,
    qname: r.question.name,
    qtype: r.question.type,
    rcode: r.rcode,
    latency_us: r.latencyUs,
    retries: r.retries,
    answers: [...r.answers],
  };
}
