import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseProcStat, parseVmRssBytes, readProcessUsage } from './procStat';

test('utime and stime are fields 14 and 15, counted after a comm that holds spaces and parentheses', () => {
  const line =
    '4242 (bpf (x) y) S 1 4242 4242 0 -1 4194560 58443 0 0 0 161 101 0 0 20 0 3 0 13737 1064464384 28659 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0\n';
  assert.deepEqual(parseProcStat(line), { state: 'S', utimeTicks: 161, stimeTicks: 101 });
});

test('a truncated stat line is an error that shows the line', () => {
  assert.throws(() => parseProcStat('12 (x) S 1 2 3'), /expected "pid \(comm\) state \.\.\." .*got "12 \(x\) S 1 2 3"/);
});

test('VmRSS is read in kB and returned in bytes; a process without one (zombie) has none', () => {
  assert.equal(parseVmRssBytes('Name:\tbpftrace\nVmRSS:\t  114636 kB\nThreads:\t3\n'), 114636 * 1024);
  assert.equal(parseVmRssBytes('Name:\tbpftrace\nState:\tZ (zombie)\n'), undefined);
});

test('this process has CPU time and memory; a pid that does not exist has no usage', () => {
  const usage = readProcessUsage(process.pid);
  assert.ok(usage !== undefined && usage.rssBytes > 1024 * 1024 && usage.userMs + usage.systemMs > 0, JSON.stringify(usage));
  assert.equal(readProcessUsage(2 ** 22 + 1), undefined);
});
