/**
 * Which container (and which Kubernetes pod) a process belongs to, read from the text of
 * /proc/<pid>/cgroup. Pure: no file access, so the table-driven test can feed it real samples.
 *
 * The runtimes name a container's cgroup after its full 64-hex id, with a prefix that says who
 * made it (`cri-containerd-`, `crio-`, `docker-`, `libpod-`, ...) under the systemd driver, and
 * bare under cgroupfs. The kubelet puts pods in `pod<uid>` cgroups under `kubepods`, with the
 * uid's dashes turned into underscores by the systemd driver. Nested runtimes (kind, k3d,
 * docker-in-docker) stack these, so the innermost container id wins: that is the one whose
 * processes we see.
 *
 * `crio-conmon-<id>` and `libpod-conmon-<id>` hold conmon, the runtime's per-container monitor.
 * It lives in the host's network namespace and never speaks for the workload, so it gets no
 * container id (its traffic must not be charged to the container); it keeps the pod uid and the
 * runtime, which are still true.
 */

export type ContainerRuntime = 'containerd' | 'cri-o' | 'docker' | 'podman' | 'unknown' | 'host';
export type QosClass = 'guaranteed' | 'burstable' | 'besteffort';

export interface CgroupAttribution {
  /** Runtime's full 64-hex container id, or '' for host processes and when unknown. */
  readonly containerId: string;
  /** 'host': the cgroup is not a container's; 'unknown': the text could not be read or parsed, or
   * it names a container or pod without saying which runtime made it (cgroupfs driver, ECS). */
  readonly runtime: ContainerRuntime;
  /** Kubernetes pod uid (dashed, lower case) when the cgroup is under kubepods, else ''. */
  readonly podUid: string;
  /** Only when podUid is set. */
  readonly qosClass?: QosClass;
}

export const UNKNOWN_ATTRIBUTION: CgroupAttribution = Object.freeze({
  containerId: '',
  runtime: 'unknown',
  podUid: '',
});
export const HOST_ATTRIBUTION: CgroupAttribution = Object.freeze({ containerId: '', runtime: 'host', podUid: '' });

/** Nothing is known: the text could not be read or parsed, or it names no pod, runtime or container. */
export function isUnattributed(a: CgroupAttribution): boolean {
  return a.runtime === 'unknown' && a.containerId === '' && a.podUid === '';
}

/** Bounds the work per call. A real file is well under 2 KiB even with every v1 controller. */
const MAX_TEXT_CHARS = 32 * 1024;
/** NAME_MAX: no directory in a cgroup filesystem has a longer name, so a longer segment is junk. */
const MAX_SEGMENT_CHARS = 255;

const RUNTIME_BY_PREFIX: Record<string, ContainerRuntime> = {
  'cri-containerd': 'containerd',
  containerd: 'containerd',
  nerdctl: 'containerd',
  crio: 'cri-o',
  docker: 'docker',
  libpod: 'podman',
};

/** `<prefix>-<64hex>[.scope]` or a bare `<64hex>` segment. */
const CONTAINER_SEGMENT = /^(?:([a-z-]+?)-)?([0-9a-f]{64})(?:\.scope)?$/;
/** `kubepods-burstable-pod<uid>.slice` (systemd) or `pod<uid>` (cgroupfs); static pods have a 32-hex uid. */
const POD_SEGMENT =
  /(?:^|-)pod([0-9a-f]{8}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{4}[-_][0-9a-f]{12}|[0-9a-f]{32})(?:\.slice)?$/;
const QOS_IN_SEGMENT = /(?:^|-)(burstable|besteffort)(?:-pod|\.slice$|$)/;
/** Runtimes that skip the systemd path conversion leave `slice:prefix:id` in one segment. */
const UNCONVERTED_SYSTEMD_NAME = /:(cri-containerd|crio|docker):/g;
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/** v1 hierarchies in order of trust; '' is the v2 unified line. */
const CONTROLLER_PREFERENCE = ['', 'pids', 'memory', 'cpu', 'name=systemd'];

