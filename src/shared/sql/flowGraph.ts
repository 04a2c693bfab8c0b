import { lookup } from './catalog';
import {
  connectionDataset,
  type ConnectionDimension,
  type ConnectionFilter,
  type ConnectionMetric,
} from './connections';
import { aggregate, metricSql, MAX_ROWS, openScope, positiveInteger } from './groupedQuery';
import type { BuiltQuery } from './query';
import type { Tier, TimeRange } from './timeRange';

/** Columns (without the src_/dst_ prefix) that name a group at each level, outermost first. */
const LEVEL_KEYS = {
  cluster: ['cluster'],
  namespace: ['namespace'],
  deployment: ['namespace', 'deployment'],
  pod: ['namespace', 'pod'],
  node: ['node'],
} as const;

export type FlowLevel = keyof typeof LEVEL_KEYS;

/**
 * What each level's labels read beyond the level's own columns. Every label falls back to the
 * node for a side without a group; the workload rollups keep that node exactly where a side has no
 * workload, which covers namespace and deployment labels, but not cluster (a fleet without
 * --cluster has no cluster on any pod), pods or nodes.
 */
const LABEL_READS: Record<FlowLevel, string[]> = {
  cluster: ['src_node'],
  namespace: [],
  deployment: [],
  pod: ['src_pod'],
  node: ['src_node'],
};
export const FLOW_LEVELS = Object.keys(LEVEL_KEYS) as FlowLevel[];

/** Label of the peers outside the fleet whose name is unknown. */
export const EXTERNAL = 'external';

/**
 * Graph label of one side at a level. Without a value at that level the side is a host process
 * ("host:<node>") when its node is known; otherwise it is outside the fleet, named by the DNS
 * name the client resolved (server side only) or 'external'.
 */
function sideLabel(side: 'src' | 'dst', level: FlowLevel): string {
  const keys = LEVEL_KEYS[level].map((k) => `c.${side}_${k}`);
  const innermost = keys[keys.length - 1];
  const label = keys.length === 1 ? innermost : `concat(${keys.join(", '/', ")})`;
  const branches = [`${innermost} != ''`, label];
  if (level !== 'node') {
    branches.push(`c.${side}_node != ''`, `concat('host:', c.${side}_node)`);
  }
  if (side === 'dst') {
    branches.push("c.dst_dns_name != ''", 'c.dst_dns_name');
  }
  return `multiIf(${branches.join(', ')}, '${EXTERNAL}')`;
}

export interface FlowGraphOptions {
  readonly range: TimeRange;
  readonly level: FlowLevel;
  readonly filters?: readonly ConnectionFilter[];
  /** Busiest edges kept (by bytes both ways). */
  readonly limit?: number;
  /** Pin the table instead of choosing by span (comparisons, tests). */
  readonly tier?: Tier;
  readonly database?: string;
}

/**
 * Edges between groups in Grafana node-graph frame fields (NodeGraphDataFrameFieldNames): id,
 * source, target, mainStat = bytes source to target (client to server), secondaryStat = bytes
 * back, and detail__ fields.
 */
export function flowGraphEdges(opts: FlowGraphOptions): BuiltQuery {
  lookup(LEVEL_KEYS, opts.level, 'flow graph level');
  const scope = openScope(
    connectionDataset,
    opts.range,
    opts.filters ?? [],
    [],
    opts.tier,
    opts.database,
    LABEL_READS[opts.level]
  );
  const metric = (name: string, metricName: ConnectionMetric) => ({
    name,
    sql: metricSql(connectionDataset, metricName, scope, 0),
  });
  const limit = positiveInteger(opts.limit ?? 200, 'flow graph edge limit', MAX_ROWS);
  const keys = [
    { name: 'source', sql: sideLabel('src', opts.level) },
    { name: 'target', sql: sideLabel('dst', opts.level) },
  ];
  const columns = [
    { name: 'id', sql: "concat(source, ' -> ', target)" },
    metric('mainStat', 'bytes_src'),
    metric('secondaryStat', 'bytes_dst'),
    metric('detail__retransmit_ratio', 'retransmit_ratio'),
    metric('detail__retransmits', 'retransmits'),
    metric('detail__failed', 'failed'),
  ];
  const sql = [
    aggregate(connectionDataset, scope, keys, columns),
    'ORDER BY mainStat + secondaryStat DESC, source, target',
    `LIMIT ${scope.binder.named('limit', 'UInt32', limit)}`,
  ].join('\n');
  return { sql, params: scope.binder.params };
}

/**
 * The nodes of exactly the edges above (same options), so every edge has both ends: mainStat =
 * bytes the group sent, secondaryStat = bytes it received.
 */
export function flowGraphNodes(opts: FlowGraphOptions): BuiltQuery {
  const edges = flowGraphEdges(opts);
  const sql = [
    'SELECT side.1 AS id, side.1 AS title, sum(side.2) AS mainStat, sum(side.3) AS secondaryStat',
    `FROM (${edges.sql}) AS e`,
    // Qualified: a bare mainStat here would resolve to this SELECT's own alias.
    'ARRAY JOIN [(e.source, e.mainStat, e.secondaryStat), (e.target, e.secondaryStat, e.mainStat)] AS side',
    'GROUP BY id',
    'ORDER BY id',
  ].join('\n');
  return { sql, params: edges.params };
}

type Side = 'src' | 'dst';

/**
 * The filter that selects the connections whose `side` carries graph label `id` at `level`: the
 * inverse of sideLabel, so a click on a node or edge filters exactly what the graph drew. Every
 * branch of the label that could have produced `id` is an alternative; a node name with dots and
 * a DNS name look alike, so the label alone cannot choose between them.
 */
export function flowGroupFilter(level: FlowLevel, side: Side, id: string): ConnectionFilter {
  return { op: 'anyOf', anyOf: labelBranches(level, side, id) };
}

/** A flow-graph node: the group on either side of a connection. */
export function flowNodeFilter(level: FlowLevel, id: string): ConnectionFilter {
  return { op: 'anyOf', anyOf: [...labelBranches(level, 'src', id), ...labelBranches(level, 'dst', id)] };
}

function labelBranches(level: FlowLevel, side: Side, id: string): ConnectionFilter[][] {
  const keys = lookup(LEVEL_KEYS, level, 'flow graph level');
  if (typeof id !== 'string' || id === '') {
    throw new Error(`flow graph ${side} group: expected a node id as the graph shows it, got ${JSON.stringify(id)}`);
  }
  const eq = (column: string, value: string): ConnectionFilter => ({
    dim: `${side}_${column}` as ConnectionDimension,
    op: 'eq',
    value,
  });
  const innermost = keys[keys.length - 1];
  const branches: ConnectionFilter[][] = [];
  if (keys.length === 1) {
    branches.push([eq(innermost, id)]);
  } else if (id.includes('/')) {
    const cut = id.indexOf('/');
    branches.push([eq(keys[0], id.slice(0, cut)), eq(innermost, id.slice(cut + 1))]);
  }
  const noGroup = [eq(innermost, ''), ...(level === 'node' ? [] : [eq('node', '')])];
  if (level !== 'node' && id.startsWith('host:')) {
    branches.push([eq(innermost, ''), eq('node', id.slice('host:'.length))]);
  }
  if (side === 'dst') {
    branches.push([...noGroup, { dim: 'dst_dns_name', op: 'eq', value: id }]);
  }
  if (id === EXTERNAL) {
    branches.push([...noGroup, ...(side === 'dst' ? [{ dim: 'dst_dns_name', op: 'eq', value: '' } as const] : [])]);
  }
  return branches;
}
