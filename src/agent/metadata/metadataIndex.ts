import type { ContainerMetadataRow } from '../../shared/schema';
import { ClaimMap } from './claimMap';
import { parseCidr, parseIp } from './ipAddress';
import {
  EMPTY_METADATA,
  TEXT_FIELDS,
  type ContainerRecord,
  type InventoryEntry,
  type Metadata,
  type NodeRecord,
  type PartialMetadata,
  type PodRecord,
  type ServiceRecord,
} from './metadataRecords';
import { PrefixTable } from './prefixTable';

/**
 * What the agent joins its records with: containers, pod and node IPs, Services and the static
 * inventory, kept current by the sources' upserts and deletes. Exact keys are hash lookups and
 * CIDRs a few probes (PrefixTable); composed answers are memoized until the next change, because
 * lookups happen per row and changes per pod event.
 *
 * Precedence: Kubernetes describes what it runs, so its answer wins field by field; the inventory
 * fills only the fields Kubernetes leaves empty (network, project, environment, ...), and answers
 * alone for what Kubernetes does not know. Within each source the most specific match wins:
 * IP+port, then IP, then the longest CIDR; among cgroup patterns, the first listed.
 */

interface Inventory {
  readonly byIp: PrefixTable<InventoryEntry>;
  readonly cgroups: readonly InventoryEntry[];
}

const EMPTY_INVENTORY: Inventory = { byIp: new PrefixTable(), cgroups: [] };
/** Bounds memory when lookups see many distinct keys (scans, short-lived containers). */
const MAX_MEMO_ENTRIES = 16_384;
const MAX_INVENTORY_CONTAINERS = 65_536;

interface PodContainer {
  readonly podUid: string;
  readonly container: ContainerRecord | undefined;
}

export class MetadataIndex {
  private readonly pods = new Map<string, PodRecord>();
  private readonly nodes = new Map<string, NodeRecord>();
  private readonly services = new Map<string, ServiceRecord>();
  private readonly containers = new ClaimMap<string, PodContainer>();
  private readonly podByIp = new ClaimMap<bigint, string>();
  /** `${ip}|${port}` on a node IP: host-network pods and hostPort mappings. */
  private readonly podByHostPort = new ClaimMap<string, PodContainer>();
  private readonly nodeByIp = new ClaimMap<bigint, string>();
  private readonly serviceByIpKey = new ClaimMap<bigint, string>();
  private readonly serviceByNodePort = new ClaimMap<number, string>();
  private inventory = EMPTY_INVENTORY;
  private memo = new Map<string, Metadata | undefined>();
  /** Container ids whose row may differ from the last one handed out. */
  private readonly changed = new Set<string>();
  private readonly lastRows = new Map<string, string>();
  /** Containers only the inventory describes, with the cgroup path they matched on. */
  private readonly inventoryContainers = new Map<string, string | undefined>();

  upsertPod(pod: PodRecord): void {
    this.deletePod(pod.uid);
    this.pods.set(pod.uid, pod);
    for (const container of pod.containers) {
      if (container.id !== '') {
        this.containers.claim(container.id, pod.uid, { podUid: pod.uid, container });
        this.changed.add(container.id);
      }
    }
    if (!pod.hostNetwork) {
      forEachIp(pod.ips, (ip) => this.podByIp.claim(ip, pod.uid, pod.uid));
    }
    forEachIp(pod.hostIps, (ip) => {
      for (const port of pod.hostPorts) {
        this.podByHostPort.claim(`${ip}|${port}`, pod.uid, { podUid: pod.uid, container: containerOnPort(pod, port) });
      }
    });
    this.touch();
  }

  deletePod(uid: string): void {
    const pod = this.pods.get(uid);
    if (pod === undefined) {
      return;
    }
    this.pods.delete(uid);
    for (const container of pod.containers) {
      if (container.id !== '') {
        this.containers.release(container.id, uid);
        this.changed.add(container.id);
      }
    }
    forEachIp(pod.ips, (ip) => this.podByIp.release(ip, uid));
    forEachIp(pod.hostIps, (ip) => pod.hostPorts.forEach((port) => this.podByHostPort.release(`${ip}|${port}`, uid)));
    this.touch();
  }

  upsertNode(node: NodeRecord): void {
    this.deleteNode(node.name);
    this.nodes.set(node.name, node);
    forEachIp(node.ips, (ip) => this.nodeByIp.claim(ip, node.name, node.name));
    this.markPodsOnNode(node.name);
    this.touch();
  }