export function containerIdFromCgroup(text: string): CgroupAttribution {
  if (typeof text !== 'string' || text.length === 0 || text.length > MAX_TEXT_CHARS) {
    return UNKNOWN_ATTRIBUTION;
  }
  const paths = cgroupPathsByPreference(text);
  if (paths === undefined) {
    return UNKNOWN_ATTRIBUTION;
  }
  // A path that names a pod or a runtime without a container (conmon, a pod-level cgroup) is kept
  // in case no hierarchy names the container itself.
  let partial: CgroupAttribution | undefined;
  for (const path of paths) {
    const attribution = attributePath(path);
    if (attribution.containerId !== '') {
      return attribution;
    }
    partial ??= attribution === HOST_ATTRIBUTION ? undefined : attribution;
  }
  return partial ?? HOST_ATTRIBUTION;
}

/**
 * Distinct paths of the well-formed lines, most trusted hierarchy first; undefined when any line
 * is not `<id>:<controllers>:/<path>` (then the text is not a cgroup file and nothing in it is
 * trusted).
 */
function cgroupPathsByPreference(text: string): string[] | undefined {
  const ranked: Array<{ rank: number; path: string }> = [];
  for (const line of text.split('\n')) {
    if (line === '') {
      continue;
    }
    const first = line.indexOf(':');
    const second = line.indexOf(':', first + 1);
    const path = line.slice(second + 1);
    if (
      first <= 0 ||
      second < 0 ||
      !/^\d+$/.test(line.slice(0, first)) ||
      !path.startsWith('/') ||
      CONTROL_CHARS.test(path)
    ) {
      return undefined;
    }
    ranked.push({ rank: controllerRank(line.slice(first + 1, second)), path });
  }
  if (ranked.length === 0) {
    return undefined;
  }
  ranked.sort((a, b) => a.rank - b.rank);
  return [...new Set(ranked.map((r) => r.path))];
}

function controllerRank(controllers: string): number {
  const names = controllers.split(',');
  const rank = CONTROLLER_PREFERENCE.findIndex((preferred) => names.includes(preferred));
  return rank < 0 ? CONTROLLER_PREFERENCE.length : rank;
}

function attributePath(path: string): CgroupAttribution {
  const segments = path.replace(UNCONVERTED_SYSTEMD_NAME, '/$1-').split('/');
  let containerId = '';
  let runtime: ContainerRuntime = 'host';
  let podUid = '';
  let qosClass: QosClass | undefined;
  let underKubepods = false;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    if (segment.length > MAX_SEGMENT_CHARS) {
      continue;
    }
    underKubepods ||= segment.includes('kubepods');
    const pod = underKubepods ? POD_SEGMENT.exec(segment) : null;
    if (pod) {
      podUid = pod[1].replace(/_/g, '-');
      qosClass = qosOf(segment, segments[i - 1] ?? '');
      continue;
    }
    const container = CONTAINER_SEGMENT.exec(segment);
    if (!container) {
      continue;
    }
    const prefix = container[1];
    if (prefix?.endsWith('-conmon')) {
      containerId = '';
      runtime = RUNTIME_BY_PREFIX[prefix.slice(0, -'-conmon'.length)] ?? 'unknown';
      continue;
    }
    containerId = container[2];
    runtime = prefix === undefined ? runtimeOfBareId(segments[i - 1] ?? '') : (RUNTIME_BY_PREFIX[prefix] ?? 'unknown');
  }
  if (podUid === '') {
    return containerId === '' && runtime === 'host' ? HOST_ATTRIBUTION : { containerId, runtime, podUid };
  }
  return { containerId, runtime: runtime === 'host' ? 'unknown' : runtime, podUid, qosClass };
}

/** cgroupfs docker puts containers in `/docker/<id>`; elsewhere a bare id does not name its runtime. */
function runtimeOfBareId(parent: string): ContainerRuntime {
  return parent === 'docker' ? 'docker' : 'unknown';
}

/** Guaranteed pods sit directly under kubepods; the others under a slice named for their class. */
function qosOf(podSegment: string, parent: string): QosClass {
  const named = QOS_IN_SEGMENT.exec(podSegment) ?? QOS_IN_SEGMENT.exec(parent);
  return named ? (named[1] as QosClass) : 'guaranteed';
}
