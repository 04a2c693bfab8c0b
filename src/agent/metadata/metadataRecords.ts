import { containerMetadataColumns, type ContainerMetadataRow } from '../../shared/schema';

/** The columns of container_metadata a lookup answers with (the row without its timestamp). */
export type MetadataFields = Omit<ContainerMetadataRow, 'timestamp'>;

/** What a lookup returns: container_metadata's fields, plus the inventory name of external peers. */
export interface Metadata extends MetadataFields {
  /** Inventory name ('payments-db', 'api.stripe.com'); '' for everything else. */
  readonly name: string;
}

export type TextField = {
  [K in keyof MetadataFields]: MetadataFields[K] extends string ? K : never;
}[keyof MetadataFields];

export const TEXT_FIELDS = Object.keys(containerMetadataColumns).filter(
  (key) => key !== 'timestamp' && key !== 'host_network'
) as TextField[];

export const EMPTY_METADATA: Metadata = Object.freeze({
  ...(Object.fromEntries(TEXT_FIELDS.map((key) => [key, ''])) as Record<TextField, string>),
  host_network: false,
  name: '',
});

/** Fields a source knows; the rest stay ''. */
export type PartialMetadata = Partial<Metadata>;

export interface ContainerRecord {
  readonly name: string;
  /** Runtime's full 64-hex id; '' while the runtime has not reported it yet. */
  readonly id: string;
  /** Ports the container declares (containerPort, and hostPort where set), for peer-by-port lookups. */
  readonly ports: readonly number[];
  /** Init containers run to completion first: never the answer for a pod IP, still a container id. */
  readonly init: boolean;
}

/** A pod as the sources see it; node-level fields (cluster, region, zone) come from its NodeRecord. */
export interface PodRecord {
  readonly uid: string;
  /** namespace, pod, deployment, node, hostname, ... */
  readonly fields: PartialMetadata;
  /** Pod IPs (both families); for a host-network pod these are the node's. */
  readonly ips: readonly string[];
  /** IPs of the node the pod runs on, where its hostPorts listen. */
  readonly hostIps: readonly string[];
  readonly hostNetwork: boolean;
  readonly containers: readonly ContainerRecord[];
  /** Ports bound on the node's IPs by hostPort mappings (hostNetwork pods: every declared port). */
  readonly hostPorts: readonly number[];
}

export interface NodeRecord {
  readonly name: string;
  readonly ips: readonly string[];
  /** cluster, region, zone, ... shared by every pod on the node. */
  readonly fields: PartialMetadata;
}

export interface ServiceRecord {
  /** 'namespace/name', as remote_service stores it. */
  readonly key: string;
  /** spec.clusterIPs, externalIPs and load-balancer ingress IPs. */
  readonly ips: readonly string[];
  /** spec.ports[].nodePort: open on every node IP. */
  readonly nodePorts: readonly number[];
}

export type InventoryMatch =
  | { readonly kind: 'ip'; readonly text: string }
  | { readonly kind: 'cidr'; readonly text: string }
  | { readonly kind: 'cgroup'; readonly text: string; readonly pattern: RegExp };

export interface InventoryEntry {
  readonly match: InventoryMatch;
  readonly fields: PartialMetadata;
}
