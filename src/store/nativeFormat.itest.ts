import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { createChdbConnection } from './chdbConnection';
import { failureKind } from '../agent/writer/rowSink';
import {
  DATABASE,
  INGEST_TABLES,
  tables,
  type AgentHealthRow,
  type ContainerMetadataRow,
  type IngestRows,
  type IngestTable,
} from '../shared/schema';
import { storeFromClient } from './clientStore';
import { IP_TEXT_CASES } from './ipTextCases';
import { migrate } from './migrate';
import { encoderForColumns } from './nativeFormat';
import { agentHealthRow, connectionRow, containerMetadataRow, dnsQueryRow } from './sampleRows';
import type { Store } from './store';
import { truncateAll } from './testStore';

/**
 * The Native insert path against the JSONCompactEachRow one, on one chDB engine: the same rows
 * through each must store the same values in the raw tables and the same rollup rows, and dedup
 * must behave the same. One engine per process, so both stores share one client.
 */

const work = mkdtempSync(join(tmpdir(), 'netmon-native-'));
const scratchParent = join(work, 'scratch');
let client: ClickHouseClient;
let json: Store;
let binary: Store;

before(async () => {
  mkdirSync(scratchParent);
  client = createClient({ connection: createChdbConnection({ path: join(work, 'data') }) as never });
  json = storeFromClient(client, 'json', { insertFormat: 'JSONCompactEachRow' });
  binary = storeFromClient(client, 'native', { insertFormat: 'Native', scratchParent });
  await migrate(json);
});

after(async () => {
  await binary.close();
  await json.close();
  rmSync(work, { recursive: true, force: true });
});

const NOW = Date.now() - 10 * 60_000;

function metadataRow(overrides: Partial<ContainerMetadataRow> = {}): ContainerMetadataRow {
  return containerMetadataRow({ timestamp: NOW, ...overrides });
}

function healthRow(overrides: Partial<AgentHealthRow> = {}): AgentHealthRow {
  return agentHealthRow({ ts: NOW, ...overrides });
}

/** Edge cases first, then enough ordinary variety for the rollups to group. */
function rowsOf(): { [T in IngestTable]: Array<IngestRows[T]> } {
  const {
    remote_service_ip: _ip,
    remote_service_port: _port,
    ...withoutAdded
  } = connectionRow({
    connection_id: '5',
    ts: NOW + 5,
  });
  const connections = [
    connectionRow({ ts: NOW, local_ip: '2001:db8::1', remote_ip: 'fe80::1:2', connection_id: '18446744073709551615' }),
    connectionRow({ ts: NOW + 1, local_ip: '::ffff:10.1.2.3', remote_ip: '64:ff9b::1.2.3.4', remote_service_ip: '::' }),
    connectionRow({
      ts: NOW + 2,
      local_namespace: '',
      local_pod: '',
      remote_dns_name: '',
      remote_service: '',
      local_container_id: '',
      state: 'failed',
      direction: 'inbound',
      protocol: 'udp',
    }),
    connectionRow({
      ts: NOW + 3,
      local_pod: 'café-😀-pod',
      remote_dns_name: 'bücher.example',
      comm: 'it\'s "quoted"\t\\',
      bytes_tx: 2 ** 53 - 1,
      rtt_us: 2 ** 32 - 1,
      remote_port: 65535,
      opened: 1,
      state: 'open',
    }),
    withoutAdded as IngestRows['connections'],
    ...Array.from({ length: 2000 }, (_, i) =>
      connectionRow({
        ts: NOW + 10 + i * 37,
        connection_id: String(BigInt(i) * 2_654_435_761n + 9_007_199_254_740_993n),
        node: `node-${i % 7}`,
        pid: 1000 + (i % 300),
        local_ip: `10.${i % 3}.${i % 256}.${(i >> 8) % 256}`,
        local_pod: `web-${i % 40}`,
        remote_ip: i % 9 === 0 ? `2001:db8::${(i % 65536).toString(16)}` : `10.9.${i % 256}.7`,
        remote_pod: `pg-${i % 3}`,
        direction: i % 2 === 0 ? 'outbound' : 'inbound',
        state: (['open', 'active', 'closed', 'failed'] as const)[i % 4],
        bytes_tx: i * 1013,
        bytes_rx: i * 17,
        packets_tx: i % 100,
        rtt_us: i % 4 === 0 ? 0 : 250 + i,
        opened: i % 4 === 0 ? 1 : 0,
        duration_ms: i % 4 === 2 ? i : 0,
        remote_service_port: i % 5 === 0 ? 0 : 5432,
      })
    ),
  ];
  const dns_queries = [
    dnsQueryRow({ ts: NOW, answers: [] }),
    dnsQueryRow({ ts: NOW + 1, answers: ['10.0.0.2', '2001:db8::2', 'a "quoted"\tname', ''], qname: 'bücher.例え.jp' }),
    dnsQueryRow({ ts: NOW + 2, rcode: 'TIMEOUT', latency_us: 0, server_ip: '2001:4860:4860::8888', protocol: 'tcp' }),
    ...Array.from({ length: 500 }, (_, i) =>
      dnsQueryRow({
        ts: NOW + 10 + i * 91,
        client_pod: `web-${i % 20}`,
        qname: `svc-${i % 30}.ns.svc.cluster.local`,
        qtype: i % 2 === 0 ? 'A' : 'AAAA',
        latency_us: 100 + i,
        retries: i % 3,
        query_id: i % 65536,
        answers: Array.from({ length: i % 4 }, (_, k) => `10.1.${k}.${i % 256}`),
      })
    ),
  ];
  const container_metadata = [
    metadataRow(),
    metadataRow({ container_id: 'e'.repeat(64), ip: '2001:db8::7', host_network: true, hostname: '' }),
    metadataRow({ container_id: '', pod: 'ünï', namespace: '', timestamp: NOW + 1 }),
  ];
  const agent_health = [
    healthRow(),
    healthRow({ ts: NOW + 1, gap_start: NOW - 5000, gap_end: NOW - 1000, gap_reason: 'bpftrace exited: signal 9' }),
    healthRow({ ts: NOW + 2, events_read: 2 ** 53 - 1, interval_ms: 2 ** 32 - 1 }),
  ];
  return { connections, dns_queries, container_metadata, agent_health };
}

