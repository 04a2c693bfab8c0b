import type { Dimension, Metric } from './catalog';
import type { Tier } from './timeRange';

/**
 * How fine a rollup's groups are. 'pod': every metadata column (and raw, which has one grain);
 * 'workload': no pods (sql/0004, 0005), ~100x fewer rows, for views that ask for no pod or node;
 * 'client': DNS by asking workload and rcode only (sql/0006), for the page's totals and latency.
 */
export type Grain = 'pod' | 'workload' | 'client';

/** A rollup coarser than 'pod' and the dimensions it does not have. */
export interface CoarserGrain {
  readonly grain: Grain;
  readonly lacks: readonly string[];
}

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
  /** Coarser rollups, coarsest first: a query reads the first that has every dimension it names, else 'pod'. */
  readonly coarserGrains?: readonly CoarserGrain[];
  /** When one event is reported by several observers, how to count it once (see Reconcile). */
  readonly reconcile?: Reconcile;
}

/**
 * A first aggregation per observed pair, under the requested groups, before the metrics: it
 * yields columns named like the relation's, so metrics read them the same way either way.
 */
export interface Reconcile {
  /** Expressions every observer of one pair agrees on, per grain the dataset has. */
  readonly pairKey: Readonly<Partial<Record<Grain, readonly string[]>>> & { readonly pod: readonly string[] };
  /** Column name to the aggregate that counts a pair once; only those a metric reads as `agg(c.name)` are computed. */
  readonly measures: Readonly<Record<string, string>>;
  /** Condition of rows from the observer that knows the client-only dimensions. */
  readonly clientRows: string;
}
