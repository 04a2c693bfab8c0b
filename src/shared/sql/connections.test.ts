import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connectionRelation } from './connectionRelation';
import { connectionsSeries, connectionsTop } from './connections';

const RANGE = { fromMs: 1700000000000, toMs: 1700000000000 + 3600_000 };
/** Spelled out once here; every expected string below is otherwise literal. */
const TIME =
  "c.ts >= fromUnixTimestamp64Milli({from_ms:Int64}, 'UTC') AND c.ts < fromUnixTimestamp64Milli({to_ms:Int64}, 'UTC')";
const PAIR =
  'c.protocol, c.src_cluster, c.src_namespace, c.src_deployment, c.src_pod, c.src_node, c.dst_cluster, c.dst_namespace, c.dst_deployment, c.dst_pod, c.dst_node, c.dst_port';
/** On the workload rollups (no pod in the view) a pair is a pair of workloads. */
const WL_PAIR =
  'c.protocol, c.src_cluster, c.src_namespace, c.src_deployment, c.src_node, c.dst_cluster, c.dst_namespace, c.dst_deployment, c.dst_node, c.dst_port';
const once = (col: string) =>
  `greatest(sumIf(c.${col}, c.direction = 'outbound'), sumIf(c.${col}, c.direction = 'inbound')) AS ${col}`;
const ALIGNED = { from_ms: 1699999980000, to_ms: 1700003640000 };

describe('connectionsTop', () => {
  it('reconciles per pair on the minute rollup, binds filters, orders by the chosen metric', () => {
    const q = connectionsTop({
      range: RANGE,
      groupBy: ['src_namespace', 'dst_service'],
      metrics: ['bytes', 'retransmits'],
      orderBy: 'retransmits',
      filters: [
        { dim: 'dst_port', op: 'in', values: [443, '8080'] },
        { dim: 'dst_namespace', op: 'neq', value: "O'Brien" },
      ],
      limit: 5,
    });
    assert.equal(
      q.sql,
      'SELECT c.src_namespace AS src_namespace, c.dst_service AS dst_service, sum(c.src_bytes) + sum(c.dst_bytes) AS bytes, sum(c.retransmits) AS retransmits\n' +
        `FROM (SELECT c.src_namespace AS src_namespace, anyIf(c.dst_service, c.direction = 'outbound') AS dst_service, ${once('src_bytes')}, ${once('dst_bytes')}, sum(c.retransmits) AS retransmits ` +
        `FROM netmon.connections_workload_1m AS c WHERE ${TIME} AND c.dst_port IN {f0:Array(UInt16)} AND c.dst_namespace != {f1:String} GROUP BY src_namespace, ${WL_PAIR}) AS c\n` +
        'GROUP BY src_namespace, dst_service\n' +
        'ORDER BY retransmits DESC, src_namespace, dst_service\n' +
        'LIMIT {limit:UInt32}'
    );
    assert.deepEqual(q.params, { ...ALIGNED, f0: [443, 8080], f1: "O'Brien", limit: 5 });
  });

  it('adds the order metric when missing, and computes only the measures the metrics read', () => {
    const q = connectionsTop({ range: RANGE, metrics: ['failed'], orderBy: 'rtt_avg_us' });
    assert.equal(
      q.sql,
      'SELECT sum(c.failed) AS failed, sum(c.rtt_sum_us) / nullIf(sum(c.rtt_samples), 0) AS rtt_avg_us\n' +
        `FROM (SELECT ${once('failed')}, sum(c.rtt_sum_us) AS rtt_sum_us, sum(c.rtt_samples) AS rtt_samples FROM netmon.connections_workload_1m AS c WHERE ${TIME} GROUP BY ${WL_PAIR}) AS c\n` +
        'ORDER BY rtt_avg_us DESC\n' +
        'LIMIT {limit:UInt32}'
    );
    assert.deepEqual(q.params, { ...ALIGNED, limit: 100 });
  });

  it('reads the hour rollup beyond 6 h and raw for raw-only dimensions, whatever the span', () => {
    const day = { fromMs: RANGE.fromMs, toMs: RANGE.fromMs + 24 * 3600_000 };
    assert.match(
      connectionsTop({ range: day, metrics: ['bytes'] }).sql,
      /FROM netmon\.connections_workload_1h AS c WHERE/
    );
    const raw = connectionsTop({
      range: day,
      metrics: ['bytes'],
      filters: [{ dim: 'src_ip', op: 'eq', value: '10.1.2.3' }],
    });
    assert.ok(raw.sql.includes(`FROM ${connectionRelation('raw')} WHERE`));
    assert.deepEqual(raw.params, { from_ms: 1700000000000, to_ms: 1700086400000, f0: '::ffff:10.1.2.3', limit: 100 });
    assert.ok(
      connectionsTop({ range: RANGE, metrics: ['bytes'], groupBy: ['comm'] }).sql.includes(connectionRelation('raw'))
    );
  });

  it('rejects unknown identifiers and bad values, naming the input and what is accepted', () => {
    const bad = (opts: object) => () =>
      connectionsTop({ range: RANGE, metrics: ['bytes'], ...opts } as Parameters<typeof connectionsTop>[0]);
    assert.throws(
      bad({ groupBy: ['dst_namespace; DROP TABLE x'] }),
      /unknown connection dimension "dst_namespace; DROP TABLE x"; accepted: protocol, direction, src_cluster, .*, dst_container$/
    );
    assert.throws(
      bad({ metrics: ['bytes) --'] }),
      /unknown connection metric "bytes\) --"; accepted: bytes, bytes_src, .*, rtt_max_us$/
    );
    assert.throws(
      bad({ filters: [{ dim: 'local_ip', op: 'eq', value: 'x' }] }),
      /unknown connection filter dimension "local_ip"/
    );
    assert.throws(
      bad({ filters: [{ dim: 'dst_pod', op: 'like', value: 'x' }] }),
      /unknown operator in the filter on dst_pod "like"; accepted: eq, neq, in, notIn/
    );
    assert.throws(
      bad({ filters: [{ dim: 'dst_port', op: 'eq', value: '80; --' }] }),
      /connection filter on dst_port: expected a port/
    );
    assert.throws(
      bad({ filters: [{ dim: 'protocol', op: 'eq', value: 'icmp' }] }),
      /connection filter on protocol: expected one of tcp, udp, got "icmp"/
    );
    assert.throws(
      bad({ filters: [{ dim: 'dst_pod', op: 'in', value: 'x' }] }),
      /connection filter on dst_pod: operator in expects a list in "values"/
    );
    assert.throws(bad({ metrics: [] }), /connection query: expected at least one metric; accepted: bytes/);
    assert.throws(bad({ limit: 0 }), /connection top limit: expected an integer 1-10000, got 0/);
    assert.throws(
      bad({ tier: 'minute', groupBy: ['remote_ip'] }),
      /pinned to the minute table uses a dimension only the raw table has/
    );
    assert.throws(bad({ tier: 'daily' }), /unknown tier "daily"; accepted: raw, minute, hour/);
  });
});

