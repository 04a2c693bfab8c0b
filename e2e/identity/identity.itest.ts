import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgent, type Agent } from '../../src/agent/agent';
import { findExecutable } from '../../src/agent/bpftrace/childCommand';
import { bpftraceMissing } from '../../src/agent/bpftrace/bpftraceTestEnvironment';
import { startDnsServer, pointPodResolverAt, type DnsServerResponse, type LabDnsServer } from '../../src/lab/dnsServer';
import { createLab, labPrerequisitesMissing, type Lab } from '../../src/lab/lab';
import { resourcesOfRun } from '../../src/lab/labResources';
import type { Pod } from '../../src/lab/pod';
import { addServiceIp, serviceIpOf } from '../../src/lab/serviceDnat';
import type { Endpoint } from '../../src/lab/trafficTruth';
import { DATABASE } from '../../src/shared/schema';
import type { Store } from '../../src/store/store';
import { openTestStore } from '../../src/store/testStore';
import {
  canonicalIp,
  connectionsFromQuery,
  sameEndpoint,
  storedConnection,
  type StoredConnection,
} from '../capture/storedConnections';
import { until } from '../../src/agent/testing/until';

/**
 * Identity end to end: the real agent (connections.bt, dns.bt, conntrack, the inventory source) on
 * a real store, with an inventory file naming the lab's pods by container id, a Service IP and an
 * external address. In the lab, a pod dials a Service IP that nftables DNATs to another pod (as
 * kube-proxy does), a host-network process in a third pod's cgroup connects out, the pod sends to
 * an address only the inventory knows, and to an address it resolved through the lab DNS server.
 * There is no Kubernetes here: every pod is described by the inventory (the Kubernetes source
 * has its own tests, against recorded API objects). Needs root, bpftrace, ip, nft, cgroup v2 and
 * conntrack; skipped with the reason without them, except under CI=true, where that is a failure.
 */

const conntrackMissing =
  findExecutable('conntrack') === undefined ? 'conntrack (apt-get install conntrack)' : undefined;
const missing =
  [labPrerequisitesMissing(), bpftraceMissing, conntrackMissing].filter((m) => m !== undefined).join(', ') || undefined;
const skip = missing !== undefined && process.env.CI !== 'true' ? `needs ${missing}` : false;

/** TEST-NET-3: an address outside the lab that only the inventory describes. */
const EXTERNAL_IP = '203.0.113.77';
const EXTERNAL_NAME = 'payments.example.com';
const SERVICE_NAME = 'shop/db';
const NODE = 'identity-test';

let lab: Lab | undefined;
let agent: Agent | undefined;
let store: Store | undefined;
let dnsServer: LabDnsServer | undefined;
let removeResolver: (() => void) | undefined;
const dir = mkdtempSync(join(tmpdir(), 'netmon-identity-e2e-'));

