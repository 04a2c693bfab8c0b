import type { ConnectionRow, ContainerMetadataRow } from '../../shared/schema';
import type { SideMetadata } from '../capture/connectionRow';
import { InventorySource } from '../metadata/inventorySource';
import type { KubernetesSource } from '../metadata/kubernetesSource';
import { MetadataIndex } from '../metadata/metadataIndex';
import { ConntrackEvents, type ConntrackEvent } from '../nat/conntrackEvents';
import { NatTable, type NatTableStats } from '../nat/natTable';
import { ConnectionEnricher, type DnsNames, type EnrichmentStats } from './connectionEnricher';
import { LocalServers } from './localServers';

/**
 * Who is on each end of the agent's connections: the metadata sources (Kubernetes, the inventory
 * file) feeding one MetadataIndex, conntrack feeding the NatTable of Service IP translations, and
 * the enrichment of connection rows with both. The agent asks metadataFor while it builds rows
 * (this side's pod), enrichConnections before it writes them (the far side, Services, names), and
 * takeMetadataRows each interval for container_metadata.
 *
 * Every source is optional and may fail on its own: a broken inventory, an unreachable or
 * misconfigured Kubernetes API and a missing conntrack each get a line naming the file, endpoint
 * or tool, and capture goes on with whatever metadata the others give.
 */

export interface IdentitySettings {
  /** Static inventory YAML (docs/metadata.md); checked for changes while the agent runs. */
  readonly inventoryPath?: string;
  /** Kubernetes through this kubeconfig; without one, the service account when in a pod, else none. */
  readonly kubeconfigPath?: string;
  /** Cluster name for rows of this node (Kubernetes has no standard label for it). */
  readonly cluster?: string;
  /** Default `conntrack` on PATH. */
  readonly conntrackPath?: string;
}

export interface IdentityOptions extends IdentitySettings {
  /** This node's name: the Kubernetes node whose pods are watched, and remote_node of local peers. */
  readonly node: string;
  readonly log: (line: string) => void;
  /** Default process.env; KUBERNETES_SERVICE_HOST says the agent runs in a pod. */
  readonly env?: NodeJS.ProcessEnv;
}

export interface IdentityStats {
  readonly enrichment: EnrichmentStats;
  readonly nat: NatTableStats;
  /** Why Service backends are missing now, or the last conntrack problem; undefined when all is well. */
  readonly conntrackError: string | undefined;
  /** API server in use, or undefined without Kubernetes. */
  readonly kubernetesEndpoint: string | undefined;
}

export interface Identity {
  /** Starts the sources; never throws for a source that cannot run (see the class comment). */
  /** Starts every source; resolves once the Kubernetes client (if configured) is loaded. Never rejects. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** For the capture pipeline's `metadata` option: this side's (and local peers') pod. */
  metadataFor(containerId: string): SideMetadata | undefined;
  /** Adds backends, Services, peers and names to the rows in place; returns the same array. */
  enrichConnections(rows: ConnectionRow[], dnsNames?: DnsNames): ConnectionRow[];
  /** container_metadata rows of containers whose metadata changed since the last call. */
  takeMetadataRows(nowMs: number): ContainerMetadataRow[];
  stats(): IdentityStats;
}

export function createIdentity(options: IdentityOptions): Identity {
  return new NodeIdentity(options);
}

class NodeIdentity implements Identity {
  private readonly index = new MetadataIndex();
  private readonly nat = new NatTable();
  private readonly enricher: ConnectionEnricher;
  private readonly conntrack: ConntrackEvents;
  private inventory: InventorySource | undefined;
  private kubernetes: KubernetesSource | undefined;
  private lastConntrackWarning: string | undefined;

  constructor(private readonly options: IdentityOptions) {
    this.enricher = new ConnectionEnricher({
      node: options.node,
      index: this.index,
      nat: this.nat,
      servers: new LocalServers({ now: () => performance.now() }),
    });
    this.conntrack = new ConntrackEvents({
      table: this.nat,
      conntrackPath: options.conntrackPath,
      onEvent: (event) => this.onConntrackEvent(event),
    });
  }

  async start(): Promise<void> {
    const { inventoryPath, log } = this.options;
    if (inventoryPath !== undefined) {
      this.inventory = new InventorySource({ path: inventoryPath, index: this.index, log });
      this.inventory.start();
    }
    this.kubernetes = await this.startKubernetes();
    this.conntrack.start();
  }

  async stop(): Promise<void> {
    this.inventory?.stop();
    await Promise.all([this.kubernetes?.stop(), this.conntrack.stop()]);
  }

  metadataFor(containerId: string): SideMetadata | undefined {
    return containerId === '' ? undefined : this.index.byContainerId(containerId);
  }

  enrichConnections(rows: ConnectionRow[], dnsNames?: DnsNames): ConnectionRow[] {
    return this.enricher.enrich(rows, dnsNames);
  }

  takeMetadataRows(nowMs: number): ContainerMetadataRow[] {
    return this.index.takeChangedRows(nowMs);
  }

  stats(): IdentityStats {
    return {
      enrichment: this.enricher.stats(),
      nat: this.nat.stats(),
      conntrackError: this.conntrack.stats().lastError,
      kubernetesEndpoint: this.kubernetes?.endpoint,
    };
  }

  private async startKubernetes(): Promise<KubernetesSource | undefined> {
    const { kubeconfigPath, cluster, node, log } = this.options;
    const env = this.options.env ?? process.env;
    if (kubeconfigPath === undefined && !env.KUBERNETES_SERVICE_HOST) {
      return undefined;
    }
    // Loaded only when a cluster is configured: @kubernetes/client-node alone costs ~2.6 s of CPU
    // and tens of MB at startup, which a host without Kubernetes should not pay.
    const kubernetes = await import('../metadata/kubernetesSource');
    let source: KubernetesSource;
    try {
      source = new kubernetes.KubernetesSource({ index: this.index, nodeName: node, kubeconfigPath, cluster, log });
    } catch (err) {
      // The YAML parser appends a code frame; its first line already has the position.
      log(`${(err as Error).message.split('\n')[0]}; capture goes on without Kubernetes metadata`);
      return undefined;
    }
    log(`Kubernetes metadata from ${source.endpoint} for node ${node}`);
    source.start();
    return source;
  }

  /** A repeated warning (each ENOBUFS says the same) is logged once; the counters keep the rest. */
  private onConntrackEvent(event: ConntrackEvent): void {
    const { log } = this.options;
    switch (event.type) {
      case 'unavailable':
        log(event.message);
        return;
      case 'warning':
        if (event.message !== this.lastConntrackWarning) {
          this.lastConntrackWarning = event.message;
          log(event.message);
        }
        return;
      case 'exited':
        log(`conntrack exited unexpectedly (${event.reason}); Service IP backends are missing until it is back`);
        return;
      case 'restarting':
      case 'started':
        return;
    }
  }
}
