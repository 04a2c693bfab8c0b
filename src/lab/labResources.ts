import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cgroup2Mount } from '../agent/attribution/cgroup2Mount';
import { hostCommand, tryHostCommand } from './hostCommand';
import { LAB_PREFIX, labNames, runIdOfName } from './labNames';
import { SUBNET_COUNT } from './addressPlan';

/**
 * What a lab run owns on the host, found by name rather than remembered, so the same teardown
 * serves `lab.close()`, the exit and signal handlers, and `cleanupStale()` for runs that died
 * without closing. A run is alive while the process that claimed its subnet is.
 *
 * The claim is one file per subnet, hard-linked into place so it appears atomically and complete:
 * two runs starting at once cannot both take the same 10.201.k.0/24 (the kernel would accept the
 * same address on two bridges), and a reader never sees a half-written claim.
 */

const CLAIM_DIR = '/run/netmon-lab';
const CLAIM_FILE = /^subnet-(\d+)\.json$/;

interface Claim {
  readonly runId: string;
  readonly pid: number;
  readonly subnet: number;
}

export function claimSubnet(runId: string): number {
  mkdirSync(CLAIM_DIR, { recursive: true });
  const draft = join(CLAIM_DIR, `draft-${runId}-${process.pid}`);
  try {
    for (let subnet = 0; subnet < SUBNET_COUNT; subnet++) {
      const claim: Claim = { runId, pid: process.pid, subnet };
      writeFileSync(draft, JSON.stringify(claim));
      try {
        linkSync(draft, claimPath(subnet));
        return subnet;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw e;
        }
      }
    }
  } finally {
    rmSync(draft, { force: true });
  }
  throw new Error(`lab: all ${SUBNET_COUNT} subnets of 10.201.0.0/16 are claimed in ${CLAIM_DIR}; run cleanupStale()`);
}

function claimPath(subnet: number): string {
  return join(CLAIM_DIR, `subnet-${subnet}.json`);
}

function readClaims(): Claim[] {
  if (!existsSync(CLAIM_DIR)) {
    return [];
  }
  return readdirSync(CLAIM_DIR)
    .filter((name) => CLAIM_FILE.test(name))
    .map((name) => JSON.parse(readFileSync(join(CLAIM_DIR, name), 'utf8')) as Claim);
}

