import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isSeq, parse, parseAllDocuments } from 'yaml';
import { AGENT_CAPABILITIES, REPO_ROOT, envOf, isPinnedImage } from './deployFacts';
import { DEPLOY_DIR, findManifest, readKustomization, readManifests, validateManifest } from './kubernetesManifests';
import { renderVectorConfigMaps, VECTOR_CONFIGMAPS_FILE } from './vectorConfigMaps';

/**
 * deploy/ against the Kubernetes API schemas (kubernetes-models) and against the design: the
 * agent's least privilege, the metadata watcher's read-only RBAC, and every name one manifest uses
 * (Secret keys, ConfigMaps, claims, ports, the service account) defined by another. No cluster here:
 * `kubectl apply --dry-run=server -k deploy/` is the further check on a machine with one.
 */

interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: Array<{ name: string; value?: string }>;
  envFrom?: Array<{ secretRef?: { name: string } }>;
  ports?: Array<{ name?: string; containerPort: number }>;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
  securityContext?: {
    privileged?: boolean;
    runAsUser?: number;
    runAsNonRoot?: boolean;
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
    capabilities?: { add?: string[]; drop?: string[] };
  };
}
interface Volume {
  name: string;
  hostPath?: { path: string };
  configMap?: { name: string };
  persistentVolumeClaim?: { claimName: string };
}
interface PodSpec {
  serviceAccountName?: string;
  hostNetwork?: boolean;
  hostPID?: boolean;
  containers: Container[];
  volumes?: Volume[];
}
interface Workload {
  spec: { template: { metadata: { labels: Record<string, string> }; spec: PodSpec } };
}

const manifests = readManifests();

function podSpec(kind: 'DaemonSet' | 'Deployment', name: string): PodSpec {
  return (findManifest(manifests, kind, name).doc as unknown as Workload).spec.template.spec;
}

function container(spec: PodSpec, name: string): Container {
  const c = spec.containers.find((x) => x.name === name);
  assert.ok(c, `no container "${name}"; have ${spec.containers.map((x) => x.name).join(', ')}`);
  return c;
}

test('kustomization.yaml lists every manifest in deploy/, and each parses into documents of known kinds', () => {
  const listed = readKustomization().resources.sort();
  const present = readdirSync(DEPLOY_DIR)
    .filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml')
    .sort();
  assert.deepEqual(listed, present);
  assert.ok(manifests.length >= 10, `expected the full set of documents, got ${manifests.length}`);
});

test('every document validates against the Kubernetes API schema of its kind', () => {
  for (const m of manifests) {
    validateManifest(m);
  }
});

test('the schema check is live: a wrong type in the DaemonSet is rejected', () => {
  const ds = findManifest(manifests, 'DaemonSet', 'netmon-agent');
  const broken = structuredClone(ds.doc) as unknown as Workload;
  (broken.spec.template.spec.containers[0] as unknown as { ports: unknown }).ports = [{ containerPort: 'eighty' }];
  assert.throws(() => validateManifest({ ...ds, doc: broken as never }), /containerPort must be integer/);
  assert.throws(() => validateManifest({ ...ds, kind: 'DeamonSet' }), /not a kind deploy\/ uses/);
});

test('everything but cluster-wide kinds lives in the netmon namespace', () => {
  const clusterWide = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding']);
  for (const m of manifests) {
    assert.equal(m.namespace, clusterWide.has(m.kind) ? undefined : 'netmon', `${m.where} ${m.kind}/${m.name}`);
  }
  findManifest(manifests, 'Namespace', 'netmon');
});

test('the agent DaemonSet: never privileged, drops ALL, adds exactly the documented capabilities', () => {
  const spec = podSpec('DaemonSet', 'netmon-agent');
  for (const c of spec.containers) {
    assert.notEqual(c.securityContext?.privileged, true, `${c.name} is privileged`);
    assert.deepEqual(c.securityContext?.capabilities?.drop, ['ALL'], `${c.name} must drop ALL`);
    assert.equal(c.securityContext?.readOnlyRootFilesystem, true, `${c.name} root filesystem`);
  }
  const agent = container(spec, 'agent');
  assert.deepEqual(
    [...(agent.securityContext?.capabilities?.add ?? [])].sort(),
    Object.keys(AGENT_CAPABILITIES).sort()
  );
  assert.equal(agent.securityContext?.runAsUser, 0, 'bpftrace 0.17 needs uid 0');
  const vector = container(spec, 'vector');
  assert.equal(vector.securityContext?.capabilities?.add, undefined, 'the node tier needs no capability');
  assert.equal(vector.securityContext?.runAsNonRoot, true);
  assert.equal(vector.securityContext?.allowPrivilegeEscalation, false);
});

