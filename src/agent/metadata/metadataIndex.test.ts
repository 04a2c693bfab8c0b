import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1NodeList, V1PodList, V1ServiceList } from '@kubernetes/client-node';
import { nodeRecord, podRecord, serviceRecord, workloadOf } from './kubernetesRecords';
import { MetadataIndex } from './metadataIndex';
import type { InventoryEntry } from './metadataRecords';
import nodes from './fixtures/eks/nodes.json';
import pods from './fixtures/eks/pods.json';
import services from './fixtures/eks/services.json';

// Built from recorded API objects of a real EKS cluster (fixtures/README.md), not a live cluster.
const COREDNS_ID = 'eff33af832d27ca7cbfa2b85293ff0f34fdf4ed4753e6f674886302312831d1b';
const AWS_NODE_ID = '6b4ed6d1b7259aeef27750cf1016fd6dd687ab54f3516ed3064ce0c225e63abf';
const KUBE_PROXY = 'kube-proxy-psxbf';

function eksIndex(): MetadataIndex {
  const index = new MetadataIndex();
  for (const node of (nodes as unknown as V1NodeList).items) {
    index.upsertNode(nodeRecord(node, { cluster: 'ecommerce-dev' }));
  }
  for (const pod of (pods as unknown as V1PodList).items) {
    index.upsertPod(
      podRecord(
        pod,
        workloadOf(pod, () => undefined)
      )
    );
  }
  for (const service of (services as unknown as V1ServiceList).items) {
    index.upsertService(serviceRecord(service));
  }
  return index;
}

function cgroupEntry(text: string, pattern: RegExp, fields: InventoryEntry['fields']): InventoryEntry {
  return { match: { kind: 'cgroup', text, pattern }, fields };
}

test('a container id answers with its pod, workload, node topology and IP', () => {
  const meta = eksIndex().byContainerId(COREDNS_ID);
  assert.deepEqual(meta, {
    network: '',
    project: '',
    region: 'us-east-1',
    zone: 'us-east-1a',
    cluster: 'ecommerce-dev',
    cluster_role: '',
    environment: '',
    namespace: 'kube-system',
    node: 'ip-10-0-10-170.ec2.internal',
    deployment: 'coredns',
    pod_id: '',
    pod: 'coredns-789f8477df-knmwr',
    container_id: COREDNS_ID,
    container: 'coredns',
    hostname: 'coredns-789f8477df-knmwr',
    ip: '10.0.10.194',
    host_network: false,
    pod_uid: '3032ab28-3ae1-44a6-9fb6-28f57a24e176',
    name: '',
  });
  assert.equal(eksIndex().byContainerId('f'.repeat(64)), undefined);
});

test('peers by IP: pod IPs, host-network pods by port, else the node; both IP spellings', () => {
  const index = eksIndex();
  assert.equal(index.byIp('10.0.10.210')?.pod, 'coredns-789f8477df-psws6');
  assert.equal(index.byIp('::ffff:10.0.10.210', 53)?.container, 'coredns');
  const awsNode = index.byIp('10.0.10.170', 61678);
  assert.equal(awsNode?.pod, 'aws-node-9t64t');
  assert.equal(awsNode?.container_id, AWS_NODE_ID);
  assert.equal(index.byIp('10.0.10.170', 8162)?.container, 'aws-eks-nodeagent');
  const node = index.byIp('10.0.10.170', 22);
  assert.equal(node?.pod, '');
  assert.equal(node?.node, 'ip-10-0-10-170.ec2.internal');
  assert.equal(node?.zone, 'us-east-1a');
  assert.equal(node?.host_network, true);
  assert.equal(index.byIp('10.0.20.143')?.zone, 'us-east-1b');
  assert.equal(index.byIp('192.0.2.1'), undefined);
  assert.equal(index.byIp('not an ip'), undefined);
});

test('Services by cluster IP, and by node IP with a nodePort', () => {
  const index = eksIndex();
  assert.equal(index.serviceByIp('172.20.0.10', 53), 'kube-system/kube-dns');
  assert.equal(index.serviceByIp('10.0.10.194', 53), undefined);
  index.upsertService({ key: 'shop/web', ips: ['172.20.9.9'], nodePorts: [30080] });
  assert.equal(index.serviceByIp('10.0.20.143', 30080), 'shop/web');
  assert.equal(index.serviceByIp('10.0.20.143', 30081), undefined);
  index.deleteService('shop/web');
  assert.equal(index.serviceByIp('172.20.9.9'), undefined);
  assert.equal(index.serviceByIp('10.0.20.143', 30080), undefined);
});

