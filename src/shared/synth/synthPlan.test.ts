import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { columnNames } from '../schema';
import { inlineParams } from '../sql/escape';
import { createBinder } from '../sql/params';
import type { BuiltQuery } from '../sql/query';
import { fleetShape } from './fleetShape';
import { fleetSql } from './fleetSql';
import { helperSelect, insertSelect } from './insertSelect';
import { runSynthPlan, type SynthProgress } from './runSynthPlan';
import { synthPlan } from './synthPlan';

const TO = Date.UTC(2025, 5, 1);
const DAY = { fromMs: TO - 86_400_000, toMs: TO };

/** The column list of an INSERT, as written. */
const insertColumns = (sql: string) => /^INSERT INTO \w+\.\w+ \(([^)]*)\)/.exec(sql)![1].split(', ');

describe('fleetShape', () => {
  it('derives a 5,000-pod fleet: ~8 pods a deployment, 30 namespaces, 3 clusters, 25 pods a node', () => {
    assert.deepEqual(fleetShape({ seed: 1, connectionRows: 1000, ...DAY }), {
      seed: 1,
      connectionRows: 1000,
      dnsRows: 100,
      pods: 5000,
      deployments: 625,
      namespaces: 30,
      clusters: 3,
      nodesPerCluster: 67,
      database: 'netmon',
      ...DAY,
    });
  });

  it('keeps a tiny fleet whole: one pod is one deployment in one namespace, cluster and node', () => {
    const shape = fleetShape({ seed: 0, connectionRows: 0, pods: 1, dnsRows: 5, ...DAY });
    assert.deepEqual(
      [shape.deployments, shape.namespaces, shape.clusters, shape.nodesPerCluster, shape.dnsRows],
      [1, 1, 1, 1, 5]
    );
  });

  it('names the input and what was expected when it is wrong', () => {
    const bad: Array<[object, RegExp]> = [
      [{ seed: -1 }, /synth seed: expected an integer >= 0, got -1/],
      [{ seed: 1.5 }, /synth seed: expected an integer >= 0, got 1.5/],
      [{ connectionRows: -5 }, /synth connection rows: expected an integer >= 0, got -5/],
      [{ pods: 0 }, /synth pods: expected an integer >= 1, got 0/],
      [{ pods: 2_000_000 }, /synth pods: expected at most 1000000, got 2000000/],
      [{ dnsRows: NaN }, /synth DNS rows: expected an integer >= 0, got NaN/],
      [{ fromMs: TO, toMs: TO }, /time range: expected integer epoch milliseconds with 0 <= fromMs < toMs/],
      [{ fromMs: TO - 1000, toMs: TO }, /synth time range: expected at least 60 s, got 1000 ms/],
      [{ database: 'netmon; DROP' }, /synth database: expected a plain identifier, got "netmon; DROP"/],
    ];
    for (const [override, message] of bad) {
      assert.throws(() => fleetShape({ seed: 1, connectionRows: 10, ...DAY, ...override }), message);
    }
  });
});

describe('fleetSql', () => {
  const f = fleetSql(fleetShape({ seed: 42, connectionRows: 10, ...DAY }), createBinder());

  it('hashes by folding each argument into a salted sipHash with intHash64', () => {
    assert.equal(f.hash('pod'), "sipHash64({seed:UInt64}, 'pod')");
    assert.equal(
      f.hash('lossy', 'dc', 'ds'),
      "intHash64(bitXor(intHash64(bitXor(sipHash64({seed:UInt64}, 'lossy'), dc)), ds))"
    );
    assert.equal(f.uniform('x', 'n'), "(intHash64(bitXor(sipHash64({seed:UInt64}, 'x'), n)) / 18446744073709551616.)");
  });

  it('places the pods of deployment d at podStart(d) ..< podStart(d + 1), growing quadratically', () => {
    assert.equal(
      f.podStart('d'),
      'toUInt32((d) + floor(({pods:UInt32} - {deployments:UInt32}) * pow((d) / {deployments:UInt32}, 2)))'
    );
    assert.equal(f.podCount('d'), `(${f.podStart('(d) + 1')} - ${f.podStart('d')})`);
  });

  it('reads names from the arrays of its WITH clause, one array per attribute', () => {
    assert.equal(f.podName('lp'), 'fleet_pod_name[1 + (lp)]');
    assert.equal(f.deploymentName('ds'), 'fleet_deployment_name[1 + (ds)]');
    const names = [...f.with.matchAll(/ AS (fleet_\w+)/g)].map((m) => m[1]);
    assert.deepEqual(names, [
      'fleet_pod_deployment',
      'fleet_deployment_name',
      'fleet_deployment_namespace',
      'fleet_deployment_cluster_index',
      'fleet_deployment_cluster',
      'fleet_deployment_service',
      'fleet_deployment_service_ip',
      'fleet_deployment_port',
      'fleet_deployment_comm',
      'fleet_pod_name',
      'fleet_pod_node_index',
      'fleet_pod_node',
      'fleet_pod_ip',
      'fleet_pod_container_id',
      'fleet_pod_pid',
    ]);
  });
});

