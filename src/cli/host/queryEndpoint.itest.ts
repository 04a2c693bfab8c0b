import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { connectionRow, dnsQueryRow } from '../../store/sampleRows';
import type { Store } from '../../store/store';
import { openTestStore } from '../../store/testStore';
import { handleDsQuery, QueryFormat, type DsQuery } from './queryEndpoint';

let store: Store;
// A whole minute ten minutes ago: inside every TTL, and rows land in known one-minute buckets.
const BASE = Math.floor((Date.now() - 10 * 60_000) / 60_000) * 60_000;
const RANGE = { from: String(BASE), to: String(BASE + 120_000) };

before(async () => {
  store = await openTestStore();
  await store.insert('connections', [
    connectionRow({ ts: BASE + 1000, bytes_tx: 100, local_deployment: 'web' }),
    connectionRow({ ts: BASE + 2000, bytes_tx: 50, local_deployment: 'api' }),
    connectionRow({ ts: BASE + 61_000, bytes_tx: 7, local_deployment: 'web' }),
    // Outside the range: $__timeFilter must drop it.
    connectionRow({ ts: BASE - 60_000, bytes_tx: 1_000_000, local_deployment: 'web' }),
  ]);
  await store.insert('dns_queries', [
    dnsQueryRow({ ts: BASE + 5000, rcode: 'NXDOMAIN', latency_us: 900 }),
    dnsQueryRow({ ts: BASE + 6000, latency_us: 300 }),
  ]);
});
after(async () => {
  await store.close();
});

const query = (refId: string, rawSql: string, format = QueryFormat.Table): DsQuery => ({
  refId,
  datasource: { uid: 'netmon-clickhouse', type: 'grafana-clickhouse-datasource' },
  rawSql,
  format,
  intervalMs: 60_000,
  maxDataPoints: 100,
});

function frameOf(result: unknown) {
  const r = result as {
    status: number;
    frames: Array<{ schema: { fields: Array<Record<string, unknown>> }; data: { values: unknown[][] } }>;
  };
  assert.equal(r.status, 200, JSON.stringify(result));
  assert.equal(r.frames.length, 1);
  return r.frames[0];
}

test('a time-series query expands $__timeFilter and $__timeInterval and answers time and number fields', async () => {
  const sql = `SELECT $__timeInterval(ts) AS time, sum(bytes_tx) AS bytes FROM netmon.connections
    WHERE $__timeFilter(ts) GROUP BY time ORDER BY time`;
  const res = await handleDsQuery(store, { ...RANGE, queries: [query('A', sql, QueryFormat.TimeSeries)] });
  const frame = frameOf(res.results.A);
  assert.deepEqual(
    frame.schema.fields.map((f) => [f.name, f.type]),
    [
      ['time', 'time'],
      ['bytes', 'number'],
    ]
  );
  assert.deepEqual(frame.data.values, [
    [BASE, BASE + 60_000],
    [150, 7],
  ]);
});

test('a long time series becomes one labelled number field per dimension value, as the datasource answers', async () => {
  const sql = `SELECT $__timeInterval(ts) AS time, local_deployment AS deployment, sum(bytes_tx) AS bytes
    FROM netmon.connections WHERE $__timeFilter(ts) GROUP BY time, deployment ORDER BY time, deployment`;
  const res = await handleDsQuery(store, { ...RANGE, queries: [query('A', sql, QueryFormat.TimeSeries)] });
  const frame = frameOf(res.results.A);
  assert.deepEqual(
    frame.schema.fields.map((f) => [f.name, f.type, f.labels]),
    [
      ['time', 'time', undefined],
      ['bytes', 'number', { deployment: 'api' }],
      ['bytes', 'number', { deployment: 'web' }],
    ]
  );
  assert.deepEqual(frame.data.values, [
    [BASE, BASE + 60_000],
    [50, null],
    [100, 7],
  ]);
});

test('a table query keeps its rows, strings as strings and 64-bit integers as numbers', async () => {
  const sql = `SELECT local_deployment AS deployment, count() AS rows, sum(bytes_tx) AS bytes, max(ts) AS last
    FROM netmon.connections WHERE $__timeFilter_ms(ts) GROUP BY deployment ORDER BY deployment`;
  const frame = frameOf((await handleDsQuery(store, { ...RANGE, queries: [query('T', sql)] })).results.T);
  assert.deepEqual(
    frame.schema.fields.map((f) => [f.name, f.type]),
    [
      ['deployment', 'string'],
      ['rows', 'number'],
      ['bytes', 'number'],
      ['last', 'time'],
    ]
  );
  assert.deepEqual(frame.data.values, [
    ['api', 'web'],
    [1, 2],
    [50, 107],
    [BASE + 2000, BASE + 61_000],
  ]);
});

test("a rollup's SimpleAggregateFunction column is a number, as the datasource's driver reads it", async () => {
  const sql = `SELECT max(rtt_max_us) AS rtt_max, toTypeName(any(rtt_max_us)) AS stored FROM netmon.connections_1m WHERE $__timeFilter(ts)`;
  const frame = frameOf((await handleDsQuery(store, { ...RANGE, queries: [query('S', sql)] })).results.S);
  assert.match(String(frame.data.values[1][0]), /^SimpleAggregateFunction\(max, UInt32\)$/);
  const rows = await handleDsQuery(store, {
    ...RANGE,
    queries: [query('R', 'SELECT any(rtt_max_us) AS rtt_max FROM netmon.connections_1m WHERE $__timeFilter(ts)')],
  });
  assert.deepEqual(
    frameOf(rows.results.R).schema.fields.map((f) => [f.name, f.type]),
    [['rtt_max', 'number']]
  );
});

test("a failing query answers 400 with ClickHouse's first line under its refId only", async () => {
  const res = await handleDsQuery(store, {
    ...RANGE,
    queries: [query('bad', 'SELECT no_such_column FROM netmon.connections'), query('good', 'SELECT 1 AS one')],
  });
  const bad = res.results.bad as { status: number; error: string };
  assert.equal(bad.status, 400);
  assert.match(bad.error, /no_such_column/);
  assert.doesNotMatch(bad.error, /\n/);
  assert.deepEqual(frameOf(res.results.good).data.values, [[1]]);
});

test('a request without queries is refused with a message naming the expected shape', async () => {
  await assert.rejects(handleDsQuery(store, { from: '1', to: '2' }), /"queries" array/);
  await assert.rejects(handleDsQuery(store, { from: 'now-1h', to: '2', queries: [] }), /"from".*epoch milliseconds/);
});

test('every provisioned dashboard query answers 200 through the endpoint', async () => {
  const dir = join(__dirname, '../../../provisioning/dashboards/netmon');
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  assert.ok(files.length >= 3, `expected the three dashboards in ${dir}`);
  let count = 0;
  for (const file of files) {
    const dashboard = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
      panels: Array<{ title?: string; targets?: DsQuery[] }>;
    };
    for (const panel of dashboard.panels) {
      for (const target of panel.targets ?? []) {
        const res = await handleDsQuery(store, { ...RANGE, queries: [{ ...target, intervalMs: 60_000 }] });
        assert.equal(
          res.results[target.refId].status,
          200,
          `${file} "${panel.title}": ${JSON.stringify(res.results[target.refId])}`
        );
        count++;
      }
    }
  }
  assert.ok(count >= 10, `expected the dashboards' queries, found ${count}`);
});
