import { readProcessUsage } from '../bpftrace/procStat';

/**
 * CPU time and memory of the agent and its bpftrace processes (one per program), from /proc.
 * bpftrace is a new process after each restart, so the CPU of the ones that ended is carried
 * forward: the total only grows, and agent_health's cpu_ms is its delta. (CPU a bpftrace spent
 * after its last sample is not seen.)
 */
export class ProcessUsageSampler {
  private endedBpftraceCpuMs = 0;
  /** The last sample of each program's bpftrace, by its place in sample()'s argument. */
  private readonly bpftraces: Array<{ pid: number; cpuMs: number } | undefined> = [];

  constructor(
    private readonly selfPid = process.pid,
    private readonly procRoot = '/proc'
  ) {}

  /**
   * Cumulative CPU ms and current RSS of this process plus the bpftraces with `bpftracePids`,
   * one per program and always in the same order (undefined while a program has none running).
   */
  sample(bpftracePids: ReadonlyArray<number | undefined>): { cpuMs: number; rssBytes: number } {
    const self = readProcessUsage(this.selfPid, this.procRoot);
    let cpuMs = self === undefined ? 0 : self.userMs + self.systemMs;
    let rssBytes = self?.rssBytes ?? 0;
    bpftracePids.forEach((pid, i) => {
      const child = pid === undefined ? undefined : readProcessUsage(pid, this.procRoot);
      const last = this.bpftraces[i];
      if (last !== undefined && last.pid !== pid) {
        this.endedBpftraceCpuMs += last.cpuMs;
        this.bpftraces[i] = undefined;
      }
      if (pid !== undefined && child !== undefined) {
        this.bpftraces[i] = { pid, cpuMs: child.userMs + child.systemMs };
      }
      cpuMs += this.bpftraces[i]?.cpuMs ?? 0;
      rssBytes += child?.rssBytes ?? 0;
    });
    return { cpuMs: cpuMs + this.endedBpftraceCpuMs, rssBytes };
  }
}
