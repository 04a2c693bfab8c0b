import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DATABASE } from '../../shared/schema';
import type { Store } from '../../store/store';
import { openTestStore } from '../../store/testStore';
import { RowWriter } from '../writer/rowWriter';
import { HealthRecorder, ZERO_COUNTERS, type HealthSample } from './healthRecorder';

let store: Store;
before(async () => {
  store = await openTestStore();
});
after(async () => {
  await store.close();
});

test('agent_health rows land with per-interval deltas that sum to the totals, and each gap once', async () => {
  const t0 = Date.now() - 60_000;
  const sample = (i: number, over: Partial<HealthSample>): HealthSample => ({
    ...ZERO_COUNTERS,
    ts: t0 + i * 1000,
    monotonicMs: i * 1000,
    probesAttached: 12,
    probesExpected: 12,
    spoolBytes: 0,
    rssBytes: 1e8,
    ...over,
  });
  const rec = new HealthRecorder('node-h', '0.1.0', sample(0, {}));
  const writer = new RowWriter({ store, node: 'node-h' });
  const gaps = [
    { start: t0 + 1500, end: t0 + 2500, reason: 'killed by SIGKILL' },
    { start: t0 + 2600, end: t0 + 2700, reason: 'exit code 1: ERROR: map full' },
  ];
  writer.write('agent_health', rec.record(sample(1, { eventsRead: 100, lostEvents: 2, cpuMs: 40 }), []));
  writer.write('agent_health', rec.record(sample(2, { eventsRead: 150, lostEvents: 2, cpuMs: 55 }), gaps.slice(0, 1)));
  writer.write(
    'agent_health',
    rec.record(sample(3, { eventsRead: 180, lostEvents: 5, bpftraceRestarts: 2, cpuMs: 70 }), gaps)
  );
  await writer.flush();
  assert.equal(writer.stats().sent, 3);

  const [sums] = await store.query<Record<string, string>>(
    `SELECT count() AS rows, sum(events_read) AS events, sum(lost_events) AS lost, sum(bpftrace_restarts) AS restarts,
            sum(cpu_ms) AS cpu, sum(interval_ms) AS covered, countIf(gap_reason != '') AS gaps
     FROM ${DATABASE}.agent_health WHERE node = {node:String}`,
    { node: 'node-h' }
  );
  assert.deepEqual(sums, { rows: '3', events: '180', lost: '5', restarts: '2', cpu: '70', covered: '3000', gaps: '2' });

  const recorded = await store.query<{ start: string; end: string; reason: string }>(
    `SELECT toUnixTimestamp64Milli(gap_start) AS start, toUnixTimestamp64Milli(gap_end) AS end, gap_reason AS reason
     FROM ${DATABASE}.agent_health WHERE gap_reason != '' ORDER BY gap_start`
  );
  assert.deepEqual(
    recorded.map((g) => ({ start: Number(g.start), end: Number(g.end), reason: g.reason })),
    gaps
  );
});
