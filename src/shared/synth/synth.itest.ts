import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openTestStore, queryNumbers, truncateAll } from '../../store/testStore';
import type { Store } from '../../store/store';
import { connectionsTop } from '../sql/connections';
import { dnsTop } from '../sql/dns';
import type { Tier } from '../sql/timeRange';
import { synthPlan } from './synthPlan';

const HOUR = 3_600_000;
// Whole hours ending at the last full hour: inside every TTL, and aligned to every tier's buckets.
const TO = Math.floor(Date.now() / HOUR) * HOUR;
const RANGE = { fromMs: TO - 6 * HOUR, toMs: TO };
const ROWS = 200_000;
const PODS = 2_000;
const TIERS: Tier[] = ['raw', 'minute', 'hour'];

let store: Store;

async function generate(seed: number): Promise<void> {
  await truncateAll(store);
  // Small chunks, so the run also proves that chunking does not change the rows.
  for (const step of synthPlan({ seed, connectionRows: ROWS, pods: PODS, ...RANGE }, 70_000).steps) {
    await store.command(step.query.sql, step.query.params);
  }
}

async function one(sql: string): Promise<Record<string, unknown>> {
  const [row] = await queryNumbers(store, { sql, params: {} });
  return row;
}

/** Order-independent digest of every row of a table. */
const digest = (table: string) => one(`SELECT count() AS n, sum(cityHash64(*)) AS h FROM netmon.${table}`);

before(async () => {
  store = await openTestStore();
  await generate(7);
});
after(async () => {
  await store.close();
});

