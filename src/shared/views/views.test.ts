import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  connectionsViewQueries,
  defaultConnectionsView,
  graphLevel,
  pairDrilldownQueries,
  selectorParents,
  selectorValuesQuery,
  validateGroupBy,
  viewFilters,
} from './connectionsView';
import { dnsNameQueries, dnsSelectorValuesQuery, dnsViewQueries } from './dnsView';

const RANGE = { fromMs: 1700000000000, toMs: 1700000000000 + 3600_000 };

describe('connections view', () => {
  it('turns selectors and graph clicks into filters, in a fixed order', () => {
    const filters = viewFilters({
      selectors: { dst_namespace: ['shop'], src_namespace: ['a', 'b'], src_pod: [] },
      groupBy: ['src_namespace', 'dst_namespace'],
      graph: { source: 'a' },
    });
    assert.deepEqual(filters, [
      { dim: 'src_namespace', op: 'in', values: ['a', 'b'] },
      { dim: 'dst_namespace', op: 'in', values: ['shop'] },
      { op: 'anyOf', anyOf: [[{ dim: 'src_namespace', op: 'eq', value: 'a' }]] },
    ]);
  });

  it('draws the graph at the finest side level grouped by', () => {
    assert.equal(graphLevel(defaultConnectionsView), 'deployment');
    assert.equal(graphLevel({ selectors: {}, groupBy: ['src_namespace', 'dst_pod'] }), 'pod');
    assert.equal(graphLevel({ selectors: {}, groupBy: ['src_node', 'dst_node'] }), 'node');
    assert.equal(graphLevel({ selectors: {}, groupBy: ['remote_ip'] }), 'deployment');
  });

  it('rejects an unknown or empty group-by with the accepted columns', () => {
    assert.throws(
      () => validateGroupBy(['src_namespace', 'bogus']),
      /unknown group-by column "bogus"; accepted: src_cluster, /
    );
    assert.throws(() => validateGroupBy([]), /group by: pick at least one of src_cluster/);
    assert.throws(
      () => connectionsViewQueries({ selectors: {}, groupBy: ["x' OR 1=1 --" as never] }, RANGE, 60),
      /unknown group-by column "x' OR 1=1 --"/
    );
  });

  it('reads the workload rollups by default, the pod rollups for a pod, and raw when grouping by remote IP', () => {
    const q = connectionsViewQueries(defaultConnectionsView, RANGE, 60);
    for (const [name, built] of Object.entries(q)) {
      assert.match(built.sql, /netmon\.connections_workload_1m AS c/, name);
    }
    const pods = connectionsViewQueries({ selectors: { dst_pod: ['api-1'] }, groupBy: ['src_deployment'] }, RANGE, 60);
    for (const [name, built] of Object.entries(pods)) {
      assert.match(built.sql, /netmon\.connections_1m AS c/, name);
    }
    const raw = connectionsViewQueries({ selectors: {}, groupBy: ['remote_ip', 'remote_port'] }, RANGE, 60);
    assert.match(raw.flows.sql, /FROM netmon\.connections\) AS c/);
    assert.match(raw.flows.sql, /GROUP BY remote_ip, remote_port/);
    assert.match(
      connectionsViewQueries({ ...defaultConnectionsView, database: 'other' }, RANGE, 60).flows.sql,
      /other\.connections_workload_1m/
    );
  });

  it('drills into one pair on top of the view, listing single connections from raw', () => {
    const q = pairDrilldownQueries(
      { selectors: { src_namespace: ['shop'] }, groupBy: ['src_deployment', 'dst_deployment'] },
      { src_deployment: 'web', dst_deployment: 'api' },
      RANGE,
      60
    );
    assert.deepEqual(Object.values(q.connections.params).slice(2, 5), [['shop'], 'web', 'api']);
    assert.match(
      q.connections.sql,
      /GROUP BY observer, direction, pid, comm, src_ip, src_port, dst_ip, dst_port, protocol/
    );
    assert.throws(() => pairDrilldownQueries(defaultConnectionsView, {}, RANGE, 60), /at least one group-by column/);
    assert.throws(
      () => pairDrilldownQueries(defaultConnectionsView, { nope: 'x' } as never, RANGE, 60),
      /unknown pair drill-down column "nope"/
    );
  });

  it('narrows selector values by the coarser levels of the same side only', () => {
    assert.deepEqual(selectorParents('dst_pod'), ['dst_cluster', 'dst_namespace', 'dst_deployment']);
    assert.deepEqual(selectorParents('src_node'), []);
    const q = selectorValuesQuery(
      { selectors: { src_namespace: ['shop'], dst_namespace: ['x'], src_pod: ['p'] }, groupBy: [] },
      'src_deployment',
      RANGE
    );
    assert.deepEqual(
      Object.values(q.params).filter((v) => Array.isArray(v)),
      [['shop']]
    );
    assert.throws(() => selectorValuesQuery(defaultConnectionsView, 'comm' as never, RANGE), /unknown selector "comm"/);
  });
});

describe('dns view', () => {
  it('counts failing names over failed questions only, and clients by workload', () => {
    const q = dnsViewQueries({ selectors: { client_namespace: ['shop'] } }, RANGE, 60);
    assert.match(q.failingNames.sql, /c\.rcode != \{f1:String\}/);
    assert.equal(q.failingNames.params.f1, 'NOERROR');
    assert.match(q.clients.sql, /GROUP BY client_namespace, client_deployment/);
    assert.match(q.totals.sql, /netmon\.dns_client_1m AS c/);
  });

  it('drills into a name on raw for answers, and rejects an empty name', () => {
    const q = dnsNameQueries({ selectors: {} }, 'api.example', RANGE, 60);
    assert.match(q.answers.sql, /arrayJoin\(c\.answers\)/);
    assert.throws(() => dnsNameQueries({ selectors: {} }, '', RANGE, 60), /expected a question name, got ""/);
  });

  it('narrows client selectors by coarser client levels, never node or resolver', () => {
    const view = { selectors: { client_namespace: ['a'], node: ['n'] } };
    assert.deepEqual(Object.values(dnsSelectorValuesQuery(view, 'client_pod', RANGE).params).filter(Array.isArray), [
      ['a'],
    ]);
    assert.deepEqual(Object.values(dnsSelectorValuesQuery(view, 'server_ip', RANGE).params).filter(Array.isArray), []);
  });
});