describe('insertSelect', () => {
  it('names the columns once and selects one aliased expression each over the helpers', () => {
    const shape = fleetShape({ seed: 1, connectionRows: 1, ...DAY, database: 'synth' });
    const fleet = { ...fleetSql(shape, createBinder()), with: 'WITH 1 AS one' };
    const source = helperSelect(
      [
        ['n', 'number'],
        ['k', 'n * 2'],
      ],
      'numbers(3)'
    );
    assert.equal(
      insertSelect(shape, 'connections', fleet, { a: 'n', b: 'k + one' }, source),
      [
        'INSERT INTO synth.connections (a, b)',
        'WITH 1 AS one',
        'SELECT\n  n AS a,\n  k + one AS b',
        'FROM (SELECT\n    number AS n,\n    n * 2 AS k\n  FROM numbers(3))',
      ].join('\n')
    );
  });
});

describe('synthPlan', () => {
  const plan = synthPlan({ seed: 9, connectionRows: 5_000_000, dnsRows: 1_000, pods: 100, ...DAY });

  it('writes metadata first, then connections and DNS in chunks that add up to the rows asked for', () => {
    assert.deepEqual(
      plan.steps.map((s) => [s.table, s.rows, s.query.params.first, s.query.params.rows]),
      [
        ['container_metadata', 100, undefined, undefined],
        ['connections', 2_000_000, 0, 2_000_000],
        ['connections', 2_000_000, 2_000_000, 2_000_000],
        ['connections', 1_000_000, 4_000_000, 1_000_000],
        ['dns_queries', 1_000, 0, 1_000],
      ]
    );
  });

  it('fills every column of each table, in the schema order, with every placeholder bound', () => {
    const byTable = new Map(plan.steps.map((s) => [s.table, s.query] as const));
    for (const [table, query] of byTable) {
      assert.deepEqual(insertColumns(query.sql), columnNames(table), table);
      assert.doesNotThrow(() => inlineParams(query), table);
      assert.equal(query.params.seed, 9, table);
    }
  });

  it('is the same text for the same inputs, and differs only in bound values for another seed', () => {
    const again = synthPlan({ seed: 9, connectionRows: 5_000_000, dnsRows: 1_000, pods: 100, ...DAY });
    assert.deepEqual(again, plan);
    const other = synthPlan({ seed: 10, connectionRows: 5_000_000, dnsRows: 1_000, pods: 100, ...DAY });
    assert.deepEqual(
      other.steps.map((s) => s.query.sql),
      plan.steps.map((s) => s.query.sql)
    );
    assert.equal(other.steps[1].query.params.seed, 10);
  });

  it('rejects a chunk size that is not a positive integer', () => {
    assert.throws(
      () => synthPlan({ seed: 1, connectionRows: 1, ...DAY }, 0),
      /synth chunk rows: expected a positive integer, got 0/
    );
  });
});

describe('runSynthPlan', () => {
  it('runs the statements in order and reports rows per table and overall after each', async () => {
    const plan = synthPlan({ seed: 1, connectionRows: 5, dnsRows: 3, pods: 2, ...DAY }, 2);
    const ran: BuiltQuery[] = [];
    const seen: SynthProgress[] = [];
    let clock = 0;
    const result = await runSynthPlan(
      plan,
      async (q) => {
        ran.push(q);
        clock += 10;
      },
      (p) => seen.push(p),
      () => clock
    );
    assert.deepEqual(
      ran,
      plan.steps.map((s) => s.query)
    );
    assert.deepEqual(
      seen.map((p) => [p.table, p.tableRows, p.tableTotal, p.rows, p.total, p.elapsedMs]),
      [
        ['container_metadata', 2, 2, 2, 10, 10],
        ['connections', 2, 5, 4, 10, 20],
        ['connections', 4, 5, 6, 10, 30],
        ['connections', 5, 5, 7, 10, 40],
        ['dns_queries', 2, 3, 9, 10, 50],
        ['dns_queries', 3, 3, 10, 10, 60],
      ]
    );
    assert.deepEqual(result, {
      rows: 10,
      elapsedMs: 60,
      tables: {
        container_metadata: { rows: 2, ms: 10 },
        connections: { rows: 5, ms: 30 },
        dns_queries: { rows: 3, ms: 20 },
      },
    });
  });
});