/** count and a hash over every column of every table, raw and rollup. */
async function fingerprints(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const def of Object.values(tables)) {
    const [row] = await json.query<{ n: string; h: string }>(
      `SELECT count() AS n, sum(cityHash64(*)) AS h FROM ${DATABASE}.${def.name}`
    );
    out[def.name] = `${row.n} rows, hash ${row.h}`;
  }
  return out;
}

/** Every rollup row, aggregate states finalized, in a fixed order. */
async function rollupRows(): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const def of Object.values(tables).filter((d) => !(INGEST_TABLES as readonly string[]).includes(d.name))) {
    const columns = Object.entries(def.columns as Record<string, { type: string }>).map(([name, c]) =>
      c.type.startsWith('AggregateFunction') ? `finalizeAggregation(${name}) AS ${name}` : name
    );
    out[def.name] = await json.query(`SELECT ${columns.join(', ')} FROM ${DATABASE}.${def.name} FINAL ORDER BY ALL`);
  }
  return out;
}

async function insertAll(store: Store, rows: ReturnType<typeof rowsOf>, token?: (t: IngestTable) => string) {
  for (const table of INGEST_TABLES) {
    await store.insert(table, rows[table] as never, token?.(table));
  }
}

test('the same rows through JSONCompactEachRow and through Native store the same values and rollups', async () => {
  const rows = rowsOf();
  await truncateAll(json);
  await insertAll(json, rows);
  const viaJson = await fingerprints();
  const rollupsViaJson = await rollupRows();
  await truncateAll(json);
  await insertAll(binary, rows);
  const viaBinary = await fingerprints();
  assert.deepEqual(viaBinary, viaJson);
  assert.deepEqual(await rollupRows(), rollupsViaJson);
  // Not comparing empty tables: every raw table and the rollups got rows.
  assert.equal(viaJson.connections, viaBinary.connections);
  assert.match(viaJson.connections, /^2005 rows/);
  assert.match(viaJson.dns_queries, /^503 rows/);
  assert.match(viaJson.connections_1m, /^[1-9]\d* rows/);
  assert.match(viaJson.dns_workload_1h, /^[1-9]\d* rows/);
  const [added] = await json.query<{ ip: string; port: number }>(
    `SELECT toString(remote_service_ip) AS ip, remote_service_port AS port FROM ${DATABASE}.connections WHERE connection_id = 5`
  );
  assert.deepEqual(added, { ip: '::', port: 0 });
  const [max] = await json.query<{ id: string }>(
    `SELECT toString(connection_id) AS id FROM ${DATABASE}.connections WHERE local_ip = toIPv6('2001:db8::1')`
  );
  assert.equal(max.id, '18446744073709551615');
});

