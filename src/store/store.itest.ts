import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DATABASE, INGEST_TABLES, tables, type IngestRows, type IngestTable } from '../shared/schema';
import { migrate } from './migrate';
import { openStore } from './openStore';
import { agentHealthRow, connectionRow, containerMetadataRow, dnsQueryRow } from './sampleRows';
import type { Store } from './store';
import { StoreError } from './storeError';
import { openTestStore, truncateAll } from './testStore';

let store: Store;
before(async () => {
  store = await openTestStore();
});
after(async () => {
  await store.close();
});

async function liveTtl(table: string): Promise<string> {
  const [row] = await store.query<{ ttl: string }>(
    "SELECT extract(engine_full, 'TTL (.+? DAY|.+?\\\\(\\\\d+\\\\))') AS ttl FROM system.tables WHERE database = {db:String} AND name = {t:String}",
    { db: DATABASE, t: table }
  );
  return row.ttl;
}

test('a retention override reaches the live tables, and so does changing it again', async () => {
  const first = await migrate(store, { ttlDays: { raw: 3 } });
  assert.deepEqual(first.ttlChanges, [
    { table: 'connections', fromDays: 7, toDays: 3 },
    { table: 'dns_queries', fromDays: 7, toDays: 3 },
  ]);
  assert.equal(await liveTtl('connections'), 'toDateTime(ts) + toIntervalDay(3)');
  assert.equal(await liveTtl('dns_queries'), 'toDateTime(ts) + toIntervalDay(3)');
  assert.equal(await liveTtl('connections_1m'), 'ts + toIntervalDay(30)');

  const second = await migrate(store, { ttlDays: { raw: 5, hour: 400 } });
  assert.deepEqual(
    second.ttlChanges.map((c) => `${c.table} ${c.fromDays}->${c.toDays}`),
    [
      'connections 3->5',
      'dns_queries 3->5',
      'connections_1h 365->400',
      'connections_workload_1h 365->400',
      'dns_1h 365->400',
      'dns_workload_1h 365->400',
      'dns_client_1h 365->400',
    ]
  );
  assert.equal(await liveTtl('connections'), 'toDateTime(ts) + toIntervalDay(5)');
  assert.equal(await liveTtl('dns_1h'), 'ts + toIntervalDay(400)');
  // materialize_ttl_after_modify = 0: no part rewrite was queued.
  const [mutations] = await store.query<{ n: string }>(
    'SELECT count() AS n FROM system.mutations WHERE database = {db:String}',
    { db: DATABASE }
  );
  assert.equal(mutations.n, '0');

  // A plain migrate, as `netmon up` runs on every start, keeps what was set on purpose.
  const plain = await migrate(store);
  assert.deepEqual(plain.ttlChanges, []);
  assert.equal(await liveTtl('connections'), 'toDateTime(ts) + toIntervalDay(5)');
  await migrate(store, { ttlDays: { raw: 7 } });
  assert.equal(await liveTtl('connections'), 'toDateTime(ts) + toIntervalDay(7)');
  await assert.rejects(migrate(store, { ttlDays: { raw: 0 } }), /raw tier is 0 days/);
});

async function count(table: string, where = '1'): Promise<number> {
  const [row] = await store.query<{ n: string }>(`SELECT count() AS n FROM ${DATABASE}.${table} WHERE ${where}`);
  return Number(row.n);
}

test('a batch repeated with its dedup token is stored once, rollups included', async () => {
  await truncateAll(store);
  const batch = [connectionRow({ bytes_tx: 7 }), connectionRow({ connection_id: '2', bytes_tx: 9 })];
  await store.insert('connections', batch, 'batch-1');
  await store.insert('connections', batch, 'batch-1');
  assert.equal(await count('connections'), 2);
  // Every rollup, the ones fed by another rollup's view (sql/0009) too.
  for (const table of ['connections_1m', 'connections_1h', 'connections_workload_1m', 'connections_workload_1h']) {
    const [rolled] = await store.query<{ b: string }>(`SELECT sum(src_bytes) AS b FROM ${DATABASE}.${table}`);
    assert.equal(rolled.b, '16', table);
  }

  // A different batch under a new token, then the same rows without a token, twice: all kept.
  await store.insert('connections', [connectionRow({ connection_id: '3' })], 'batch-2');
  await store.insert('connections', batch);
  await store.insert('connections', batch);
  assert.equal(await count('connections'), 7);
});

