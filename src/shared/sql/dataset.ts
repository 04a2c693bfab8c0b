import type { Dimension, Metric } from './catalog';
import type { Tier } from './timeRange';

/**
 * How fine a rollup's groups are. 'pod': every metadata column of both sides; 'workload': no pods
 * (sql/0004), ~100x fewer rows, for views that do not ask for a pod or a node.
 */
export type Grain = 'pod' | 'workload';

/**
 * One queryable family of tables: a raw table and its rollups, seen through one relation shape so
 * that every builder writes the same SQL whatever the tier and grain.
 */
export interface Dataset<D extends string = string, M extends string = string> {
  /** For messages: 'connection', 'DNS'. */
  readonly name: string;
  readonly dimensions: Readonly<Record<D, Dimension>>;
  readonly metrics: Readonly<Record<M, Metric>>;
  /** FROM-clause text, aliased `c`, with the rollup's columns (and, on raw, the raw-only ones). */
  relation(tier: Tier, database: string, grain: Grain): string;
  /** Dimensions only the pod grain has; without this the dataset has one grain ('pod'). */
  readonly podGrainDimensions?: readonly string[];
  /** When one event is reported by several observers, how to count it once (see Reconcile). */
  readonly reconcile?: Reconcile;
}

/**
 * A first aggregation per observed pair, under the requested groups, before the metrics: it
 * yields columns named like the relation's, so metrics read them the same way either way.
 */
export interface Reconcile {
  /** Expressions every observer of one pair agrees on, per grain. */
  readonly pairKey: Readonly<Record<Grain, readonly string[]>>;
  /** Column name to the aggregate that counts a pair once; only those a metric reads as `agg(c.name)` are computed. */
  readonly measures: Readonly<Record<string, string>>;
  /** Condition of rows from the observer that knows the client-only dimensions. */
  readonly clientRows: string;
}
