import { readProcessUsage } from '../bpftrace/procStat';

/**
 * CPU time and memory of the agent and its bpftrace, from /proc. bpftrace is a new process after
 * each restart, so the CPU of the ones that ended is carried forward: the total only grows, and
 * agent_health's cpu_ms is its delta. (CPU a bpftrace spent after its last sample is not seen.)
 */
export class ProcessUsageSampler {
  private endedBpftraceCpuMs = 0;
  private bpftrace: { pid: number; cpuMs: number } | undefined;

  constructor(
    private readonly selfPid = process.pid,
    private readonly procRoot = '/proc'
  ) {}

  /** Cumulative CPU ms and current RSS of this process plus the bpftrace with `bpftracePid`. */
  sample(bpftracePid: number | undefined): { cpuMs: number; rssBytes: number } {
    const self = readProcessUsage(this.selfPid, this.procRoot);
    const child = bpftracePid === undefined ? undefined : readProcessUsage(bpftracePid, this.procRoot);
    if (this.bpftrace !== undefined && this.bpftrace.pid !== bpftracePid) {
      this.endedBpftraceCpuMs += this.bpftrace.cpuMs;
      this.bpftrace = undefined;
    }
    if (bpftracePid !== undefined && child !== undefined) {
      this.bpftrace = { pid: bpftracePid, cpuMs: child.userMs + child.systemMs };
    }
    const selfCpu = self === undefined ? 0 : self.userMs + self.systemMs;
    return {
      cpuMs: selfCpu + this.endedBpftraceCpuMs + (this.bpftrace?.cpuMs ?? 0),
      rssBytes: (self?.rssBytes ?? 0) + (child?.rssBytes ?? 0),
    };
  }
}
