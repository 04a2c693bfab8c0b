import { inlineParams } from '../../src/shared/sql/escape';
import type { BuiltQuery } from '../../src/shared/sql/query';

/**
 * A shared builder's query as dashboard SQL: the time-range placeholders become the datasource's
 * millisecond macros (so Grafana's range applies), every other value is inlined as a literal.
 */
export function withTimeMacros(q: BuiltQuery): string {
  const sql = q.sql
    .replace('{from_ms:Int64}', 'toUnixTimestamp64Milli($__fromTime_ms)')
    .replace('{to_ms:Int64}', 'toUnixTimestamp64Milli($__toTime_ms)');
  return inlineParams({ sql, params: q.params });
}

/** Any range works: the macros replace it. The minute rollup, as a dashboard over hours would use. */
export const DASHBOARD_FLOW = { range: { fromMs: 0, toMs: 3_600_000 }, level: 'deployment', tier: 'minute' } as const;
