import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClosedGaps } from './closedGaps';
import { HealthRecorder, ZERO_COUNTERS, type HealthSample } from './healthRecorder';

const sample = (ts: number): HealthSample => ({
  ...ZERO_COUNTERS,
  ts,
  monotonicMs: ts,
  probesAttached: 0,
  probesExpected: 0,
  spoolBytes: 0,
  rssBytes: 0,
});

test("one program's open gap does not hold back another's closed one, and each is recorded once", () => {
  const gaps = new ClosedGaps();
  const rec = new HealthRecorder('n', 'v', sample(0));
  const reasons = (
    ts: number,
    connections: Parameters<ClosedGaps['add']>[1],
    dns: Parameters<ClosedGaps['add']>[1]
  ) => {
    gaps.add('connections', connections);
    return rec.record(sample(ts), gaps.add('dns', dns, 'dns.bt: ')).map((r) => r.gap_reason);
  };
  const dnsOpen = { start: 100, reason: 'killed by SIGKILL' };
  const connClosed = { start: 150, end: 900, reason: 'exit code 1' };
  assert.deepEqual(reasons(1000, [connClosed], [dnsOpen]), ['exit code 1']);
  assert.deepEqual(reasons(2000, [connClosed], [{ ...dnsOpen, end: 1500 }]), ['dns.bt: killed by SIGKILL']);
  assert.deepEqual(reasons(3000, [connClosed], [{ ...dnsOpen, end: 1500 }]), ['']);
});
