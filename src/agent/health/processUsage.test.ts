import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ProcessUsageSampler } from './processUsage';

const root = mkdtempSync(join(tmpdir(), 'netmon-proc-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** A /proc/<pid> with utime+stime ticks (USER_HZ 100: 1 tick = 10 ms) and VmRSS in kB. */
function proc(pid: number, utime: number, stime: number, rssKb: number): void {
  mkdirSync(join(root, String(pid)), { recursive: true });
  const stat = `${pid} (some (comm)) S ${Array.from({ length: 10 }, () => '0').join(' ')} ${utime} ${stime} 0 0`;
  writeFileSync(join(root, String(pid), 'stat'), stat);
  writeFileSync(join(root, String(pid), 'status'), `Name:\tx\nVmRSS:\t    ${rssKb} kB\n`);
}

test('adds the agent and bpftrace, and carries the CPU of a bpftrace that was replaced', () => {
  const sampler = new ProcessUsageSampler(1, root);
  proc(1, 10, 5, 1000);
  proc(2, 20, 0, 3000);
  assert.deepEqual(sampler.sample([2]), { cpuMs: 350, rssBytes: 4000 * 1024 });

  proc(2, 30, 0, 3000);
  assert.deepEqual(sampler.sample([2]).cpuMs, 450);

  rmSync(join(root, '2'), { recursive: true });
  proc(3, 1, 0, 2000);
  assert.deepEqual(sampler.sample([3]), { cpuMs: 150 + 300 + 10, rssBytes: 3000 * 1024 });
  assert.deepEqual(sampler.sample([undefined]), { cpuMs: 460, rssBytes: 1000 * 1024 });
});

test('adds one bpftrace per program, each carried forward on its own', () => {
  const sampler = new ProcessUsageSampler(1, root);
  proc(1, 10, 5, 1000);
  proc(4, 20, 0, 3000);
  proc(5, 1, 1, 500);
  assert.deepEqual(sampler.sample([4, 5]), { cpuMs: 150 + 200 + 20, rssBytes: 4500 * 1024 });

  // The second program's bpftrace was replaced; the first one's keeps counting as itself.
  proc(6, 3, 0, 700);
  proc(4, 25, 0, 3000);
  assert.deepEqual(sampler.sample([4, 6]), { cpuMs: 150 + 250 + 20 + 30, rssBytes: 4700 * 1024 });
  assert.deepEqual(sampler.sample([undefined, undefined]).cpuMs, 150 + 250 + 30 + 20);
});