test('updates are incremental: delete frees the IP, a newer pod on a reused IP survives the old one', () => {
  const index = eksIndex();
  const recorded = (pods as unknown as V1PodList).items.find((p) => p.metadata?.name === 'coredns-789f8477df-knmwr')!;
  const reused = podRecord(recorded, 'coredns');
  // A made-up successor pod that took over the recorded pod's IP before the old pod was deleted.
  index.upsertPod({ ...reused, uid: 'new-uid', fields: { ...reused.fields, pod: 'successor' }, containers: [] });
  index.deletePod('3032ab28-3ae1-44a6-9fb6-28f57a24e176');
  assert.equal(index.byIp('10.0.10.194')?.pod, 'successor');
  assert.equal(index.byContainerId(COREDNS_ID), undefined);
  index.deletePod('new-uid');
  assert.equal(index.byIp('10.0.10.194'), undefined);
});

test('inventory: most specific IP match wins, names for external peers, fills what Kubernetes leaves empty', () => {
  const index = eksIndex();
  index.setInventory([
    {
      match: { kind: 'cidr', text: '10.0.0.0/16' },
      fields: { network: 'vpc-main', project: 'shop', environment: 'dev' },
    },
    { match: { kind: 'cidr', text: '10.0.10.0/24' }, fields: { network: 'subnet-a', namespace: 'from-inventory' } },
    { match: { kind: 'ip', text: '203.0.113.10' }, fields: { name: 'payments.example.com', environment: 'prod' } },
    { match: { kind: 'cidr', text: '203.0.113.0/24' }, fields: { name: 'example-net', network: 'internet' } },
  ]);
  const coredns = index.byContainerId(COREDNS_ID);
  assert.equal(coredns?.network, 'subnet-a');
  assert.equal(coredns?.project, 'shop');
  assert.equal(coredns?.namespace, 'kube-system', 'Kubernetes wins over the inventory');
  const external = index.byIp('203.0.113.10', 443);
  assert.equal(external?.name, 'payments.example.com');
  assert.equal(external?.environment, 'prod');
  assert.equal(external?.network, 'internet');
  assert.equal(external?.ip, '203.0.113.10');
  assert.equal(index.nameOf('203.0.113.10'), 'payments.example.com');
  assert.equal(index.nameOf('203.0.113.77'), 'example-net');
  assert.equal(index.nameOf('10.0.10.194'), undefined);
  assert.equal(index.byIp('10.0.99.1')?.network, 'vpc-main');
  index.setInventory([]);
  assert.equal(index.nameOf('203.0.113.10'), undefined);
  assert.equal(index.byContainerId(COREDNS_ID)?.network, '');
});

test('cgroup patterns describe host services and non-Kubernetes containers', () => {
  const index = new MetadataIndex();
  index.setInventory([
    cgroupEntry('/system.slice/postgresql*.service', /^\/system\.slice\/postgresql[^/]*\.service$/, {
      deployment: 'postgres',
    }),
    cgroupEntry('/^[0-9a-f]{64}$/', /^[0-9a-f]{64}$/, { environment: 'staging', deployment: 'second' }),
  ]);
  assert.equal(index.byContainerId('', '/system.slice/postgresql@16-main.service')?.deployment, 'postgres');
  assert.equal(index.byContainerId('', '/system.slice/sshd.service'), undefined);
  const docker = index.byContainerId('c'.repeat(64), `/system.slice/docker-${'c'.repeat(64)}.scope`);
  assert.equal(docker?.container_id, 'c'.repeat(64));
  assert.equal(docker?.deployment, 'second');
});

test('container_metadata rows come once per change: new containers, relabelled nodes, inventory reloads', () => {
  const index = eksIndex();
  const first = index.takeChangedRows(1000);
  // 8 app containers + 2 init containers, all with ids in the recording.
  assert.equal(first.length, 10);
  assert.ok(first.every((row) => row.timestamp === 1000 && /^[0-9a-f]{64}$/.test(row.container_id)));
  assert.equal(first.find((row) => row.container_id === COREDNS_ID)?.deployment, 'coredns');
  assert.deepEqual(index.takeChangedRows(2000), []);
  const node = nodeRecord((nodes as unknown as V1NodeList).items[1], { cluster: 'renamed' });
  index.upsertNode(node);
  const relabelled = index.takeChangedRows(3000);
  assert.deepEqual(relabelled.map((r) => r.pod).toSorted(), [
    'aws-node-ljk2n',
    'aws-node-ljk2n',
    'aws-node-ljk2n',
    'kube-proxy-82mb2',
  ]);
  assert.ok(relabelled.every((r) => r.cluster === 'renamed'));
  index.upsertNode(node);
  assert.deepEqual(index.takeChangedRows(4000), [], 'an unchanged upsert writes nothing');
  index.setInventory([
    cgroupEntry('/x/', /^x$/, {}),
    { match: { kind: 'cidr', text: '10.0.10.0/24' }, fields: { network: 'a' } },
  ]);
  assert.equal(index.takeChangedRows(5000).length, 6, 'the containers of node 10.0.10.170 gained a network');
  assert.equal(index.byIp('10.0.10.170')?.pod, '', KUBE_PROXY + ' has no ports, so its node IP is the node');
});
