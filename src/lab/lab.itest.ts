import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { containerIdFromCgroup } from '../agent/attribution/containerIdFromCgroup';
import { createLab, labPrerequisitesMissing, type Lab } from './lab';
import { cleanupStale, resourcesOfRun } from './labResources';
import { counterDelta } from './netCounters';
import type { Listener } from './traffic';
import type { Pod } from './pod';
import type { TcpTruth } from './trafficTruth';

/**
 * The lab against the real kernel: namespaces, bridge, nftables, cgroups and traffic. Needs root,
 * `ip`, `nft` and cgroup v2; skipped with the reason when those are missing, except under
 * CI=true, where a missing prerequisite is a failure.
 */

const missing = labPrerequisitesMissing();
const skip = missing !== undefined && process.env.CI !== 'true' ? `needs ${missing}` : false;

function requirePrerequisites(): void {
  if (missing !== undefined) {
    assert.fail(`CI=true and this machine lacks ${missing}`);
  }
}

let lab: Lab;
let a: Pod;
let b: Pod;
let server: Listener<TcpTruth>;

before(async () => {
  if (missing !== undefined) {
    return;
  }
  lab = await createLab();
  a = await lab.addPod({ name: 'client', namespace: 'shop', deployment: 'web' });
  b = await lab.addPod({ name: 'server', namespace: 'shop', deployment: 'db' });
  server = await lab.startTcpServer(b);
});

after(async () => {
  await lab?.close();
});

