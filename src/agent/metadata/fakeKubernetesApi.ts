import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in API server for tests, on 127.0.0.1: it serves recorded objects through the list and
 * watch protocol the real client speaks (a List with a resourceVersion; a chunked stream of
 * {"type","object"} lines; an ERROR event with a 410 Status when a watch asks for a
 * resourceVersion older than the server keeps). It holds recordings, not a cluster: the tests
 * drive every change through push() and expire().
 */

type Resource = 'pods' | 'nodes' | 'services' | 'replicasets';
type ApiObject = { metadata: { name: string; namespace?: string; resourceVersion?: string; uid?: string } } & Record<
  string,
  unknown
>;
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

const PATHS: Record<string, Resource> = {
  '/api/v1/pods': 'pods',
  '/api/v1/nodes': 'nodes',
  '/api/v1/services': 'services',
};

export class FakeKubernetesApi {
  private readonly server: Server;
  private readonly objects = new Map<Resource, ApiObject[]>();
  private readonly watchers = new Map<Resource, Set<{ res: ServerResponse; selector: string | null }>>();
  private version = 1000;
  /** Watches from an older resourceVersion get 410 Gone, as after etcd compaction. */
  private oldestVersion = new Map<Resource, number>();
  readonly requests: string[] = [];

  constructor(initial: Partial<Record<Resource, ApiObject[]>>) {
    for (const resource of ['pods', 'nodes', 'services', 'replicasets'] as const) {
      this.objects.set(resource, structuredClone(initial[resource] ?? []));
      this.watchers.set(resource, new Set());
    }
    this.server = createServer((req, res) => this.handle(req, res));
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  watcherCount(resource: Resource): number {
    return this.watchers.get(resource)!.size;
  }

  /** Changes an object and tells the open watches, as the API server does. */
  push(resource: Resource, type: WatchEventType, object: ApiObject): void {
    const obj = this.stamp(object);
    const others = this.objects.get(resource)!.filter((o) => !sameObject(o, obj));
    this.objects.set(resource, type === 'DELETED' ? others : [...others, obj]);
    for (const w of this.watchers.get(resource)!) {
      if (matches(obj, w.selector)) {
        w.res.write(`${JSON.stringify({ type, object: obj })}\n`);
      }
    }
  }

  /** Changes an object without telling anyone (the event was compacted away), then ends every
   * watch so the client comes back with a resourceVersion the server no longer has. */
  expire(resource: Resource, change: (objects: ApiObject[]) => ApiObject[]): void {
    this.objects.set(
      resource,
      change(this.objects.get(resource)!).map((o) => this.stamp(o))
    );
    this.oldestVersion.set(resource, this.version);
    for (const w of this.watchers.get(resource)!) {
      w.res.end();
    }
  }

  private stamp(object: ApiObject): ApiObject {
    return { ...object, metadata: { ...object.metadata, resourceVersion: String(++this.version) } };
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    this.requests.push(`${req.method} ${url.pathname}${url.search}`);
    const replicaSet = /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/replicasets\/([^/]+)$/.exec(url.pathname);
    if (replicaSet) {
      const found = this.objects
        .get('replicasets')!
        .find((o) => o.metadata.namespace === replicaSet[1] && o.metadata.name === replicaSet[2]);
      return found
        ? json(res, 200, found)
        : json(res, 404, status(404, 'NotFound', `replicasets "${replicaSet[2]}" not found`));
    }
    const resource = PATHS[url.pathname];
    if (resource === undefined) {
      return json(res, 404, status(404, 'NotFound', `no recording for ${url.pathname}`));
    }
    const selector = url.searchParams.get('fieldSelector');
    if (url.searchParams.get('watch') !== 'true') {
      const items = this.objects.get(resource)!.filter((o) => matches(o, selector));
      return json(res, 200, {
        kind: 'List',
        apiVersion: 'v1',
        metadata: { resourceVersion: String(this.version) },
        items,
      });
    }
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    if (Number(url.searchParams.get('resourceVersion') ?? 0) < (this.oldestVersion.get(resource) ?? 0)) {
      const gone = status(410, 'Expired', 'too old resource version');
      res.end(`${JSON.stringify({ type: 'ERROR', object: gone })}\n`);
      return;
    }
    const watcher = { res, selector };
    this.watchers.get(resource)!.add(watcher);
    res.on('close', () => this.watchers.get(resource)!.delete(watcher));
  }
}

function json(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function status(code: number, reason: string, message: string) {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

function sameObject(a: ApiObject, b: ApiObject): boolean {
  return a.metadata.name === b.metadata.name && a.metadata.namespace === b.metadata.namespace;
}

/** The two field selectors the source uses: spec.nodeName=<node> and metadata.name=<name>. */
function matches(obj: ApiObject, selector: string | null): boolean {
  if (!selector) {
    return true;
  }
  const [field, value] = selector.split('=');
  const actual =
    field === 'spec.nodeName' ? (obj.spec as { nodeName?: string } | undefined)?.nodeName : obj.metadata.name;
  if (field !== 'spec.nodeName' && field !== 'metadata.name') {
    throw new Error(`FakeKubernetesApi: unsupported fieldSelector ${selector}`);
  }
  return actual === value;
}