describe('grain', () => {
  it('a pod or a node, grouped or filtered (in anyOf too), reads the pod-keyed rollups with pod pairs', () => {
    const views = [
      { groupBy: ['src_pod' as const] },
      { filters: [{ dim: 'dst_node' as const, op: 'eq' as const, value: 'n1' }] },
      { filters: [{ op: 'anyOf' as const, anyOf: [[{ dim: 'src_node' as const, op: 'eq' as const, value: 'n1' }]] }] },
    ];
    for (const view of views) {
      const sql = connectionsTop({ range: RANGE, metrics: ['bytes'], ...view }).sql;
      assert.ok(sql.includes('FROM netmon.connections_1m AS c'), sql);
      assert.ok(sql.includes(`GROUP BY ${view.groupBy ? 'src_pod, ' : ''}${PAIR})`), sql);
    }
    const day = { fromMs: RANGE.fromMs, toMs: RANGE.fromMs + 24 * 3600_000 };
    assert.match(
      connectionsTop({ range: day, metrics: ['bytes'], groupBy: ['dst_pod'] }).sql,
      /FROM netmon\.connections_1h AS c/
    );
    // Raw has every column: a pair there is a pod pair, whatever the query names.
    const raw = connectionsTop({ range: RANGE, metrics: ['bytes'], groupBy: ['comm'] }).sql;
    assert.ok(raw.includes(`GROUP BY comm, ${PAIR})`), raw);
  });
});

describe('connectionsSeries', () => {
  it('buckets by the rounded step and keeps the top-k split values, ranked over the same window', () => {
    const q = connectionsSeries({
      range: RANGE,
      stepSeconds: 90,
      metrics: ['bytes_per_s'],
      splitBy: 'dst_namespace',
      seriesLimit: 3,
    });
    const inner = (keys: string, group: string, extra: string) =>
      `SELECT ${keys}, ${once('src_bytes')}, ${once('dst_bytes')} FROM netmon.connections_workload_1m AS c WHERE ${TIME}${extra} GROUP BY ${group}, ${WL_PAIR}`;
    const rank =
      'SELECT c.dst_namespace AS dst_namespace, (sum(c.src_bytes) + sum(c.dst_bytes)) / {bucket_s:UInt32} AS bytes_per_s ' +
      `FROM (${inner('c.dst_namespace AS dst_namespace', 'dst_namespace', '')}) AS c GROUP BY dst_namespace ORDER BY bytes_per_s DESC, dst_namespace LIMIT {series_limit:UInt32}`;
    const time = "toDateTime(toStartOfInterval(c.ts, toIntervalSecond({bucket_s:UInt32})), 'UTC') AS time";
    assert.equal(
      q.sql,
      'SELECT c.time AS time, c.dst_namespace AS dst_namespace, (sum(c.src_bytes) + sum(c.dst_bytes)) / {bucket_s:UInt32} AS bytes_per_s\n' +
        `FROM (${inner(`${time}, c.dst_namespace AS dst_namespace`, 'time, dst_namespace', ` AND c.dst_namespace IN (SELECT dst_namespace FROM (${rank}))`)}) AS c\n` +
        'GROUP BY time, dst_namespace\n' +
        'ORDER BY time, dst_namespace'
    );
    assert.deepEqual(q.params, { ...ALIGNED, bucket_s: 120, series_limit: 3 });
  });

  it('without a split, one row per bucket; an hour-long step on the hour rollup', () => {
    const q = connectionsSeries({
      range: { fromMs: RANGE.fromMs, toMs: RANGE.fromMs + 7 * 3600_000 },
      stepSeconds: 60,
      metrics: ['retransmits'],
    });
    assert.equal(
      q.sql,
      'SELECT c.time AS time, sum(c.retransmits) AS retransmits\n' +
        `FROM (SELECT toDateTime(toStartOfInterval(c.ts, toIntervalSecond({bucket_s:UInt32})), 'UTC') AS time, sum(c.retransmits) AS retransmits FROM netmon.connections_workload_1h AS c WHERE ${TIME} GROUP BY time, ${WL_PAIR}) AS c\n` +
        'GROUP BY time\n' +
        'ORDER BY time'
    );
    assert.equal(q.params.bucket_s, 3600);
  });
});

