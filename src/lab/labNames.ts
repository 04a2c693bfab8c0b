/**
 * Names of everything a lab run creates on the host. Every name starts with `nmlab<runId>`, so
 * parallel runs never collide and `cleanupStale()` can tell whose leftovers a name is by the
 * name alone. Pure: no host access.
 *
 * Interface names must fit IFNAMSIZ (15 characters), hence the short run id and `p<n>` suffix.
 * Pod cgroups mimic the kubelet's systemd driver with containerd exactly, below one lab slice:
 * the agent's parser only looks from the first `kubepods` segment on, and a slice of our own
 * keeps a real node's kubepods.slice untouched and makes teardown one recursive removal.
 */

export const LAB_PREFIX = 'nmlab';
const RUN_ID = /^[0-9a-f]{6}$/;
const OWNED_NAME = /^nmlab([0-9a-f]{6})(?:$|[-.p])/;
/** A DNS label, as Kubernetes requires of pod names. */
const POD_NAME = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/;
const MAX_PODS = 253;

export function isRunId(value: string): boolean {
  return RUN_ID.test(value);
}

/** The run that created a lab resource (link, netns, nft table, cgroup), or undefined if not the lab's. */
export function runIdOfName(name: string): string | undefined {
  return OWNED_NAME.exec(name)?.[1];
}

export function checkPodName(name: string): void {
  if (!POD_NAME.test(name)) {
    throw new Error(`pod name ${JSON.stringify(name)}: expected a DNS label (a-z, 0-9, '-', at most 63 characters)`);
  }
}

export function checkPodIndex(index: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= MAX_PODS) {
    throw new Error(`pod index ${index}: expected an integer in [0, ${MAX_PODS}) (one /24 per lab)`);
  }
}

export interface LabNames {
  readonly runId: string;
  /** Host-side bridge that every pod's veth joins. */
  readonly bridge: string;
  /** nftables table (family bridge) that holds the lab's loss and blackhole rules. */
  readonly nftTable: string;
  /** Top cgroup of the run, relative to the cgroup v2 root. */
  readonly slice: string;
  /** Cgroup of plain host processes the lab starts: not a container's, so attributed to the host. */
  readonly hostScope: string;
  netns(podName: string): string;
  hostVeth(podIndex: number): string;
  /** A containerd container's cgroup in a BestEffort pod, as the kubelet's systemd driver names it. */
  podCgroup(podUid: string, containerId: string): string;
}

export function labNames(runId: string): LabNames {
  if (!isRunId(runId)) {
    throw new Error(`run id ${JSON.stringify(runId)}: expected 6 lower-case hex digits`);
  }
  const base = `${LAB_PREFIX}${runId}`;
  const slice = `${base}.slice`;
  return {
    runId,
    bridge: base,
    nftTable: base,
    slice,
    hostScope: `${slice}/${LAB_PREFIX}-host.scope`,
    netns: (podName) => {
      checkPodName(podName);
      return `${base}-${podName}`;
    },
    hostVeth: (podIndex) => {
      checkPodIndex(podIndex);
      return `${base}p${podIndex}`;
    },
    podCgroup: (podUid, containerId) => {
      const pod = `kubepods-besteffort-pod${podUid.replace(/-/g, '_')}.slice`;
      return `${slice}/kubepods.slice/kubepods-besteffort.slice/${pod}/cri-containerd-${containerId}.scope`;
    },
  };
}
