import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** What the compose and Kubernetes tests hold both deployments of the agent to. */

export const REPO_ROOT = join(__dirname, '..', '..');

/**
 * The capabilities the agent container adds after dropping ALL, and why; docker-compose.yml and
 * deploy/agent-daemonset.yaml say the same beside each entry. Found by reading what the agent
 * touches (src/agent/bpftrace/capabilities.ts, preflight.ts, nat/conntrackEvents.ts,
 * attribution/processInfo.ts). Not needed: CAP_SYS_RESOURCE (BPF memory is charged to the cgroup
 * since Linux 5.11; the memlock limit is raised by the runtime for older kernels), CAP_SYS_PTRACE
 * and CAP_DAC_READ_SEARCH (/proc/<pid>/comm and /proc/<pid>/cgroup are world-readable).
 */
export const AGENT_CAPABILITIES = {
  SYS_ADMIN: 'bpftrace lists kernel BTF (BPF_BTF_GET_NEXT_ID), loads programs, opens perf buffers',
  IPC_LOCK: 'bpftrace locks its 4 MiB per-CPU perf buffers past RLIMIT_MEMLOCK (e2e/reliability/leastPrivilege)',
  NET_ADMIN: 'conntrack -E / -L subscribe to the netfilter conntrack netlink groups',
} as const;

/** name:x.y.z (optionally with a suffix such as -debian); no floating tags. */
export function isPinnedImage(image: string): boolean {
  return /^[a-z0-9./-]+:\d+\.\d+\.\d+(\.\d+)?(-[a-z0-9]+)?$/.test(image);
}

/** Env vars a Vector config dir reads, and which of them have no default (`${X}` or `${X:?why}`). */
export function envOf(dir: string): { all: string[]; required: string[] } {
  const text = readdirSync(join(REPO_ROOT, dir))
    .map((f) => readFileSync(join(REPO_ROOT, dir, f), 'utf8'))
    .join('\n');
  const refs = [...text.matchAll(/\$\{([A-Z_][A-Z0-9_]*)(:?[-?])?/g)].map((m) => ({
    name: m[1],
    required: m[2] !== ':-' && m[2] !== '-',
  }));
  const unique = (names: string[]) => [...new Set(names)].sort();
  return { all: unique(refs.map((r) => r.name)), required: unique(refs.filter((r) => r.required).map((r) => r.name)) };
}
