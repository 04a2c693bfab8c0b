import { hostCommand } from './hostCommand';
import { spawnPlaced, type LabProcess } from './labProcess';
import { parseNetCounters, type NetCounters } from './netCounters';
import type { Runner } from './runner';

/**
 * A pod of the lab: its own network namespace with `eth0` on the lab bridge, and a cgroup named
 * exactly like a containerd container of a BestEffort Kubernetes pod. Made by `lab.addPod`.
 */
export class Pod implements Runner {
  constructor(
    readonly name: string,
    /** Kubernetes namespace and owning workload, for container_metadata; deployment '' = bare pod. */
    readonly namespace: string,
    readonly deployment: string,
    readonly podUid: string,
    readonly containerId: string,
    readonly ip: string,
    readonly ip6: string,
    readonly netns: string,
    /** Host-side end of the pod's veth, on the bridge. */
    readonly hostVeth: string,
    /** Relative to the cgroup v2 root, as /proc/<pid>/cgroup shows it (without the leading '/'). */
    readonly cgroup: string,
    private readonly cgroupRoot: string
  ) {}

  get description(): string {
    return `pod ${this.name}`;
  }

  spawn(cmd: string, args: readonly string[]): Promise<LabProcess> {
    return spawnPlaced({ cgroupRoot: this.cgroupRoot, cgroup: this.cgroup, netns: this.netns }, cmd, args);
  }

  /** The namespace's kernel counters now (TcpRetransSegs, TcpActiveOpens, ...; see netCounters). */
  netstat(): NetCounters {
    return parseNetCounters(
      hostCommand('ip', ['netns', 'exec', this.netns, 'cat', '/proc/net/snmp', '/proc/net/netstat', '/proc/net/snmp6'])
    );
  }
}
