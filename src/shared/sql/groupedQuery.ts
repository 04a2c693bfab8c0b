import { DATABASE } from '../schema';
import { lookup, metricExpr, type Dimension } from './catalog';
import type { Dataset, Grain } from './dataset';
import { databaseIdentifier } from './escape';
import { filterCondition, filterDimensions, filterNeedsRaw, type Filter } from './filters';
import { createBinder, type ParamBinder } from './params';
import type { BuiltQuery } from './query';
import {
  alignRange,
  chooseTier,
  seriesStepSeconds,
  TIER_SECONDS,
  validateRange,
  type Tier,
  type TimeRange,
} from './timeRange';

/** What every query over a dataset shares: the tier, the relation and the WHERE conditions. */
export interface Scope {
  readonly tier: Tier;
  readonly grain: Grain;
  readonly binder: ParamBinder;
  readonly relation: string;
  readonly conditions: readonly string[];
  /** The window after alignment to the tier's buckets. */
  readonly range: TimeRange;
}

export function openScope(
  dataset: Dataset,
  range: TimeRange,
  filters: readonly Filter[],
  groupBy: readonly string[],
  pinned?: Tier,
  database: string = DATABASE,
  /** Dimensions the query reads besides groupBy and filters (a flow graph's labels). */
  alsoReads: readonly string[] = []
): Scope {
  validateRange(range);
  const needsRaw = filterNeedsRaw(dataset, filters) || groupBy.some((d) => dimension(dataset, d).rawOnly);
  if (pinned !== undefined) {
    lookup(TIER_SECONDS, pinned, 'tier');
  }
  if (pinned !== undefined && needsRaw && pinned !== 'raw') {
    throw new Error(`${dataset.name} query pinned to the ${pinned} table uses a dimension only the raw table has`);
  }
  const tier = pinned ?? chooseTier(range, needsRaw);
  const aligned = alignRange(range, tier);
  const named = [...groupBy, ...filterDimensions(filters), ...alsoReads];
  // Raw has every column, and a pair there is always a pod pair.
  const coarser = tier === 'raw' ? [] : (dataset.coarserGrains ?? []);
  const grain = coarser.find((g) => !named.some((d) => g.lacks.includes(d)))?.grain ?? 'pod';
  const binder = createBinder();
  const conditions = [
    `c.ts >= fromUnixTimestamp64Milli(${binder.named('from_ms', 'Int64', aligned.fromMs)}, 'UTC')`,
    `c.ts < fromUnixTimestamp64Milli(${binder.named('to_ms', 'Int64', aligned.toMs)}, 'UTC')`,
    ...filters.map((f) => filterCondition(dataset, f, binder)),
  ];
  return {
    tier,
    grain,
    binder,
    relation: dataset.relation(tier, databaseIdentifier(database), grain),
    conditions,
    range: aligned,
  };
}

export function dimension(dataset: Dataset, name: string): Dimension {
  return lookup(dataset.dimensions, name, `${dataset.name} dimension`);
}

/** The SQL of a metric in this scope; per-second metrics divide by the seconds a result row covers. */
export function metricSql(dataset: Dataset, name: string, scope: Scope, bucketSeconds: number): string {
  const metric = lookup(dataset.metrics, name, `${dataset.name} metric`);
  const expr = metricExpr(metric, scope.tier);
  return metric.perSecond ? `(${expr}) / ${scope.binder.named('bucket_s', 'UInt32', bucketSeconds)}` : expr;
}

export function positiveInteger(value: number, input: string, max: number): number {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new Error(`${input}: expected an integer 1-${max}, got ${value}`);
  }
  return value;
}

export const MAX_ROWS = 10000;

/** An output column and the SQL that computes it. */
export interface Column {
  readonly name: string;
  readonly sql: string;
  readonly clientOnly?: boolean;
}

export function dimensionColumn(dataset: Dataset, name: string): Column {
  const dim = dimension(dataset, name);
  return { name, sql: dim.expr, clientOnly: dim.clientOnly };
}

/**
 * SELECT keys and metrics over the scope, grouped by the keys. With a Reconcile step the rows of
 * each observed pair are first reduced under the same keys (client-only keys taken from the
 * client's rows, since the server's carry ''), and the metrics then read that reduction.
 */
export function aggregate(
  dataset: Dataset,
  scope: Scope,
  keys: readonly Column[],
  metrics: readonly Column[],
  extraConditions: readonly string[] = []
): string {
  const conditions = [...scope.conditions, ...extraConditions];
  const names = keys.map((k) => k.name);
  const rc = dataset.reconcile;
  if (rc === undefined) {
    return selectText(scope.relation, [...keys, ...metrics], conditions, names);
  }
  const innerKeys = keys.map((k) => (k.clientOnly ? { name: k.name, sql: `anyIf(${k.sql}, ${rc.clientRows})` } : k));
  const measures = Object.entries(rc.measures)
    .filter(([name]) => metrics.some((m) => m.sql.includes(`c.${name})`)))
    .map(([name, sql]) => ({ name, sql }));
  const innerGroup = [
    ...keys.filter((k) => !k.clientOnly).map((k) => k.name),
    ...(rc.pairKey[scope.grain] ?? rc.pairKey.pod),
  ];
  const inner = selectText(scope.relation, [...innerKeys, ...measures], conditions, innerGroup).replace(/\n/g, ' ');
  const outerKeys = names.map((name) => ({ name, sql: `c.${name}` }));
  return selectText(`(${inner}) AS c`, [...outerKeys, ...metrics], [], names);
}

