import type { ConnectionRow, ConnectionState, ContainerMetadataRow, Direction, Protocol } from '../../shared/schema';
import type { LocalEndpoints } from './localEndpoints';

/** What the agent knows about a process: the ProcessInfoCache in production. */
export interface ProcessAttribution {
  readonly comm: string;
  readonly containerId: string;
}
export type AttributeProcess = (pid: number) => ProcessAttribution;
/**
 * A socket's container by the cgroup v2 id connections.bt reports (a CgroupIdIndex in
 * production); undefined when the id tells nothing.
 */
export type AttributeCgroup = (cgroupId: number) => Pick<ProcessAttribution, 'containerId'> | undefined;

export type SideMetadata = Pick<ContainerMetadataRow, 'cluster' | 'namespace' | 'deployment' | 'pod' | 'container'>;
/** container id -> its metadata, or undefined while unknown. */
export type LookupMetadata = (containerId: string) => SideMetadata | undefined;

export const NO_ATTRIBUTION: AttributeProcess = () => ({ comm: '', containerId: '' });
export const NO_CGROUP_ATTRIBUTION: AttributeCgroup = () => undefined;
export const NO_METADATA: LookupMetadata = () => undefined;

export interface IntervalCounters {
  readonly bytesTx: number;
  readonly bytesRx: number;
  readonly packetsTx: number;
  readonly packetsRx: number;
  readonly retransmits: number;
  readonly resets: number;
}

/** A row before enrichment: everything the trackers know themselves. */
export interface RowDraft {
  readonly tsMs: number;
  readonly connectionId: string;
  readonly pid: number;
  readonly comm: string;
  readonly protocol: Protocol;
  readonly direction: Direction;
  readonly netns: number;
  readonly localIp: string;
  readonly localPort: number;
  readonly localContainerId: string;
  readonly remoteIp: string;
  readonly remotePort: number;
  readonly counters: IntervalCounters;
  readonly rttUs: number;
  readonly state: ConnectionState;
  readonly opened: 0 | 1;
  readonly durationMs: number;
}

export interface RowContext {
  readonly node: string;
  readonly endpoints: LocalEndpoints;
  readonly metadata: LookupMetadata;
}

/** What an IPv6 column stores for "none"; '::' rather than '' because '' does not parse as IPv6. */
export const NO_IP = '::';

/**
 * Adds what the node knows beyond the socket: metadata of this side's container, and when the peer
 * is another socket on this node, the peer's container, metadata and node. Peers elsewhere keep
 * '' here; joining them by remote_ip is a later stage's job.
 *
 * One object literal with every column, the enricher's too, so that all rows share one shape and
 * the enricher's writes change values, not shapes: this runs for every row.
 */
export function buildConnectionRow(d: RowDraft, ctx: RowContext): ConnectionRow {
  const peer = ctx.endpoints.lookup({ protocol: d.protocol, ip: d.remoteIp, port: d.remotePort, netns: d.netns });
  const local = d.localContainerId === '' ? undefined : ctx.metadata(d.localContainerId);
  const remote = peer === undefined || peer === '' ? undefined : ctx.metadata(peer);
  const c = d.counters;
  return {
    ts: d.tsMs,
    connection_id: d.connectionId,
    node: ctx.node,
    pid: d.pid,
    comm: d.comm,
    protocol: d.protocol,
    direction: d.direction,
    local_ip: d.localIp,
    local_port: d.localPort,
    local_container_id: d.localContainerId,
    local_cluster: local?.cluster ?? '',
    local_namespace: local?.namespace ?? '',
    local_deployment: local?.deployment ?? '',
    local_pod: local?.pod ?? '',
    local_container: local?.container ?? '',
    remote_ip: d.remoteIp,
    remote_port: d.remotePort,
    remote_container_id: peer ?? '',
    remote_cluster: remote?.cluster ?? '',
    remote_namespace: remote?.namespace ?? '',
    remote_deployment: remote?.deployment ?? '',
    remote_pod: remote?.pod ?? '',
    remote_container: remote?.container ?? '',
    remote_node: peer === undefined ? '' : ctx.node,
    remote_service: '',
    remote_service_ip: NO_IP,
    remote_service_port: 0,
    remote_dns_name: '',
    bytes_tx: c.bytesTx,
    bytes_rx: c.bytesRx,
    packets_tx: c.packetsTx,
    packets_rx: c.packetsRx,
    retransmits: c.retransmits,
    resets: c.resets,
    rtt_us: d.rttUs,
    state: d.state,
    opened: d.opened,
    duration_ms: d.durationMs,
  };
}
