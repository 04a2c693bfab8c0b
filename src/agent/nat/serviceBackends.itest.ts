import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createLab, labPrerequisitesMissing, type Lab } from '../../lab/lab';
import { hostCommand } from '../../lab/hostCommand';
import type { Pod } from '../../lab/pod';
import { addServiceIp, removeServiceIps, serviceIpOf } from '../../lab/serviceDnat';
import type { Listener } from '../../lab/traffic';
import type { TcpTruth } from '../../lab/trafficTruth';
import { findExecutable } from '../bpftrace/childCommand';
import { ConntrackEvents, type ConntrackEvent } from './conntrackEvents';
import { NatTable } from './natTable';

/**
 * Service IPs on the real kernel: the lab's nftables DNAT (as kube-proxy does it) from a Service
 * IP to a pod, real connections through it from a pod and from a host-network process in a pod's
 * cgroup, and the real `conntrack -E` telling the NatTable where each went. Needs root, `ip`,
 * `nft`, cgroup v2 and `conntrack`; skipped with the reason when those are missing, except under
 * CI=true, where a missing prerequisite is a failure.
 */

const missing = [labPrerequisitesMissing(), findExecutable('conntrack') ? undefined : 'the `conntrack` command']
  .filter((m) => m !== undefined)
  .join(', ');
const skip = missing !== '' && process.env.CI !== 'true' ? `needs ${missing}` : false;

function requirePrerequisites(): void {
  if (missing !== '') {
    assert.fail(`CI=true and this machine lacks ${missing}`);
  }
}

let lab: Lab;
let client: Pod;
let backend: Pod;
let server: Listener<TcpTruth>;
let serviceIp: string;
/** Added to the table's clock, so expiry is tested without waiting five minutes. */
let skewMs = 0;
const table = new NatTable({ now: () => performance.now() + skewMs });
const events: ConntrackEvent[] = [];
const source = new ConntrackEvents({
  table,
  onEvent: (e) => events.push(e),
  backoff: { initialMs: 100, maxMs: 100, stableMs: 60_000 },
});

before(async () => {
  if (missing !== '') {
    return;
  }
  lab = await createLab();
  client = await lab.addPod({ name: 'client', namespace: 'shop', deployment: 'web' });
  backend = await lab.addPod({ name: 'backend', namespace: 'shop', deployment: 'db' });
  server = await lab.startTcpServer(backend);
  serviceIp = serviceIpOf(lab, 250);
  addServiceIp(lab, { serviceIp, port: 80, backend, backendPort: server.port });
  source.start();
});

after(async () => {
  await source.stop();
  await lab?.close();
  if (lab !== undefined) {
    removeServiceIps(lab);
  }
});

/** The server reports a connection when it closes, a moment after the client returns. */
async function serverSideOf(truth: TcpTruth): Promise<TcpTruth> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const found = server.reported().find((t) => t.remote.port === truth.local.port && t.remote.ip === truth.local.ip);
    if (found !== undefined) {
      return found;
    }
    assert.ok(Date.now() < deadline, `server never reported the connection from ${JSON.stringify(truth.local)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A connection through the Service IP with exact bytes on both ends; returns the client's truth. */
async function throughService(from: Parameters<Lab['runClient']>[0], upload: number, download: number) {
  const truth = await lab.runClient(from, { to: { ip: serviceIp, port: 80 }, upload, download });
  assert.equal(truth.outcome, 'ok', truth.error);
  assert.deepEqual(truth.remote, { ip: serviceIp, port: 80 }, 'the socket names the Service IP');
  assert.equal(truth.bytesSent, 16 + upload);
  assert.equal(truth.bytesReceived, download);
  const accepted = await serverSideOf(truth);
  assert.deepEqual(accepted.local, { ip: backend.ip, port: server.port }, 'the backend pod answered');
  assert.equal(accepted.bytesReceived, 16 + upload);
  assert.equal(accepted.bytesSent, download);
  return truth;
}

test('a pod connecting to a Service IP: lookup by its socket tuple gives the backend pod', { skip }, async () => {
  requirePrerequisites();
  const truth = await throughService(client, 5_000, 123_457);
  assert.equal(truth.local.ip, client.ip);
  assert.equal(truth.containerId, client.containerId);
  // The event may still be on its way: wait for it as the agent would, then the plain lookup agrees.
  const found = await table.resolve('tcp', truth.local, truth.remote, 2_000);
  assert.deepEqual(found, { ip: backend.ip, port: server.port });
  assert.deepEqual(table.lookup('tcp', truth.local, truth.remote), found);
  assert.equal(table.lookup('udp', truth.local, truth.remote), undefined, 'by protocol too');
});

test("a host-network process in a pod's cgroup connecting to the Service IP is translated too", { skip }, async () => {
  requirePrerequisites();
  const truth = await throughService(lab.hostNetwork(client), 1, 999);
  assert.equal(truth.local.ip, lab.addresses.gateway4, 'the host network, through the bridge');
  assert.equal(truth.containerId, client.containerId);
  assert.deepEqual(await table.resolve('tcp', truth.local, truth.remote, 2_000), { ip: backend.ip, port: server.port });
});

test('a connection straight to the pod is no translation', { skip }, async () => {
  requirePrerequisites();
  const truth = await lab.runClient(client, { to: { ip: backend.ip, port: server.port }, upload: 10, download: 10 });
  assert.equal(truth.outcome, 'ok');
  assert.equal(await table.resolve('tcp', truth.local, truth.remote, 300), undefined);
});

test(
  'a connection made while conntrack was not running is found by the listing of the next run',
  { skip },
  async () => {
    requirePrerequisites();
    const truth = await throughService(client, 20, 20);
    const late = new NatTable();
    const listingOnly = new ConntrackEvents({ table: late });
    listingOnly.start();
    try {
      const deadline = Date.now() + 5_000;
      while (listingOnly.stats().listings === 0) {
        assert.ok(Date.now() < deadline, `no listing within 5 s: ${listingOnly.stats().lastError}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.deepEqual(late.lookup('tcp', truth.local, truth.remote), { ip: backend.ip, port: server.port });
      assert.ok(listingOnly.stats().listedFlows >= 1);
    } finally {
      await listingOnly.stop();
    }
  }
);

