import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cgroup2MountIn } from './cgroup2Mount';

const line = (mountpoint: string, root = '/', fstype = 'cgroup2', optional = '') =>
  `41 31 0:38 ${root} ${mountpoint} rw,relatime ${optional}- ${fstype} ${fstype} rw`;

test('a hybrid host has v2 at /sys/fs/cgroup/unified', () => {
  const mountinfo = [
    line('/proc', '/', 'proc'),
    line('/sys/fs/cgroup/memory', '/', 'cgroup'),
    line('/sys/fs/cgroup/unified'),
  ].join('\n');
  assert.equal(cgroup2MountIn(mountinfo), '/sys/fs/cgroup/unified');
});

test('a unified host has it at /sys/fs/cgroup, preferred over other mounts of the same root', () => {
  const mountinfo = [
    line('/mnt/extra', '/', 'cgroup2', 'shared:9 '),
    line('/sys/fs/cgroup', '/', 'cgroup2', 'shared:4 '),
  ].join('\n');
  assert.equal(cgroup2MountIn(mountinfo), '/sys/fs/cgroup');
});

test("a mount of a sub-tree (a container's view) is not the root, and paths are unescaped", () => {
  assert.equal(cgroup2MountIn(line('/sys/fs/cgroup', '/kubepods.slice')), undefined);
  assert.equal(cgroup2MountIn(line('/mnt/cgroup\\040v2')), '/mnt/cgroup v2');
  assert.equal(cgroup2MountIn(''), undefined);
});
