import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isSeq, parseDocument, parse as parseYaml } from 'yaml';
import { findExecutable } from '../../src/agent/bpftrace/childCommand';
import { parseInventory } from '../../src/agent/metadata/inventoryFile';
import { AGENT_CAPABILITIES, REPO_ROOT, envOf, isPinnedImage } from './deployFacts';

/**
 * docker-compose.yml as Compose itself reads it: `docker-compose config` (Debian's docker-compose,
 * the v1 Python one; no Docker engine is needed) must accept the file, and its normalized output
 * must hold the stack described in the file's comments: pinned images, the healthcheck and the
 * start order, the agent's exact capabilities and host mounts, Grafana matching our @grafana
 * packages. Skipped with the reason when docker-compose is missing, failed instead under CI=true.
 */

const COMPOSE_FILE = join(REPO_ROOT, 'docker-compose.yml');
const missing = findExecutable('docker-compose')
  ? undefined
  : 'the `docker-compose` command (apt-get install docker-compose)';
const skip = missing !== undefined && process.env.CI !== 'true' ? `needs ${missing}` : false;

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  restart?: string;
  privileged?: boolean;
  cap_add?: string[];
  cap_drop?: string[];
  network_mode?: string;
  pid?: string;
  read_only?: boolean;
  user?: string;
  volumes?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test?: string[] };
  depends_on?: Record<string, { condition: string }>;
  cgroup_parent?: string;
}

let normalized: { services: Record<string, Service> } | undefined;

/** The `config` output, once: each call of docker-compose costs about a second of CPU. */
function config(): { services: Record<string, Service> } {
  if (missing !== undefined) {
    assert.fail(`CI=true and this machine lacks ${missing}`);
  }
  if (normalized === undefined) {
    // Defaults in the file, not the caller's environment, are what is under test.
    const env = { PATH: process.env.PATH ?? '' };
    const res = spawnSync('docker-compose', ['-f', COMPOSE_FILE, 'config'], { cwd: REPO_ROOT, encoding: 'utf8', env });
    assert.equal(res.status, 0, `docker-compose config rejected ${COMPOSE_FILE}:\n${res.stderr}`);
    normalized = parseYaml(res.stdout) as { services: Record<string, Service> };
  }
  return normalized;
}

function service(name: string): Service {
  const s = config().services[name];
  assert.ok(s, `docker-compose.yml: no service "${name}"; services: ${Object.keys(config().services).join(', ')}`);
  return s;
}

/** Volume entries as "source:target[:mode]" with the repo root dropped from bind sources. */
function volumes(name: string): string[] {
  return (service(name).volumes ?? []).map((v) => v.replace(`${REPO_ROOT}/`, './'));
}

test('docker-compose config accepts the file, with every service of the stack', { skip }, () => {
  assert.deepEqual(Object.keys(config().services).sort(), [
    'agent',
    'aggregator',
    'clickhouse',
    'demo-api',
    'demo-client',
    'demo-web',
    'grafana',
    'migrate',
    'node-vector',
  ]);
});

test('every image is pinned to a version, or is ours built from the Dockerfile', { skip }, () => {
  for (const [name, s] of Object.entries(config().services)) {
    if (s.build !== undefined) {
      assert.equal(s.image, 'netmon:local', `${name} builds the Dockerfile, so it must name the one local image`);
    } else {
      assert.ok(s.image !== undefined && isPinnedImage(s.image), `${name}: image ${s.image} is not pinned to x.y.z`);
    }
  }
  assert.match(service('clickhouse').image ?? '', /^clickhouse\/clickhouse-server:/);
  assert.match(service('aggregator').image ?? '', /^timberio\/vector:/);
  assert.equal(service('node-vector').image, service('aggregator').image, 'both Vector tiers run one version');
});

test(
  'ClickHouse is healthy before the schema is migrated, and the schema exists before anything writes or reads',
  { skip },
  () => {
    assert.deepEqual(service('clickhouse').healthcheck?.test, ['CMD', 'clickhouse-client', '--query', 'SELECT 1']);
    assert.ok(
      volumes('clickhouse').includes(
        './deploy/clickhouse/users.d/netmon.xml:/etc/clickhouse-server/users.d/netmon.xml:ro'
      )
    );

    const migrate = service('migrate');
    assert.deepEqual(migrate.command, ['migrate']);
    assert.equal(migrate.restart, 'no');
    assert.match(migrate.environment?.CLICKHOUSE_URL ?? '', /^http:\/\/netmon:[^@]+@clickhouse:8123$/);
    assert.deepEqual(migrate.depends_on, { clickhouse: { condition: 'service_healthy' } });
    for (const name of ['aggregator', 'grafana']) {
      assert.deepEqual(service(name).depends_on?.migrate, { condition: 'service_completed_successfully' }, name);
    }
  }
);

test('the writer password reaches ClickHouse, migrate and the aggregator alike', { skip }, () => {
  const password = service('clickhouse').environment?.NETMON_CLICKHOUSE_PASSWORD;
  assert.ok(password, 'clickhouse: NETMON_CLICKHOUSE_PASSWORD (users.d/netmon.xml reads it) is unset');
  assert.equal(service('aggregator').environment?.CLICKHOUSE_PASSWORD, password);
  assert.equal(service('migrate').environment?.CLICKHOUSE_URL, `http://netmon:${password}@clickhouse:8123`);
  assert.equal(service('aggregator').environment?.CLICKHOUSE_USER, 'netmon');
  const given = Object.keys(service('aggregator').environment ?? {});
  for (const name of envOf('pipeline/aggregator').all) {
    assert.ok(given.includes(name), `pipeline/aggregator reads ${name}, which the aggregator service does not set`);
  }
  assert.equal(service('aggregator').environment?.CLICKHOUSE_DATABASE, 'netmon');
});

