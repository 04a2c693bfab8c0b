import { readFileSync } from 'node:fs';

/**
 * Where the cgroup v2 hierarchy is mounted: /sys/fs/cgroup on a unified host, usually
 * /sys/fs/cgroup/unified on a hybrid one. Only a mount of the hierarchy's root counts (a
 * container may see a sub-tree mounted, whose paths would not match /proc/<pid>/cgroup).
 */
export function cgroup2MountIn(mountinfo: string): string | undefined {
  const mounts = mountinfo
    .split('\n')
    .map((line) => line.split(' '))
    // Fields: id parent dev root mountpoint options [optional...] - fstype source superoptions
    .filter((f) => f.indexOf('-') > 0 && f[f.indexOf('-') + 1] === 'cgroup2' && f[3] === '/')
    .map((f) => unescapeMountPath(f[4]));
  return mounts.includes('/sys/fs/cgroup') ? '/sys/fs/cgroup' : mounts[0];
}

export function cgroup2Mount(): string | undefined {
  return cgroup2MountIn(readFileSync('/proc/self/mountinfo', 'utf8'));
}

/** mountinfo writes space, tab, newline and backslash in paths as octal escapes. */
function unescapeMountPath(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}