/** The server reports a connection when it closes, a moment after the client returns. */
async function serverSideOf(client: TcpTruth): Promise<TcpTruth> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const found = server.reported().find((t) => t.remote.port === client.local.port && t.remote.ip === client.local.ip);
    if (found !== undefined) {
      return found;
    }
    assert.ok(Date.now() < deadline, `server never reported the connection from ${JSON.stringify(client.local)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test(
  'a client in one pod reaches a server in another with exact bytes on both sides, v4 and v6',
  { skip },
  async () => {
    requirePrerequisites();
    for (const [ip, upload, download] of [
      [b.ip, 300_000, 1_200_000],
      [b.ip6, 70_001, 3],
    ] as const) {
      const client = await lab.runClient(a, { to: { ip, port: server.port }, upload, download });
      assert.equal(client.outcome, 'ok');
      assert.deepEqual(client.remote, { ip, port: server.port });
      assert.equal(client.local.ip, ip === b.ip ? a.ip : a.ip6);
      assert.equal(client.bytesSent, 16 + upload);
      assert.equal(client.bytesReceived, download);
      assert.equal(client.containerId, a.containerId);
      assert.equal(client.comm, 'nm-tcp-client');

      const accepted = await serverSideOf(client);
      assert.equal(accepted.outcome, 'ok');
      assert.deepEqual(accepted.local, client.remote);
      assert.equal(accepted.bytesReceived, 16 + upload);
      assert.equal(accepted.bytesSent, download);
      assert.equal(accepted.containerId, b.containerId);
    }
  }
);

test("a pod's process is in the pod's cgroup and netns; a host-network one only in its cgroup", { skip }, async () => {
  requirePrerequisites();
  const inPod = await a.spawn('sleep', ['30']);
  const hostNetwork = await lab.hostProcessInPod(a, 'sleep', ['30']);
  const onHost = await lab.spawnOnHost('sleep', ['30']);
  try {
    const attribution = (pid: number) => containerIdFromCgroup(readFileSync(`/proc/${pid}/cgroup`, 'utf8'));
    const netns = (pid: number) => statSync(`/proc/${pid}/ns/net`).ino;
    assert.deepEqual(attribution(inPod.pid), {
      containerId: a.containerId,
      runtime: 'containerd',
      podUid: a.podUid,
      qosClass: 'besteffort',
    });
    assert.equal(attribution(hostNetwork.pid).containerId, a.containerId);
    assert.equal(attribution(onHost.pid).runtime, 'host');

    const hostNetns = statSync('/proc/self/ns/net').ino;
    assert.notEqual(netns(inPod.pid), hostNetns);
    assert.equal(netns(inPod.pid), statSync(`/run/netns/${a.netns}`).ino);
    assert.equal(netns(hostNetwork.pid), hostNetns);
    assert.equal(netns(onHost.pid), hostNetns);
  } finally {
    [inPod, hostNetwork, onHost].forEach((p) => p.kill('SIGKILL'));
  }
});

test('loss on a pod link makes real retransmits, and the bytes still arrive exactly', { skip }, async () => {
  requirePrerequisites();
  lab.setLoss(a, 10);
  try {
    const before = a.netstat();
    const client = await lab.runClient(a, {
      to: { ip: b.ip, port: server.port },
      upload: 2_000_000,
      download: 500_000,
    });
    const delta = counterDelta(a.netstat(), before);
    assert.equal(client.bytesSent, 16 + 2_000_000);
    assert.equal(client.bytesReceived, 500_000);
    assert.ok(delta.TcpRetransSegs > 0, `TcpRetransSegs rose by ${delta.TcpRetransSegs}`);
    assert.equal(delta.TcpActiveOpens, 1);
  } finally {
    lab.setLoss(a, 0);
  }
  assert.throws(() => lab.setLoss('eth0', 5), /link "eth0" is not a pod link of this lab/);
});

test('a connect to a closed port is refused, one to a blackhole times out', { skip }, async () => {
  requirePrerequisites();
  const before = a.netstat();
  const refused = await lab.runClient(a, { to: { ip: b.ip, port: 9 } });
  assert.equal(refused.outcome, 'refused');
  assert.deepEqual([refused.bytesSent, refused.bytesReceived], [0, 0]);
  assert.equal(refused.local.ip, a.ip);
  assert.ok(refused.local.port > 0);

  lab.blackhole(b.ip, 5003);
  const timedOut = await lab.runClient(a, { to: { ip: b.ip, port: 5003 } });
  assert.equal(timedOut.outcome, 'timeout');
  assert.match(timedOut.error ?? '', /ETIMEDOUT/, 'the kernel gave up, not the client');
  // One retry (1 s) then the final wait (2 s): well under the 127 s of a default host.
  assert.ok(timedOut.endedAtMs - timedOut.startedAtMs < 6_000);
  const delta = counterDelta(a.netstat(), before);
  assert.equal(delta.TcpAttemptFails, 2);
});

test('a reset ends both sides with outcome reset', { skip }, async () => {
  requirePrerequisites();
  const client = await lab.runClient(a, {
    to: { ip: b.ip, port: server.port },
    upload: 10,
    download: 10,
    ending: 'reset',
  });
  assert.equal(client.outcome, 'reset');
  assert.equal(client.bytesReceived, 10);
  assert.equal((await serverSideOf(client)).outcome, 'reset');
});

test('UDP from a pod and from the host has exact datagram counts on both ends', { skip }, async () => {
  requirePrerequisites();
  const receiver = await lab.startUdpReceiver(b);
  const fromPod = await lab.runUdpSender(a, {
    to: { ip: b.ip, port: receiver.port },
    count: 40,
    size: 300,
    connected: true,
  });
  const fromHost = await lab.runUdpSender(lab.host, { to: { ip: b.ip, port: receiver.port }, count: 7, size: 20 });
  const seen = await receiver.stop();
  assert.deepEqual(
    [fromPod.datagramsSent, fromPod.bytesSent, fromPod.datagramsReceived, fromPod.connected],
    [40, 12_000, 40, true]
  );
  assert.equal(fromHost.local.ip, lab.addresses.gateway4);
  assert.equal(fromHost.containerId, '');
  const byPeer = (ip: string) => seen.find((t) => t.remote.ip === ip);
  assert.deepEqual([byPeer(a.ip)?.datagramsReceived, byPeer(a.ip)?.bytesReceived], [40, 12_000]);
  assert.deepEqual(
    [byPeer(lab.addresses.gateway4)?.datagramsReceived, byPeer(lab.addresses.gateway4)?.bytesSent],
    [7, 140]
  );
});

test('close() kills the lab processes and leaves no netns, link, nft table, cgroup or claim', { skip }, async () => {
  requirePrerequisites();
  // A second lab beside the first: it also proves two runs coexist on different subnets.
  const other = await createLab();
  assert.notEqual(other.addresses.subnet, lab.addresses.subnet);
  const pod = await other.addPod({ name: 'short-lived' });
  other.setLoss(pod, 1);
  const sleeper = await pod.spawn('sleep', ['60']);
  assert.ok(resourcesOfRun(other.runId).length >= 5);
  await other.close();
  await other.close();
  assert.deepEqual(resourcesOfRun(other.runId), []);
  const exit = await sleeper.exited;
  assert.equal(exit.signal, 'SIGKILL');
  assert.ok(resourcesOfRun(lab.runId).length > 0, 'the first lab is untouched');
});

const HOLDER = `
const { createLab } = require(${JSON.stringify(join(__dirname, 'lab'))});
createLab().then(async (lab) => {
  const pod = await lab.addPod({ name: 'held' });
  await pod.spawn('sleep', ['60']);
  console.log(lab.runId);
  setInterval(() => undefined, 1000);
});`;

/** A lab in another process that we can kill; resolves with its run id once it is built. */
async function labInChild() {
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', HOLDER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
  return { child, runId: chunk.toString().trim() };
}

test('SIGINT tears a lab down; after SIGKILL, cleanupStale() removes what is left', { skip }, async () => {
  requirePrerequisites();
  const interrupted = await labInChild();
  assert.ok(resourcesOfRun(interrupted.runId).length > 0);
  interrupted.child.kill('SIGINT');
  const [, signal] = (await once(interrupted.child, 'exit')) as [number | null, NodeJS.Signals | null];
  assert.equal(signal, 'SIGINT', 'dies of the signal after cleaning up');
  assert.deepEqual(resourcesOfRun(interrupted.runId), []);

  const killed = await labInChild();
  killed.child.kill('SIGKILL');
  await once(killed.child, 'exit');
  assert.ok(resourcesOfRun(killed.runId).length > 0, 'SIGKILL leaves everything behind');
  assert.ok(cleanupStale().includes(killed.runId));
  assert.deepEqual(resourcesOfRun(killed.runId), []);
  assert.ok(resourcesOfRun(lab.runId).length > 0, 'a live lab is not stale');
});
