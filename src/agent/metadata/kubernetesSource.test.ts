import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { FakeKubernetesApi } from './fakeKubernetesApi';
import { KubernetesSource } from './kubernetesSource';
import { MetadataIndex } from './metadataIndex';
import nodes from './fixtures/eks/nodes.json';
import pods from './fixtures/eks/pods.json';
import replicasets from './fixtures/eks/replicasets.json';
import services from './fixtures/eks/services.json';
import { until } from '../testing/until';

/*
 * There is no cluster here. The real @kubernetes/client-node talks HTTP to FakeKubernetesApi,
 * which serves RECORDED API objects of a real EKS cluster (fixtures/README.md) through the list +
 * watch protocol. The changes below (a new pod, a restarted container, a delete, a compaction)
 * are made-up edits of those recordings, named where they are made.
 */

type Obj = (typeof pods.items)[number];
const NODE = 'ip-10-0-10-170.ec2.internal';
const COREDNS_ID = 'eff33af832d27ca7cbfa2b85293ff0f34fdf4ed4753e6f674886302312831d1b';
const OTHER_NODE_AWS_NODE_ID = 'e13a3043de47134de3fc99b2657cda34f954f168eafb216e95312127fdda4689';
const recorded = (name: string) => structuredClone(pods.items.find((p) => p.metadata.name === name)!) as Obj;

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'netmon-k8s-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function kubeconfig(server: string): string {
  const path = join(dir, `kubeconfig-${Math.random().toString(36).slice(2)}`);
  writeFileSync(
    path,
    [
      'apiVersion: v1',
      'kind: Config',
      // The stand-in serves plain HTTP, which the client only allows with TLS checks off.
      'clusters: [{name: recorded, cluster: {server: "' + server + '", insecure-skip-tls-verify: true}}]',
      'users: [{name: agent, user: {token: recorded-token}}]',
      'contexts: [{name: recorded, context: {cluster: recorded, user: agent}}]',
      'current-context: recorded',
      '',
    ].join('\n')
  );
  return path;
}

test('list, add, modify, delete and a 410 Gone relist keep the index equal to the API', async () => {
  const api = new FakeKubernetesApi({
    pods: pods.items,
    nodes: nodes.items,
    services: services.items,
    replicasets: replicasets.items,
  } as never);
  const server = await api.listen();
  const index = new MetadataIndex();
  const logs: string[] = [];
  const source = new KubernetesSource({
    index,
    nodeName: NODE,
    kubeconfigPath: kubeconfig(server),
    cluster: 'ecommerce-dev',
    log: (m) => logs.push(m),
  });
  try {
    source.start();
    await until('the listed pods', () => index.byContainerId(COREDNS_ID) !== undefined);
    await until('the node and services', () => index.byIp('10.0.10.170')?.zone === 'us-east-1a');
    await until('the ReplicaSet read', () => api.requests.some((r) => r.includes('/replicasets/coredns-789f8477df')));
    const coredns = index.byContainerId(COREDNS_ID);
    assert.equal(coredns?.deployment, 'coredns');
    assert.equal(coredns?.cluster, 'ecommerce-dev');
    assert.equal(coredns?.region, 'us-east-1');
    assert.equal(index.byContainerId(OTHER_NODE_AWS_NODE_ID), undefined, 'pods of other nodes are not watched');
    assert.ok(api.requests.some((r) => r.startsWith('GET /api/v1/pods?fieldSelector=spec.nodeName%3Dip-10-0-10-170')));
    await until('kube-dns', () => index.serviceByIp('172.20.0.10', 53) === 'kube-system/kube-dns');
    await until('the watches', () => api.watcherCount('pods') === 1 && api.watcherCount('services') === 1);

    // Made up from the recorded coredns pod: a third replica on this node.
    const added = recorded('coredns-789f8477df-knmwr');
    added.metadata.name = 'coredns-789f8477df-zzzzz';
    added.metadata.uid = '00000000-0000-4000-8000-000000000001';
    added.status.podIP = '10.0.10.250';
    added.status.podIPs = [{ ip: '10.0.10.250' }];
    added.status.containerStatuses![0].containerID = `containerd://${'a'.repeat(64)}`;
    api.push('pods', 'ADDED', added);
    await until('the added pod', () => index.byIp('10.0.10.250')?.pod === 'coredns-789f8477df-zzzzz');
    assert.equal(index.byContainerId('a'.repeat(64))?.deployment, 'coredns');

    // Made up from the recorded kube-proxy pod: its container restarted with a new id.
    const restarted = recorded('kube-proxy-psxbf');
    const oldProxyId = restarted.status.containerStatuses![0].containerID!.slice('containerd://'.length);
    restarted.status.containerStatuses![0].containerID = `containerd://${'b'.repeat(64)}`;
    api.push('pods', 'MODIFIED', restarted);
    await until('the restarted container', () => index.byContainerId('b'.repeat(64))?.pod === 'kube-proxy-psxbf');
    assert.equal(index.byContainerId(oldProxyId), undefined);

    api.push('pods', 'DELETED', recorded('coredns-789f8477df-psws6'));
    await until('the delete', () => index.byIp('10.0.10.210') === undefined);

    // The added pod goes away while the watch is down and that event is compacted: only a relist
    // after 410 Gone can notice.
    const listsBefore = api.requests.filter(
      (r) => r.startsWith('GET /api/v1/pods?') && !r.includes('watch=true')
    ).length;
    api.expire('pods', (objects) => objects.filter((o) => o.metadata.name !== 'coredns-789f8477df-zzzzz'));
    await until('the relist', () => index.byIp('10.0.10.250') === undefined);
    const lists = api.requests.filter((r) => r.startsWith('GET /api/v1/pods?') && !r.includes('watch=true')).length;
    assert.equal(lists, listsBefore + 1);
    assert.equal(index.byContainerId(COREDNS_ID)?.pod, 'coredns-789f8477df-knmwr', 'untouched pods survive the relist');
    assert.equal(index.byContainerId('b'.repeat(64))?.pod, 'kube-proxy-psxbf');
    assert.deepEqual(logs, []);
  } finally {
    await source.stop();
    await api.close();
  }
});

test('an API that refuses connections is named in the log and retried; nothing throws', async () => {
  const api = new FakeKubernetesApi({});
  const server = await api.listen();
  await api.close(); // the port is now closed: connections are refused
  const logs: string[] = [];
  const source = new KubernetesSource({
    index: new MetadataIndex(),
    nodeName: NODE,
    kubeconfigPath: kubeconfig(server),
    log: (m) => logs.push(m),
    retry: { initialMs: 20, maxMs: 40 },
  });
  try {
    source.start();
    await until('retries', () => logs.filter((m) => m.includes('pods on this node')).length >= 3);
    const line = logs.find((m) => m.includes('pods on this node'))!;
    assert.equal(
      line,
      `Kubernetes API ${server}: watching pods on this node failed (ECONNREFUSED); retrying in 20 ms, capture goes on with the metadata it has`
    );
  } finally {
    await source.stop();
  }
});

test('a kubeconfig that cannot be read is named in the error', () => {
  const missing = join(dir, 'no-such-kubeconfig');
  assert.throws(
    () => new KubernetesSource({ index: new MetadataIndex(), nodeName: NODE, kubeconfigPath: missing, log: () => {} }),
    new RegExp(`^Error: Kubernetes metadata: cannot load kubeconfig ${missing}: ENOENT`)
  );
});