test('each capability the agent adds carries its reason in a comment', () => {
  const doc = parseAllDocuments(readFileSync(join(DEPLOY_DIR, 'agent-daemonset.yaml'), 'utf8'));
  const first = Array.isArray(doc) ? doc[0] : doc;
  const capAdd = first.getIn(
    ['spec', 'template', 'spec', 'containers', 0, 'securityContext', 'capabilities', 'add'],
    true
  );
  assert.ok(isSeq(capAdd), 'agent securityContext.capabilities.add is not a list');
  capAdd.items.forEach((item, i) => {
    const node = item as { commentBefore?: string | null; comment?: string | null; toString(): string };
    // yaml hangs the comment above the first item on the list itself.
    const why = (i === 0 ? capAdd.commentBefore : node.commentBefore) ?? node.comment ?? '';
    assert.ok(why.trim().length > 20, `capability ${node.toString()} has no comment saying why`);
  });
});

test('the agent sees the node: host network and PID, and only the host paths capture reads, read-only but the spool', () => {
  const spec = podSpec('DaemonSet', 'netmon-agent');
  assert.equal(spec.hostNetwork, true);
  assert.equal(spec.hostPID, true);
  const hostPaths = Object.fromEntries(
    (spec.volumes ?? []).filter((v) => v.hostPath).map((v) => [v.name, v.hostPath?.path])
  );
  assert.deepEqual(Object.values(hostPaths).sort(), [
    '/sys/fs/cgroup',
    '/sys/kernel/btf',
    '/sys/kernel/tracing',
    '/var/lib/netmon/spool',
  ]);
  for (const mount of container(spec, 'agent').volumeMounts ?? []) {
    const hostPath = hostPaths[mount.name];
    if (hostPath !== undefined) {
      assert.equal(mount.mountPath, hostPath, `${mount.name} is mounted where the agent looks for it`);
      assert.equal(mount.readOnly === true, hostPath !== '/var/lib/netmon/spool', `${hostPath} read-only`);
    }
  }
  assert.ok(
    !container(spec, 'vector').volumeMounts?.some((m) => hostPaths[m.name] !== undefined),
    'the node tier needs no host path'
  );
});

test('the agent reaches the node tier on 127.0.0.1:8687, where pipeline/node listens', () => {
  const spec = podSpec('DaemonSet', 'netmon-agent');
  const args = container(spec, 'agent').args ?? [];
  for (const flag of [
    'up',
    '--sink=vector',
    '--vector-url=http://127.0.0.1:8687',
    '--no-ui',
    '--spool-dir=/var/lib/netmon/spool',
  ]) {
    assert.ok(args.includes(flag), `agent args lack ${flag}: ${args.join(' ')}`);
  }
  const source = parse(readFileSync(join(REPO_ROOT, 'pipeline/node/agent.yaml'), 'utf8')) as {
    sources: Record<string, { type: string; address: string }>;
  };
  const http = Object.values(source.sources).find((s) => s.type === 'http_server');
  assert.match(http?.address ?? '', /:-127\.0\.0\.1:8687\}"?$|^127\.0\.0\.1:8687$/);
  const env = container(spec, 'vector').env ?? [];
  assert.ok(!env.some((e) => e.name === 'NETMON_VECTOR_ADDRESS'), 'the sidecar must keep the default address');
  assert.match(
    env.find((e) => e.name === 'NETMON_AGGREGATOR')?.value ?? '',
    /^netmon-aggregator\.netmon\.svc(\.[a-z.]+)?:6000$/
  );
});

test('every container has CPU and memory requests and limits, and a pinned image', () => {
  const kustomizedImages = new Set((readKustomization().images ?? []).map((i) => i.name));
  for (const [kind, name] of [
    ['DaemonSet', 'netmon-agent'],
    ['Deployment', 'netmon-aggregator'],
  ] as const) {
    for (const c of podSpec(kind, name).containers) {
      for (const part of ['requests', 'limits'] as const) {
        assert.ok(
          c.resources?.[part]?.cpu && c.resources[part].memory,
          `${name}/${c.name}: ${part} lacks cpu or memory`
        );
      }
      assert.ok(isPinnedImage(c.image), `${name}/${c.name}: image ${c.image} is not pinned`);
      if (!c.image.includes('/')) {
        assert.ok(
          kustomizedImages.has(c.image.split(':')[0]),
          `${c.image} has no registry and no kustomization images: entry`
        );
      }
    }
  }
});

test('the metadata watcher may get, list and watch pods, nodes, services and replicasets, and nothing else', () => {
  const role = findManifest(manifests, 'ClusterRole', 'netmon-agent').doc as {
    rules: Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }>;
  };
  const granted = role.rules.flatMap((r) =>
    r.apiGroups.flatMap((g) => r.resources.map((res) => `${g}/${res}:${[...r.verbs].sort().join(',')}`))
  );
  assert.deepEqual(granted.sort(), [
    '/nodes:get,list,watch',
    '/pods:get,list,watch',
    '/services:get,list,watch',
    'apps/replicasets:get,list,watch',
  ]);

  const binding = findManifest(manifests, 'ClusterRoleBinding', 'netmon-agent').doc as {
    roleRef: { kind: string; name: string };
    subjects: Array<{ kind: string; name: string; namespace: string }>;
  };
  assert.deepEqual(binding.roleRef, {
    apiGroup: 'rbac.authorization.k8s.io',
    kind: 'ClusterRole',
    name: 'netmon-agent',
  });
  const sa = findManifest(manifests, 'ServiceAccount', 'netmon-agent');
  assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: sa.name, namespace: sa.namespace }]);
  assert.equal(podSpec('DaemonSet', 'netmon-agent').serviceAccountName, sa.name);
});