test('Native: a batch repeated with its token is stored once, raw and rollups; fresh tokens store both', async () => {
  const rows = rowsOf();
  const once = async () => {
    const f = await fingerprints();
    return [f.connections, f.connections_1m, f.dns_queries, f.dns_1m, f.agent_health];
  };
  await truncateAll(json);
  await insertAll(binary, rows, (t) => `batch-${t}`);
  const first = await once();
  await insertAll(binary, rows, (t) => `batch-${t}`);
  assert.deepEqual(await once(), first);

  // A JSON insert's token is left in chDB's session; the next Native insert must not inherit it.
  await json.insert('agent_health', [healthRow({ ts: NOW + 100 })], 'shared-token');
  await binary.insert('agent_health', [healthRow({ ts: NOW + 100 })]);
  await binary.insert('agent_health', [healthRow({ ts: NOW + 100 })]);
  const [health] = await json.query<{ n: string }>(
    `SELECT count() AS n FROM ${DATABASE}.agent_health WHERE ts = fromUnixTimestamp64Milli(${NOW + 100}, 'UTC')`
  );
  assert.equal(health.n, '3');

  // Without a token each insert gets a fresh one: the same rows twice are stored twice.
  const stored = async () =>
    (
      await json.query<{ n: string; rolled: string }>(
        `SELECT (SELECT count() FROM ${DATABASE}.connections) AS n, (SELECT sum(src_packets + dst_packets) FROM ${DATABASE}.connections_1m) AS rolled`
      )
    ).map((r) => [Number(r.n), Number(r.rolled)])[0];
  await truncateAll(json);
  await insertAll(binary, rows);
  const [n, rolled] = await stored();
  assert.equal(n, rows.connections.length);
  assert.ok(rolled > 0);
  await insertAll(binary, rows);
  assert.deepEqual(await stored(), [2 * n, 2 * rolled]);
});

test('IP text: Native takes what the JSON path takes, with the same bytes, and refuses the rest', async () => {
  const texts = IP_TEXT_CASES.map(([text]) => text);
  await json.command('CREATE TABLE IF NOT EXISTS default.ip_check (i UInt32, ip IPv6) ENGINE = Memory');
  const encode = encoderForColumns('ip_check', [{ name: 'ip', type: 'IPv6' }]);
  const differences: string[] = [];
  for (const [i, text] of texts.entries()) {
    const stored = await client
      .insert({ table: 'default.ip_check', columns: ['i', 'ip'], values: [[i, text]], format: 'JSONCompactEachRow' })
      .then(async () => {
        const [row] = await json.query<{ h: string }>(`SELECT hex(ip) AS h FROM default.ip_check WHERE i = ${i}`);
        return row.h.toLowerCase();
      })
      .catch(() => undefined);
    let encoded: string | undefined;
    try {
      // The column's data: past the block header and the column's name and type.
      encoded = encode([{ ip: text }], (chunks) => Buffer.concat(chunks.slice(2)).toString('hex'));
    } catch {
      encoded = undefined;
    }
    if (stored !== encoded) {
      differences.push(`${JSON.stringify(text)}: JSON stored ${stored ?? 'nothing'}, Native ${encoded ?? 'refused'}`);
    }
  }
  assert.deepEqual(differences, []);
});

