import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerIdFromCgroup } from '../agent/attribution/containerIdFromCgroup';
import { addressPlan } from './addressPlan';
import { labNames, runIdOfName } from './labNames';

const UID = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
const CONTAINER = 'ab'.repeat(32);

test('every name of a run carries its run id and fits the kernel limits', () => {
  const n = labNames('a1b2c3');
  assert.equal(n.bridge, 'nmlaba1b2c3');
  assert.equal(n.nftTable, 'nmlaba1b2c3');
  assert.equal(n.netns('web-1'), 'nmlaba1b2c3-web-1');
  assert.equal(n.hostVeth(252), 'nmlaba1b2c3p252');
  assert.ok(n.hostVeth(252).length <= 15, 'IFNAMSIZ');
  assert.equal(n.hostScope, 'nmlaba1b2c3.slice/nmlab-host.scope');
  for (const name of [n.bridge, n.netns('web-1'), n.hostVeth(0), n.slice]) {
    assert.equal(runIdOfName(name), 'a1b2c3', name);
  }
});

test('names that are not the lab own are not claimed by any run', () => {
  for (const name of [
    'eth0',
    'nmlab',
    'nmlabxyz123',
    'nmlab-host.scope',
    'nmlaba1b2c3x',
    'kubepods.slice',
    'docker0',
  ]) {
    assert.equal(runIdOfName(name), undefined, name);
  }
});

test("the agent's parser reads a pod cgroup as the pod's containerd container", () => {
  const cgroup = labNames('a1b2c3').podCgroup(UID, CONTAINER);
  assert.equal(
    cgroup,
    'nmlaba1b2c3.slice/kubepods.slice/kubepods-besteffort.slice/' +
      `kubepods-besteffort-pod${UID.replace(/-/g, '_')}.slice/cri-containerd-${CONTAINER}.scope`
  );
  // A hybrid host also lists v1 hierarchies, where the process stays in its old cgroups.
  const procCgroup = `4:memory:/user.slice\n1:name=systemd:/user.slice\n0::/${cgroup}\n`;
  assert.deepEqual(containerIdFromCgroup(procCgroup), {
    containerId: CONTAINER,
    runtime: 'containerd',
    podUid: UID,
    qosClass: 'besteffort',
  });
  assert.deepEqual(containerIdFromCgroup(`0::/${labNames('a1b2c3').hostScope}\n`).containerId, '');
});

test('bad run ids, pod names and indexes are rejected with the input named', () => {
  assert.throws(() => labNames('A1B2C3'), /run id "A1B2C3": expected 6 lower-case hex digits/);
  const n = labNames('a1b2c3');
  assert.throws(() => n.netns('Web'), /pod name "Web": expected a DNS label/);
  assert.throws(() => n.netns('a b'), /pod name "a b"/);
  assert.throws(() => n.netns('x'.repeat(64)), /at most 63/);
  assert.throws(() => n.hostVeth(253), /pod index 253/);
});

test('address plans of different subnets never overlap and print IPv6 canonically', () => {
  const zero = addressPlan(0);
  assert.deepEqual(
    [zero.gateway4, zero.gateway6, zero.pod4(0), zero.pod6(0)],
    ['10.201.0.1', 'fd00:201::1', '10.201.0.2', 'fd00:201::2']
  );
  const other = addressPlan(171);
  assert.deepEqual(
    [other.gateway4, other.gateway6, other.pod4(252), other.pod6(252)],
    ['10.201.171.1', 'fd00:201:ab::1', '10.201.171.254', 'fd00:201:ab::fe']
  );
  assert.throws(() => addressPlan(256), /lab subnet 256/);
});
