import { DATABASE, tables } from '../schema';
import { databaseIdentifier } from './escape';
import type { BuiltQuery } from './query';
import { validateRange, type TimeRange } from './timeRange';

/**
 * What the agents say about their own capture over a window, per node: the losses a person must
 * see next to the data (events bpftrace lost, map-full errors, malformed lines, records dropped),
 * the restarts and gaps behind holes in it, and whether every probe stayed attached. For a stat
 * or a notice on the app's pages; any non-zero loss means the numbers beside it are short.
 */
export function agentHealthSummaryQuery(range: TimeRange, database: string = DATABASE): BuiltQuery {
  validateRange(range);
  const sql = [
    'SELECT node,',
    '  sum(events_read) AS events_read,',
    '  sum(lost_events) AS lost_events,',
    '  sum(map_full_errors) AS map_full_errors,',
    '  sum(malformed_lines) AS malformed_lines,',
    '  sum(records_dropped) AS records_dropped,',
    '  sum(bpftrace_restarts) AS bpftrace_restarts,',
    "  countIf(gap_reason != '') AS gaps,",
    "  sumIf(toUnixTimestamp64Milli(gap_end) - toUnixTimestamp64Milli(gap_start), gap_reason != '') AS gap_ms,",
    '  countIf(probes_attached < probes_expected) AS intervals_short_of_probes,',
    '  max(ts) AS last_seen',
    `FROM ${databaseIdentifier(database)}.${tables.agent_health.name}`,
    'WHERE ts >= fromUnixTimestamp64Milli({fromMs:Int64}) AND ts < fromUnixTimestamp64Milli({toMs:Int64})',
    'GROUP BY node',
    'ORDER BY lost_events + map_full_errors + malformed_lines + records_dropped DESC, node',
  ].join('\n');
  return { sql, params: { fromMs: range.fromMs, toMs: range.toMs } };
}