test('LowCardinality dictionaries of every index width read back as written, into a table of LowCardinality columns', async () => {
  // 70,000 rows: a has 200 distinct values (UInt8 indexes), b 1,001 with '' (UInt16), c one per row (UInt32).
  const n = 70_000;
  const columns = ['a', 'b', 'c'].map((name) => ({ name, type: 'LowCardinality(String)' }));
  const rows = Array.from({ length: n }, (_, i) => ({
    a: `a${i % 200}`,
    b: i % 7 === 0 ? '' : `b-é${i % 1000}`,
    c: `c${i}`,
  }));
  const file = join(work, 'dictionaries.native');
  encoderForColumns('dictionaries', columns)(rows, (chunks) => writeFileSync(file, Buffer.concat(chunks)));
  await json.command(
    'CREATE TABLE IF NOT EXISTS default.dictionaries (a LowCardinality(String), b LowCardinality(String), c LowCardinality(String)) ENGINE = MergeTree ORDER BY c'
  );
  await json.command(
    `INSERT INTO default.dictionaries SELECT * FROM file('${file}', 'Native', 'a LowCardinality(String), b LowCardinality(String), c LowCardinality(String)')`
  );
  const fingerprint = (from: string) =>
    json.query<Record<string, string>>(
      `SELECT count() AS n, uniqExact(a) AS ua, uniqExact(b) AS ub, uniqExact(c) AS uc, sum(cityHash64(a, b, c)) AS h FROM ${from}`
    );
  const expected = await fingerprint(
    `(SELECT concat('a', toString(number % 200)) AS a, if(number % 7 = 0, '', concat('b-é', toString(number % 1000))) AS b, concat('c', toString(number)) AS c FROM numbers(${n}))`
  );
  assert.deepEqual(await fingerprint('default.dictionaries'), expected);
  assert.deepEqual(expected, [{ n: '70000', ua: '200', ub: '1001', uc: '70000', h: expected[0].h }]);
});

test('a refused insert surfaces as the engine said it, and leaves no scratch file', async () => {
  const dirs = () => readdirSync(scratchParent).filter((d) => d.startsWith('netmon-insert-'));
  await binary.insert('agent_health', [healthRow()]);
  assert.equal(dirs().length, 1);
  const scratch = join(scratchParent, dirs()[0]);
  assert.deepEqual(readdirSync(scratch), []);

  await json.command(`ALTER TABLE ${DATABASE}.agent_health ADD CONSTRAINT short_interval CHECK interval_ms < 60000`);
  try {
    const refused = await binary.insert('agent_health', [healthRow({ interval_ms: 90_000 })]).catch((e: unknown) => e);
    assert.ok(refused instanceof Error, String(refused));
    assert.match(refused.message, /short_interval/);
    assert.equal((refused as { code?: string }).code, '469'); // VIOLATED_CONSTRAINT
    assert.equal(failureKind(refused), undefined);
  } finally {
    await json.command(`ALTER TABLE ${DATABASE}.agent_health DROP CONSTRAINT short_interval`);
  }
  assert.deepEqual(readdirSync(scratch), []);

  // A bad row never reaches the engine.
  await assert.rejects(
    binary.insert('connections', [connectionRow({ local_ip: 'not-an-ip' })]),
    /^Error: connections\.local_ip, row 0: "not-an-ip"; expected an IPv4 or IPv6 address/
  );
  assert.deepEqual(readdirSync(scratch), []);
});

test('a full scratch disk fails the insert as unavailable (the batch waits), and leaves nothing behind', async (t) => {
  if (process.getuid?.() !== 0) {
    t.skip('mounting a small tmpfs needs root');
    return;
  }
  const mount = join(work, 'tiny');
  mkdirSync(mount);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'netmon-scratch-full', mount]);
  const full = storeFromClient(client, 'native on a full scratch disk', {
    insertFormat: 'Native',
    scratchParent: mount,
  });
  try {
    const rows = rowsOf().connections;
    const error = await full.insert('connections', rows).catch((e: unknown) => e);
    assert.ok(error instanceof Error, String(error));
    assert.match(error.message, /^cannot write the insert's scratch file .*: ENOSPC$/);
    assert.equal(failureKind(error), 'unavailable');
    const [scratch] = readdirSync(mount);
    assert.deepEqual(readdirSync(join(mount, scratch)), []);
    // Small enough to fit, it goes in.
    await full.insert('agent_health', [healthRow({ ts: NOW + 200 })]);
  } finally {
    // Not full.close(): that would close the engine the other stores share.
    execFileSync('umount', ['-l', mount]);
  }
});
