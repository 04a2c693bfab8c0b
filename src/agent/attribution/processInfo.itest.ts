import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { ProcessInfoCache, readProcessInfo, type ProcessInfo } from './processInfo';

/**
 * Real processes in real cgroups, read back through the real /proc. Needs root and a writable
 * cgroup v2 hierarchy: /sys/fs/cgroup on a unified host, or the `unified` mount of a hybrid one
 * (paths in /proc/<pid>/cgroup are the same either way). Skipped with the reason when those are
 * missing, except under CI=true, where a missing prerequisite is a failure.
 */

const cgroup2Root = findCgroup2Mount();
const missing =
  process.getuid?.() !== 0
    ? 'root (uid 0) to create cgroups and move processes'
    : cgroup2Root === undefined
      ? 'a cgroup v2 hierarchy (no cgroup2 mount with root "/" in /proc/self/mountinfo)'
      : !isWritable(cgroup2Root)
        ? `write access to ${cgroup2Root} (mounted read-only?)`
        : undefined;
const skip = missing !== undefined && process.env.CI !== 'true' ? `needs ${missing}` : false;

function findCgroup2Mount(): string | undefined {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' '))
    // Fields: id parent dev root mountpoint options [optional...] - fstype source superoptions
    .filter((f) => f[f.indexOf('-') + 1] === 'cgroup2' && f[3] === '/')
    .map((f) => f[4]);
  return mounts.includes('/sys/fs/cgroup') ? '/sys/fs/cgroup' : mounts[0];
}

function isWritable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

const uid = randomUUID();
const containerId = randomBytes(32).toString('hex');
const podCgroup = `kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${uid.replace(/-/g, '_')}.slice`;
const containerCgroup = `${podCgroup}/cri-containerd-${containerId}.scope`;
const hostCgroup = `system.slice/netmon-itest-${uid}.service`;

/** Only directories this test made are removed, deepest first; existing ones (a real node's kubepods.slice) stay. */
const created: string[] = [];
const children: ChildProcess[] = [];

function makeCgroup(relative: string): string {
  let dir = cgroup2Root!;
  for (const part of relative.split('/')) {
    dir = join(dir, part);
    if (!existsSync(dir)) {
      mkdirSync(dir);
      created.push(dir);
    }
  }
  return dir;
}

/** The shell joins the cgroup before exec, so sleep runs inside it from its first instruction. */
async function sleepIn(cgroupDir: string): Promise<ChildProcess> {
  const child = spawn('sh', ['-c', 'echo $$ > "$1/cgroup.procs" && exec sleep 30', 'sh', cgroupDir], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const deadline = Date.now() + 5_000;
  while (readProcessInfo(child.pid!).comm !== 'sleep') {
    if (child.exitCode !== null || Date.now() > deadline) {
      assert.fail(`sleep did not start in ${cgroupDir} (exit ${child.exitCode}): ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return child;
}

function requirePrerequisites(): void {
  if (missing !== undefined) {
    assert.fail(`CI=true and this machine lacks ${missing}`);
  }
}

let inContainer: ChildProcess;
let onHost: ChildProcess;

before(async () => {
  if (missing !== undefined) {
    return;
  }
  inContainer = await sleepIn(makeCgroup(containerCgroup));
  onHost = await sleepIn(makeCgroup(hostCgroup));
});

after(async () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
  }
  for (const dir of created.reverse()) {
    // Anything still inside (a process this test did not start) goes back to the root first, or
    // rmdir fails with EBUSY and the hierarchy leaks.
    for (const pid of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) {
      writeFileSync(join(cgroup2Root!, 'cgroup.procs'), pid);
    }
    rmdirSync(dir);
  }
});

test('a process in a Kubernetes containerd cgroup is attributed to its container and pod', { skip }, () => {
  requirePrerequisites();
  const expected: ProcessInfo = {
    pid: inContainer.pid!,
    comm: 'sleep',
    containerId,
    runtime: 'containerd',
    podUid: uid,
    qosClass: 'burstable',
  };
  assert.deepEqual(readProcessInfo(inContainer.pid!), expected);
  const cache = new ProcessInfoCache();
  assert.deepEqual(cache.get(inContainer.pid!), expected);
  assert.deepEqual(cache.get(inContainer.pid!), expected);
  assert.deepEqual(cache.stats(), { hits: 1, misses: 1, unknown: 0, evictions: 0, size: 1 });
});

test('a process in a plain systemd service cgroup is a host process', { skip }, () => {
  requirePrerequisites();
  assert.deepEqual(readProcessInfo(onHost.pid!), {
    pid: onHost.pid!,
    comm: 'sleep',
    containerId: '',
    runtime: 'host',
    podUid: '',
  });
});

// Needs neither root nor cgroups, so it always runs.
test('a process that has exited is unknown and counted, not an exception', async () => {
  const child = spawn('true');
  await once(child, 'exit');
  const cache = new ProcessInfoCache();
  assert.deepEqual(cache.get(child.pid!), {
    pid: child.pid!,
    comm: '',
    containerId: '',
    runtime: 'unknown',
    podUid: '',
  });
  assert.equal(cache.stats().unknown, 1);
});
