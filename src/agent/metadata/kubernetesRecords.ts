import type { V1Node, V1Pod, V1Service } from '@kubernetes/client-node';
import type { ContainerRecord, NodeRecord, PodRecord, ServiceRecord } from './metadataRecords';

/** Pure mapping from Kubernetes API objects to index records; the unit tests feed it recordings. */

/** `containerd://<64hex>`, `cri-o://...`, `docker://...`: the runtime's id after the scheme. */
export function containerIdOf(containerID: string | undefined): string {
  const id = containerID?.slice(containerID.indexOf('://') + 3) ?? '';
  return /^[0-9a-f]{64}$/.test(id) ? id : '';
}

/**
 * The pod's owning workload as the pages name it. A ReplicaSet stands for the Deployment that owns
 * it (replicaSetOwner answers from the API or a cache; undefined while unknown, when the name
 * minus the pod-template-hash is the Deployment's by construction). Other controllers
 * (StatefulSet, DaemonSet, Job, ...) are named directly, and a bare pod names itself.
 */
export function workloadOf(
  pod: V1Pod,
  replicaSetOwner: (namespace: string, name: string) => string | undefined
): string {
  const owner = pod.metadata?.ownerReferences?.find((o) => o.controller) ?? pod.metadata?.ownerReferences?.[0];
  if (owner === undefined) {
    return pod.metadata?.name ?? '';
  }
  if (owner.kind !== 'ReplicaSet') {
    return owner.name;
  }
  const known = replicaSetOwner(pod.metadata?.namespace ?? '', owner.name);
  if (known !== undefined) {
    return known;
  }
  const hash = pod.metadata?.labels?.['pod-template-hash'];
  return hash !== undefined && owner.name.endsWith(`-${hash}`) ? owner.name.slice(0, -hash.length - 1) : owner.name;
}

export function podRecord(pod: V1Pod, workload: string): PodRecord {
  const spec = pod.spec;
  const status = pod.status;
  const hostNetwork = spec?.hostNetwork === true;
  const containers: ContainerRecord[] = [];
  const hostPorts = new Set<number>();
  for (const [init, specs, statuses] of [
    [true, spec?.initContainers, status?.initContainerStatuses],
    [false, spec?.containers, status?.containerStatuses],
  ] as const) {
    for (const c of specs ?? []) {
      const ports = (c.ports ?? []).flatMap((p) => (p.hostPort ? [p.containerPort, p.hostPort] : [p.containerPort]));
      for (const p of c.ports ?? []) {
        if (p.hostPort) {
          hostPorts.add(p.hostPort);
        } else if (hostNetwork) {
          hostPorts.add(p.containerPort);
        }
      }
      const id = containerIdOf(statuses?.find((s) => s.name === c.name)?.containerID);
      containers.push({ name: c.name, id, ports: [...new Set(ports)], init });
    }
  }
  const podIps = status?.podIPs?.map((p) => p.ip) ?? (status?.podIP ? [status.podIP] : []);
  const hostIps = status?.hostIPs?.map((p) => p.ip) ?? (status?.hostIP ? [status.hostIP] : []);
  const name = pod.metadata?.name ?? '';
  return {
    uid: pod.metadata?.uid ?? '',
    fields: {
      namespace: pod.metadata?.namespace ?? '',
      pod: name,
      deployment: workload,
      node: spec?.nodeName ?? '',
      // The kubelet names a pod's host after spec.hostname, else the pod; host-network pods see the node's.
      hostname: hostNetwork ? (spec?.nodeName ?? '') : (spec?.hostname ?? name),
    },
    ips: podIps,
    hostIps,
    hostNetwork,
    containers,
    hostPorts: [...hostPorts],
  };
}

/** Pods whose containers have all ended hold no IP any more; the index must let it go. */
export function isFinished(pod: V1Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

export interface NodeLabels {
  /** Label on the node naming its cluster; Kubernetes has no standard one. */
  readonly clusterLabel?: string;
  /** Used when the label is absent or not configured. */
  readonly cluster?: string;
}

export function nodeRecord(node: V1Node, options: NodeLabels = {}): NodeRecord {
  const labels = node.metadata?.labels ?? {};
  const fromLabel = options.clusterLabel === undefined ? undefined : labels[options.clusterLabel];
  return {
    name: node.metadata?.name ?? '',
    ips: (node.status?.addresses ?? [])
      .filter((a) => a.type === 'InternalIP' || a.type === 'ExternalIP')
      .map((a) => a.address),
    fields: {
      cluster: fromLabel ?? options.cluster ?? '',
      region: labels['topology.kubernetes.io/region'] ?? labels['failure-domain.beta.kubernetes.io/region'] ?? '',
      zone: labels['topology.kubernetes.io/zone'] ?? labels['failure-domain.beta.kubernetes.io/zone'] ?? '',
    },
  };
}

export function serviceRecord(service: V1Service): ServiceRecord {
  const spec = service.spec;
  // Headless Services ('None') have no IP of their own: their names resolve straight to pods.
  const clusterIps = (spec?.clusterIPs ?? (spec?.clusterIP ? [spec.clusterIP] : [])).filter((ip) => ip !== 'None');
  const ingress = (service.status?.loadBalancer?.ingress ?? []).flatMap((i) => (i.ip ? [i.ip] : []));
  return {
    key: `${service.metadata?.namespace ?? ''}/${service.metadata?.name ?? ''}`,
    ips: [...clusterIps, ...(spec?.externalIPs ?? []), ...ingress],
    nodePorts: (spec?.ports ?? []).flatMap((p) => (p.nodePort ? [p.nodePort] : [])),
  };
}