test('UDP to a Service IP is translated and the echoes come back from the Service IP', { skip }, async () => {
  requirePrerequisites();
  const receiver = await lab.startUdpReceiver(backend);
  addServiceIp(lab, {
    serviceIp: serviceIpOf(lab, 53),
    port: 53,
    backend,
    backendPort: receiver.port,
    protocol: 'udp',
  });
  const sent = await lab.runUdpSender(client, {
    to: { ip: serviceIpOf(lab, 53), port: 53 },
    count: 5,
    size: 40,
    connected: true,
  });
  await receiver.stop();
  assert.deepEqual([sent.datagramsSent, sent.datagramsReceived], [5, 5]);
  assert.deepEqual(await table.resolve('udp', sent.local, sent.remote, 2_000), { ip: backend.ip, port: receiver.port });
});

test('entries expire once nobody has asked for them for ttlMs', { skip }, async () => {
  requirePrerequisites();
  const truth = await throughService(client, 10, 10);
  assert.ok(await table.resolve('tcp', truth.local, truth.remote, 2_000));
  const expiredBefore = table.stats().expired;
  skewMs += 300_001;
  assert.equal(table.lookup('tcp', truth.local, truth.remote), undefined);
  assert.ok(table.stats().expired > expiredBefore);
});

test('a crashed conntrack is reported, restarted, and translations resume', { skip }, async () => {
  requirePrerequisites();
  const pid = source.stats().pid;
  assert.ok(pid !== undefined, 'conntrack is running');
  const seen = events.length;
  process.kill(pid, 'SIGKILL');
  const deadline = Date.now() + 5_000;
  while (source.stats().pid === undefined || source.stats().pid === pid) {
    assert.ok(Date.now() < deadline, 'conntrack was not restarted within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.deepEqual(
    events.slice(seen).map((e) => e.type),
    ['exited', 'restarting', 'started']
  );
  assert.deepEqual(events[seen], { type: 'exited', reason: 'killed by SIGKILL' });
  assert.match(source.stats().lastError ?? '', /conntrack ended unexpectedly \(killed by SIGKILL\)/);
  assert.equal(source.stats().restarts, 1);
  const truth = await throughService(client, 10, 10);
  assert.deepEqual(await table.resolve('tcp', truth.local, truth.remote, 2_000), { ip: backend.ip, port: server.port });
});

test(
  "stop ends conntrack without calling it a crash; the lab's Service table goes with removeServiceIps",
  { skip },
  async () => {
    requirePrerequisites();
    const seen = events.length;
    await source.stop();
    assert.equal(source.stats().running, false);
    assert.deepEqual(events.slice(seen), []);
    const tables = () => hostCommand('nft', ['list', 'tables', 'ip']);
    assert.match(tables(), new RegExp(`${lab.names.nftTable}-svc`));
    removeServiceIps(lab);
    assert.doesNotMatch(tables(), new RegExp(`${lab.names.nftTable}-svc`));
  }
);
