import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CAP_BPF, CAP_IPC_LOCK, CAP_PERFMON, CAP_SYS_ADMIN, hasCapability, parseCapEff, parseMemlockLimit } from './capabilities';

test('CapEff is read as a mask and single capabilities are tested by bit', () => {
  const full = parseCapEff('Name:\tnode\nCapInh:\t0000000000000000\nCapEff:\t000001fffeffffff\nCapBnd:\t000001fffeffffff\n');
  assert.ok(hasCapability(full, CAP_SYS_ADMIN) && hasCapability(full, CAP_BPF) && hasCapability(full, CAP_PERFMON));
  assert.ok(hasCapability(full, CAP_IPC_LOCK));
  assert.ok(!hasCapability(full, 24), 'bit 24 (CAP_SYS_RESOURCE) is clear in fffeffffff');
  const bpfAndPerfmon = parseCapEff('CapEff:\t000000c000000000\n');
  assert.ok(hasCapability(bpfAndPerfmon, CAP_BPF) && hasCapability(bpfAndPerfmon, CAP_PERFMON));
  assert.ok(!hasCapability(bpfAndPerfmon, CAP_SYS_ADMIN));
});

test('a status text without CapEff is an error naming the line expected', () => {
  assert.throws(() => parseCapEff('Name:\tnode\n'), /expected a "CapEff: <hex>" line/);
});

test('the soft memlock limit is read from /proc/<pid>/limits, unlimited or in bytes', () => {
  const limits = (soft: string) =>
    `Limit                     Soft Limit           Hard Limit           Units     \nMax locked memory         ${soft}              8388608              bytes     \n`;
  assert.equal(parseMemlockLimit(limits('8388608')), 8388608n);
  assert.equal(parseMemlockLimit(limits('unlimited')), 'unlimited');
  assert.throws(() => parseMemlockLimit('Max open files 1024 1024 files\n'), /expected a "Max locked memory/);
});
