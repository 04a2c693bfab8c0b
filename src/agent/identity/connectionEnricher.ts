import type { ConnectionRow } from '../../shared/schema';
import { NO_IP } from '../capture/connectionRow';
import type { MetadataIndex } from '../metadata/metadataIndex';
import type { Metadata } from '../metadata/metadataRecords';
import type { NatTable } from '../nat/natTable';
import type { LocalServers } from './localServers';

/**
 * What the capture pipeline cannot know about a connection's far side, added to its rows before
 * they are written:
 *
 * - Service backends: an outbound socket that dialed a Service IP names that IP, but netfilter sent
 *   its packets to a backend. When the NAT table knows the translation, remote_ip/remote_port
 *   become the backend and remote_service_ip/remote_service_port keep what was dialed, so both
 *   the Service and the pod that answered show.
 * - remote_service: the Kubernetes Service of the dialed address, or for a translated address
 *   Kubernetes does not know, the inventory's name for it.
 * - Peers by IP: when no local socket named the peer, the peer is a backend served on this node
 *   (LocalServers), else whatever the metadata index knows of the IP: a pod, a host-network pod
 *   by node IP and port, a node, an inventory IP or CIDR.
 * - remote_dns_name: the last DNS answer on this node that held the dialed address (or the
 *   backend), else the inventory's name for the peer.
 *
 * Rows are changed in place: this runs on every row of every flush, and copying ~40 fields per
 * row would double the garbage of the write path. Pure: no Node APIs.
 */

/** IP -> the last DNS name whose answer held it; the DNS capture's DnsNameMap. */
export interface DnsNames {
  lookup(ip: string): string | undefined;
}

export interface EnricherSources {
  /** This node's name: remote_node of peers served here. */
  readonly node: string;
  readonly index: Pick<MetadataIndex, 'byContainerId' | 'byIp' | 'serviceByIp' | 'nameOf'>;
  readonly nat: Pick<NatTable, 'lookup'>;
  readonly servers: LocalServers;
}

/** Cumulative since the enricher was made. */
export interface EnrichmentStats {
  readonly rows: number;
  /** Outbound rows whose destination netfilter translated (a Service IP to its backend). */
  readonly translated: number;
  readonly withService: number;
  /** Peers found as a server socket on this node after translation or a missed socket lookup. */
  readonly peersBySocket: number;
  readonly peersByIp: number;
  readonly namesFromDns: number;
  readonly namesFromInventory: number;
}


export class ConnectionEnricher {
  private readonly counts = {
    rows: 0,
    translated: 0,
    withService: 0,
    peersBySocket: 0,
    peersByIp: 0,
    namesFromDns: 0,
    namesFromInventory: 0,
  };
  // Reused for every NAT lookup: it reads them into a key and keeps neither.
  private readonly local = { ip: '', port: 0 };
  private readonly dialed = { ip: '', port: 0 };

  constructor(private readonly sources: EnricherSources) {}

  /** Enriches the rows in place and returns the same array. */
  enrich(rows: ConnectionRow[], dnsNames?: DnsNames): ConnectionRow[] {
    for (const row of rows) {
      if (row.direction === 'inbound') {
        this.sources.servers.learn(row.protocol, row.local_ip, row.local_port, row.local_container_id);
      }
    }
    for (const row of rows) {
      this.enrichRow(row, dnsNames);
    }
    this.counts.rows += rows.length;
    return rows;
  }

  stats(): EnrichmentStats {
    return { ...this.counts };
  }

  private enrichRow(row: ConnectionRow, dnsNames: DnsNames | undefined): void {
    const { index } = this.sources;
    const outbound = row.direction === 'outbound';
    const dialedIp = row.remote_ip;
    const dialedPort = row.remote_port;
    const backend = outbound ? this.backendOf(row) : undefined;
    row.remote_service_ip = backend === undefined ? NO_IP : dialedIp;
    row.remote_service_port = backend === undefined ? 0 : dialedPort;
    if (backend !== undefined) {
      row.remote_ip = backend.ip;
      row.remote_port = backend.port;
      this.counts.translated++;
    }
    if (outbound) {
      const service =
        index.serviceByIp(dialedIp, dialedPort) ?? (backend === undefined ? undefined : index.nameOf(dialedIp));
      if (service !== undefined) {
        row.remote_service = service;
        this.counts.withService++;
      }
    }
    // After a translation the pipeline's peer (looked up by the Service IP, which no socket holds)
    // is stale: the backend is resolved afresh. A peer the pipeline found as a local socket has
    // remote_node set, even when it is a host process with no container.
    if (backend !== undefined || (row.remote_container_id === '' && row.remote_node === '')) {
      this.resolvePeer(row, outbound);
    }
    const fromDns =
      dnsNames === undefined
        ? undefined
        : (dnsNames.lookup(dialedIp) ?? (backend === undefined ? undefined : dnsNames.lookup(row.remote_ip)));
    if (fromDns !== undefined) {
      row.remote_dns_name = fromDns;
      this.counts.namesFromDns++;
      return;
    }
    // byIp's name is nameOf's, but memoized: this runs for nearly every row.
    const fromInventory = index.byIp(row.remote_ip)?.name;
    if (fromInventory) {
      row.remote_dns_name = fromInventory;
      this.counts.namesFromInventory++;
    }
  }

  private backendOf(row: ConnectionRow): { ip: string; port: number } | undefined {
    this.local.ip = row.local_ip;
    this.local.port = row.local_port;
    this.dialed.ip = row.remote_ip;
    this.dialed.port = row.remote_port;
    return this.sources.nat.lookup(row.protocol, this.local, this.dialed);
  }

  /**
   * The peer's own port says which host-network pod or container it is only when the peer is the
   * server; an inbound row's remote port is the client's ephemeral one, so the IP alone is asked.
   */
  private resolvePeer(row: ConnectionRow, outbound: boolean): void {
    const { index, servers, node } = this.sources;
    const served = outbound ? servers.containerOf(row.protocol, row.remote_ip, row.remote_port) : undefined;
    if (served !== undefined) {
      this.counts.peersBySocket++;
      const meta = index.byContainerId(served) ?? index.byIp(row.remote_ip, row.remote_port);
      setRemote(row, served, meta, node);
      return;
    }
    const meta = index.byIp(row.remote_ip, outbound ? row.remote_port : undefined);
    if (meta !== undefined) {
      this.counts.peersByIp++;
    }
    setRemote(row, meta?.container_id ?? '', meta, meta?.node ?? '');
  }
}

function setRemote(row: ConnectionRow, containerId: string, meta: Metadata | undefined, node: string): void {
  row.remote_container_id = containerId;
  row.remote_cluster = meta?.cluster ?? '';
  row.remote_namespace = meta?.namespace ?? '';
  row.remote_deployment = meta?.deployment ?? '';
  row.remote_pod = meta?.pod ?? '';
  row.remote_container = meta?.container ?? '';
  row.remote_node = node;
}
