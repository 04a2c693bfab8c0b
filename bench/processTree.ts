import { readdirSync, readFileSync } from 'node:fs';
import { parseProcStat, USER_HZ } from '../src/agent/bpftrace/procStat';

/**
 * CPU and peak memory of a process and everything it started (the netmon CLI and its bpftrace),
 * from /proc. Processes that exit between two readings take their CPU with them; the benchmark
 * reads the tree while the agent runs, so only a bpftrace restart would be missed.
 */

function statusField(pid: number, field: string): number | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const value = new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(text)?.[1];
    return value === undefined ? undefined : Number(value);
  } catch {
    return undefined;
  }
}

/** pid and all its live descendants. */
export function processTree(root: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (Number.isInteger(pid)) {
      const ppid = statusField(pid, 'PPid');
      if (ppid !== undefined) {
        parentOf.set(pid, ppid);
      }
    }
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) {
    for (const [pid, ppid] of parentOf) {
      if (ppid === tree[i]) {
        tree.push(pid);
      }
    }
  }
  return tree;
}

/** User + system CPU of these processes so far, in ms; a vanished process counts 0. */
export function cpuMs(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
      ticks += stat.utimeTicks + stat.stimeTicks;
    } catch {
      // Gone since the tree was listed.
    }
  }
  return (ticks * 1000) / USER_HZ;
}

/** Sum of each process's peak resident memory (VmHWM), bytes: an upper bound of the tree's peak. */
export function peakRssBytes(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + (statusField(pid, 'VmHWM') ?? 0) * 1024, 0);
}

/**
 * Where a tree's CPU goes, by thread: bpftrace per program (.bt file), and in the agent's node
 * process its main thread (the JS), the other threads named node (V8's concurrent GC and
 * compilers, and libuv's pool, where chDB executes each query: an insert's parsing and its
 * materialized views), and the pools chDB names itself. In ms, user + system.
 */
export function cpuMsByThread(pids: readonly number[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const pid of pids) {
    let process: string;
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      const program = argv.find((a) => a.endsWith('.bt'));
      process = program === undefined ? comm : `${comm} ${program.slice(program.lastIndexOf('/') + 1)}`;
      for (const tid of readdirSync(`/proc/${pid}/task`)) {
        const stat = parseProcStat(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8'));
        const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
        const group =
          comm !== 'node'
            ? process
            : Number(tid) === pid
              ? 'node main thread'
              : name === 'node'
                ? 'node other threads (V8 GC; libuv pool, where chDB runs queries)'
                : 'chDB pools (parallel parts of queries, merges)';
        out[group] = (out[group] ?? 0) + ((stat.utimeTicks + stat.stimeTicks) * 1000) / USER_HZ;
      }
    } catch {
      // Gone since the tree was listed.
    }
  }
  return out;
}
