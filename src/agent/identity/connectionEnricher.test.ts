import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConnectionRow } from '../../shared/schema';
import { connectionRow } from '../../store/sampleRows';
import { parseInventory } from '../metadata/inventoryFile';
import { MetadataIndex } from '../metadata/metadataIndex';
import type { PodRecord } from '../metadata/metadataRecords';
import type { NatFlow } from '../nat/conntrackLine';
import { NatTable } from '../nat/natTable';
import { ConnectionEnricher, type DnsNames } from './connectionEnricher';
import { LocalServers } from './localServers';

const NODE = 'node-a';
const CLIENT = 'c'.repeat(64);
const BACKEND = 'b'.repeat(64);
const HOSTNET = 'e'.repeat(64);

/** A row as the capture pipeline builds it: nothing known of the far side unless a local socket was. */
function row(overrides: Partial<ConnectionRow>): ConnectionRow {
  return connectionRow({
    node: NODE,
    local_ip: '10.1.0.2',
    local_port: 40_000,
    local_container_id: CLIENT,
    remote_ip: '10.96.0.10',
    remote_port: 80,
    remote_container_id: '',
    remote_cluster: '',
    remote_namespace: '',
    remote_deployment: '',
    remote_pod: '',
    remote_container: '',
    remote_node: '',
    remote_service: '',
    remote_service_ip: undefined,
    remote_service_port: undefined,
    remote_dns_name: '',
    ...overrides,
  });
}

function pod(uid: string, name: string, ip: string, containerId: string, extra: Partial<PodRecord> = {}): PodRecord {
  return {
    uid,
    fields: { namespace: 'shop', pod: name, deployment: name.replace(/-\d+$/, ''), node: NODE, cluster: 'prod' },
    ips: [ip],
    hostIps: ['192.168.1.10'],
    hostNetwork: false,
    containers: [{ name: 'app', id: containerId, ports: [8080], init: false }],
    hostPorts: [],
    ...extra,
  };
}

function inventory(index: MetadataIndex, yaml: string): void {
  const parsed = parseInventory(yaml, 'test.yaml');
  assert.ok(parsed.ok, JSON.stringify(parsed));
  index.setInventory(parsed.entries);
}

function translation(
  client: string,
  clientPort: number,
  dialed: string,
  dialedPort: number,
  backend: string,
  backendPort: number
): NatFlow {
  return {
    protocol: 'tcp',
    client: { ip: client, port: clientPort },
    dialed: { ip: dialed, port: dialedPort },
    backend: { ip: backend, port: backendPort },
  };
}

function setup() {
  let now = 0;
  const index = new MetadataIndex();
  const nat = new NatTable();
  const servers = new LocalServers({ now: () => now });
  const enricher = new ConnectionEnricher({ node: NODE, index, nat, servers });
  return { index, nat, servers, enricher, advance: (ms: number) => (now += ms) };
}

function dns(names: Record<string, string>): DnsNames & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    lookup(ip) {
      asked.push(ip);
      return names[ip];
    },
  };
}

test('a Service IP translated to a backend pod shows the Service, what was dialed and the pod that answered', () => {
  const { index, nat, enricher } = setup();
  index.upsertService({ key: 'shop/db', ips: ['10.96.0.10'], nodePorts: [] });
  index.upsertPod(pod('u-db', 'db-0', '10.1.0.3', BACKEND));
  nat.record(translation('10.1.0.2', 40_000, '10.96.0.10', 80, '10.1.0.3', 8080));
  const [out] = enricher.enrich([row({})]);
  assert.equal(out.remote_ip, '10.1.0.3');
  assert.equal(out.remote_port, 8080);
  assert.equal(out.remote_service_ip, '10.96.0.10');
  assert.equal(out.remote_service_port, 80);
  assert.equal(out.remote_service, 'shop/db');
  assert.equal(out.remote_container_id, BACKEND, 'the container declaring port 8080');
  assert.deepEqual(
    [out.remote_cluster, out.remote_namespace, out.remote_deployment, out.remote_pod, out.remote_container],
    ['prod', 'shop', 'db', 'db-0', 'app']
  );
  assert.equal(out.remote_node, NODE);
  assert.equal(enricher.stats().translated, 1);
});