test(
  'the Vector tiers: aggregator config and disk buffer, node tier beside the agent in the host network',
  { skip },
  () => {
    assert.ok(volumes('aggregator').includes('./pipeline/aggregator:/etc/vector/netmon:ro'));
    assert.ok(volumes('node-vector').includes('./pipeline/node:/etc/vector/netmon:ro'));
    assert.equal(service('node-vector').network_mode, 'host');
    assert.equal(service('node-vector').environment?.NETMON_AGGREGATOR, '127.0.0.1:6000');
    assert.ok(
      (config().services.aggregator as { ports?: unknown[] }).ports?.length,
      'aggregator publishes :6000 for the node tier'
    );
  }
);

test(
  'the agent gets exactly the documented capabilities, never privileged, and the host views it reads',
  { skip },
  () => {
    const agent = service('agent');
    assert.notEqual(agent.privileged, true);
    assert.deepEqual(agent.cap_drop, ['ALL']);
    assert.deepEqual([...(agent.cap_add ?? [])].sort(), Object.keys(AGENT_CAPABILITIES).sort());
    assert.equal(agent.network_mode, 'host');
    assert.equal(agent.pid, 'host');
    assert.equal(agent.read_only, true);
    const mounts = volumes('agent');
    for (const hostPath of ['/sys/kernel/tracing', '/sys/kernel/btf', '/sys/fs/cgroup']) {
      assert.ok(
        mounts.includes(`${hostPath}:${hostPath}:ro`),
        `agent: ${hostPath} is not mounted read-only; mounts: ${mounts.join(', ')}`
      );
    }
    assert.ok(mounts.some((m) => m.startsWith('agent-spool:/var/lib/netmon/spool')));
    const command = agent.command ?? [];
    for (const flag of [
      '--sink=vector',
      '--vector-url=http://127.0.0.1:8687',
      '--no-ui',
      '--spool-dir=/var/lib/netmon/spool',
    ]) {
      assert.ok(command.includes(flag), `agent command lacks ${flag}: ${command.join(' ')}`);
    }
  }
);

test('each capability the agent adds carries its reason in a comment', { skip: false }, () => {
  // Read from the source: `config` drops comments.
  const doc = parseDocument(readFileSync(COMPOSE_FILE, 'utf8'));
  const capAdd = doc.getIn(['services', 'agent', 'cap_add'], true);
  assert.ok(isSeq(capAdd), 'services.agent.cap_add is not a list');
  capAdd.items.forEach((item, i) => {
    const node = item as { commentBefore?: string | null; comment?: string | null; toString(): string };
    // yaml hangs the comment above the first item on the list itself.
    const why = (i === 0 ? capAdd.commentBefore : node.commentBefore) ?? node.comment ?? '';
    assert.ok(why.trim().length > 20, `cap_add ${node.toString()} has no comment saying why`);
  });
});

test(
  'Grafana runs the version of our @grafana packages, with the ClickHouse plugin, our app and anonymous viewers',
  { skip },
  () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const grafana = service('grafana');
    assert.equal(grafana.image, `grafana/grafana:${pkg.dependencies['@grafana/data']}`);
    const env = grafana.environment ?? {};
    const plugin = env.GF_PLUGINS_PREINSTALL_SYNC?.match(/^grafana-clickhouse-datasource@(\d+)\.\d+\.\d+$/);
    assert.ok(
      plugin,
      `GF_PLUGINS_PREINSTALL_SYNC must pin grafana-clickhouse-datasource@x.y.z, got ${env.GF_PLUGINS_PREINSTALL_SYNC}`
    );
    assert.ok(
      Number(plugin[1]) >= 4,
      'grafana-clickhouse-datasource 4 or newer (the provisioned jsonData is its v4 shape)'
    );
    assert.deepEqual(env.GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS?.split(',').sort(), [
      'netmon-flowgraph-panel',
      'netmon-network-app',
    ]);
    assert.equal(env.GF_AUTH_ANONYMOUS_ENABLED, 'true');
    assert.equal(env.GF_AUTH_ANONYMOUS_ORG_ROLE, 'Viewer');
    const mounts = volumes('grafana');
    assert.ok(mounts.includes('./dist:/var/lib/grafana/plugins/netmon-network-app:ro'));
    assert.ok(mounts.includes('./provisioning:/etc/grafana/provisioning:ro'));
  }
);

test(
  'demo traffic: servers, a client, a lossy link with only NET_ADMIN, each named by the demo inventory',
  { skip },
  () => {
    const inventoryText = readFileSync(join(REPO_ROOT, 'docker/demo/inventory.yaml'), 'utf8');
    const inventory = parseInventory(inventoryText, 'docker/demo/inventory.yaml');
    assert.ok(inventory.ok, inventory.ok ? '' : inventory.errors.join('\n'));
    assert.ok(volumes('agent').includes('./docker/demo/inventory.yaml:/etc/netmon/inventory.yaml:ro'));

    assert.deepEqual(service('demo-api').command, ['server', '--loss', '5']);
    assert.deepEqual(service('demo-api').cap_add, ['NET_ADMIN']);
    assert.deepEqual(service('demo-web').command, ['server']);
    assert.deepEqual(service('demo-client').command, ['client']);
    for (const name of ['demo-web', 'demo-api', 'demo-client']) {
      const s = service(name);
      assert.deepEqual(s.cap_drop, ['ALL'], name);
      // The inventory names a demo container by its cgroup parent, so each must have one it lists.
      const slice = s.cgroup_parent ?? '';
      assert.ok(
        inventoryText.includes(slice.replace(/\./g, '\\.')) && slice !== '',
        `${name}: cgroup_parent "${slice}" is not in the demo inventory`
      );
    }
  }
);
