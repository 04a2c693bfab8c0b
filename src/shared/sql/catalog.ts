import type { ValueKind } from './valueKinds';
import type { Tier } from './timeRange';

/**
 * Identifiers reach SQL only from catalogs like these. Expressions refer to the query's relation
 * as `c` (a rollup table, or a raw subquery shaped like one) and qualify every column: ClickHouse
 * resolves a bare name to a SELECT alias first, so `sum(retransmits) AS retransmits` next to an
 * expression using `retransmits` would nest aggregates.
 */
export interface Dimension {
  readonly expr: string;
  readonly values: ValueKind;
  /** Only the raw table has it, so asking for it forces raw. */
  readonly rawOnly: boolean;
  /** Expands rows (arrayJoin), so it can group but not filter. */
  readonly groupOnly?: boolean;
  /** Only the client's observer knows it; the server's rows carry ''. */
  readonly clientOnly?: boolean;
  readonly doc: string;
}

export interface Metric {
  /** Aggregate over the relation. */
  readonly expr: string;
  /** Divide by the seconds each result row covers (a series step, or the whole window). */
  readonly perSecond?: boolean;
  /** Where raw needs a different aggregate (a digest merge on rollups is a digest build on raw). */
  readonly rawExpr?: string;
  readonly doc: string;
}

export function metricExpr(metric: Metric, tier: Tier): string {
  return tier === 'raw' && metric.rawExpr !== undefined ? metric.rawExpr : metric.expr;
}

/** The catalog entry for `name`, or an error naming the input and everything accepted. */
export function lookup<T>(catalog: Readonly<Record<string, T>>, name: string, what: string): T {
  if (typeof name !== 'string' || !Object.prototype.hasOwnProperty.call(catalog, name)) {
    throw new Error(`unknown ${what} ${JSON.stringify(name)}; accepted: ${Object.keys(catalog).join(', ')}`);
  }
  return catalog[name];
}