function isAlive(pid: number): boolean {
  if (pid <= 0) {
    return false;
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Run ids seen on this host: links, namespaces, nft tables, cgroups and claims. */
function runIdsOnHost(cgroupRoot: string | undefined): Set<string> {
  const names = [
    ...linkNames(),
    ...netnsNames(),
    ...labTables(),
    ...labTables('ip'),
    ...netnsEtcDirs(),
    ...(cgroupRoot === undefined ? [] : readdirSync(cgroupRoot)),
  ];
  const ids = names.map(runIdOfName).filter((id): id is string => id !== undefined);
  return new Set([...ids, ...readClaims().map((c) => c.runId)]);
}

/** Everything of one run still on the host, described ("netns nmlab…-web"); [] once torn down. */
export function resourcesOfRun(runId: string): string[] {
  const mine = (name: string) => runIdOfName(name) === runId;
  const cgroupRoot = cgroup2Mount();
  const slice = labNames(runId).slice;
  return [
    ...netnsNames()
      .filter(mine)
      .map((n) => `netns ${n}`),
    ...linkNames()
      .filter(mine)
      .map((n) => `link ${n}`),
    ...labTables()
      .filter(mine)
      .map((n) => `nft table bridge ${n}`),
    ...labTables('ip')
      .filter(mine)
      .map((n) => `nft table ip ${n}`),
    ...netnsEtcDirs()
      .filter(mine)
      .map((n) => `dir ${join(NETNS_ETC, n)}`),
    ...(cgroupRoot !== undefined && existsSync(join(cgroupRoot, slice)) ? [`cgroup ${slice}`] : []),
    ...readClaims()
      .filter((c) => c.runId === runId)
      .map((c) => `claim ${claimPath(c.subnet)}`),
  ];
}

/** Removes leftovers of runs whose process is gone; returns their run ids. */
export function cleanupStale(): string[] {
  const cgroupRoot = cgroup2Mount();
  const live = new Set(
    readClaims()
      .filter((c) => isAlive(c.pid))
      .map((c) => c.runId)
  );
  const stale = [...runIdsOnHost(cgroupRoot)].filter((id) => !live.has(id));
  const errors = stale.flatMap((runId) => teardownRun(runId, cgroupRoot));
  if (errors.length > 0) {
    throw new AggregateError(
      errors,
      `lab: cleanupStale could not remove everything: ${errors.map((e) => e.message).join('; ')}`
    );
  }
  return stale;
}

/**
 * Removes everything of one run, whatever state it is in; returns what failed instead of stopping.
 * Processes go first (a namespace with a process in it outlives `ip netns del`).
 */
export function teardownRun(runId: string, cgroupRoot: string | undefined): Error[] {
  const names = labNames(runId);
  const mine = (name: string) => runIdOfName(name) === runId;
  const errors: Error[] = [];
  const attempt = (step: () => Error | undefined | void) => {
    try {
      const err = step();
      if (err) {
        errors.push(err);
      }
    } catch (e) {
      errors.push(e as Error);
    }
  };
  if (cgroupRoot !== undefined) {
    attempt(() => removeCgroupTree(join(cgroupRoot, names.slice)));
  }
  // Veths before namespaces: deleting one end removes the pair at once, while a deleted
  // namespace frees its end only asynchronously. Bridge last (its name is the shortest).
  attempt(() => {
    for (const link of linkNames()
      .filter(mine)
      .sort((a, b) => b.length - a.length)) {
      const err = tryHostCommand('ip', ['link', 'del', link]);
      if (err && !/Cannot find device/.test(err.message)) {
        errors.push(err);
      }
    }
  });
  attempt(() => {
    for (const ns of netnsNames().filter(mine)) {
      attempt(() => tryHostCommand('ip', ['netns', 'del', ns]));
    }
  });
  attempt(() => {
    if (labTables().includes(names.nftTable)) {
      return tryHostCommand('nft', ['delete', 'table', 'bridge', names.nftTable]);
    }
    return undefined;
  });
  // serviceDnat.ts's Service IPs: an ip-family table, since DNAT happens in the host's routing path.
  attempt(() => {
    for (const table of labTables('ip').filter(mine)) {
      attempt(() => tryHostCommand('nft', ['delete', 'table', 'ip', table]));
    }
  });
  // dnsServer.ts's resolv.conf files, which a hard-killed run leaves behind.
  for (const dir of netnsEtcDirs().filter(mine)) {
    attempt(() => rmSync(join(NETNS_ETC, dir), { recursive: true, force: true }));
  }
  for (const claim of readClaims().filter((c) => c.runId === runId)) {
    attempt(() => rmSync(claimPath(claim.subnet), { force: true }));
  }
  return errors;
}

/** Kills every process below dir, waits for the kernel to empty it, then removes it bottom-up. */
function removeCgroupTree(dir: string): void {
  if (!existsSync(dir)) {
    return;
  }
  if (existsSync(join(dir, 'cgroup.kill'))) {
    writeFileSync(join(dir, 'cgroup.kill'), '1');
  } else {
    for (const pid of pidsBelow(dir)) {
      killQuiet(pid);
    }
  }
  const deadline = Date.now() + 5_000;
  while (/^populated 1$/m.test(readFileSync(join(dir, 'cgroup.events'), 'utf8'))) {
    if (Date.now() > deadline) {
      throw new Error(`lab: processes ${pidsBelow(dir).join(', ')} in ${dir} survived SIGKILL for 5 s`);
    }
    sleepSync(10);
  }
  removeEmptyDirs(dir);
}

function removeEmptyDirs(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      removeEmptyDirs(join(dir, entry.name));
    }
  }
  rmdirSync(dir);
}

function pidsBelow(dir: string): number[] {
  const here = readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  const below = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .flatMap((e) => pidsBelow(join(dir, e.name)));
  return [...here, ...below];
}

function linkNames(): string[] {
  return parseJsonList<{ ifname: string }>(hostCommand('ip', ['-j', 'link', 'show']))
    .map((l) => l.ifname)
    .filter((name) => name.startsWith(LAB_PREFIX));
}

/** Where `ip netns exec` finds per-namespace files such as resolv.conf. */
const NETNS_ETC = '/etc/netns';

function netnsEtcDirs(): string[] {
  return existsSync(NETNS_ETC) ? readdirSync(NETNS_ETC).filter((name) => name.startsWith(LAB_PREFIX)) : [];
}

function netnsNames(): string[] {
  return parseJsonList<{ name: string }>(hostCommand('ip', ['-j', 'netns', 'list']))
    .map((n) => n.name)
    .filter((name) => name.startsWith(LAB_PREFIX));
}

function labTables(family: 'bridge' | 'ip' = 'bridge'): string[] {
  const listing = JSON.parse(hostCommand('nft', ['-j', 'list', 'tables', family])) as {
    nftables: Array<{ table?: { name: string } }>;
  };
  return listing.nftables.flatMap((e) => (e.table ? [e.table.name] : [])).filter((name) => name.startsWith(LAB_PREFIX));
}

/** `ip -j` prints nothing at all when a list is empty. */
function parseJsonList<T>(text: string): T[] {
  return text.trim() === '' ? [] : (JSON.parse(text) as T[]);
}

function killQuiet(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