test('without Kubernetes, the backend is found by its server socket in the same flush and the inventory names the Service IP', () => {
  const { index, nat, enricher } = setup();
  inventory(
    index,
    `entries:
  - ip: 10.202.0.250
    name: shop/db-svc
  - cgroup_regex: ${BACKEND}
    namespace: shop
    deployment: db
    pod: db-0
    container: postgres
`
  );
  nat.record(translation('10.1.0.2', 40_000, '10.202.0.250', 80, '10.1.0.3', 8080));
  const client = row({ remote_ip: '10.202.0.250' });
  // The backend's accepted socket: its local side is the listening endpoint.
  const server = row({
    direction: 'inbound',
    local_ip: '10.1.0.3',
    local_port: 8080,
    local_container_id: BACKEND,
    remote_ip: '10.1.0.2',
    remote_port: 40_000,
    remote_container_id: CLIENT,
    remote_node: NODE,
  });
  // The client's row first: every row of a flush is learned before any is enriched.
  enricher.enrich([client, server]);
  assert.equal(client.remote_service, 'shop/db-svc');
  assert.equal(client.remote_service_ip, '10.202.0.250');
  assert.equal(client.remote_container_id, BACKEND);
  assert.equal(client.remote_pod, 'db-0');
  assert.equal(client.remote_container, 'postgres');
  assert.equal(client.remote_node, NODE);
  assert.equal(server.remote_container_id, CLIENT, 'a peer the pipeline found is kept');
  assert.equal(server.remote_service_ip, '::');
  assert.equal(server.remote_service_port, 0);
  assert.equal(enricher.stats().peersBySocket, 1);
});

test('the backend stays known for later flushes until its entry expires', () => {
  const { nat, enricher, advance } = setup();
  const server = row({ direction: 'inbound', local_ip: '10.1.0.3', local_port: 8080, local_container_id: BACKEND });
  enricher.enrich([server]);
  advance(60_000);
  nat.record(translation('10.1.0.2', 40_001, '10.96.0.10', 80, '10.1.0.3', 8080));
  const later = row({ local_port: 40_001 });
  enricher.enrich([later]);
  assert.equal(later.remote_container_id, BACKEND);
  advance(120_001);
  nat.record(translation('10.1.0.2', 40_002, '10.96.0.10', 80, '10.1.0.3', 8080));
  const expired = row({ local_port: 40_002 });
  enricher.enrich([expired]);
  assert.equal(expired.remote_ip, '10.1.0.3');
  assert.equal(expired.remote_container_id, '', 'nothing else knows the backend');
});

test('an untranslated row keeps its remote and gets the Service only when it dialed a known one', () => {
  const { index, enricher } = setup();
  index.upsertService({ key: 'shop/db', ips: ['10.96.0.10'], nodePorts: [] });
  const toService = row({});
  const toPod = row({ remote_ip: '10.1.0.9', remote_port: 9000 });
  enricher.enrich([toService, toPod]);
  assert.deepEqual(
    [toService.remote_ip, toService.remote_service, toService.remote_service_ip, toService.remote_service_port],
    ['10.96.0.10', 'shop/db', '::', 0],
    'conntrack down: the Service is still named, with no backend'
  );
  assert.deepEqual([toPod.remote_ip, toPod.remote_service, toPod.remote_service_ip], ['10.1.0.9', '', '::']);
});

test('inbound rows are never looked up as translations, nor named after a Service', () => {
  const { index, nat, enricher } = setup();
  index.upsertService({ key: 'shop/db', ips: ['10.96.0.10'], nodePorts: [] });
  // The same tuple as a translation, seen from a socket that accepted: not the dialing side.
  nat.record(translation('10.1.0.2', 40_000, '10.96.0.10', 80, '10.1.0.3', 8080));
  const inbound = row({ direction: 'inbound' });
  enricher.enrich([inbound]);
  assert.deepEqual([inbound.remote_ip, inbound.remote_service, inbound.remote_service_ip], ['10.96.0.10', '', '::']);
  assert.equal(nat.stats().hits + nat.stats().misses, 0);
});

test('peers known only by IP take the inventory metadata; the most specific entry wins', () => {
  const { index, enricher } = setup();
  inventory(
    index,
    `entries:
  - cidr: 10.20.0.0/16
    network: vpc-main
    cluster: legacy
  - ip: 10.20.5.7
    name: orders-db
    namespace: billing
    deployment: postgres
    node: db-host-1
`
  );
  const db = row({ remote_ip: '10.20.5.7', remote_port: 5432 });
  const other = row({ remote_ip: '10.20.9.9', remote_port: 443 });
  const unknown = row({ remote_ip: '198.51.100.1', remote_port: 443 });
  enricher.enrich([db, other, unknown]);
  assert.deepEqual(
    [db.remote_container_id, db.remote_cluster, db.remote_namespace, db.remote_deployment, db.remote_node],
    ['', 'legacy', 'billing', 'postgres', 'db-host-1']
  );
  assert.equal(db.remote_dns_name, 'orders-db');
  assert.deepEqual([other.remote_cluster, other.remote_namespace, other.remote_dns_name], ['legacy', '', '']);
  assert.deepEqual([unknown.remote_cluster, unknown.remote_node, unknown.remote_dns_name], ['', '', '']);
  assert.equal(enricher.stats().peersByIp, 2);
});

