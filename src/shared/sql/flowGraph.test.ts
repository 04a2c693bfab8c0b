import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { flowGraphEdges, flowGraphNodes, flowGroupFilter, flowNodeFilter, type FlowLevel } from './flowGraph';

const RANGE = { fromMs: 1700000000000, toMs: 1700000000000 + 3600_000 };
const TIME =
  "c.ts >= fromUnixTimestamp64Milli({from_ms:Int64}, 'UTC') AND c.ts < fromUnixTimestamp64Milli({to_ms:Int64}, 'UTC')";
const PAIR =
  'c.protocol, c.src_cluster, c.src_namespace, c.src_deployment, c.src_pod, c.src_node, c.dst_cluster, c.dst_namespace, c.dst_deployment, c.dst_pod, c.dst_node, c.dst_port';
const once = (col: string) =>
  `greatest(sumIf(c.${col}, c.direction = 'outbound'), sumIf(c.${col}, c.direction = 'inbound')) AS ${col}`;
const MEASURES = [
  once('src_bytes'),
  once('dst_bytes'),
  once('src_packets'),
  once('dst_packets'),
  'sum(c.retransmits) AS retransmits',
  once('failed'),
].join(', ');

const edgesSql = (source: string, target: string, filter = '') =>
  "SELECT c.source AS source, c.target AS target, concat(source, ' -> ', target) AS id, sum(c.src_bytes) AS mainStat, sum(c.dst_bytes) AS secondaryStat, " +
  'sum(c.retransmits) / nullIf(sum(c.src_packets) + sum(c.dst_packets), 0) AS detail__retransmit_ratio, sum(c.retransmits) AS detail__retransmits, sum(c.failed) AS detail__failed\n' +
  `FROM (SELECT ${source} AS source, ${target} AS target, ${MEASURES} FROM netmon.connections_1m AS c WHERE ${TIME}${filter} GROUP BY source, target, ${PAIR}) AS c\n` +
  'GROUP BY source, target\n' +
  'ORDER BY mainStat + secondaryStat DESC, source, target\n' +
  'LIMIT {limit:UInt32}';

describe('flow graph', () => {
  it('labels groups per level, falling back to host:<node>, then the DNS name (server side), then external', () => {
    const q = flowGraphEdges({
      range: RANGE,
      level: 'pod',
      limit: 50,
      filters: [{ dim: 'protocol', op: 'eq', value: 'tcp' }],
    });
    assert.equal(
      q.sql,
      edgesSql(
        "multiIf(c.src_pod != '', concat(c.src_namespace, '/', c.src_pod), c.src_node != '', concat('host:', c.src_node), 'external')",
        "multiIf(c.dst_pod != '', concat(c.dst_namespace, '/', c.dst_pod), c.dst_node != '', concat('host:', c.dst_node), c.dst_dns_name != '', c.dst_dns_name, 'external')",
        ' AND c.protocol = {f0:String}'
      )
    );
    assert.deepEqual(q.params, { from_ms: 1699999980000, to_ms: 1700003640000, f0: 'tcp', limit: 50 });
  });

  it('has no host fallback at node level', () => {
    assert.equal(
      flowGraphEdges({ range: RANGE, level: 'node' }).sql,
      edgesSql(
        "multiIf(c.src_node != '', c.src_node, 'external')",
        "multiIf(c.dst_node != '', c.dst_node, c.dst_dns_name != '', c.dst_dns_name, 'external')"
      )
    );
  });

  it('nodes are the ends of exactly those edges, with bytes sent and received', () => {
    const opts = { range: RANGE, level: 'cluster' as FlowLevel };
    const q = flowGraphNodes(opts);
    assert.equal(
      q.sql,
      'SELECT side.1 AS id, side.1 AS title, sum(side.2) AS mainStat, sum(side.3) AS secondaryStat\n' +
        `FROM (${flowGraphEdges(opts).sql}) AS e\n` +
        'ARRAY JOIN [(e.source, e.mainStat, e.secondaryStat), (e.target, e.secondaryStat, e.mainStat)] AS side\n' +
        'GROUP BY id\n' +
        'ORDER BY id'
    );
    assert.ok(
      q.sql.includes(
        "multiIf(c.src_cluster != '', c.src_cluster, c.src_node != '', concat('host:', c.src_node), 'external') AS source"
      )
    );
    assert.deepEqual(q.params, { from_ms: 1699999980000, to_ms: 1700003640000, limit: 200 });
  });

  it('rejects an unknown level', () => {
    assert.throws(
      () => flowGraphEdges({ range: RANGE, level: 'service' as FlowLevel }),
      /unknown flow graph level "service"; accepted: cluster, namespace, deployment, pod, node/
    );
  });
});

describe('flow graph click filters', () => {
  it('inverts the label: group, host:<node>, DNS name (server side) and external are the alternatives', () => {
    const sql = flowGraphEdges({
      range: RANGE,
      level: 'deployment',
      filters: [flowGroupFilter('deployment', 'src', 'shop/web'), flowGroupFilter('deployment', 'dst', 'external')],
    }).sql;
    assert.ok(
      sql.includes(
        '((c.src_namespace = {f0:String} AND c.src_deployment = {f1:String})) AND ((c.dst_deployment = {f2:String} AND c.dst_node = {f3:String} AND c.dst_dns_name = {f4:String}) OR (c.dst_deployment = {f5:String} AND c.dst_node = {f6:String} AND c.dst_dns_name = {f7:String}))'
      ),
      sql
    );
    const node = flowGraphEdges({ range: RANGE, level: 'node', filters: [flowNodeFilter('node', 'host:x')] });
    assert.ok(
      node.sql.includes(
        '((c.src_node = {f0:String}) OR (c.dst_node = {f1:String}) OR (c.dst_node = {f2:String} AND c.dst_dns_name = {f3:String}))'
      ),
      node.sql
    );
    assert.deepEqual(Object.values(node.params).slice(2, 6), ['host:x', 'host:x', '', 'host:x']);
  });

  it('rejects an empty id and an unknown level', () => {
    assert.throws(() => flowGroupFilter('deployment', 'src', ''), /expected a node id as the graph shows it, got ""/);
    assert.throws(() => flowNodeFilter('planet' as FlowLevel, 'x'), /unknown flow graph level "planet"/);
  });
});
