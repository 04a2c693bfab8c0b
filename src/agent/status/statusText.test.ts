import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { IntervalReport } from '../agent';
import { formatBytes, formatRate, statusBlock, statusLine } from './statusText';

const report = (over: Partial<IntervalReport> = {}): IntervalReport => ({
  ts: Date.UTC(2025, 0, 2, 3, 4, 5, 678),
  intervalMs: 10_000,
  probesAttached: 12,
  probesExpected: 12,
  eventsRead: 12_345,
  lostEvents: 0,
  malformedLines: 1,
  mapFullErrors: 0,
  rowsWritten: 1234,
  rowsPending: 0,
  bpftraceRestarts: 0,
  topTalkers: [
    { who: 'web-1', peer: 'pg-0', bytes: 1_234_567 },
    { who: 'curl', peer: '93.184.216.34:443', bytes: 950 },
  ],
  ...over,
});

test('bytes in decimal units with three significant digits', () => {
  assert.deepEqual([0, 950, 999, 1000, 12_345, 999_999, 1_234_567, 5e12, 5e15].map(formatBytes), [
    '0 B',
    '950 B',
    '999 B',
    '1.00 kB',
    '12.3 kB',
    '1.00 MB',
    '1.23 MB',
    '5.00 TB',
    '5000 TB',
  ]);
});

test('rates per second over the interval', () => {
  assert.deepEqual(
    [formatRate(12_345, 10_000), formatRate(5, 10_000), formatRate(0, 10_000), formatRate(3, 0)],
    ['1,235', '0.5', '0', '0']
  );
});

test('the terminal block: time, health, rows, and the talkers in aligned columns', () => {
  assert.deepEqual(statusBlock(report()), [
    'netmon up  2025-01-02T03:04:05Z  (last 10 s)',
    'probes 12/12  events 1,235/s  lost 0  malformed 1  map full 0  restarts 0',
    'rows written 1,234  pending 0',
    'top talkers:',
    '  web-1 -> pg-0                1.23 MB',
    '  curl  -> 93.184.216.34:443     950 B',
  ]);
  assert.deepEqual(statusBlock(report({ topTalkers: [] })).slice(3), ['top talkers:', '  (no traffic)']);
});

test('the line for pipes carries the same and at most three talkers', () => {
  const many = Array.from({ length: 5 }, (_, i) => ({ who: `p${i}`, peer: 'x:1', bytes: 10 - i }));
  assert.equal(
    statusLine(report({ topTalkers: many, probesAttached: 11, lostEvents: 7 })),
    '2025-01-02T03:04:05Z  probes 11/12  events 1,235/s  lost 7  malformed 1  map full 0  restarts 0  ' +
      'rows written 1,234  pending 0  top: p0 -> x:1 10 B, p1 -> x:1 9 B, p2 -> x:1 8 B'
  );
  assert.doesNotMatch(statusLine(report({ topTalkers: [] })), /top:/);
});
