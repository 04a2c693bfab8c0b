import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agentHealthSummaryQuery } from './agentHealth';

test('agent health summary: one row per node over the window, the range bound as typed parameters', () => {
  const q = agentHealthSummaryQuery({ fromMs: 1_000, toMs: 61_000 });
  assert.deepEqual(q.params, { fromMs: 1_000, toMs: 61_000 });
  assert.match(q.sql, /^SELECT node,\n/);
  assert.match(
    q.sql,
    /\nFROM netmon\.agent_health\nWHERE ts >= fromUnixTimestamp64Milli\(\{fromMs:Int64\}\) AND ts < fromUnixTimestamp64Milli\(\{toMs:Int64\}\)\nGROUP BY node\n/
  );
  for (const column of [
    'lost_events',
    'map_full_errors',
    'malformed_lines',
    'records_dropped',
    'bpftrace_restarts',
    'gaps',
    'intervals_short_of_probes',
  ]) {
    assert.match(q.sql, new RegExp(` AS ${column},?\\n`), column);
  }
});

test('agent health summary: a window that is empty or backwards is an error naming it', () => {
  assert.throws(() => agentHealthSummaryQuery({ fromMs: 5, toMs: 5 }), /time range: expected .* got 5\.\.5/);
});
