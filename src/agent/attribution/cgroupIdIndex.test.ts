import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CgroupIdIndex } from './cgroupIdIndex';

// A stand-in hierarchy in a temp dir: a cgroup id is its directory's inode number, as on the real
// cgroup2 mount, so statSync gives the ids the kernel would report.
const root = mkdtempSync(join(tmpdir(), 'netmon-cgroup-'));
after(() => rmSync(root, { recursive: true, force: true }));

const ID = 'c74b0f5062f0bc726cae1e9369ad4a95deed6b298d247f0407475adb23fa3190';
const POD =
  'kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod0a1b2c3d_0000_4000_8000_00000000beef.slice';

function makeCgroup(relative: string): number {
  mkdirSync(join(root, relative), { recursive: true });
  return statSync(join(root, relative)).ino;
}

test('an id resolves to its path as /proc/<pid>/cgroup spells it, and to its container', () => {
  const container = makeCgroup(`${POD}/cri-containerd-${ID}.scope`);
  const service = makeCgroup('system.slice/ssh.service');
  const index = new CgroupIdIndex({ root });
  assert.equal(index.pathOf(container), `/${POD}/cri-containerd-${ID}.scope`);
  assert.equal(index.pathOf(statSync(root).ino), '/');
  assert.deepEqual(index.attribution(container), {
    containerId: ID,
    runtime: 'containerd',
    podUid: '0a1b2c3d-0000-4000-8000-00000000beef',
    qosClass: 'besteffort',
  });
  assert.deepEqual(index.attribution(service), { containerId: '', runtime: 'host', podUid: '' });
  assert.equal(index.stats().scans, 1, 'one walk answers every id in the tree');
});

test('the root cgroup tells nothing: a v1-only host reports it for every socket', () => {
  const index = new CgroupIdIndex({ root });
  assert.equal(index.attribution(statSync(root).ino), undefined);
});

test('a cgroup made after the walk is found by a rescan, at most one walk per minRescanMs', () => {
  let now = 0;
  const index = new CgroupIdIndex({ root, minRescanMs: 1_000, now: () => now });
  makeCgroup('system.slice');
  index.pathOf(statSync(root).ino);
  const late = makeCgroup(`system.slice/docker-${ID}.scope`);
  now = 500;
  assert.equal(index.pathOf(late), undefined, 'within the rate limit a miss does not walk');
  assert.equal(index.pathOf(123_456_789), undefined);
  assert.deepEqual(index.stats(), { scans: 1, cgroups: index.stats().cgroups, misses: 2 });
  now = 1_000;
  assert.equal(index.pathOf(late), `/system.slice/docker-${ID}.scope`);
  assert.equal(index.attribution(late)?.containerId, ID);
  assert.equal(index.stats().scans, 2);
});

test('a removed cgroup still resolves until the walk after the one that missed it', () => {
  let now = 0;
  const index = new CgroupIdIndex({ root, minRescanMs: 1, now: () => now });
  const gone = makeCgroup(`system.slice/libpod-${ID}.scope`);
  assert.equal(index.attribution(gone)?.containerId, ID);
  rmSync(join(root, `system.slice/libpod-${ID}.scope`), { recursive: true });
  now = 10;
  index.pathOf(999_999_999); // a miss walks again: `gone` is now only in the previous walk
  assert.equal(index.pathOf(gone), `/system.slice/libpod-${ID}.scope`);
  now = 20;
  index.pathOf(999_999_998);
  assert.equal(index.pathOf(gone), undefined);
  assert.equal(index.attribution(gone), undefined);
});

test('a root that does not exist is an empty index, not an exception; bad options are named', () => {
  const index = new CgroupIdIndex({ root: join(root, 'missing') });
  assert.equal(index.pathOf(1), undefined);
  assert.throws(
    () => new CgroupIdIndex({ root, minRescanMs: -1 }),
    /minRescanMs: expected a number of milliseconds >= 0, got -1/
  );
});
