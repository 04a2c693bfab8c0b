import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  containerIdFromCgroup,
  HOST_ATTRIBUTION,
  UNKNOWN_ATTRIBUTION,
  type CgroupAttribution,
} from './containerIdFromCgroup';

// Shapes collected from the kubelet's cgroup naming, the runtimes' docs and the fixtures other
// agents test against (coroot-node-agent, falco libsinsp, dd-trace, Qard/container-info); the
// ids are made up.
const ID = '3e74d3fd9db4c9dd921ae05c2502fb984d0cde1b36e581b13f79c639da4518a1';
const OUTER = '605439acbd4fb18c145069289094b17f17e0cfa938f78012d4960bc797305f22';
const UID = '8712f785-1a3e-41ec-a00b-e2dcc77431cb';
const UID_ = UID.replace(/-/g, '_');
const STATIC_UID = '3e61c214bc3ed9ff81e21474dd6cba17';

/** Every v1 hierarchy of a typical node pointing at the same path, as cgroup v1 prints it. */
function v1(path: string): string {
  const hierarchies = [
    'name=systemd',
    'net_cls,net_prio',
    'cpu,cpuacct',
    'blkio',
    'perf_event',
    'freezer',
    'pids',
    'cpuset',
    'hugetlb',
    'memory',
    'devices',
  ];
  return (
    hierarchies
      .map((h, i) => `${i + 1}:${h}:${path}`)
      .reverse()
      .join('\n') + '\n'
  );
}

const v2 = (path: string) => `0::${path}\n`;

const pod = (
  runtime: CgroupAttribution['runtime'],
  qosClass: CgroupAttribution['qosClass'],
  containerId = ID,
  podUid = UID
) => ({ containerId, runtime, podUid, qosClass }) satisfies CgroupAttribution;
const container = (runtime: CgroupAttribution['runtime'], containerId = ID) => ({ containerId, runtime, podUid: '' });