  deleteNode(name: string): void {
    const node = this.nodes.get(name);
    if (node !== undefined) {
      this.nodes.delete(name);
      forEachIp(node.ips, (ip) => this.nodeByIp.release(ip, name));
      this.markPodsOnNode(name);
      this.touch();
    }
  }

  upsertService(service: ServiceRecord): void {
    this.deleteService(service.key);
    this.services.set(service.key, service);
    forEachIp(service.ips, (ip) => this.serviceByIpKey.claim(ip, service.key, service.key));
    service.nodePorts.forEach((port) => this.serviceByNodePort.claim(port, service.key, service.key));
    this.touch();
  }

  deleteService(key: string): void {
    const service = this.services.get(key);
    if (service !== undefined) {
      this.services.delete(key);
      forEachIp(service.ips, (ip) => this.serviceByIpKey.release(ip, key));
      service.nodePorts.forEach((port) => this.serviceByNodePort.release(port, key));
      this.touch();
    }
  }

  /** Replaces the whole inventory (a file is loaded as one unit). */
  setInventory(entries: readonly InventoryEntry[]): void {
    const byIp = new PrefixTable<InventoryEntry>();
    const cgroups: InventoryEntry[] = [];
    for (const entry of entries) {
      const cidr = entry.match.kind === 'cgroup' ? undefined : parseCidr(entry.match.text);
      if (cidr !== undefined) {
        byIp.set(cidr, entry);
      } else if (entry.match.kind === 'cgroup') {
        cgroups.push(entry);
      }
    }
    this.inventory = { byIp, cgroups };
    for (const pod of this.pods.values()) {
      pod.containers.forEach((c) => c.id !== '' && this.changed.add(c.id));
    }
    this.inventoryContainers.forEach((_, id) => this.changed.add(id));
    this.touch();
  }

  /**
   * Metadata of a container, or of a host process when id is '' and its cgroup path matches an
   * inventory pattern (a systemd service, say). Undefined when nothing describes it.
   */
  byContainerId(id: string, cgroupPath?: string): Metadata | undefined {
    return this.memoized(`c|${id}|${cgroupPath ?? ''}`, () => {
      const owner = id === '' ? undefined : this.containers.get(id);
      const known = owner === undefined ? undefined : this.composePod(owner);
      const patterns = this.inventory.cgroups.filter(
        (e) => e.match.kind === 'cgroup' && matchesCgroup(e.match.pattern, id, cgroupPath)
      );
      if (known === undefined && id !== '' && patterns.length > 0 && !this.inventoryContainers.has(id)) {
        if (this.inventoryContainers.size >= MAX_INVENTORY_CONTAINERS) {
          this.inventoryContainers.delete(this.inventoryContainers.keys().next().value as string);
        }
        this.inventoryContainers.set(id, cgroupPath);
        this.changed.add(id);
      }
      const base = known ?? (patterns.length > 0 ? { ...EMPTY_METADATA, container_id: id } : undefined);
      return fill(base, patterns);
    });
  }

  /** A pod IP is its pod, a node IP with a port its host-network pod or hostPort (else the node),
   * and anything else the inventory's most specific IP or CIDR. */
  byIp(ip: string, port?: number): Metadata | undefined {
    return this.memoized(`i|${ip}|${port ?? ''}`, () => {
      const bits = parseIp(ip);
      if (bits === undefined) {
        return undefined;
      }
      const onPort = port === undefined ? undefined : this.podByHostPort.get(`${bits}|${port}`);
      const podUid = this.podByIp.get(bits);
      const nodeName = this.nodeByIp.get(bits);
      let known: Metadata | undefined;
      if (onPort !== undefined) {
        known = this.composePod(onPort);
      } else if (podUid !== undefined) {
        const pod = this.pods.get(podUid);
        known =
          pod &&
          this.composePod({
            podUid,
            container: port === undefined ? soleContainer(pod) : (containerOnPort(pod, port) ?? soleContainer(pod)),
          });
      } else if (nodeName !== undefined) {
        known = this.composeNode(nodeName, ip);
      }
      const entries = [...this.inventory.byIp.matches(bits)];
      const base = known ?? (entries.length > 0 ? { ...EMPTY_METADATA, ip } : undefined);
      return fill(base, entries);
    });
  }

  /** 'namespace/name' of the Service whose cluster, external or load-balancer IP (or a node IP
   * with its nodePort) this is. */
  serviceByIp(ip: string, port?: number): string | undefined {
    const bits = parseIp(ip);
    if (bits === undefined) {
      return undefined;
    }
    const direct = this.serviceByIpKey.get(bits);
    if (direct !== undefined || port === undefined || this.nodeByIp.get(bits) === undefined) {
      return direct;
    }
    return this.serviceByNodePort.get(port);
  }

