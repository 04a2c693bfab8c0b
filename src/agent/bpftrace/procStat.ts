import { readFileSync } from 'node:fs';

/**
 * CPU time and memory of a process from /proc, for self-telemetry and benchmarks. utime and stime
 * count USER_HZ ticks, which Linux fixes at 100 for user space on every architecture we run on
 * (the kernel's own HZ may differ; /proc converts).
 */
export const USER_HZ = 100;

export interface ProcStat {
  state: string;
  utimeTicks: number;
  stimeTicks: number;
}

export interface ProcessUsage {
  userMs: number;
  systemMs: number;
  rssBytes: number;
}

/**
 * Fields of /proc/<pid>/stat. The comm (field 2) is in parentheses and may itself hold spaces
 * and parentheses, so fields are counted from the last ')'.
 */
export function parseProcStat(text: string): ProcStat {
  const close = text.lastIndexOf(')');
  const rest = close === -1 ? [] : text.slice(close + 1).trim().split(/\s+/);
  // rest[0] is field 3 (state); utime and stime are fields 14 and 15.
  const utimeTicks = Number(rest[11]);
  const stimeTicks = Number(rest[12]);
  if (rest.length < 13 || !Number.isSafeInteger(utimeTicks) || !Number.isSafeInteger(stimeTicks)) {
    throw new Error(`/proc/<pid>/stat: expected "pid (comm) state ..." with at least 15 fields, got "${text.slice(0, 120)}"`);
  }
  return { state: rest[0], utimeTicks, stimeTicks };
}

/** VmRSS of /proc/<pid>/status in bytes; undefined for a zombie or kernel thread, which have none. */
export function parseVmRssBytes(statusText: string): number | undefined {
  const kb = statusText.match(/^VmRSS:\s+(\d+) kB$/m)?.[1];
  return kb === undefined ? undefined : Number(kb) * 1024;
}

/** Usage of a live process; undefined once it has gone (reads race with its exit). */
export function readProcessUsage(pid: number, procRoot = '/proc'): ProcessUsage | undefined {
  try {
    const stat = parseProcStat(readFileSync(`${procRoot}/${pid}/stat`, 'utf8'));
    const rss = parseVmRssBytes(readFileSync(`${procRoot}/${pid}/status`, 'utf8'));
    return {
      userMs: (stat.utimeTicks * 1000) / USER_HZ,
      systemMs: (stat.stimeTicks * 1000) / USER_HZ,
      rssBytes: rss ?? 0,
    };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ESRCH') {
      return undefined;
    }
    throw err;
  }
}