describe('connection raw relation', () => {
  it("orients raw rows client to server with the materialized views' expressions", () => {
    const out = (a: string, b: string, name: string) => `if(direction = 'outbound', ${a}, ${b}) AS ${name}`;
    assert.equal(
      connectionRelation('raw'),
      '(SELECT ts, protocol, direction, ' +
        [
          out('local_cluster', 'remote_cluster', 'src_cluster'),
          out('local_namespace', 'remote_namespace', 'src_namespace'),
          out('local_deployment', 'remote_deployment', 'src_deployment'),
          out('local_pod', 'remote_pod', 'src_pod'),
          out('node', 'remote_node', 'src_node'),
          out('remote_cluster', 'local_cluster', 'dst_cluster'),
          out('remote_namespace', 'local_namespace', 'dst_namespace'),
          out('remote_deployment', 'local_deployment', 'dst_deployment'),
          out('remote_pod', 'local_pod', 'dst_pod'),
          out('remote_node', 'node', 'dst_node'),
          out('remote_service', "''", 'dst_service'),
          out('remote_dns_name', "''", 'dst_dns_name'),
          out('remote_port', 'local_port', 'dst_port'),
          out('bytes_tx', 'bytes_rx', 'src_bytes'),
          out('bytes_rx', 'bytes_tx', 'dst_bytes'),
          out('packets_tx', 'packets_rx', 'src_packets'),
          out('packets_rx', 'packets_tx', 'dst_packets'),
        ].join(', ') +
        ", retransmits, resets, opened, state = 'failed' AS failed, state = 'closed' AS closed, if(rtt_us > 0, rtt_us, 0) AS rtt_sum_us, rtt_us > 0 AS rtt_samples, rtt_us AS rtt_max_us, remote_ip, remote_port, " +
        out('local_port', 'remote_port', 'src_port') +
        ', node AS observer, ' +
        [out('local_ip', 'remote_ip', 'src_ip'), out('remote_ip', 'local_ip', 'dst_ip')].join(', ') +
        ', comm, pid, ' +
        [
          out('local_container', 'remote_container', 'src_container'),
          out('remote_container', 'local_container', 'dst_container'),
        ].join(', ') +
        ' FROM netmon.connections) AS c'
    );
    assert.equal(connectionRelation('minute'), 'netmon.connections_1m AS c');
    assert.equal(connectionRelation('minute', 'netmon', 'workload'), 'netmon.connections_workload_1m AS c');
    assert.equal(connectionRelation('hour'), 'netmon.connections_1h AS c');
  });
});

describe('database option', () => {
  const range = { fromMs: 1700000000000, toMs: 1700003600000 };
  it('reads the configured database on every tier', () => {
    const top = connectionsTop({ range, metrics: ['bytes'], database: 'fleet_b' });
    assert.match(top.sql, /FROM fleet_b\.connections_workload_1m AS c/);
    assert.doesNotMatch(top.sql, /netmon\./);
    const raw = connectionsTop({ range, metrics: ['bytes'], groupBy: ['comm'], database: 'fleet_b' });
    assert.match(raw.sql, /FROM fleet_b\.connections\) AS c/);
  });
  it('rejects a database that is not a plain name, naming it', () => {
    for (const bad of ['', 'a.b', 'x; DROP TABLE t', '`q`', '1db', 'a b', 'n\u0000']) {
      assert.throws(
        () => connectionsTop({ range, metrics: ['bytes'], database: bad }),
        (e: Error) => e.message.startsWith(`database ${JSON.stringify(bad)}: expected a plain ClickHouse name`)
      );
    }
  });
});
