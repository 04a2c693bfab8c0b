import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dnsErrorShareSeries, dnsNameDrilldown, dnsSeries, dnsTop } from './dns';
import { dnsRelation } from './dnsRelation';

const RANGE = { fromMs: 1700000000000, toMs: 1700000000000 + 3600_000 };
const TIME =
  "c.ts >= fromUnixTimestamp64Milli({from_ms:Int64}, 'UTC') AND c.ts < fromUnixTimestamp64Milli({to_ms:Int64}, 'UTC')";
const RAW =
  "(SELECT ts, node, client_cluster, client_namespace, client_deployment, client_pod, server_ip, qname, qtype, rcode, 1 AS queries, retries, if(rcode != 'TIMEOUT', latency_us, 0) AS latency_sum_us, latency_us AS latency, comm, pid, client_ip, client_container, container_id, answers FROM netmon.dns_queries) AS c";

describe('dnsTop', () => {
  it('merges latency digests on rollups and binds an IP filter as IPv6', () => {
    const q = dnsTop({
      range: RANGE,
      groupBy: ['qname'],
      metrics: ['queries', 'latency_p95_us'],
      filters: [{ dim: 'server_ip', op: 'eq', value: '10.0.0.53' }],
    });
    assert.equal(
      q.sql,
      'SELECT c.qname AS qname, sum(c.queries) AS queries, quantilesTDigestMerge(0.5, 0.95, 0.99)(c.latency)[2] AS latency_p95_us\n' +
        'FROM netmon.dns_workload_1m AS c\n' +
        `WHERE ${TIME} AND c.server_ip = {f0:IPv6}\n` +
        'GROUP BY qname\n' +
        'ORDER BY queries DESC, qname\n' +
        'LIMIT {limit:UInt32}'
    );
    assert.deepEqual(q.params, { from_ms: 1699999980000, to_ms: 1700003640000, f0: '::ffff:10.0.0.53', limit: 100 });
  });

  it('builds digests of answered questions on raw', () => {
    const q = dnsTop({ range: RANGE, groupBy: ['comm'], metrics: ['latency_p95_us'] });
    assert.equal(
      q.sql,
      "SELECT c.comm AS comm, quantilesTDigestIf(0.5, 0.95, 0.99)(c.latency, c.rcode != 'TIMEOUT')[2] AS latency_p95_us\n" +
        `FROM ${RAW}\n` +
        `WHERE ${TIME}\n` +
        'GROUP BY comm\n' +
        'ORDER BY latency_p95_us DESC, comm\n' +
        'LIMIT {limit:UInt32}'
    );
    assert.deepEqual(q.params, { from_ms: 1700000000000, to_ms: 1700003600000, limit: 100 });
    assert.equal(dnsRelation('raw'), RAW);
  });

  it('counts errors, including TIMEOUT, over all questions', () => {
    const q = dnsTop({
      range: { fromMs: RANGE.fromMs, toMs: RANGE.fromMs + 86400_000 },
      metrics: ['error_ratio', 'latency_avg_us'],
    });
    assert.equal(
      q.sql,
      "SELECT sumIf(c.queries, c.rcode != 'NOERROR') / sum(c.queries) AS error_ratio, sum(c.latency_sum_us) / nullIf(sumIf(c.queries, c.rcode != 'TIMEOUT'), 0) AS latency_avg_us\n" +
        'FROM netmon.dns_client_1h AS c\n' +
        `WHERE ${TIME}\n` +
        'ORDER BY error_ratio DESC\n' +
        'LIMIT {limit:UInt32}'
    );
  });

  it('rejects filters on answer (it expands rows) and unknown names', () => {
    assert.throws(
      () => dnsTop({ range: RANGE, metrics: ['queries'], filters: [{ dim: 'answer', op: 'eq', value: '1.2.3.4' }] }),
      /DNS dimension answer can group but not filter/
    );
    assert.throws(
      () => dnsSeries({ range: RANGE, stepSeconds: 60, metrics: ['queries'], splitBy: 'answer' }),
      /DNS dimension answer cannot split a series/
    );
    assert.throws(
      () => dnsTop({ range: RANGE, metrics: ['p50' as 'queries'] }),
      /unknown DNS metric "p50"; accepted: queries, qps, errors, error_ratio, nxdomain, servfail, timeouts, retries, latency_avg_us, latency_p50_us, latency_p95_us, latency_p99_us/
    );
  });
});

describe('dnsSeries and the error share', () => {
  it('divides qps by the step', () => {
    const q = dnsSeries({ range: RANGE, stepSeconds: 60, metrics: ['qps'] });
    assert.equal(
      q.sql,
      "SELECT toDateTime(toStartOfInterval(c.ts, toIntervalSecond({bucket_s:UInt32})), 'UTC') AS time, (sum(c.queries)) / {bucket_s:UInt32} AS qps\n" +
        'FROM netmon.dns_client_1m AS c\n' +
        `WHERE ${TIME}\n` +
        'GROUP BY time\n' +
        'ORDER BY time'
    );
    assert.deepEqual(q.params, { from_ms: 1699999980000, to_ms: 1700003640000, bucket_s: 60 });
  });

  it('takes each rcode share before dropping NOERROR', () => {
    const q = dnsErrorShareSeries({
      range: RANGE,
      stepSeconds: 60,
      filters: [{ dim: 'client_namespace', op: 'eq', value: 'shop' }],
    });
    assert.equal(
      q.sql,
      'SELECT time, rcode, queries / sum(queries) OVER (PARTITION BY time) AS error_ratio\n' +
        "FROM (SELECT toDateTime(toStartOfInterval(c.ts, toIntervalSecond({bucket_s:UInt32})), 'UTC') AS time, c.rcode AS rcode, sum(c.queries) AS queries\n" +
        'FROM netmon.dns_client_1m AS c\n' +
        `WHERE ${TIME} AND c.client_namespace = {f0:String}\n` +
        'GROUP BY time, rcode\n' +
        'ORDER BY time, rcode)\n' +
        "QUALIFY rcode != 'NOERROR'\n" +
        'ORDER BY time, rcode'
    );
    assert.deepEqual(q.params, { from_ms: 1699999980000, to_ms: 1700003640000, f0: 'shop', bucket_s: 60 });
  });
});

describe('dnsNameDrilldown', () => {
  it('asks clients and servers of the rollup, answers of raw through arrayJoin', () => {
    const d = dnsNameDrilldown({ range: RANGE, qname: "it's.example", limit: 20 });
    assert.match(
      d.clients.sql,
      /^SELECT c\.client_namespace AS client_namespace, c\.client_deployment AS client_deployment, c\.client_pod AS client_pod, c\.node AS node, /
    );
    assert.match(d.clients.sql, /FROM netmon\.dns_1m AS c\n/);
    assert.match(d.servers.sql, /^SELECT c\.server_ip AS server_ip, /);
    assert.equal(
      d.answers.sql,
      'SELECT c.qtype AS qtype, arrayJoin(c.answers) AS answer, sum(c.queries) AS queries\n' +
        `FROM ${RAW}\n` +
        `WHERE ${TIME} AND c.qname = {f0:String}\n` +
        'GROUP BY qtype, answer\n' +
        'ORDER BY queries DESC, qtype, answer\n' +
        'LIMIT {limit:UInt32}'
    );
    assert.deepEqual(d.answers.params, { from_ms: 1700000000000, to_ms: 1700003600000, f0: "it's.example", limit: 20 });
  });
});
