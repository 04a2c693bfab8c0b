/**
 * Linux capabilities from the CapEff line of /proc/<pid>/status. What bpftrace 0.17 needs was
 * found by running bpf/connections.bt under reduced bounding sets (setpriv --bounding-set):
 *   - uid 0: bpftrace 0.17 refuses any other user ("only supports running as the root user");
 *   - CAP_SYS_ADMIN: it lists kernel BTF objects with BPF_BTF_GET_NEXT_ID, which nothing else
 *     allows. With only CAP_BPF + CAP_PERFMON a trivial program runs, but connections.bt fails
 *     to compile (the tracepoint types it needs come from that BTF). CAP_SYS_ADMIN also covers
 *     what CAP_BPF (maps, programs) and CAP_PERFMON (perf buffers, kernel reads) would grant.
 *   - not CAP_SYS_RESOURCE: since Linux 5.11 BPF memory is charged to the cgroup, not to
 *     RLIMIT_MEMLOCK; bpftrace's "couldn't set RLIMIT_MEMLOCK" warning without it is harmless.
 */
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
