import {
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  ListWatch,
  Watch,
  type KubernetesListObject,
  type KubernetesObject,
  type V1Node,
  type V1Pod,
  type V1Service,
} from '@kubernetes/client-node';
import { isFinished, nodeRecord, podRecord, serviceRecord, workloadOf, type NodeLabels } from './kubernetesRecords';
import type { MetadataIndex } from './metadataIndex';

export interface KubernetesSourceOptions extends NodeLabels {
  readonly index: Pick<
    MetadataIndex,
    'upsertPod' | 'deletePod' | 'upsertNode' | 'deleteNode' | 'upsertService' | 'deleteService'
  >;
  /** This node's name (spec.nodeName of its pods): only its pods are watched. */
  readonly nodeName: string;
  /** A kubeconfig file; without one, the pod's service account (in-cluster config). */
  readonly kubeconfigPath?: string;
  readonly log: (message: string) => void;
  /** Delay before retrying after the API failed, doubling up to maxMs. */
  readonly retry?: { readonly initialMs: number; readonly maxMs: number };
}

/**
 * Keeps the index in step with the API server: pods on this node, this node (topology labels),
 * and every Service. Each is a list then a watch (the client's ListWatch), which resumes from the
 * last resourceVersion and lists again when the server answers 410 Gone, reporting objects that
 * vanished meanwhile as deletes.
 *
 * An API that cannot be reached or refuses us is logged with its endpoint and retried with
 * backoff; the index keeps what it had, and capture never waits for it.
 */
export class KubernetesSource {
  readonly endpoint: string;
  private readonly config = new KubeConfig();
  private readonly informers: Array<ListWatch<KubernetesObject>> = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly pods = new Map<string, V1Pod>();
  /** 'namespace/replicaset' -> its owner as the API answered; undefined after a failed read, so
   * its pods keep the name minus the pod-template-hash rather than asking again per pod event. */
  private readonly replicaSetOwners = new Map<string, string | undefined>();
  private readonly pendingReplicaSets = new Set<string>();
  private stopped = false;

  /** Throws when the configuration cannot be loaded, naming the file or the missing environment. */
  constructor(private readonly options: KubernetesSourceOptions) {
    try {
      if (options.kubeconfigPath !== undefined) {
        this.config.loadFromFile(options.kubeconfigPath);
      } else if (process.env.KUBERNETES_SERVICE_HOST) {
        this.config.loadFromCluster();
      } else {
        throw new Error('not running in a pod (KUBERNETES_SERVICE_HOST is unset); pass a kubeconfig path');
      }
    } catch (err) {
      const what = options.kubeconfigPath === undefined ? 'in-cluster config' : `kubeconfig ${options.kubeconfigPath}`;
      throw new Error(`Kubernetes metadata: cannot load ${what}: ${(err as Error).message}`);
    }
    this.endpoint = this.config.getCurrentCluster()?.server ?? '(no current cluster)';
  }

