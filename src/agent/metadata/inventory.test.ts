import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseInventory } from './inventoryFile';
import { InventorySource } from './inventorySource';
import { MetadataIndex } from './metadataIndex';

const fixture = (name: string) => join(__dirname, 'fixtures/inventory', name);
const validText = readFileSync(fixture('valid.yaml'), 'utf8');

test('the example inventory loads and answers by IP, CIDR and cgroup', () => {
  const parsed = parseInventory(validText, 'valid.yaml');
  assert.ok(parsed.ok, JSON.stringify(parsed));
  const index = new MetadataIndex();
  index.setInventory(parsed.entries);
  const db = index.byIp('10.20.5.7', 5432);
  assert.equal(db?.name, 'orders-db');
  assert.equal(db?.deployment, 'postgres');
  assert.equal(db?.zone, 'eu-west-1b');
  assert.equal(db?.network, 'vpc-main', 'the CIDR fills what the host entry leaves out');
  assert.equal(index.nameOf('203.0.113.10'), 'payments.example.com');
  assert.equal(index.nameOf('2001:db8:40:1::9'), 'partner-net');
  assert.equal(index.byIp('10.20.9.9')?.environment, 'prod');
  assert.equal(index.byContainerId('', '/system.slice/nginx.service')?.deployment, 'nginx');
  assert.equal(index.byContainerId('', '/system.slice/nginx/extra.service'), undefined, '* stays in one segment');
  const docker = `/system.slice/docker-${'d'.repeat(64)}.scope`;
  assert.equal(index.byContainerId('d'.repeat(64), docker)?.cluster_role, 'legacy-docker');
});

test('every mistake is reported with file, line, column, field and what was expected', () => {
  const parsed = parseInventory(readFileSync(fixture('broken.yaml'), 'utf8'), 'broken.yaml');
  assert.equal(parsed.ok, false);
  assert.deepEqual(!parsed.ok && parsed.errors, [
    "broken.yaml:2:11: entries[0].cidr: expected a CIDR such as 10.0.0.0/8 or 2001:db8::/32, got '10.0.0.0/33'",
    'broken.yaml:5:11: entries[1].cidr: an entry matches on exactly one of ip, cidr, cgroup, cgroup_regex; it already has ip',
    'broken.yaml:6:5: entries[2]: expected one of ip, cidr, cgroup, cgroup_regex to say what it describes',
    'broken.yaml:8:13: entries[3].colour: unknown field; expected one of ip, cidr, cgroup, cgroup_regex, name, network, project, region, zone, cluster, cluster_role, environment, namespace, node, deployment, pod, container, hostname',
    "broken.yaml:9:19: entries[4].cgroup_regex: expected a JavaScript regular expression (Invalid regular expression: /([a-z/: Unterminated character class), got '([a-z'",
    'broken.yaml:11:11: entries[5].zone: expected a non-empty text value',
  ]);
});

test('not YAML, or not the shape, says so with a position', () => {
  const syntax = parseInventory('entries:\n  - ip: [1\n', 'x.yaml');
  assert.ok(!syntax.ok && /^x\.yaml:\d+:\d+: not valid YAML: /.test(syntax.errors[0]), JSON.stringify(syntax));
  const shape = parseInventory('- ip: 192.0.2.1\n', 'x.yaml');
  assert.deepEqual(!shape.ok && shape.errors, ["x.yaml:1:1: expected a mapping with an 'entries' list at the top"]);
  const extra = parseInventory('entries: []\nentires: []\n', 'x.yaml');
  assert.ok(!extra.ok && extra.errors[0].startsWith("x.yaml:2:1: unknown top-level key 'entires'"));
});

test('the source reloads on change, keeps the last good file when a new one is broken, clears when it goes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'netmon-inventory-'));
  const path = join(dir, 'inventory.yaml');
  const logs: string[] = [];
  const index = new MetadataIndex();
  const source = new InventorySource({ path, index, log: (m) => logs.push(m), pollMs: 60_000 });
  try {
    source.start();
    assert.match(
      logs.at(-1) ?? '',
      /inventory .*inventory\.yaml: cannot read it \(ENOENT.*running without inventory metadata/
    );
    writeFileSync(path, validText);
    source.check();
    assert.equal(logs.at(-1), `inventory ${path}: 6 entries loaded`);
    assert.equal(index.nameOf('203.0.113.10'), 'payments.example.com');
    // Replaced by rename, as editors and config management do.
    writeFileSync(`${path}.tmp`, 'entries:\n  - ip: 203.0.113.10\n    name: renamed.example.com\n');
    renameSync(`${path}.tmp`, path);
    source.check();
    assert.equal(index.nameOf('203.0.113.10'), 'renamed.example.com');
    writeFileSync(path, 'entries:\n  - ip: 203.0.113.999\n    name: broken\n');
    source.check();
    assert.match(
      logs.at(-1) ?? '',
      /rejected; keeping the previous version:\n  .*inventory\.yaml:2:9: entries\[0\]\.ip: expected an IPv4/
    );
    assert.equal(index.nameOf('203.0.113.10'), 'renamed.example.com');
    const before = logs.length;
    source.check();
    assert.equal(logs.length, before, 'an unchanged file is not read or reported again');
    rmSync(path);
    source.check();
    assert.equal(index.nameOf('203.0.113.10'), undefined);
  } finally {
    source.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
