import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1NodeList, V1PodList, V1ServiceList } from '@kubernetes/client-node';
import { containerIdOf, nodeRecord, podRecord, serviceRecord, workloadOf } from './kubernetesRecords';
import nodes from './fixtures/eks/nodes.json';
import pods from './fixtures/eks/pods.json';
import services from './fixtures/eks/services.json';

// Recorded API objects of a real EKS cluster (fixtures/README.md), not a live cluster.
const podList = pods as unknown as V1PodList;
const pod = (name: string) => podList.items.find((p) => p.metadata?.name === name)!;
const noReplicaSets = () => undefined;

test('a ReplicaSet pod belongs to its Deployment: from the API when known, else by the template hash', () => {
  const coredns = pod('coredns-789f8477df-knmwr');
  assert.equal(workloadOf(coredns, noReplicaSets), 'coredns');
  assert.equal(
    workloadOf(coredns, () => 'coredns-from-api'),
    'coredns-from-api'
  );
  assert.equal(workloadOf(pod('kube-proxy-psxbf'), noReplicaSets), 'kube-proxy');
  // Made-up variations of a recorded pod: a bare pod names itself; a ReplicaSet without the hash label.
  const bare = { ...coredns, metadata: { ...coredns.metadata, ownerReferences: undefined } };
  assert.equal(workloadOf(bare, noReplicaSets), 'coredns-789f8477df-knmwr');
  const unlabelled = { ...coredns, metadata: { ...coredns.metadata, labels: {} } };
  assert.equal(workloadOf(unlabelled, noReplicaSets), 'coredns-789f8477df');
});

test('containerd ids lose their scheme; anything not 64-hex is no id', () => {
  assert.equal(containerIdOf(`containerd://${'a'.repeat(64)}`), 'a'.repeat(64));
  assert.equal(containerIdOf(`cri-o://${'b'.repeat(64)}`), 'b'.repeat(64));
  assert.equal(containerIdOf(undefined), '');
  assert.equal(containerIdOf('containerd://current'), '');
});

test('a pod on the pod network: IP, containers with ids and ports, workload', () => {
  const record = podRecord(pod('coredns-789f8477df-knmwr'), 'coredns');
  assert.equal(record.uid, '3032ab28-3ae1-44a6-9fb6-28f57a24e176');
  assert.deepEqual(record.ips, ['10.0.10.194']);
  assert.deepEqual(record.hostIps, ['10.0.10.170']);
  assert.equal(record.hostNetwork, false);
  assert.deepEqual(record.hostPorts, []);
  assert.deepEqual(record.containers, [
    {
      name: 'coredns',
      id: 'eff33af832d27ca7cbfa2b85293ff0f34fdf4ed4753e6f674886302312831d1b',
      ports: [53, 9153],
      init: false,
    },
  ]);
  assert.deepEqual(record.fields, {
    namespace: 'kube-system',
    pod: 'coredns-789f8477df-knmwr',
    deployment: 'coredns',
    node: 'ip-10-0-10-170.ec2.internal',
    hostname: 'coredns-789f8477df-knmwr',
  });
});

test('a host-network DaemonSet pod: node IP, hostPorts, the init container kept apart', () => {
  const record = podRecord(pod('aws-node-9t64t'), 'aws-node');
  assert.equal(record.hostNetwork, true);
  assert.deepEqual(record.ips, ['10.0.10.170']);
  assert.deepEqual(
    record.hostPorts.toSorted((a, b) => a - b),
    [8162, 61678]
  );
  assert.deepEqual(
    record.containers.map((c) => [c.name, c.id.slice(0, 7), c.init]),
    [
      ['aws-vpc-cni-init', '182df2d', true],
      ['aws-node', '6b4ed6d', false],
      ['aws-eks-nodeagent', 'c56391e', false],
    ]
  );
  assert.equal(record.fields.hostname, 'ip-10-0-10-170.ec2.internal');
});

test('nodes give region and zone from topology labels, cluster from a chosen label or the option', () => {
  const node = (nodes as unknown as V1NodeList).items[0];
  assert.deepEqual(nodeRecord(node, { cluster: 'ecommerce-dev' }), {
    name: 'ip-10-0-10-170.ec2.internal',
    ips: ['10.0.10.170'],
    fields: { cluster: 'ecommerce-dev', region: 'us-east-1', zone: 'us-east-1a' },
  });
  assert.equal(
    nodeRecord(node, { clusterLabel: 'eks.amazonaws.com/nodegroup', cluster: 'x' }).fields.cluster,
    'ecommerce-dev-node-group'
  );
  assert.equal(nodeRecord(node).fields.cluster, '');
});

test('Services are keyed namespace/name with their cluster IPs', () => {
  const records = (services as unknown as V1ServiceList).items.map(serviceRecord);
  assert.deepEqual(records, [
    { key: 'kube-system/eks-extension-metrics-api', ips: ['172.20.151.98'], nodePorts: [] },
    { key: 'kube-system/kube-dns', ips: ['172.20.0.10'], nodePorts: [] },
  ]);
});