  start(): void {
    const core = this.config.makeApiClient(CoreV1Api);
    const node = this.options.nodeName;
    this.follow<V1Pod>(
      'pods on this node',
      '/api/v1/pods',
      `spec.nodeName=${node}`,
      () => core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${node}` }),
      (pod) => this.upsertPod(pod),
      (pod) => this.deletePod(pod)
    );
    this.follow<V1Node>(
      'this node',
      '/api/v1/nodes',
      `metadata.name=${node}`,
      () => core.listNode({ fieldSelector: `metadata.name=${node}` }),
      (n) => this.options.index.upsertNode(nodeRecord(n, this.options)),
      (n) => this.options.index.deleteNode(n.metadata?.name ?? '')
    );
    this.follow<V1Service>(
      'services',
      '/api/v1/services',
      undefined,
      () => core.listServiceForAllNamespaces(),
      (s) => this.options.index.upsertService(serviceRecord(s)),
      (s) => this.options.index.deleteService(serviceRecord(s).key)
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timers.forEach(clearTimeout);
    this.timers.clear();
    await Promise.all(this.informers.map((i) => i.stop()));
  }

  private follow<T extends KubernetesObject>(
    what: string,
    path: string,
    fieldSelector: string | undefined,
    list: () => Promise<KubernetesListObject<T>>,
    upsert: (obj: T) => void,
    remove: (obj: T) => void
  ): void {
    const { initialMs, maxMs } = this.options.retry ?? { initialMs: 1000, maxMs: 60_000 };
    let delay = initialMs;
    const listed = async () => {
      const result = await list();
      delay = initialMs;
      return result;
    };
    const informer = new ListWatch<T>(path, new Watch(this.config), listed, false, undefined, fieldSelector);
    informer.on('add', upsert);
    informer.on('update', upsert);
    informer.on('delete', remove);
    informer.on('error', (err: unknown) => {
      if (this.stopped) {
        return;
      }
      this.options.log(
        `Kubernetes API ${this.endpoint}: watching ${what} failed (${describe(err)}); retrying in ` +
          `${delay >= 1000 ? `${delay / 1000} s` : `${delay} ms`}, capture goes on with the metadata it has`
      );
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        void informer.start();
      }, delay);
      this.timers.add(timer);
      delay = Math.min(delay * 2, maxMs);
    });
    this.informers.push(informer as unknown as ListWatch<KubernetesObject>);
    void informer.start();
  }

  private upsertPod(pod: V1Pod): void {
    const uid = pod.metadata?.uid ?? '';
    if (isFinished(pod)) {
      this.deletePod(pod);
      return;
    }
    this.pods.set(uid, pod);
    const workload = workloadOf(pod, (namespace, name) => {
      const key = `${namespace}/${name}`;
      if (!this.replicaSetOwners.has(key)) {
        void this.resolveReplicaSet(namespace, name);
      }
      return this.replicaSetOwners.get(key);
    });
    this.options.index.upsertPod(podRecord(pod, workload));
  }

  private deletePod(pod: V1Pod): void {
    const uid = pod.metadata?.uid ?? '';
    this.pods.delete(uid);
    this.options.index.deletePod(uid);
  }

  /** A ReplicaSet's owner never changes, so one read per ReplicaSet is enough. */
  private async resolveReplicaSet(namespace: string, name: string): Promise<void> {
    const key = `${namespace}/${name}`;
    if (this.pendingReplicaSets.has(key)) {
      return;
    }
    this.pendingReplicaSets.add(key);
    let owner: string | undefined;
    try {
      const rs = await this.config.makeApiClient(AppsV1Api).readNamespacedReplicaSet({ name, namespace });
      const controller = rs.metadata?.ownerReferences?.find((o) => o.controller);
      owner = controller?.name ?? name;
    } catch (err) {
      this.options.log(
        `Kubernetes API ${this.endpoint}: cannot read ReplicaSet ${key} (${describe(err)}); ` +
          'naming its pods after it minus the pod-template-hash'
      );
    } finally {
      this.pendingReplicaSets.delete(key);
    }
    if (this.stopped) {
      return;
    }
    this.replicaSetOwners.set(key, owner);
    if (owner === undefined) {
      return;
    }
    for (const pod of this.pods.values()) {
      if (pod.metadata?.namespace === namespace && pod.metadata.ownerReferences?.some((o) => o.name === name)) {
        this.upsertPod(pod);
      }
    }
  }
}

/** The part of a client error a person acts on: the socket error code, or the HTTP status. */
function describe(err: unknown): string {
  const e = err as { code?: unknown; statusCode?: unknown; message?: unknown; cause?: { code?: unknown } };
  if (typeof e?.code === 'string') {
    return e.code;
  }
  if (typeof e?.cause?.code === 'string') {
    return e.cause.code;
  }
  const status = typeof e?.statusCode === 'number' ? e.statusCode : typeof e?.code === 'number' ? e.code : undefined;
  const first = typeof e?.message === 'string' ? e.message.split('\n')[0] : String(err);
  return status === undefined ? first : `HTTP ${status}: ${first}`;
}