test('a host-network pod is its node IP and declared port; a client port says nothing, so the IP gives the node', () => {
  const { index, enricher } = setup();
  index.upsertNode({ name: NODE, ips: ['192.168.1.10'], fields: { cluster: 'prod', zone: 'z1' } });
  index.upsertPod(
    pod('u-agent', 'agent-1', '192.168.1.10', HOSTNET, {
      hostNetwork: true,
      ips: ['192.168.1.10'],
      containers: [{ name: 'agent', id: HOSTNET, ports: [9100], init: false }],
      hostPorts: [9100],
    })
  );
  const toAgent = row({ remote_ip: '192.168.1.10', remote_port: 9100 });
  const fromNode = row({ direction: 'inbound', local_port: 8080, remote_ip: '192.168.1.10', remote_port: 9100 });
  enricher.enrich([toAgent, fromNode]);
  assert.deepEqual([toAgent.remote_container_id, toAgent.remote_pod, toAgent.remote_node], [HOSTNET, 'agent-1', NODE]);
  assert.deepEqual(
    [fromNode.remote_container_id, fromNode.remote_pod, fromNode.remote_cluster, fromNode.remote_node],
    ['', '', 'prod', NODE],
    'the remote port of an inbound row is ephemeral: only the node'
  );
});

test('a peer the pipeline found as a local socket keeps what it has, even a host process without a container', () => {
  const { index, enricher } = setup();
  inventory(index, 'entries:\n  - ip: 10.1.0.9\n    namespace: wrong\n');
  const hostPeer = row({ remote_ip: '10.1.0.9', remote_node: NODE });
  enricher.enrich([hostPeer]);
  assert.deepEqual([hostPeer.remote_container_id, hostPeer.remote_namespace, hostPeer.remote_node], ['', '', NODE]);
});

test('remote_dns_name: the DNS answer for the dialed address, else for the backend, else the inventory name', () => {
  const { index, nat, enricher } = setup();
  inventory(
    index,
    'entries:\n  - ip: 203.0.113.10\n    name: payments.example.com\n  - ip: 203.0.113.11\n    name: inventory-name\n'
  );
  nat.record(translation('10.1.0.2', 40_010, '10.96.0.10', 80, '10.1.0.3', 8080));
  nat.record(translation('10.1.0.2', 40_011, '10.96.0.11', 80, '10.1.0.4', 8080));
  const names = dns({
    '10.96.0.10': 'db.shop.svc.cluster.local',
    '10.1.0.4': 'backend.example',
    '203.0.113.11': 'api.example.com',
  });
  const viaService = row({ local_port: 40_010 });
  const viaBackend = row({ local_port: 40_011, remote_ip: '10.96.0.11' });
  const fromInventory = row({ remote_ip: '203.0.113.10', remote_port: 443 });
  const dnsWins = row({ remote_ip: '203.0.113.11', remote_port: 443 });
  const nameless = row({ remote_ip: '198.51.100.1', remote_port: 443 });
  enricher.enrich([viaService, viaBackend, fromInventory, dnsWins, nameless], names);
  assert.deepEqual(
    [viaService, viaBackend, fromInventory, dnsWins, nameless].map((r) => r.remote_dns_name),
    ['db.shop.svc.cluster.local', 'backend.example', 'payments.example.com', 'api.example.com', '']
  );
  assert.deepEqual(enricher.stats().namesFromDns, 3);
  assert.deepEqual(enricher.stats().namesFromInventory, 1);
  // Without a DNS map the inventory still names peers.
  const again = row({ remote_ip: '203.0.113.11', remote_port: 443 });
  enricher.enrich([again]);
  assert.equal(again.remote_dns_name, 'inventory-name');
});

test('v4-mapped addresses from dual-stack sockets find the same translation and metadata', () => {
  const { index, nat, enricher } = setup();
  index.upsertService({ key: 'shop/db', ips: ['10.96.0.10'], nodePorts: [] });
  index.upsertPod(pod('u-db', 'db-0', '10.1.0.3', BACKEND));
  nat.record(translation('10.1.0.2', 40_000, '10.96.0.10', 80, '10.1.0.3', 8080));
  const [out] = enricher.enrich([row({ local_ip: '::ffff:10.1.0.2', remote_ip: '::ffff:10.96.0.10' })]);
  assert.deepEqual(
    [out.remote_ip, out.remote_service_ip, out.remote_service, out.remote_pod],
    ['10.1.0.3', '::ffff:10.96.0.10', 'shop/db', 'db-0']
  );
});
