import {
  connectionsSeries,
  connectionsTop,
  type ConnectionDimension,
  type ConnectionFilter,
  type ConnectionMetric,
} from '../sql/connections';
import { lookup } from '../sql/catalog';
import { flowGraphEdges, flowGraphNodes, flowGroupFilter, flowNodeFilter, type FlowLevel } from '../sql/flowGraph';
import type { BuiltQuery } from '../sql/query';
import type { TimeRange } from '../sql/timeRange';

/** The metadata levels people pick on each side of a connection; the flow graph draws the same ones. */
export const SIDE_LEVELS = ['cluster', 'namespace', 'deployment', 'pod', 'node'] as const;
export type SideLevel = (typeof SIDE_LEVELS)[number];
export type Side = 'src' | 'dst';
export type SelectorDimension = `${Side}_${SideLevel}`;

export const SELECTOR_DIMENSIONS: readonly SelectorDimension[] = (['src', 'dst'] as const).flatMap((side) =>
  SIDE_LEVELS.map((level) => `${side}_${level}` as const)
);

/** What the Connections page may group by: any metadata column of either side, remote IP/port and the external name. */
export const GROUP_BY_CHOICES = {
  ...Object.fromEntries(SELECTOR_DIMENSIONS.map((d) => [d, d.replace('_', ' ')])),
  dst_service: 'dst service',
  dst_dns_name: 'external name',
  dst_port: 'dst port',
  remote_ip: 'remote IP',
  remote_port: 'remote port',
} as Readonly<Record<ConnectionDimension & string, string>>;

export type GroupByDimension = keyof typeof GROUP_BY_CHOICES;

/** What the flow graph clicked; ids are graph labels at the view's graph level. */
export interface GraphSelection {
  readonly node?: string;
  readonly source?: string;
  readonly target?: string;
}

/** Everything the Connections page shows is a function of this and the time range. */
export interface ConnectionsView {
  /** Values picked per side and level; an absent or empty list means all. */
  readonly selectors: Partial<Readonly<Record<SelectorDimension, readonly string[]>>>;
  readonly groupBy: readonly GroupByDimension[];
  readonly graph?: GraphSelection;
  readonly database?: string;
}

export const defaultConnectionsView: ConnectionsView = {
  selectors: {},
  groupBy: ['src_deployment', 'dst_deployment'],
};

/** The flows table's columns besides the group-by ones. */
export const FLOWS_METRICS = [
  'bytes_src',
  'bytes_dst',
  'packets',
  'retransmits',
  'retransmit_ratio',
  'rtt_avg_us',
  'failed',
  'resets',
  'opened',
] as const satisfies readonly ConnectionMetric[];

/** Flows listed per view: enough for an incident, cheap for the browser. */
export const FLOWS_LIMIT = 100;

/** Checks a group-by list a URL or a person typed, naming the first bad entry and the choices. */
export function validateGroupBy(groupBy: readonly string[]): GroupByDimension[] {
  if (groupBy.length === 0) {
    throw new Error(`group by: pick at least one of ${Object.keys(GROUP_BY_CHOICES).join(', ')}`);
  }
  return groupBy.map((g) => {
    lookup(GROUP_BY_CHOICES, g, 'group-by column');
    return g as GroupByDimension;
  });
}

/**
 * The graph draws groups at the finest side level the view groups by, so that its nodes are the
 * table's rows; without a side level it shows deployments.
 */
export function graphLevel(view: ConnectionsView): FlowLevel {
  const levels = view.groupBy.flatMap((g) => SIDE_LEVELS.filter((l) => g === `src_${l}` || g === `dst_${l}`));
  const finest = [...SIDE_LEVELS].reverse().find((l) => l !== 'node' && levels.includes(l));
  return finest ?? (levels.includes('node') ? 'node' : 'deployment');
}

export function viewFilters(view: ConnectionsView): ConnectionFilter[] {
  const filters: ConnectionFilter[] = [];
  for (const dim of SELECTOR_DIMENSIONS) {
    const values = view.selectors[dim];
    if (values !== undefined && values.length > 0) {
      filters.push({ dim, op: 'in', values });
    }
  }
  const level = graphLevel(view);
  const { node, source, target } = view.graph ?? {};
  if (node) {
    filters.push(flowNodeFilter(level, node));
  }
  if (source) {
    filters.push(flowGroupFilter(level, 'src', source));
  }
  if (target) {
    filters.push(flowGroupFilter(level, 'dst', target));
  }
  return filters;
}