describe('synthetic fleet, seed 7, 200k connection rows, 2,000 pods', () => {
  it('writes exactly the rows asked for: connections, a tenth as many DNS rows, one metadata row per pod', async () => {
    assert.deepEqual(await one('SELECT count() AS n FROM netmon.connections'), { n: ROWS });
    assert.deepEqual(await one('SELECT count() AS n FROM netmon.dns_queries'), { n: ROWS / 10 });
    assert.deepEqual(
      await one(
        'SELECT count() AS n, uniqExact(container_id) AS ids, uniqExact(pod) AS pods, uniqExact(ip) AS ips FROM netmon.container_metadata'
      ),
      { n: PODS, ids: PODS, pods: PODS, ips: PODS }
    );
  });

  it('uses nearly every pod, 30 namespaces, 3 clusters and ~80 nodes (25 pods a node)', async () => {
    const row = await one(`SELECT uniqExact(local_pod) AS pods, uniqExact(local_namespace) AS namespaces,
      uniqExact(local_cluster) AS clusters, uniqExact(node) AS nodes, uniqExact(local_ip) AS ips FROM netmon.connections`);
    assert.ok(Number(row.pods) >= PODS * 0.95 && Number(row.pods) <= PODS, `pods ${row.pods}`);
    assert.equal(row.ips, row.pods);
    assert.equal(row.namespaces, 30);
    assert.equal(row.clusters, 3);
    assert.ok(Number(row.nodes) >= 75 && Number(row.nodes) <= 81, `nodes ${row.nodes}`);
  });

  it('describes every pod of a row as container_metadata does', async () => {
    for (const side of ['local', 'remote']) {
      const row = await one(`SELECT count() AS rows, countIf(m.container_id = '') AS unknown,
        countIf(m.pod != c.${side}_pod OR m.namespace != c.${side}_namespace OR m.deployment != c.${side}_deployment
          OR m.cluster != c.${side}_cluster OR m.ip != c.${side}_ip
          OR m.node != ${side === 'local' ? 'c.node' : 'c.remote_node'}) AS different
        FROM netmon.connections AS c
        INNER JOIN netmon.container_metadata AS m ON m.container_id = c.${side}_container_id`);
      assert.equal(row.different, 0, `${side} side`);
      assert.ok(Number(row.rows) > ROWS * 0.8, `${side} side: ${row.rows} rows with a fleet pod`);
    }
  });

  it('skews traffic: the busiest server deployment takes 20x the median one', async () => {
    const row = await one(`SELECT max(n) AS top, median(n) AS med FROM (
      SELECT count() AS n FROM netmon.connections WHERE direction = 'outbound' AND remote_deployment != ''
      GROUP BY remote_deployment)`);
    assert.ok(Number(row.top) > 20 * Number(row.med), `top ${row.top}, median ${row.med}`);
  });

  it('sees an in-fleet connection from both ends with the same bytes, and external peers by name', async () => {
    const row = await one(`SELECT
      sumIf(bytes_tx, direction = 'outbound' AND remote_pod != '') AS client_sent,
      sumIf(bytes_rx, direction = 'inbound') AS server_received,
      countIf(direction = 'outbound' AND remote_pod = '' AND remote_dns_name != '') AS named_external,
      countIf(direction = 'outbound' AND remote_pod != '' AND remote_service = '') AS undialed
      FROM netmon.connections`);
    assert.equal(row.client_sent, row.server_received);
    assert.ok(Number(row.named_external) > ROWS * 0.05, `named external rows ${row.named_external}`);
    assert.equal(row.undialed, 0);
  });

  it('has a few failures, resets and retransmits, more of them on lossy pairs', async () => {
    const row = await one(`SELECT countIf(state = 'failed') / count() AS failed, sum(resets) AS resets,
      countIf(retransmits > 0) / count() AS retransmitting, countIf(rtt_us > 0) / count() AS with_rtt
      FROM netmon.connections`);
    assert.ok(Number(row.failed) > 0.002 && Number(row.failed) < 0.05, `failed share ${row.failed}`);
    assert.ok(Number(row.resets) > 0);
    assert.ok(Number(row.retransmitting) > 0.005 && Number(row.retransmitting) < 0.2, `${row.retransmitting}`);
    assert.ok(Number(row.with_rtt) > 0.8, `rows with an RTT ${row.with_rtt}`);
  });

  it('answers DNS mostly NOERROR, with NXDOMAIN, SERVFAIL and TIMEOUT shares, external names slower', async () => {
    const rows = await queryNumbers(store, {
      sql: `SELECT rcode, count() / ${ROWS / 10} AS share FROM netmon.dns_queries GROUP BY rcode ORDER BY rcode`,
      params: {},
    });
    const share = Object.fromEntries(rows.map((r) => [r.rcode, Number(r.share)]));
    assert.deepEqual(Object.keys(share), ['NOERROR', 'NXDOMAIN', 'SERVFAIL', 'TIMEOUT']);
    assert.ok(share.NOERROR > 0.7 && share.NXDOMAIN > 0.1 && share.SERVFAIL < 0.02 && share.TIMEOUT < 0.02);
    const latency = await one(`SELECT
      avgIf(latency_us, qname LIKE '%.svc.cluster.local' AND rcode = 'NOERROR') AS fleet,
      avgIf(latency_us, qname NOT LIKE '%.svc.cluster.local' AND rcode = 'NOERROR') AS external
      FROM netmon.dns_queries`);
    assert.ok(Number(latency.external) > 5 * Number(latency.fleet), JSON.stringify(latency));
  });

  it('fills the rollups, which answer the same question as the raw rows', async () => {
    for (const table of ['connections_1m', 'connections_1h', 'dns_1m', 'dns_1h']) {
      assert.ok(Number((await one(`SELECT count() AS n FROM netmon.${table}`)).n) > 0, table);
    }
    const top = (tier: Tier) =>
      queryNumbers(
        store,
        connectionsTop({
          range: RANGE,
          tier,
          groupBy: ['dst_namespace', 'dst_deployment'],
          metrics: ['bytes', 'packets', 'opened', 'failed', 'retransmits', 'rtt_max_us'],
          limit: 50,
        })
      );
    const dns = (tier: Tier) =>
      queryNumbers(
        store,
        dnsTop({ range: RANGE, tier, groupBy: ['rcode', 'client_cluster'], metrics: ['queries', 'retries'] })
      );
    const rawTop = await top('raw');
    assert.equal(rawTop.length, 50);
    const rawDns = await dns('raw');
    for (const tier of TIERS.slice(1)) {
      assert.deepEqual(await top(tier), rawTop, `connections on the ${tier} tier`);
      assert.deepEqual(await dns(tier), rawDns, `DNS on the ${tier} tier`);
    }
  });

  it('writes the same rows for the same seed, and other rows for another seed', async () => {
    const first = {
      connections: await digest('connections'),
      dns: await digest('dns_queries'),
      meta: await digest('container_metadata'),
    };
    await generate(7);
    assert.deepEqual(
      {
        connections: await digest('connections'),
        dns: await digest('dns_queries'),
        meta: await digest('container_metadata'),
      },
      first
    );
    await generate(8);
    const other = await digest('connections');
    assert.equal(other.n, ROWS);
    assert.notEqual(other.h, first.connections.h);
    assert.notDeepEqual(await digest('container_metadata'), first.meta);
  });
});
