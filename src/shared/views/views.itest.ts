import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openTestStore, queryNumbers, truncateAll } from '../../store/testStore';
import type { Store } from '../../store/store';
import { inlineParams } from '../sql/escape';
import { CONNECTIONS, DNS_QUERIES, HOUR, T0 } from '../sql/testFixtures';
import {
  connectionsViewQueries,
  defaultConnectionsView,
  GROUP_BY_CHOICES,
  pairDrilldownQueries,
  selectorValuesQuery,
} from './connectionsView';
import { DNS_SELECTORS, dnsNameQueries, dnsSelectorValuesQuery, dnsViewQueries } from './dnsView';

let store: Store;
const RANGE = { fromMs: T0, toMs: T0 + HOUR };

before(async () => {
  store = await openTestStore();
  await truncateAll(store);
  await store.insert('connections', CONNECTIONS);
  await store.insert('dns_queries', DNS_QUERIES);
});
after(async () => {
  await store.close();
});

describe('page queries on the fixture', () => {
  it('every Connections query runs, bound and inlined alike, for every group-by choice', async () => {
    for (const g of Object.keys(GROUP_BY_CHOICES)) {
      const queries = connectionsViewQueries({ selectors: {}, groupBy: [g as never] }, RANGE, 60);
      for (const [name, q] of Object.entries(queries)) {
        const bound = await queryNumbers(store, q);
        const inlined = await store.query(inlineParams(q));
        assert.equal(inlined.length, bound.length, `${g}: ${name}`);
      }
    }
  });

  it('filtered by namespace and grouped by deployment, the flows are the fixture pairs', async () => {
    const q = connectionsViewQueries(
      { selectors: { dst_namespace: ['shop'] }, groupBy: ['src_deployment', 'dst_deployment'] },
      RANGE,
      60
    );
    const flows = await queryNumbers(store, q.flows);
    assert.deepEqual(
      flows.map((r) => [r.src_deployment, r.dst_deployment, r.bytes_src, r.bytes_dst, r.retransmits]),
      [
        ['web', 'api', 1500, 7600, 3],
        ['', 'api', 100, 200, 0],
      ]
    );
    const pair = pairDrilldownQueries(
      { selectors: { dst_namespace: ['shop'] }, groupBy: ['src_deployment', 'dst_deployment'] },
      { src_deployment: 'web', dst_deployment: 'api' },
      RANGE,
      60
    );
    const conns = await queryNumbers(store, pair.connections);
    assert.ok(conns.length >= 2, 'both observers list the connection');
    assert.ok(conns.every((c) => typeof c.comm === 'string' && Number(c.dst_port) > 0 && Number(c.pid) > 0));
  });

  it('a window shorter than a minute, starting mid-minute, still charts points inside it', async () => {
    const short = { fromMs: T0 + 500, toMs: T0 + 30_500 };
    const rows = await queryNumbers(store, connectionsViewQueries(defaultConnectionsView, short, 1).throughput);
    assert.ok(rows.length > 0, 'points in the window');
    for (const r of rows) {
      const t = Date.parse(`${String(r.time).replace(' ', 'T')}Z`);
      assert.ok(t >= short.fromMs && t < short.toMs, `point at ${String(r.time)} inside the window`);
    }
  });

  it('selector values come busiest first', async () => {
    const values = await queryNumbers(
      store,
      selectorValuesQuery({ selectors: {}, groupBy: [] }, 'dst_deployment', RANGE)
    );
    assert.deepEqual(
      values.map((v) => v.dst_deployment),
      ['api', '', 'coredns']
    );
  });

  it('DNS totals, failing names and the name drill-down', async () => {
    const q = dnsViewQueries({ selectors: {} }, RANGE, 60);
    assert.deepEqual(await queryNumbers(store, q.totals), [
      { queries: 7, errors: 3, error_ratio: 3 / 7, nxdomain: 1, servfail: 1, timeouts: 1 },
    ]);
    assert.deepEqual(
      (await queryNumbers(store, q.failingNames)).map((r) => [r.qname, r.errors, r.nxdomain, r.servfail, r.timeouts]),
      [
        ['db.internal', 2, 0, 1, 1],
        ['nope.example', 1, 1, 0, 0],
      ]
    );
    for (const [name, built] of Object.entries({
      ...q,
      ...dnsNameQueries({ selectors: {} }, 'db.internal', RANGE, 60),
    })) {
      await assert.doesNotReject(store.query(inlineParams(built)), name);
    }
    for (const dim of DNS_SELECTORS) {
      assert.ok((await queryNumbers(store, dnsSelectorValuesQuery({ selectors: {} }, dim, RANGE))).length > 0, dim);
    }
  });
});