export type ConnectionsPanel = 'flows' | 'throughput' | 'retransmits' | 'failures' | 'graphNodes' | 'graphEdges';

/**
 * The Connections page's queries. Series split by the first group-by column (top 10), so the
 * busiest rows of the table are the lines of the chart.
 */
export function connectionsViewQueries(
  view: ConnectionsView,
  range: TimeRange,
  stepSeconds: number
): Record<ConnectionsPanel, BuiltQuery> {
  const groupBy = validateGroupBy(view.groupBy);
  const base = { range, filters: viewFilters(view), database: view.database };
  const series = { ...base, stepSeconds, splitBy: groupBy[0] };
  const graph = { ...base, level: graphLevel(view) };
  return {
    flows: connectionsTop({
      ...base,
      groupBy,
      metrics: [...FLOWS_METRICS],
      orderBy: 'bytes',
      limit: FLOWS_LIMIT,
    }),
    throughput: connectionsSeries({ ...series, metrics: ['bytes_per_s'] }),
    retransmits: connectionsSeries({ ...series, metrics: ['retransmits'] }),
    failures: connectionsSeries({ ...base, stepSeconds, metrics: ['failed', 'resets'] }),
    graphNodes: flowGraphNodes(graph),
    graphEdges: flowGraphEdges(graph),
  };
}

/** One row of the flows table, by the group-by columns it was grouped on. */
export type PairKey = Partial<Readonly<Record<GroupByDimension, string>>>;

/** The pair's columns as equality filters, on top of the view's own. */
function pairFilters(view: ConnectionsView, pair: PairKey): ConnectionFilter[] {
  const entries = Object.entries(pair);
  if (entries.length === 0) {
    throw new Error('pair drill-down: expected at least one group-by column with its value');
  }
  return [
    ...viewFilters(view),
    ...entries.map(([dim, value]) => {
      lookup(GROUP_BY_CHOICES, dim, 'pair drill-down column');
      return { dim: dim as GroupByDimension, op: 'eq' as const, value: value ?? '' };
    }),
  ];
}

export type PairPanel = 'throughput' | 'health' | 'rtt' | 'connections';

/** Drill-down to one pair of groups: its series, and its individual connections with pid/comm and ports. */
export function pairDrilldownQueries(
  view: ConnectionsView,
  pair: PairKey,
  range: TimeRange,
  stepSeconds: number
): Record<PairPanel, BuiltQuery> {
  const base = { range, filters: pairFilters(view, pair), database: view.database };
  return {
    throughput: connectionsSeries({ ...base, stepSeconds, metrics: ['bytes_per_s'] }),
    health: connectionsSeries({ ...base, stepSeconds, metrics: ['retransmits', 'failed', 'resets'] }),
    rtt: connectionsSeries({ ...base, stepSeconds, metrics: ['rtt_avg_us', 'rtt_max_us'] }),
    connections: connectionsTop({
      ...base,
      groupBy: ['observer', 'direction', 'pid', 'comm', 'src_ip', 'src_port', 'dst_ip', 'dst_port', 'protocol'],
      metrics: ['bytes_src', 'bytes_dst', 'packets', 'retransmits', 'rtt_avg_us', 'failed', 'resets'],
      orderBy: 'bytes',
      limit: 500,
    }),
  };
}

/** A selector's values narrow by the coarser levels of its own side (cluster > namespace > deployment > pod). */
export function selectorParents(dim: SelectorDimension): SelectorDimension[] {
  const [side, level] = dim.split('_') as [Side, SideLevel];
  const chain: SideLevel[] = ['cluster', 'namespace', 'deployment', 'pod'];
  const at = chain.indexOf(level);
  return at < 0 ? [] : chain.slice(0, at).map((l) => `${side}_${l}` as const);
}

/**
 * Values a selector offers: those seen in the range, busiest first, under its parents' picks only,
 * so selectors never depend on each other in a cycle.
 */
export function selectorValuesQuery(view: ConnectionsView, dim: SelectorDimension, range: TimeRange): BuiltQuery {
  lookup(Object.fromEntries(SELECTOR_DIMENSIONS.map((d) => [d, d])), dim, 'selector');
  const selectors = Object.fromEntries(selectorParents(dim).map((p) => [p, view.selectors[p] ?? []]));
  return connectionsTop({
    range,
    filters: viewFilters({ selectors, groupBy: [] }),
    groupBy: [dim],
    metrics: ['bytes'],
    limit: 1000,
    database: view.database,
  });
}