function roundTripRows(): { [T in IngestTable]: IngestRows[T] } {
  const ts = Date.now() - 60_000 + 123;
  return {
    connections: connectionRow({
      ts,
      connection_id: '18446744073709551615',
      local_ip: '2001:db8::1',
      bytes_tx: 2 ** 40,
      rtt_us: 4_000_000_000,
      state: 'failed',
      opened: 1,
      local_container_id: 'c'.repeat(64),
    }),
    dns_queries: dnsQueryRow({ ts, qname: "it's.example", answers: ['10.0.0.2', 'a "quoted"\tname'], query_id: 65535 }),
    container_metadata: containerMetadataRow({ timestamp: ts, host_network: true }),
    agent_health: agentHealthRow({
      ts,
      lost_events: 1,
      malformed_lines: 2,
      map_full_errors: 3,
      bpftrace_restarts: 1,
      gap_start: ts - 5000,
      gap_end: ts - 1000,
      gap_reason: 'bpftrace exited: signal 9',
    }),
  };
}

/** Reads a row back in the shape it was written: epoch ms, IPv4 unmapped, UInt64 as text. */
function readBackSelect(table: IngestTable): string {
  return Object.entries(tables[table].columns)
    .map(([name, c]) => {
      if (c.type.startsWith('DateTime64')) {
        return `toUnixTimestamp64Milli(${name}) AS ${name}`;
      }
      if (c.type === 'IPv6') {
        return `replaceRegexpOne(toString(${name}), '^::ffff:', '') AS ${name}`;
      }
      return name;
    })
    .join(', ');
}

test('every ingest table takes its row type and gives the same values back', async () => {
  await truncateAll(store);
  const rows = roundTripRows();
  for (const table of INGEST_TABLES) {
    await store.insert(table, [rows[table]] as never);
    const back = await store.query<Record<string, unknown>>(
      `SELECT ${readBackSelect(table)} FROM ${DATABASE}.${table}`
    );
    const expected = Object.fromEntries(
      Object.entries(rows[table]).map(([name, value]) => {
        const type = tables[table].columns[name as keyof (typeof tables)[typeof table]['columns']].type;
        // 64-bit integers (epoch ms included) come back as text, so none loses precision.
        return [name, type === 'UInt64' || type.startsWith('DateTime64') ? String(value) : value];
      })
    );
    assert.deepEqual(back, [expected], table);
  }
});

test('typed parameters pass through to the engine', async () => {
  const [row] = await store.query<{ n: number; names: string[] }>(
    'SELECT {n:UInt16} + 1 AS n, {names:Array(String)} AS names',
    {
      n: 41,
      names: ["it's", 'b'],
    }
  );
  assert.deepEqual(row, { n: 42, names: ["it's", 'b'] });
  const text = await store.queryText('SELECT {s:String} AS s -- a trailing comment', 'TabSeparatedWithNames', {
    s: 'x\ty',
  });
  assert.equal(text, 's\nx\\ty\n');
});

test('openStore explains a bad URL, an unreachable server and an unusable data dir', async () => {
  await assert.rejects(
    openStore({ url: 'localhost 8123' }),
    (e: Error) => e instanceof StoreError && e.message.includes('"localhost 8123" is not a URL; expected e.g. http://')
  );
  await assert.rejects(
    openStore({ url: 'tcp://127.0.0.1:9000' }),
    (e: Error) => e instanceof StoreError && /uses tcp:; expected http:\/\/ or https:\/\//.test(e.message)
  );
  await assert.rejects(openStore({ url: 'http://user:secret@127.0.0.1:1' }), (e: Error) => {
    assert.ok(e instanceof StoreError, String(e));
    assert.match(e.message, /^ClickHouse at http:\/\/127\.0\.0\.1:1 did not answer: .*expected a ClickHouse server/);
    assert.ok(!e.message.includes('secret'), 'the password stays out of messages');
    return true;
  });

  // Root ignores permission bits, so use places nobody may write: sysfs, and a path through a file.
  await assert.rejects(
    openStore({ dataDir: '/sys/netmon-data' }),
    (e: Error) =>
      e instanceof StoreError && /^cannot create data dir \/sys\/netmon-data: E\w+; expected/.test(e.message)
  );
  const scratch = mkdtempSync(join(tmpdir(), 'netmon-store-'));
  try {
    const file = join(scratch, 'a-file');
    writeFileSync(file, '');
    await assert.rejects(
      openStore({ dataDir: file }),
      (e: Error) =>
        e instanceof StoreError &&
        e.message === `data dir ${file} is a file; expected a directory (pass another --data-dir)`
    );
    await assert.rejects(
      openStore({ dataDir: join(file, 'data') }),
      (e: Error) =>
        e instanceof StoreError && e.message.startsWith(`cannot create data dir ${join(file, 'data')}: ENOTDIR`)
    );
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});
