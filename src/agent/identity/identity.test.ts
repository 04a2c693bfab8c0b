import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { connectionRow } from '../../store/sampleRows';
import { createIdentity, type IdentityOptions } from './identity';
import { until } from '../testing/until';

/** The wiring of the sources, with files and a refused port; the enrichment has its own tests. */

const dir = mkdtempSync(join(tmpdir(), 'netmon-identity-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const CONTAINER = 'a'.repeat(64);
const NO_CONNTRACK = 'netmon-test-no-such-conntrack';

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function identityWith(options: Partial<IdentityOptions>) {
  const lines: string[] = [];
  const identity = createIdentity({
    node: 'node-a',
    log: (line) => lines.push(line),
    conntrackPath: NO_CONNTRACK,
    env: {},
    ...options,
  });
  return { identity, lines };
}

test('the inventory feeds metadataFor, enrichment and container_metadata rows', async () => {
  const inventoryPath = write(
    'good.yaml',
    `entries:
  - cgroup_regex: ${CONTAINER}
    cluster: lab
    namespace: shop
    deployment: web
    pod: web-1
    container: app
  - ip: 203.0.113.10
    name: payments.example.com
`
  );
  const { identity, lines } = identityWith({ inventoryPath });
  await identity.start();
  try {
    assert.deepEqual(
      lines.filter((l) => l.startsWith('inventory')),
      [`inventory ${inventoryPath}: 2 entries loaded`]
    );
    const meta = identity.metadataFor(CONTAINER);
    assert.deepEqual(
      [meta?.cluster, meta?.namespace, meta?.deployment, meta?.pod, meta?.container],
      ['lab', 'shop', 'web', 'web-1', 'app']
    );
    assert.equal(identity.metadataFor(''), undefined);
    const rows = identity.takeMetadataRows(1_000);
    assert.equal(rows.length, 1);
    assert.deepEqual(
      [rows[0].timestamp, rows[0].container_id, rows[0].pod, rows[0].ip],
      [1_000, CONTAINER, 'web-1', '::'],
      "no IP is the IPv6 column's none, not the empty string it rejects"
    );
    assert.deepEqual(identity.takeMetadataRows(2_000), [], 'only changes');
    const [row] = identity.enrichConnections([
      connectionRow({ remote_ip: '203.0.113.10', remote_port: 443, remote_container_id: '', remote_node: '' }),
    ]);
    assert.equal(row.remote_dns_name, 'payments.example.com');
  } finally {
    await identity.stop();
  }
});

test('a broken inventory, a missing conntrack and a bad kubeconfig are each one line naming it; nothing throws', async () => {
  const inventoryPath = write('broken.yaml', 'entries:\n  - cidr: 10.0.0.0/33\n');
  const kubeconfigPath = write('kubeconfig', 'this: [is not a kubeconfig');
  const { identity, lines } = identityWith({ inventoryPath, kubeconfigPath });
  await identity.start();
  await identity.stop();
  assert.equal(lines.length, 3, lines.join('\n'));
  assert.match(lines[0], new RegExp(`^inventory ${inventoryPath} rejected; running without inventory metadata:\\n`));
  assert.match(lines[0], /entries\[0\]\.cidr: expected a CIDR/);
  assert.match(
    lines[1],
    new RegExp(
      `^Kubernetes metadata: cannot load kubeconfig ${kubeconfigPath}: .*; capture goes on without Kubernetes metadata$`
    )
  );
  assert.match(
    lines[2],
    new RegExp(`^Service IP backends unavailable: "${NO_CONNTRACK}" is not an executable on PATH`)
  );
  assert.match(identity.stats().conntrackError ?? '', /not an executable/);
  assert.equal(identity.stats().kubernetesEndpoint, undefined);
});

test('an unreachable Kubernetes API is logged with its endpoint and capture goes on', async () => {
  const kubeconfigPath = write(
    'refused.kubeconfig',
    `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: "http://127.0.0.1:1", insecure-skip-tls-verify: true } }]
users: [{ name: u, user: { token: t } }]
contexts: [{ name: x, context: { cluster: c, user: u } }]
current-context: x
`
  );
  const { identity, lines } = identityWith({ kubeconfigPath });
  await identity.start();
  try {
    assert.equal(lines[0], 'Kubernetes metadata from http://127.0.0.1:1 for node node-a');
    assert.equal(identity.stats().kubernetesEndpoint, 'http://127.0.0.1:1');
    await until(
      () => `the refused API in the log: ${lines.join('\n')}`,
      () => lines.some((l) => l.includes('ECONNREFUSED'))
    );
    assert.match(
      lines.find((l) => l.includes('ECONNREFUSED'))!,
      /^Kubernetes API http:\/\/127\.0\.0\.1:1: watching .* failed \(ECONNREFUSED\); retrying in .*capture goes on/
    );
    assert.deepEqual(identity.enrichConnections([]), []);
  } finally {
    await identity.stop();
  }
});

test('no kubeconfig outside a pod means no Kubernetes source and no noise', async () => {
  const { identity, lines } = identityWith({});
  await identity.start();
  await identity.stop();
  assert.deepEqual(
    lines.filter((l) => /Kubernetes/.test(l)),
    []
  );
});