  /** The inventory name of the most specific entry naming this IP. */
  nameOf(ip: string): string | undefined {
    const bits = parseIp(ip);
    if (bits === undefined) {
      return undefined;
    }
    for (const entry of this.inventory.byIp.matches(bits)) {
      if (entry.fields.name) {
        return entry.fields.name;
      }
    }
    return undefined;
  }

  /**
   * Rows for container_metadata whose content changed since the last call (new containers,
   * relabelled nodes, a reloaded inventory). Deleted containers get no row: their last row stays
   * the truth about what they were.
   */
  takeChangedRows(nowMs: number): ContainerMetadataRow[] {
    const rows: ContainerMetadataRow[] = [];
    for (const id of this.changed) {
      const meta = this.byContainerId(id, this.inventoryContainers.get(id));
      if (meta === undefined) {
        this.lastRows.delete(id);
        continue;
      }
      const { name: _name, ...fields } = meta;
      const text = JSON.stringify(fields);
      if (this.lastRows.get(id) !== text) {
        this.lastRows.set(id, text);
        // A container only the inventory describes has no IP; the IPv6 column takes '::' for
        // none, and one rejected row would hold back every later write.
        rows.push({ timestamp: nowMs, ...fields, ip: fields.ip === '' ? '::' : fields.ip });
      }
    }
    this.changed.clear();
    return rows;
  }

  private composePod({ podUid, container }: PodContainer): Metadata | undefined {
    const pod = this.pods.get(podUid);
    if (pod === undefined) {
      return undefined;
    }
    const node = typeof pod.fields.node === 'string' ? this.nodes.get(pod.fields.node) : undefined;
    const ip = pod.ips[0] ?? '';
    const composed: Metadata = {
      ...EMPTY_METADATA,
      ...node?.fields,
      ...pod.fields,
      ip,
      host_network: pod.hostNetwork,
      pod_uid: pod.uid,
      container: container?.name ?? '',
      container_id: container?.id ?? '',
    };
    const bits = parseIp(ip);
    return bits === undefined ? composed : fill(composed, [...this.inventory.byIp.matches(bits)]);
  }

  private composeNode(name: string, ip: string): Metadata {
    return { ...EMPTY_METADATA, ...this.nodes.get(name)?.fields, node: name, ip, host_network: true };
  }

  private markPodsOnNode(name: string): void {
    for (const pod of this.pods.values()) {
      if (pod.fields.node === name) {
        pod.containers.forEach((c) => c.id !== '' && this.changed.add(c.id));
      }
    }
  }

  private memoized(key: string, compute: () => Metadata | undefined): Metadata | undefined {
    if (this.memo.has(key)) {
      return this.memo.get(key);
    }
    const value = compute();
    if (this.memo.size >= MAX_MEMO_ENTRIES) {
      this.memo = new Map();
    }
    this.memo.set(key, value);
    return value;
  }

  /** Any change can alter any composed answer (a node relabel reaches all its pods), so the memo
   * starts over; changes are rare next to lookups. */
  private touch(): void {
    this.memo = new Map();
  }
}

function forEachIp(ips: readonly string[], f: (ip: bigint) => void): void {
  for (const text of ips) {
    const ip = parseIp(text);
    if (ip !== undefined) {
      f(ip);
    }
  }
}

function containerOnPort(pod: PodRecord, port: number): ContainerRecord | undefined {
  return pod.containers.find((c) => !c.init && c.ports.includes(port));
}

/** A pod IP without a telling port is the pod's only app container, when it has just one. */
function soleContainer(pod: PodRecord): ContainerRecord | undefined {
  const app = pod.containers.filter((c) => !c.init);
  return app.length === 1 ? app[0] : undefined;
}

function matchesCgroup(pattern: RegExp, id: string, cgroupPath: string | undefined): boolean {
  return (id !== '' && pattern.test(id)) || (cgroupPath !== undefined && pattern.test(cgroupPath));
}

/** Fields still '' in base taken from the entries, earlier entries first. */
function fill(
  base: Metadata | undefined,
  entries: ReadonlyArray<{ readonly fields: PartialMetadata }>
): Metadata | undefined {
  if (base === undefined || entries.length === 0) {
    return base;
  }
  const out: Record<string, unknown> = { ...base };
  for (const { fields } of entries) {
    for (const key of [...TEXT_FIELDS, 'name' as const]) {
      const value = fields[key];
      if (out[key] === '' && typeof value === 'string' && value !== '') {
        out[key] = value;
      }
    }
  }
  return out as unknown as Metadata;
}
