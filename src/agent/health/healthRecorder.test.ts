import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HealthRecorder, ZERO_COUNTERS, counterDeltas, type HealthSample } from './healthRecorder';

const sample = (ts: number, over: Partial<HealthSample> = {}): HealthSample => ({
  ...ZERO_COUNTERS,
  ts,
  monotonicMs: ts,
  probesAttached: 12,
  probesExpected: 12,
  spoolBytes: 0,
  rssBytes: 50e6,
  ...over,
});

test('each row holds the deltas since the previous sample and the levels at its end', () => {
  const rec = new HealthRecorder('n1', '0.1.0', sample(1000, { eventsRead: 5, cpuMs: 100 }));
  const [a] = rec.record(
    sample(2000, { eventsRead: 25, lostEvents: 3, recordsSent: 7, cpuMs: 130.4, rssBytes: 60e6 }),
    []
  );
  assert.deepEqual(a, {
    ts: 2000,
    node: 'n1',
    agent_version: '0.1.0',
    interval_ms: 1000,
    probes_attached: 12,
    probes_expected: 12,
    events_read: 20,
    lost_events: 3,
    malformed_lines: 0,
    map_full_errors: 0,
    bpftrace_restarts: 0,
    records_spooled: 0,
    records_sent: 7,
    records_dropped: 0,
    spool_bytes: 0,
    cpu_ms: 30,
    rss_bytes: 60e6,
    gap_start: 0,
    gap_end: 0,
    gap_reason: '',
  });
  const [b] = rec.record(sample(3500, { eventsRead: 26, lostEvents: 3, recordsSent: 9, cpuMs: 140 }), []);
  assert.deepEqual([b.interval_ms, b.events_read, b.lost_events, b.records_sent, b.cpu_ms], [1500, 1, 0, 2, 10]);
});

test('interval_ms comes from the monotonic clock: a wall-clock step of an hour either way leaves it one interval', () => {
  const rec = new HealthRecorder('n1', 'v', sample(1000));
  const ahead = rec.record(sample(1000 + 3_600_000 + 1000, { monotonicMs: 2000 }), [])[0];
  assert.equal(ahead.interval_ms, 1000);
  const back = rec.record(sample(2000 + 1000, { monotonicMs: 3000 }), [])[0];
  assert.deepEqual([back.ts, back.interval_ms], [3000, 1000]);
});

test('a gap is recorded once, in the interval it closed; several get a row each and sums stay right', () => {
  const rec = new HealthRecorder('n1', 'v', sample(0));
  const open = [{ start: 500, reason: 'killed by SIGKILL' }];
  assert.equal(rec.record(sample(1000, { bpftraceRestarts: 1 }), open)[0].gap_start, 0, 'not while open');

  const closed = [{ start: 500, end: 1200, reason: 'killed by SIGKILL' }];
  const [first] = rec.record(sample(2000, { bpftraceRestarts: 1 }), closed);
  assert.deepEqual([first.gap_start, first.gap_end, first.gap_reason], [500, 1200, 'killed by SIGKILL']);

  const three = [
    ...closed,
    { start: 2100, end: 2200, reason: 'exit code 1' },
    { start: 2300, end: 2400, reason: 'exit code 2' },
    { start: 2500, reason: 'still open' },
  ];
  const rows = rec.record(sample(3000, { eventsRead: 9, bpftraceRestarts: 3 }), three);
  assert.deepEqual(
    rows.map((r) => [r.ts, r.gap_reason, r.events_read, r.bpftrace_restarts, r.interval_ms, r.probes_attached]),
    [
      [3000, 'exit code 1', 9, 2, 1000, 12],
      [3000, 'exit code 2', 0, 0, 0, 12],
    ]
  );
  assert.equal(rec.record(sample(4000, { eventsRead: 9, bpftraceRestarts: 3 }), three)[0].gap_reason, '');
});

test('a counter that went back counts from zero rather than going negative', () => {
  assert.deepEqual(
    counterDeltas({ ...ZERO_COUNTERS, eventsRead: 10, cpuMs: 5 }, { ...ZERO_COUNTERS, eventsRead: 4, cpuMs: 9 }),
    { ...ZERO_COUNTERS, eventsRead: 4, cpuMs: 4 }
  );
});
