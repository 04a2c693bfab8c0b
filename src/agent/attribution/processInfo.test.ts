import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcessInfoCache, readProcessInfo } from './processInfo';

// A stand-in /proc in a temp dir: the cache's bookkeeping is tested without depending on which
// processes this machine runs. The real /proc is exercised by processInfo.itest.ts.
const procRoot = mkdtempSync(join(tmpdir(), 'netmon-proc-'));
after(() => rmSync(procRoot, { recursive: true, force: true }));

const ID = 'c74b0f5062f0bc726cae1e9369ad4a95deed6b298d247f0407475adb23fa3190';
const OTHER_ID = 'd4a9f9195eaf7e4a729f24151101e1de61f1398677e7b82acfb936dff0b4ce55';

function fakeProcess(pid: number, comm: string, cgroupPath: string): void {
  mkdirSync(join(procRoot, String(pid)), { recursive: true });
  writeFileSync(join(procRoot, String(pid), 'comm'), `${comm}\n`);
  writeFileSync(join(procRoot, String(pid), 'cgroup'), `0::${cgroupPath}\n`);
}

function exitProcess(pid: number): void {
  rmSync(join(procRoot, String(pid)), { recursive: true, force: true });
}

test('readProcessInfo: comm without its newline, and the attribution of the cgroup', () => {
  fakeProcess(100, 'nginx', `/system.slice/docker-${ID}.scope`);
  assert.deepEqual(readProcessInfo(100, procRoot), {
    pid: 100,
    comm: 'nginx',
    containerId: ID,
    runtime: 'docker',
    podUid: '',
  });
});

test('readProcessInfo: a pid that is gone or invalid is unknown, not an exception', () => {
  for (const pid of [4_000_000, 0, -1, 1.5, Number.NaN]) {
    assert.deepEqual(readProcessInfo(pid, procRoot), {
      pid,
      comm: '',
      containerId: '',
      runtime: 'unknown',
      podUid: '',
    });
  }
});

test('readProcessInfo: a process that exits between its two files keeps its comm', () => {
  mkdirSync(join(procRoot, '101'), { recursive: true });
  writeFileSync(join(procRoot, '101', 'comm'), 'curl\n');
  assert.deepEqual(readProcessInfo(101, procRoot), {
    pid: 101,
    comm: 'curl',
    containerId: '',
    runtime: 'unknown',
    podUid: '',
  });
});

test('ProcessInfoCache: the second lookup is a hit and does not read /proc', () => {
  fakeProcess(200, 'sleep', `/docker/${ID}`);
  const cache = new ProcessInfoCache({ procRoot });
  assert.equal(cache.get(200).containerId, ID);
  fakeProcess(200, 'sleep', `/docker/${OTHER_ID}`);
  assert.equal(cache.get(200).containerId, ID);
  assert.deepEqual(cache.stats(), { hits: 1, misses: 1, unknown: 0, evictions: 0, size: 1 });
});

test('ProcessInfoCache: forget makes a reused pid read afresh', () => {
  fakeProcess(300, 'old', `/docker/${ID}`);
  const cache = new ProcessInfoCache({ procRoot });
  cache.get(300);
  fakeProcess(300, 'new', '/user.slice/user-1000.slice/session-1.scope');
  cache.forget(300);
  assert.deepEqual(cache.get(300), { pid: 300, comm: 'new', containerId: '', runtime: 'host', podUid: '' });
  assert.deepEqual(cache.stats(), { hits: 0, misses: 2, unknown: 0, evictions: 0, size: 1 });
});

test('ProcessInfoCache: an entry older than maxAgeMs is read again', () => {
  let now = 1_000;
  fakeProcess(400, 'app', `/docker/${ID}`);
  const cache = new ProcessInfoCache({ procRoot, maxAgeMs: 500, now: () => now });
  cache.get(400);
  fakeProcess(400, 'app', `/docker/${OTHER_ID}`);
  now += 499;
  assert.equal(cache.get(400).containerId, ID);
  now += 1;
  assert.equal(cache.get(400).containerId, OTHER_ID);
  assert.deepEqual(cache.stats(), { hits: 1, misses: 2, unknown: 0, evictions: 0, size: 1 });
});

test('ProcessInfoCache: the least recently used entry is evicted first', () => {
  for (const pid of [501, 502, 503]) {
    fakeProcess(pid, `p${pid}`, `/docker/${ID}`);
  }
  const cache = new ProcessInfoCache({ procRoot, maxEntries: 2 });
  cache.get(501);
  cache.get(502);
  cache.get(501); // 502 is now the least recently used
  cache.get(503);
  assert.deepEqual(cache.stats(), { hits: 1, misses: 3, unknown: 0, evictions: 1, size: 2 });
  cache.get(501);
  assert.equal(cache.stats().hits, 2, '501 was used recently and must still be cached');
  cache.get(502);
  assert.equal(cache.stats().misses, 4, '502 must have been the one evicted');
});

test('ProcessInfoCache: unknown pids are counted and not kept, so a new process with that pid is seen', () => {
  const cache = new ProcessInfoCache({ procRoot });
  assert.equal(cache.get(600).runtime, 'unknown');
  assert.equal(cache.get(600).runtime, 'unknown');
  fakeProcess(600, 'late', `/docker/${ID}`);
  assert.equal(cache.get(600).containerId, ID);
  assert.deepEqual(cache.stats(), { hits: 0, misses: 3, unknown: 2, evictions: 0, size: 1 });
});

test('ProcessInfoCache: a cgroup file that is not one counts as unknown', () => {
  mkdirSync(join(procRoot, '700'), { recursive: true });
  writeFileSync(join(procRoot, '700', 'comm'), 'odd\n');
  writeFileSync(join(procRoot, '700', 'cgroup'), Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00]));
  const cache = new ProcessInfoCache({ procRoot });
  assert.equal(cache.get(700).runtime, 'unknown');
  assert.equal(cache.stats().unknown, 1);
  exitProcess(700);
});

test('ProcessInfoCache: options that cannot work are refused with the option named', () => {
  assert.throws(() => new ProcessInfoCache({ maxEntries: 0 }), /maxEntries: expected a positive integer, got 0/);
  assert.throws(() => new ProcessInfoCache({ maxAgeMs: Number.NaN }), /maxAgeMs: expected a positive number/);
});
