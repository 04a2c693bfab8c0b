import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DATABASE, connectionsRollupColumns, dnsRollupColumns } from '../shared/schema';
import { connectionRow, dnsQueryRow } from './sampleRows';
import type { Store } from './store';
import { openTestStore, truncateAll } from './testStore';

/** The materialized views against the semantics the SQL builders rely on (see sql/0002_rollups.sql). */
let store: Store;
before(async () => {
  store = await openTestStore();
});
after(async () => {
  await store.close();
});

// Ten minutes into an hour two hours ago: inside every TTL, and the next minute is the same hour.
const HOUR = Math.floor((Date.now() - 2 * 3_600_000) / 3_600_000) * 3_600_000;
const MINUTE0 = HOUR + 10 * 60_000;
const MINUTE1 = MINUTE0 + 60_000;
const seconds = (ms: number) => ms / 1000;

/** Reads a connection rollup merged per key, whatever parts the engine has merged so far. */
async function connectionRollup(table: string) {
  const entries = Object.entries(connectionsRollupColumns);
  const keys = entries.filter(([, c]) => !c.type.startsWith('SimpleAggregateFunction')).map(([n]) => n);
  const metrics = entries
    .filter(([, c]) => c.type.startsWith('SimpleAggregateFunction'))
    .map(([n, c]) => `${c.type.includes('(max,') ? 'max' : 'sum'}(${n}) AS ${n}`);
  const select = keys.map((k) => (k === 'ts' ? 'toUnixTimestamp(ts) AS ts' : k));
  return store.query<Record<string, unknown>>(
    `SELECT ${[...select, ...metrics].join(', ')} FROM ${DATABASE}.${table}
     GROUP BY ${keys.join(', ')} ORDER BY ts, direction`
  );
}

const clientSide = {
  src_cluster: 'prod',
  src_namespace: 'shop',
  src_deployment: 'web',
  src_pod: 'web-1',
  src_node: 'node-a',
};
const serverSide = {
  dst_cluster: 'prod',
  dst_namespace: 'db',
  dst_deployment: 'pg',
  dst_pod: 'pg-0',
  dst_node: 'node-b',
};
const zeroMetrics = {
  src_bytes: '0',
  dst_bytes: '0',
  src_packets: '0',
  dst_packets: '0',
  retransmits: '0',
  resets: '0',
  opened: '0',
  failed: '0',
  closed: '0',
  rtt_sum_us: '0',
  rtt_samples: '0',
  rtt_max_us: 0,
};

test('connection rollups orient both observing sides client to server and sum each metric', async () => {
  await truncateAll(store);
  await store.insert('connections', [
    // The client's view: two rows of one connection in minute 0, a failed connect in minute 1.
    connectionRow({
      ts: MINUTE0 + 1000,
      ...{ bytes_tx: 100, bytes_rx: 1000, packets_tx: 3, packets_rx: 5, retransmits: 2, rtt_us: 300 },
      opened: 1,
    }),
    connectionRow({
      ts: MINUTE0 + 2000,
      ...{ bytes_tx: 10, bytes_rx: 20, packets_tx: 1, packets_rx: 2, retransmits: 1, resets: 1, rtt_us: 500 },
      state: 'closed',
      duration_ms: 5000,
    }),
    connectionRow({ ts: MINUTE1 + 500, connection_id: '2', state: 'failed', opened: 1, local_port: 40001 }),
    // The server's view of the first connection; its peer service/name must not become dst's.
    connectionRow({
      ts: MINUTE0 + 1500,
      node: 'node-b',
      direction: 'inbound',
      ...{ local_namespace: 'db', local_deployment: 'pg', local_pod: 'pg-0', local_port: 5432 },
      ...{ remote_namespace: 'shop', remote_deployment: 'web', remote_pod: 'web-1', remote_port: 40000 },
      ...{ remote_node: 'node-a', remote_service: 'not-a-service', remote_dns_name: 'client.example' },
      ...{ bytes_tx: 1000, bytes_rx: 100, packets_tx: 5, packets_rx: 3 },
      opened: 1,
    }),
  ]);

  const outboundKeys = { protocol: 'tcp', direction: 'outbound', ...clientSide, ...serverSide };
  const outbound0 = {
    ...outboundKeys,
    dst_service: 'db/pg',
    dst_dns_name: 'pg.db.svc.cluster.local',
    dst_port: 5432,
  };
  const inbound0 = {
    ts: seconds(MINUTE0),
    ...outboundKeys,
    direction: 'inbound',
    dst_service: '',
    dst_dns_name: '',
    dst_port: 5432,
    ...zeroMetrics,
    src_bytes: '100',
    dst_bytes: '1000',
    src_packets: '3',
    dst_packets: '5',
    opened: '1',
  };
  const connectedMetrics = {
    src_bytes: '110',
    dst_bytes: '1020',
    src_packets: '4',
    dst_packets: '7',
    retransmits: '3',
    resets: '1',
    closed: '1',
    rtt_sum_us: '800',
    rtt_samples: '2',
    rtt_max_us: 500,
  };

  assert.deepEqual(await connectionRollup('connections_1m'), [
    { ts: seconds(MINUTE0), ...outbound0, ...zeroMetrics, ...connectedMetrics, opened: '1' },
    inbound0,
    { ts: seconds(MINUTE1), ...outbound0, ...zeroMetrics, opened: '1', failed: '1' },
  ]);
  assert.deepEqual(await connectionRollup('connections_1h'), [
    { ts: seconds(HOUR), ...outbound0, ...zeroMetrics, ...connectedMetrics, opened: '2', failed: '1' },
    { ...inbound0, ts: seconds(HOUR) },
  ]);
});

