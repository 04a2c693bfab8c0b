import type { LabProcess } from './labProcess';

/**
 * A place in the lab where processes run: a pod, a pod's cgroup on the host network, or the host.
 * The traffic tools take one, so every scenario works from any of them.
 */
export interface Runner {
  /** For error messages: "pod web", "host network of pod web", "host". */
  readonly description: string;
  /** The addresses its sockets use on the lab network, and that others reach it at. */
  readonly ip: string;
  readonly ip6: string;
  /** What the agent should attribute its processes to: the pod's container id, or '' on the host. */
  readonly containerId: string;
  /** Starts cmd there; resolves once the process is in its cgroup and network namespace. */
  spawn(cmd: string, args: readonly string[]): Promise<LabProcess>;
}