function selectText(
  from: string,
  columns: readonly Column[],
  conditions: readonly string[],
  groupBy: readonly string[]
): string {
  return [
    `SELECT ${columns.map((c) => (c.sql === c.name ? c.name : `${c.sql} AS ${c.name}`)).join(', ')}`,
    `FROM ${from}`,
    ...(conditions.length > 0 ? [`WHERE ${conditions.join(' AND ')}`] : []),
    ...(groupBy.length > 0 ? [`GROUP BY ${groupBy.join(', ')}`] : []),
  ].join('\n');
}

export interface TopOptions<D extends string, M extends string> {
  readonly range: TimeRange;
  readonly filters?: ReadonlyArray<Filter<D>>;
  readonly groupBy?: readonly D[];
  /** Columns to return, in order; orderBy is added when missing. */
  readonly metrics: readonly M[];
  /** Largest first; defaults to the first metric. */
  readonly orderBy?: M;
  readonly limit?: number;
  /** Pin the table instead of choosing by span (comparisons, tests); raw-only dimensions still need raw. */
  readonly tier?: Tier;
  /** Where Netmon's tables live, when not in the default database. */
  readonly database?: string;
}

/** Groups ranked by one metric, largest first; ties fall back to the group keys for a stable order. */
export function topQuery<D extends string, M extends string>(
  dataset: Dataset<D, M>,
  opts: TopOptions<D, M>
): BuiltQuery {
  const groupBy = [...new Set(opts.groupBy ?? [])];
  const orderBy = opts.orderBy ?? firstMetric(dataset, opts.metrics);
  const names = opts.metrics.includes(orderBy) ? opts.metrics : [...opts.metrics, orderBy];
  const scope = openScope(dataset, opts.range, opts.filters ?? [], groupBy, opts.tier, opts.database);
  const spanSeconds = Math.ceil((scope.range.toMs - scope.range.fromMs) / 1000);
  const metrics = names.map((m) => ({ name: m, sql: metricSql(dataset, m, scope, spanSeconds) }));
  const limit = positiveInteger(opts.limit ?? 100, `${dataset.name} top limit`, MAX_ROWS);
  const sql = [
    aggregate(
      dataset,
      scope,
      groupBy.map((d) => dimensionColumn(dataset, d)),
      metrics
    ),
    `ORDER BY ${[`${orderBy} DESC`, ...groupBy].join(', ')}`,
    `LIMIT ${scope.binder.named('limit', 'UInt32', limit)}`,
  ].join('\n');
  return { sql, params: scope.binder.params };
}

export interface SeriesOptions<D extends string, M extends string> {
  readonly range: TimeRange;
  readonly filters?: ReadonlyArray<Filter<D>>;
  /** Wanted step; rounded up to whole buckets of the tier (see seriesStepSeconds). */
  readonly stepSeconds: number;
  readonly metrics: readonly M[];
  /** One series per value of this dimension. */
  readonly splitBy?: D;
  /** Keep the split values that rank highest over the whole window (default 10), or 'all'. */
  readonly seriesLimit?: number | 'all';
  /** Metric that ranks split values; defaults to the first metric. */
  readonly rankBy?: M;
  /** As in TopOptions. */
  readonly tier?: Tier;
  readonly database?: string;
}

/** Metrics per time bucket (`time`, DateTime UTC), optionally one series per value of a dimension. */
export function seriesQuery<D extends string, M extends string>(
  dataset: Dataset<D, M>,
  opts: SeriesOptions<D, M>
): BuiltQuery {
  const rankBy = opts.rankBy ?? firstMetric(dataset, opts.metrics);
  const split = opts.splitBy === undefined ? [] : [dimensionColumn(dataset, opts.splitBy)];
  if (opts.splitBy !== undefined && dimension(dataset, opts.splitBy).groupOnly) {
    throw new Error(`${dataset.name} dimension ${opts.splitBy} cannot split a series (it expands rows)`);
  }
  const scope = openScope(
    dataset,
    opts.range,
    opts.filters ?? [],
    split.map((k) => k.name),
    opts.tier,
    opts.database
  );
  const step = seriesStepSeconds(opts.stepSeconds, scope.tier);
  const bucket = scope.binder.named('bucket_s', 'UInt32', step);
  const time = { name: 'time', sql: `toDateTime(toStartOfInterval(c.ts, toIntervalSecond(${bucket})), 'UTC')` };
  const metrics = opts.metrics.map((m) => ({ name: m, sql: metricSql(dataset, m, scope, step) }));
  const ranked = opts.seriesLimit === 'all' ? [] : split;
  const conditions = ranked.map((key) => {
    const k = positiveInteger(Number(opts.seriesLimit ?? 10), `${dataset.name} series limit`, 1000);
    const rank = aggregate(dataset, scope, [key], [{ name: rankBy, sql: metricSql(dataset, rankBy, scope, step) }]);
    const top = `${rank}\nORDER BY ${rankBy} DESC, ${key.name}\nLIMIT ${scope.binder.named('series_limit', 'UInt32', k)}`;
    return `${key.sql} IN (SELECT ${key.name} FROM (${top.replace(/\n/g, ' ')}))`;
  });
  const keys = ['time', ...split.map((k) => k.name)].join(', ');
  const sql = [aggregate(dataset, scope, [time, ...split], metrics, conditions), `ORDER BY ${keys}`].join('\n');
  return { sql, params: scope.binder.params };
}

function firstMetric<M extends string>(dataset: Dataset<string, M>, metrics: readonly M[]): M {
  if (metrics.length === 0) {
    throw new Error(
      `${dataset.name} query: expected at least one metric; accepted: ${Object.keys(dataset.metrics).join(', ')}`
    );
  }
  return metrics[0];
}
