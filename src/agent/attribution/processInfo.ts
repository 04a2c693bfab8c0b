import { closeSync, openSync, readSync } from 'node:fs';
import {
  containerIdFromCgroup,
  isUnattributed,
  UNKNOWN_ATTRIBUTION,
  type CgroupAttribution,
} from './containerIdFromCgroup';

/**
 * Process name and container of a pid, from /proc. A process inside another network namespace
 * (`ip netns exec`, a pod) still shows its cgroup here, so the host's /proc is enough; an agent in
 * a container needs the host's pid namespace and cgroup namespace (or the host /proc mounted and
 * passed as procRoot), or it sees only itself or paths relative to its own cgroup.
 */
export interface ProcessInfo extends CgroupAttribution {
  readonly pid: number;
  /** /proc/<pid>/comm without its newline; '' when the process could not be read. */
  readonly comm: string;
}

/**
 * Reads synchronously: two small procfs files cost tens of microseconds, less than an async round
 * trip through the thread pool, and a cache sits in front. Never throws: a pid that is gone (or
 * was never valid) comes back as runtime 'unknown'.
 */
export function readProcessInfo(pid: number, procRoot = '/proc'): ProcessInfo {
  if (!Number.isInteger(pid) || pid <= 0) {
    return { pid, comm: '', ...UNKNOWN_ATTRIBUTION };
  }
  let comm = '';
  try {
    comm = readSmallFile(`${procRoot}/${pid}/comm`).replace(/\n$/, '');
    return { pid, comm, ...containerIdFromCgroup(readSmallFile(`${procRoot}/${pid}/cgroup`)) };
  } catch {
    // ENOENT/ESRCH: the process exited between the event and this read, which is normal for
    // short-lived processes; the caller's unknown counter is where it shows.
    return { pid, comm, ...UNKNOWN_ATTRIBUTION };
  }
}

/** Larger than any cgroup file the parser accepts, so a longer one still reads as too long. */
const readBuffer = Buffer.allocUnsafe(64 * 1024);

/**
 * open/read/close into one reused buffer: a third cheaper than readFileSync, which stats first and
 * then grows a buffer because procfs reports size 0. Safe to share because nothing here awaits.
 */
function readSmallFile(path: string): string {
  const fd = openSync(path, 'r');
  try {
    let length = 0;
    for (let n = -1; n !== 0 && length < readBuffer.length; length += n) {
      n = readSync(fd, readBuffer, length, readBuffer.length - length, null);
    }
    return readBuffer.toString('utf8', 0, length);
  } finally {
    closeSync(fd);
  }
}

export interface ProcessInfoCacheOptions {
  /** Entries kept; the least recently used goes first. */
  readonly maxEntries?: number;
  /**
   * Entries older than this are read again. Exit events can be lost and pids are reused, so this
   * bounds how long a stale attribution can live even when forget() is never called.
   */
  readonly maxAgeMs?: number;
  readonly procRoot?: string;
  /** Clock in milliseconds; tests pass their own. */
  readonly now?: () => number;
}

/** Cumulative since the cache was made; self-telemetry takes deltas per interval. */
export interface ProcessInfoCacheStats {
  readonly hits: number;
  readonly misses: number;
  /** Misses that could not be attributed (process gone, file unreadable or not a cgroup file). */
  readonly unknown: number;
  readonly evictions: number;
  readonly size: number;
}

interface Entry {
  readonly info: ProcessInfo;
  readonly readAt: number;
}

export class ProcessInfoCache {
  private readonly entries = new Map<number, Entry>();
  private readonly maxEntries: number;
  private readonly maxAgeMs: number;
  private readonly procRoot: string;
  private readonly now: () => number;
  private hits = 0;
  private misses = 0;
  private unknown = 0;
  private evictions = 0;

  constructor(options: ProcessInfoCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 8192;
    this.maxAgeMs = options.maxAgeMs ?? 60_000;
    this.procRoot = options.procRoot ?? '/proc';
    this.now = options.now ?? Date.now;
    if (!Number.isInteger(this.maxEntries) || this.maxEntries < 1) {
      throw new RangeError(`ProcessInfoCache maxEntries: expected a positive integer, got ${options.maxEntries}`);
    }
    if (!(this.maxAgeMs > 0)) {
      throw new RangeError(
        `ProcessInfoCache maxAgeMs: expected a positive number of milliseconds, got ${options.maxAgeMs}`
      );
    }
  }

  get(pid: number): ProcessInfo {
    const now = this.now();
    const entry = this.entries.get(pid);
    if (entry !== undefined && now - entry.readAt < this.maxAgeMs) {
      this.hits++;
      // A Map iterates in insertion order, so re-inserting marks this pid most recently used.
      this.entries.delete(pid);
      this.entries.set(pid, entry);
      return entry.info;
    }
    this.misses++;
    this.entries.delete(pid);
    const info = readProcessInfo(pid, this.procRoot);
    if (isUnattributed(info)) {
      // Not kept: a pid that is gone today may be a live process with the same number tomorrow.
      this.unknown++;
      return info;
    }
    this.entries.set(pid, { info, readAt: now });
    if (this.entries.size > this.maxEntries) {
      this.entries.delete(this.entries.keys().next().value as number);
      this.evictions++;
    }
    return info;
  }

  /** Call when the process exits, so a new process that reuses the pid is read afresh. */
  forget(pid: number): void {
    this.entries.delete(pid);
  }

  stats(): ProcessInfoCacheStats {
    const { hits, misses, unknown, evictions } = this;
    return { hits, misses, unknown, evictions, size: this.entries.size };
  }
}
