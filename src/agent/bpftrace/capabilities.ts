/**
 * Linux capabilities from the CapEff line of /proc/<pid>/status. What bpftrace 0.17 needs was
 * found by running bpf/connections.bt under reduced bounding sets (setpriv --bounding-set):
 *   - uid 0: bpftrace 0.17 refuses any other user ("only supports running as the root user");
 *   - CAP_SYS_ADMIN: it lists kernel BTF objects with BPF_BTF_GET_NEXT_ID, which nothing else
 *     allows. With only CAP_BPF + CAP_PERFMON a trivial program runs, but connections.bt fails
 *     to compile (the tracepoint types it needs come from that BTF). CAP_SYS_ADMIN also covers
 *     what CAP_BPF (maps, programs) and CAP_PERFMON (perf buffers, kernel reads) would grant.
 *   - CAP_IPC_LOCK, unless RLIMIT_MEMLOCK is unlimited: perf_mmap() counts bpftrace's per-CPU
 *     output buffers (4 MiB each for connections.bt) beyond kernel.perf_event_mlock_kb against
 *     RLIMIT_MEMLOCK, and refuses the excess without CAP_IPC_LOCK; bpftrace then attaches every
 *     probe and dies with "Failed to open perf buffer" (found by e2e/reliability/leastPrivilege
 *     under capsh with the usual 8 MiB limit; CAP_SYS_RESOURCE does not help).
 *   - not CAP_SYS_RESOURCE: since Linux 5.11 BPF memory is charged to the cgroup, not to
 *     RLIMIT_MEMLOCK; bpftrace's "couldn't set RLIMIT_MEMLOCK" warning without it is harmless.
 */
export const CAP_IPC_LOCK = 14;
export const CAP_SYS_ADMIN = 21;
export const CAP_PERFMON = 38;
export const CAP_BPF = 39;

/** The effective set as a bit mask. */
export function parseCapEff(statusText: string): bigint {
  const hex = statusText.match(/^CapEff:\s*([0-9a-fA-F]+)$/m)?.[1];
  if (hex === undefined) {
    throw new Error('/proc/self/status: expected a "CapEff: <hex>" line, found none');
  }
  return BigInt(`0x${hex}`);
}

export function hasCapability(mask: bigint, cap: number): boolean {
  return ((mask >> BigInt(cap)) & 1n) === 1n;
}

/** The soft "Max locked memory" of /proc/<pid>/limits in bytes, or 'unlimited'. */
export function parseMemlockLimit(limitsText: string): bigint | 'unlimited' {
  const soft = limitsText.match(/^Max locked memory\s+(\S+)/m)?.[1];
  if (soft === undefined || !/^(\d+|unlimited)$/.test(soft)) {
    throw new Error('/proc/self/limits: expected a "Max locked memory <soft> <hard> bytes" line, found none');
  }
  return soft === 'unlimited' ? 'unlimited' : BigInt(soft);
}