const cases: Array<[name: string, text: string, expected: CgroupAttribution]> = [
  // Kubernetes, systemd cgroup driver
  [
    'systemd containerd burstable',
    v2(`/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice/cri-containerd-${ID}.scope`),
    pod('containerd', 'burstable'),
  ],
  [
    'systemd cri-o besteffort',
    v2(`/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_}.slice/crio-${ID}.scope`),
    pod('cri-o', 'besteffort'),
  ],
  [
    'systemd docker (dockershim)',
    v1(`/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_}.slice/docker-${ID}.scope`),
    pod('docker', 'besteffort'),
  ],
  [
    'systemd guaranteed has no qos slice',
    v2(`/kubepods.slice/kubepods-pod${UID_}.slice/cri-containerd-${ID}.scope`),
    pod('containerd', 'guaranteed'),
  ],
  [
    'cri-o conmon is the monitor, not the container',
    v2(`/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice/crio-conmon-${ID}.scope`),
    pod('cri-o', 'burstable', ''),
  ],
  [
    'cri-o with a nested container cgroup',
    v2(`/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice/crio-${ID}.scope/container`),
    pod('cri-o', 'burstable'),
  ],
  [
    'static pod: 32-hex uid',
    v2(`/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${STATIC_UID}.slice/cri-containerd-${ID}.scope`),
    pod('containerd', 'burstable', ID, STATIC_UID),
  ],
  [
    'containerd that left the systemd name unconverted',
    v2(`/system.slice/containerd.service/kubepods-burstable-pod${UID_}.slice:cri-containerd:${ID}`),
    pod('containerd', 'burstable'),
  ],
  [
    'seen from inside a cgroup namespace',
    v2(`/../../kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice/cri-containerd-${ID}.scope`),
    pod('containerd', 'burstable'),
  ],
  [
    'pod-level cgroup, no container',
    v2(`/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice`),
    pod('unknown', 'burstable', ''),
  ],
  // Kubernetes, cgroupfs driver: a bare id does not say which runtime made it
  ['cgroupfs burstable, all v1 controllers', v1(`/kubepods/burstable/pod${UID}/${ID}`), pod('unknown', 'burstable')],
  ['cgroupfs guaranteed', v1(`/kubepods/pod${UID}/${ID}`), pod('unknown', 'guaranteed')],
  ['cgroupfs cri-o', v1(`/kubepods/besteffort/pod${UID}/crio-${ID}`), pod('cri-o', 'besteffort')],
  [
    'cgroupfs with a sub-cgroup under the container',
    v1(`/kubepods/besteffort/pod${UID}/${ID}/kube-proxy`),
    pod('unknown', 'besteffort'),
  ],
  // Plain runtimes
  ['docker cgroupfs', v1(`/docker/${ID}`), container('docker')],
  ['docker systemd, v1', v1(`/system.slice/docker-${ID}.scope`), container('docker')],
  ['docker systemd, v2', v2(`/system.slice/docker-${ID}.scope`), container('docker')],
  ['docker under a custom parent', v1(`/docker-ce/docker/${ID}`), container('docker')],
  ['nerdctl (containerd without k8s)', v2(`/system.slice/nerdctl-${ID}.scope`), container('containerd')],
  [
    'rootless podman',
    v2(`/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-${ID}.scope/container`),
    container('podman'),
  ],
  ['podman conmon', v2(`/machine.slice/libpod-conmon-${ID}.scope`), container('podman', '')],
  ['ECS task', v1(`/ecs/5a0d5ceddf6c44c1928d367a815d890f/${ID}`), container('unknown')],
  // Nested: the innermost container is the one whose processes we see
  [
    'kind node pod, v2 seen from the host',
    v2(
      `/system.slice/docker-${OUTER}.scope/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod${UID_}.slice/cri-containerd-${ID}.scope`
    ),
    pod('containerd', 'besteffort'),
  ],
  [
    'kind node itself (kubelet)',
    v2(`/system.slice/docker-${OUTER}.scope/kubelet.slice/kubelet.service`),
    container('docker', OUTER),
  ],
  ['k3d pod, v1', v1(`/docker/${OUTER}/kubepods/besteffort/pod${UID}/${ID}`), pod('unknown', 'besteffort')],
  ['docker-in-docker', v1(`/docker/${OUTER}/docker/${ID}`), container('docker')],
  // Hybrid hierarchy: the v2 line says nothing, the v1 lines name the container
  ['hybrid, container only in v1', `${v1(`/docker/${ID}`)}0::/\n`, container('docker')],
  [
    'hybrid, memory disagrees with pids: pids wins',
    `5:memory:/docker/${OUTER}\n4:pids:/docker/${ID}\n0::/\n`,
    container('docker'),
  ],
  // Host processes
  ['v2 root', v2('/'), HOST_ATTRIBUTION],
  ['v2 init.scope', v2('/init.scope'), HOST_ATTRIBUTION],
  ['user session', v2('/user.slice/user-1000.slice/session-3.scope'), HOST_ATTRIBUTION],
  ['system service', v2('/system.slice/sshd.service'), HOST_ATTRIBUTION],
  ['containerd daemon and shims', v2('/system.slice/containerd.service'), HOST_ATTRIBUTION],
  [
    'v1 host with one odd controller',
    v1('/').replace('10:memory:/', '10:memory:/process_api/1cefa24554d2af3121c5f712b5bfe953'),
    HOST_ATTRIBUTION,
  ],
  ['pod-looking name outside kubepods', v2(`/system.slice/pod${UID}.service`), HOST_ATTRIBUTION],
  ['63 hex digits is not an id', v2(`/docker/${ID.slice(1)}`), HOST_ATTRIBUTION],
  ['upper-case hex is not an id', v2(`/docker/${ID.toUpperCase()}`), HOST_ATTRIBUTION],
  // Not a cgroup file
  ['empty', '', UNKNOWN_ATTRIBUTION],
  ['only newlines', '\n\n', UNKNOWN_ATTRIBUTION],
  ['prose', 'hello world\n', UNKNOWN_ATTRIBUTION],
  ['hierarchy id is not a number', `x::/docker/${ID}\n`, UNKNOWN_ATTRIBUTION],
  ['path is not absolute', `0::docker/${ID}\n`, UNKNOWN_ATTRIBUTION],
  ['a NUL in the path', `0::/docker/\u0000${ID}\n`, UNKNOWN_ATTRIBUTION],
  ['one good line, one junk line', `0::/docker/${ID}\n\u00ff\u00fe\n`, UNKNOWN_ATTRIBUTION],
  ['longer than any real file', v2(`/docker/${ID}/${'a/'.repeat(20_000)}`), UNKNOWN_ATTRIBUTION],
];

for (const [name, text, expected] of cases) {
  test(`containerIdFromCgroup: ${name}`, () => {
    assert.deepEqual(containerIdFromCgroup(text), expected);
  });
}

test('containerIdFromCgroup: random bytes never throw and name no container', () => {
  let seed = 42;
  const nextByte = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
  for (let i = 0; i < 2000; i++) {
    const bytes = Buffer.from(Array.from({ length: nextByte() * 4 }, nextByte));
    const result = containerIdFromCgroup(bytes.toString('utf8'));
    assert.equal(result.containerId, '', `sample ${i}: ${bytes.toString('hex')}`);
  }
});

test('containerIdFromCgroup: work stays bounded on adversarial paths near the size cap', () => {
  const texts = [
    v2(`/${'a-'.repeat(16_000)}`),
    v2(`/kubepods/${'-pod'.repeat(8_000)}`),
    v2(`/kubepods/pod${'a'.repeat(32_000)}`),
    v2('/0'.repeat(16_000)),
  ];
  const started = performance.now();
  for (const text of texts) {
    containerIdFromCgroup(text);
  }
  // Linear scans take about a millisecond here; a backtracking regex takes seconds.
  assert.ok(performance.now() - started < 250, `took ${performance.now() - started} ms`);
});