after(async () => {
  await agent?.stop().catch(() => undefined);
  await dnsServer?.stop().catch(() => undefined);
  removeResolver?.();
  await lab?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

function inventoryYaml(pods: Record<string, { pod: Pod; deployment: string; podName: string; container: string }>) {
  const entries = Object.values(pods).map(
    ({ pod, deployment, podName, container }) => `  - cgroup_regex: ${pod.containerId}
    cluster: lab
    namespace: ${pod.namespace}
    deployment: ${deployment}
    pod: ${podName}
    container: ${container}
    node: ${NODE}`
  );
  return `entries:
${entries.join('\n')}
  - ip: ${EXTERNAL_IP}
    name: ${EXTERNAL_NAME}
    cluster: partner
    namespace: partners
    deployment: payments
    node: payments-host
`;
}

/** Polls check until it holds; on timeout, fails with what() as it is then. */

test(
  'connections carry Service backends, pods by cgroup and by IP, and names from DNS and the inventory',
  { skip, timeout: 120_000 },
  async (t) => {
    if (missing !== undefined) {
      assert.fail(`CI=true and this machine lacks ${missing}`);
    }
    store = await openTestStore();
    const db = store;
    lab = await createLab();
    const client = await lab.addPod({ name: 'web', namespace: 'shop' });
    const backend = await lab.addPod({ name: 'db', namespace: 'shop' });
    const hostPod = await lab.addPod({ name: 'node-agent', namespace: 'kube-system' });
    const inventoryPath = join(dir, 'inventory.yaml');
    writeFileSync(
      inventoryPath,
      inventoryYaml({
        client: { pod: client, deployment: 'web', podName: 'web-1', container: 'app' },
        backend: { pod: backend, deployment: 'db', podName: 'db-0', container: 'postgres' },
        hostPod: { pod: hostPod, deployment: 'node-agent', podName: 'node-agent-x1', container: 'agent' },
      }) + `  - ip: ${serviceIpOf(lab, 250)}\n    name: ${SERVICE_NAME}\n`
    );
    const server = await lab.startTcpServer(backend);
    const serviceIp = serviceIpOf(lab, 250);
    addServiceIp(lab, { serviceIp, port: 80, backend, backendPort: server.port });
    dnsServer = await startDnsServer(lab.host);
    removeResolver = pointPodResolverAt(client, dnsServer, { timeoutSeconds: 1, attempts: 1 });

    const logs: string[] = [];
    agent = await startAgent({
      store: db,
      node: NODE,
      intervalSeconds: 1,
      metadata: { inventoryPath },
      log: (line) => logs.push(line),
    });
    const running = agent;

    const viaService = await lab.runClient(client, { to: { ip: serviceIp, port: 80 }, upload: 1_000, download: 2_000 });
    assert.equal(viaService.outcome, 'ok', viaService.error);
    const fromHostNetwork = await lab.runClient(lab.hostNetwork(hostPod), {
      to: { ip: backend.ip, port: server.port },
      upload: 10,
      download: 10,
    });
    assert.equal(fromHostNetwork.outcome, 'ok', fromHostNetwork.error);
    const toExternal = await lab.runUdpSender(client, {
      to: { ip: EXTERNAL_IP, port: 9_999 },
      count: 2,
      size: 20,
      connected: true,
      echo: false,
    });
    // glibc in the pod resolves a name of this run, then the pod sends to the first address.
    const resolvedName = `ok-identity.${lab.runId}.lab`;
    const resolving = await client.spawn('getent', ['ahostsv4', resolvedName]);
    assert.equal((await resolving.exited).code, 0, `getent ${resolvedName}`);
    const response = dnsServer
      .truth()
      .find((x): x is DnsServerResponse => x.event === 'response' && x.qname === resolvedName);
    assert.ok(response !== undefined && response.answers.length > 0, `the lab DNS server answered ${resolvedName}`);
    const resolvedIp = response.answers[0];
    const toResolved = await lab.runUdpSender(client, {
      to: { ip: resolvedIp, port: 9_999 },
      count: 1,
      size: 20,
      connected: true,
      echo: false,
    });

    const rowsOf = async (local: Endpoint, protocol: 'tcp' | 'udp'): Promise<StoredConnection[]> => {
      const q = connectionsFromQuery([local.ip]);
      return (await db.query<Record<string, unknown>>(q.sql, q.params))
        .map(storedConnection)
        .filter(
          (r) => r.protocol === protocol && r.direction === 'outbound' && sameEndpoint(r.local_ip, r.local_port, local)
        );
    };
    const expected: Array<[Endpoint, 'tcp' | 'udp']> = [
      [viaService.local, 'tcp'],
      [fromHostNetwork.local, 'tcp'],
      [toExternal.local, 'udp'],
      [toResolved.local, 'udp'],
    ];
    let counts: number[] = [];
    await until(
      () => `a row of every connection (rows so far: ${counts.join(', ')}; log: ${logs.join(' | ')})`,
      async () => {
        counts = (await Promise.all(expected.map(([local, protocol]) => rowsOf(local, protocol)))).map((r) => r.length);
        return counts.every((n) => n > 0);
      },
      { timeoutMs: 20_000, pollMs: 250 }
    );
    agent = undefined;
    const summary = await running.stop();
    assert.equal(summary.rowsDropped, 0, logs.join('\n'));

    await t.test('the sources started without complaint', () => {
      assert.ok(logs.includes(`inventory ${inventoryPath}: 5 entries loaded`), logs.join('\n'));
      assert.deepEqual(
        logs.filter((l) => /conntrack|Service IP|Kubernetes/.test(l)),
        [],
        'no conntrack or Kubernetes trouble'
      );
    });

    await t.test('through the Service IP: the backend pod that answered, and the Service that was dialed', async () => {
      const rows = await rowsOf(viaService.local, 'tcp');
      assert.ok(rows.length > 0);
      assert.equal(
        rows.reduce((n, r) => n + r.bytes_tx, 0),
        viaService.bytesSent,
        'the client sent what the lab says'
      );
      for (const r of rows) {
        assert.equal(canonicalIp(String(r.remote_service_ip)), canonicalIp(serviceIp), 'remote_service_ip');
        assert.equal(r.remote_service_port, 80);
        assert.equal(r.remote_ip, canonicalIp(backend.ip), 'remote_ip is the backend');
        assert.equal(r.remote_port, server.port);
        assert.equal(r.remote_service, SERVICE_NAME, 'the inventory names the Service IP');
        assert.equal(r.remote_container_id, backend.containerId, 'the backend container, by its server socket');
        assert.deepEqual(
          [r.remote_namespace, r.remote_deployment, r.remote_pod, r.remote_container, r.remote_node],
          ['shop', 'db', 'db-0', 'postgres', NODE]
        );
        assert.equal(r.local_container_id, client.containerId);
        assert.deepEqual([r.local_cluster, r.local_namespace, r.local_pod], ['lab', 'shop', 'web-1']);
      }
    });

    await t.test("a host-network process in a pod's cgroup is that pod", async () => {
      const rows = await rowsOf(fromHostNetwork.local, 'tcp');
      assert.equal(fromHostNetwork.local.ip, lab!.addresses.gateway4, 'it used the host network');
      for (const r of rows) {
        assert.equal(r.local_container_id, hostPod.containerId);
        assert.deepEqual(
          [r.local_namespace, r.local_deployment, r.local_pod, r.local_container],
          ['kube-system', 'node-agent', 'node-agent-x1', 'agent']
        );
        assert.equal(r.remote_container_id, backend.containerId, 'a local socket peer');
        assert.equal(r.remote_pod, 'db-0');
        assert.equal(canonicalIp(String(r.remote_service_ip)), '::', 'no translation');
      }
    });

    await t.test('a peer known only by IP takes the inventory metadata and name', async () => {
      const rows = await rowsOf(toExternal.local, 'udp');
      for (const r of rows) {
        assert.equal(r.remote_ip, canonicalIp(EXTERNAL_IP));
        assert.equal(r.remote_container_id, '');
        assert.deepEqual(
          [r.remote_cluster, r.remote_namespace, r.remote_deployment, r.remote_node, r.remote_dns_name],
          ['partner', 'partners', 'payments', 'payments-host', EXTERNAL_NAME]
        );
        assert.equal(r.remote_service, '', 'no Service: nothing was translated');
      }
    });

    await t.test('an address resolved on this node is named after the question that resolved it', async () => {
      const rows = await rowsOf(toResolved.local, 'udp');
      for (const r of rows) {
        assert.equal(r.remote_ip, canonicalIp(resolvedIp));
        assert.equal(r.remote_dns_name, resolvedName);
        assert.deepEqual([r.remote_namespace, r.remote_container_id], ['', '']);
      }
    });

    await t.test('container_metadata has a row for each lab pod', async () => {
      const rows = await db.query<Record<string, unknown>>(
        `SELECT container_id, argMax(namespace, timestamp) AS namespace, argMax(pod, timestamp) AS pod,
                argMax(container, timestamp) AS container, argMax(cluster, timestamp) AS cluster
         FROM ${DATABASE}.container_metadata WHERE container_id IN {ids:Array(String)}
         GROUP BY container_id ORDER BY pod`,
        { ids: [client.containerId, backend.containerId, hostPod.containerId] }
      );
      assert.deepEqual(rows, [
        { container_id: backend.containerId, namespace: 'shop', pod: 'db-0', container: 'postgres', cluster: 'lab' },
        {
          container_id: hostPod.containerId,
          namespace: 'kube-system',
          pod: 'node-agent-x1',
          container: 'agent',
          cluster: 'lab',
        },
        { container_id: client.containerId, namespace: 'shop', pod: 'web-1', container: 'app', cluster: 'lab' },
      ]);
    });

    await t.test(
      "closing the lab removes its Service table too (it is an ip-family table, not the lab's bridge one)",
      async () => {
        const runId = lab!.runId;
        assert.ok(resourcesOfRun(runId).includes(`nft table ip ${lab!.names.nftTable}-svc`));
        await lab!.close();
        assert.deepEqual(resourcesOfRun(runId), []);
      }
    );
  }
);