async function dnsRollup(table: string) {
  const keys = Object.entries(dnsRollupColumns)
    .filter(([, c]) => !c.type.includes('AggregateFunction'))
    .map(([n]) => n);
  return store.query<Record<string, unknown>>(
    `SELECT toUnixTimestamp(ts) AS ts, rcode, sum(queries) AS queries, sum(retries) AS retries,
            sum(latency_sum_us) AS latency_sum_us, quantilesTDigestMerge(0, 1)(latency) AS q
     FROM ${DATABASE}.${table} GROUP BY ${keys.join(', ')} ORDER BY ts, rcode`
  );
}

test('DNS rollups count questions and keep timeouts out of the latency', async () => {
  await truncateAll(store);
  await store.insert('dns_queries', [
    dnsQueryRow({ ts: MINUTE0 + 1000, latency_us: 1000, retries: 1, answers: ['10.0.0.2'] }),
    dnsQueryRow({ ts: MINUTE0 + 2000, latency_us: 3000 }),
    dnsQueryRow({ ts: MINUTE0 + 3000, rcode: 'TIMEOUT', latency_us: 0, retries: 2 }),
    dnsQueryRow({ ts: MINUTE1 + 1000, latency_us: 2000 }),
  ]);
  const m = await dnsRollup('dns_1m');
  assert.deepEqual(
    m.map(({ q: _q, ...rest }) => rest),
    [
      { ts: seconds(MINUTE0), rcode: 'NOERROR', queries: '2', retries: '1', latency_sum_us: '4000' },
      { ts: seconds(MINUTE0), rcode: 'TIMEOUT', queries: '1', retries: '2', latency_sum_us: '0' },
      { ts: seconds(MINUTE1), rcode: 'NOERROR', queries: '1', retries: '0', latency_sum_us: '2000' },
    ]
  );
  // Smallest and largest: a TIMEOUT's latency 0 in the digest would show as the smallest.
  assert.deepEqual(m[0].q, [1000, 3000]);
  // An empty digest: the TIMEOUT's latency 0 never entered it.
  assert.ok(
    (m[1].q as unknown[]).every((v) => v === null || Number.isNaN(Number(v))),
    `got ${JSON.stringify(m[1].q)}`
  );
  assert.deepEqual(m[2].q, [2000, 2000]);

  const h = await dnsRollup('dns_1h');
  assert.deepEqual(
    h.map(({ q: _q, ...rest }) => rest),
    [
      { ts: seconds(HOUR), rcode: 'NOERROR', queries: '3', retries: '1', latency_sum_us: '6000' },
      { ts: seconds(HOUR), rcode: 'TIMEOUT', queries: '1', retries: '2', latency_sum_us: '0' },
    ]
  );
  assert.deepEqual(h[0].q, [1000, 3000]);
});

test('only the minute view reads the raw connections; the other three read a rollup (sql/0009)', async () => {
  const rows = await store.query<{ name: string; views: string[] }>(
    `SELECT name, arraySort(arrayFilter(v -> v LIKE 'connections%', dependencies_table)) AS views
     FROM system.tables WHERE database = {database:String} AND name IN {names:Array(String)} ORDER BY name`,
    { database: DATABASE, names: ['connections', 'connections_1m', 'connections_1h', 'connections_workload_1m'] }
  );
  assert.deepEqual(rows, [
    { name: 'connections', views: ['connections_1m_mv'] },
    { name: 'connections_1h', views: [] },
    { name: 'connections_1m', views: ['connections_1h_mv', 'connections_workload_1m_mv'] },
    { name: 'connections_workload_1m', views: ['connections_workload_1h_mv'] },
  ]);
});