test('the ClickHouse Secret holds exactly what the aggregator sinks read, and the aggregator takes it all', () => {
  const secret = findManifest(manifests, 'Secret', 'netmon-clickhouse').doc as { stringData: Record<string, string> };
  assert.deepEqual(Object.keys(secret.stringData).sort(), envOf('pipeline/aggregator').all);
  const vector = container(podSpec('Deployment', 'netmon-aggregator'), 'vector');
  assert.deepEqual(vector.envFrom, [{ secretRef: { name: 'netmon-clickhouse' } }]);
  const sidecarEnv = (container(podSpec('DaemonSet', 'netmon-agent'), 'vector').env ?? []).map((e) => e.name);
  for (const name of envOf('pipeline/node').required) {
    assert.ok(sidecarEnv.includes(name), `pipeline/node needs ${name}, which the sidecar does not set`);
  }
});

test('deploy/vector-configmaps.yaml is pipeline/ as it is now', () => {
  assert.equal(
    readFileSync(VECTOR_CONFIGMAPS_FILE, 'utf8'),
    renderVectorConfigMaps(),
    'deploy/vector-configmaps.yaml is stale: run `node --import tsx e2e/deploy/vectorConfigMaps.ts --write`'
  );
});

test('every ConfigMap, claim, Service target and selector a workload names exists', () => {
  const names = (kind: string) => new Set(manifests.filter((m) => m.kind === kind).map((m) => m.name));
  for (const [kind, name] of [
    ['DaemonSet', 'netmon-agent'],
    ['Deployment', 'netmon-aggregator'],
  ] as const) {
    for (const v of podSpec(kind, name).volumes ?? []) {
      if (v.configMap) {
        assert.ok(names('ConfigMap').has(v.configMap.name), `${name}: no ConfigMap ${v.configMap.name}`);
      }
      if (v.persistentVolumeClaim) {
        assert.ok(
          names('PersistentVolumeClaim').has(v.persistentVolumeClaim.claimName),
          `${name}: no claim ${v.persistentVolumeClaim.claimName}`
        );
      }
    }
  }
  const workload = findManifest(manifests, 'Deployment', 'netmon-aggregator').doc as unknown as Workload;
  const service = findManifest(manifests, 'Service', 'netmon-aggregator').doc as {
    spec: { selector: Record<string, string>; ports: Array<{ port: number; targetPort: string }> };
  };
  for (const [k, v] of Object.entries(service.spec.selector)) {
    assert.equal(workload.spec.template.metadata.labels[k], v, `Service selector ${k}=${v} matches no aggregator pod`);
  }
  const portNames = (container(workload.spec.template.spec, 'vector').ports ?? []).map((p) => p.name);
  for (const p of service.spec.ports) {
    assert.ok(portNames.includes(p.targetPort), `Service port ${p.port} targets ${p.targetPort}, not a container port`);
  }
  assert.ok(
    service.spec.ports.some((p) => p.port === 6000),
    'the node tiers dial :6000'
  );
});

test('the aggregator volume holds every disk buffer pipeline/aggregator may fill', () => {
  const buffered = readdirSync(join(REPO_ROOT, 'pipeline/aggregator'))
    .map(
      (f) =>
        parse(readFileSync(join(REPO_ROOT, 'pipeline/aggregator', f), 'utf8')) as {
          sinks?: Record<string, { buffer?: unknown }>;
        }
    )
    .flatMap((config) => Object.values(config?.sinks ?? {}))
    .flatMap((sink) => [sink.buffer ?? []].flat() as Array<{ type?: string; max_size?: number }>)
    .filter((b) => b.type === 'disk')
    .reduce((sum, b) => sum + (b.max_size ?? 0), 0);
  assert.ok(buffered > 0, 'pipeline/aggregator has no disk buffer');
  const claim = findManifest(manifests, 'PersistentVolumeClaim', 'netmon-aggregator-data').doc as {
    spec: { resources: { requests: { storage: string } } };
  };
  const storage = claim.spec.resources.requests.storage.match(/^(\d+)Gi$/);
  assert.ok(storage, `claim size ${claim.spec.resources.requests.storage}: expected <n>Gi`);
  assert.ok(
    Number(storage[1]) * 2 ** 30 > buffered,
    `claim ${storage[0]} is smaller than the buffers' ${buffered} bytes`
  );
});

test('every document is named', () => {
  const unnamed = manifests.filter((m) => m.name === '');
  assert.deepEqual(
    unnamed.map((m) => m.where),
    []
  );
});
