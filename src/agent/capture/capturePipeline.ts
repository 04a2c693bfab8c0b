import type { ConnectionRow } from '../../shared/schema';
import {
  DEFAULT_MAX_LINE_CHARS,
  MAP_FULL_RETCODE,
  parseBpftraceLine,
  type BpftraceLine,
  type BpftraceLineKind,
  type TcpIdentity,
  type TcpSnapshotEntry,
  type UdpStat,
} from './bpftraceLine';
import {
  buildConnectionRow,
  NO_ATTRIBUTION,
  NO_CGROUP_ATTRIBUTION,
  NO_METADATA,
  type AttributeCgroup,
  type AttributeProcess,
  type LookupMetadata,
  type ProcessAttribution,
  type RowContext,
  type RowDraft,
} from './connectionRow';
import { ConnectionTracker, type ConnectionTrackerStats } from './connectionTracker';
import { LINUX_EPHEMERAL_PORTS, type PortRange } from './directionGuess';
import { LocalEndpoints } from './localEndpoints';
import { TimeOrderedQueue } from './timeOrderedQueue';
import { UdpFlows, type OwnedUdpIdentity } from './udpFlows';

/**
 * The agent's capture core: bpftrace lines in, connections rows out. The agent loop feeds every
 * stdout line of `bpftrace -f json bpf/connections.bt` to handleLine, calls takeRows
 * reorderWindowMs after each "flushed" line (when that flush's rows are ready) and on a timer,
 * and drain once bpftrace has exited.
 *
 * Lost lines (a full perf buffer) never strand lines already read: closed connections leave on
 * takeRows without waiting for a flush line, a flush whose "flushed" line is lost goes out when
 * the next flush starts or once it is old, and drain and a bpftrace restart emit whatever is left.
 */

/** bpftrace's clock is CLOCK_MONOTONIC, which is what process.hrtime reads on Linux. */
export interface CaptureClock {
  nowMs(): number;
  monotonicNs(): number;
}

export const SYSTEM_CLOCK: CaptureClock = {
  nowMs: () => Date.now(),
  monotonicNs: () => Number(process.hrtime.bigint()),
};

export interface CapturePipelineOptions {
  /** Host name written in every row and hashed into connection_id. */
  readonly node: string;
  /** pid -> comm and container; a ProcessInfoCache's get in production. */
  readonly attribute?: AttributeProcess;
  /**
   * Socket cgroup v2 id -> container; a CgroupIdIndex in production. Preferred over the pid: it
   * still answers after the process has exited, and cannot be fooled by a reused pid.
   */
  readonly attributeCgroup?: AttributeCgroup;
  /** container id -> pod metadata, or undefined when unknown. */
  readonly metadata?: LookupMetadata;
  readonly clock?: CaptureClock;
  /** TCP connections tracked live; keep it at BPFTRACE_MAP_KEYS_MAX. */
  readonly maxConnections?: number;
  readonly maxUdpFlows?: number;
  /** The host's net.ipv4.ip_local_port_range, for guessing who connected. */
  readonly ephemeralPorts?: PortRange;
  readonly maxLineChars?: number;
  /** How long events wait to be put back in time order. */
  readonly reorderWindowMs?: number;
  /**
   * Source lines of connections.bt's @closed inserts (closedInsertLines of its text): a map-full
   * helper_error at one of them is a close printed as its own line instead, not a loss.
   */
  readonly closedInsertLines?: ReadonlySet<number>;
}

/** Cumulative since the pipeline was made; agent_health takes deltas per interval. */
export interface CaptureStats extends Omit<ConnectionTrackerStats, 'evictions'> {
  /** events_read: every line handed in. */
  readonly linesRead: number;
  readonly linesByKind: Readonly<Record<BpftraceLineKind, number>>;
  readonly lostEvents: number;
  /** Malformed lines, plus the entries of map lines that did not parse. */
  readonly malformedLines: number;
  readonly unknownLines: number;
  /** The reason of the last malformed or unknown line, for a log line; '' if none yet. */
  readonly lastRejectReason: string;
  /** helper_error -7 lines other than @closed inserts, plus the growth of the flushed line's table_full. */
  readonly mapFullErrors: number;
  /** Closes that found @closed full and were printed as lines instead: nothing lost, but a sign the map is small. */
  readonly closedMapFull: number;
  /** Seconds whose tick or flush waited for bpftrace's user space to catch up (nothing lost). */
  readonly lateTicks: number;
  readonly otherHelperErrors: number;
  /** RSTs on sockets connections.bt does not track (the flushed line's counter, summed over runs). */
  readonly untrackedResets: number;
  /** From the latest attached_probes line. */
  readonly probesAttached: number;
  /** hello lines: bpftrace runs seen. */
  readonly bpftraceRuns: number;
  /** Live TCP connections dropped without a final row because bpftrace started over. */
  readonly abandonedConnections: number;
  /** Events that arrived after later ones had already been applied. */
  readonly lateLines: number;
  /** Early TCP lines and UDP flows dropped to bound memory. */
  readonly evictions: number;
  readonly udpFlows: number;
  readonly udpWithoutIdentity: number;
  readonly rowsEmitted: number;
  readonly buffered: number;
}

export interface CapturePipeline {
  /** Returns what the line was, so the caller can act on "flushed". */
  handleLine(line: string): BpftraceLineKind;
  /** How long after a line its event is applied: a flush's rows are ready this long after it. */
  readonly reorderWindowMs: number;
  /** Rows completed since the last call. */
  takeRows(): ConnectionRow[];
  /** Applies everything still waiting for its reorder window: call when bpftrace has exited. */
  drain(): void;
  stats(): CaptureStats;
}

const KINDS: readonly BpftraceLineKind[] = [
  'hello',
  'seen',
  'owner',
  'reset',
  'close',
  'fail',
  'flush',
  'tick',
  'tcpSnapshot',
  'tcpIdentities',
  'tcpCloses',
  'udpIdentities',
  'udpStats',
  'flushed',
  'lostEvents',
  'helperError',
  'attachedProbes',
  'malformed',
  'unknown',
];

/** Lines between "flush" and "flushed". */
interface FlushGroup {
  ts: number | undefined;
  seq: number | undefined;
  tcpIdentities: Array<{ identity: TcpIdentity; owner: ProcessAttribution | undefined }>;
  tcp: TcpSnapshotEntry[];
  udpIdentities: OwnedUdpIdentity[];
  udpStats: UdpStat[];
}

type FlushedLine = Extract<BpftraceLine, { kind: 'flushed' }>;

/** What waits in the reorder queue: a line, or a flush's group, with the owner read on arrival. */
interface Queued {
  readonly event:
    | Extract<BpftraceLine, { kind: 'seen' | 'owner' | 'reset' | 'close' | 'fail' | 'flushed' }>
    | { readonly kind: 'group'; readonly ts: number; readonly group: FlushGroup; readonly flushed?: FlushedLine };
  readonly who: ProcessAttribution | undefined;
}

/**
 * A closed connection's final row waits this long past the reorder window for reset lines that
 * follow its close (an abortive close's RST); later ones become a follow-up row.
 */
const RELEASE_GRACE_NS = 100e6;
/** A flush whose "flushed" line has not come this long past the reorder window is taken as lost. */
const LOST_FLUSHED_AFTER_NS = 2e9;

/** Not push(...): a spread of a map's tens of thousands of entries can overflow the stack. */
function appendAll<T>(to: T[], from: readonly T[]): void {
  for (const x of from) {
    to.push(x);
  }
}

function positiveInt(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`createCapturePipeline ${what}: expected a positive integer, got ${value}`);
  }
  return value;
}

export function createCapturePipeline(opts: CapturePipelineOptions): CapturePipeline {
  const clock = opts.clock ?? SYSTEM_CLOCK;
  const maxConnections = positiveInt(opts.maxConnections ?? 65_536, 'maxConnections');
  const maxUdpFlows = positiveInt(opts.maxUdpFlows ?? 65_536, 'maxUdpFlows');
  const maxLineChars = positiveInt(opts.maxLineChars ?? DEFAULT_MAX_LINE_CHARS, 'maxLineChars');
  const reorderWindowMs = opts.reorderWindowMs ?? 500;
  const reorderWindowNs = reorderWindowMs * 1e6;
  if (!(reorderWindowNs >= 0)) {
    throw new RangeError(`createCapturePipeline reorderWindowMs: expected >= 0, got ${opts.reorderWindowMs}`);
  }
  if (opts.node === '') {
    throw new RangeError('createCapturePipeline node: expected the host name, got an empty string');
  }
  // Measured once: re-reading both clocks later would let wall-clock steps reorder rows.
  const offsetMs = clock.nowMs() - clock.monotonicNs() / 1e6;
  const toEpochMs = (ns: number) => Math.floor(offsetMs + ns / 1e6);

  const endpoints = new LocalEndpoints();
  const attribute = opts.attribute ?? NO_ATTRIBUTION;
  const attributeCgroup = opts.attributeCgroup ?? NO_CGROUP_ATTRIBUTION;
  const shared = {
    node: opts.node,
    endpoints,
    toEpochMs,
    ephemeralPorts: opts.ephemeralPorts ?? LINUX_EPHEMERAL_PORTS,
  };
  const tcp = new ConnectionTracker({ ...shared, maxConnections });
  const udp = new UdpFlows({ ...shared, maxFlows: maxUdpFlows });
  const rowContext: RowContext = { node: opts.node, endpoints, metadata: opts.metadata ?? NO_METADATA };
  const queue = new TimeOrderedQueue<Queued>(apply);
  // Enough for every connection to open, close and reset once per interval before a forced release.
  const maxBuffered = 4 * maxConnections;

  let rows: ConnectionRow[] = [];
  let group: FlushGroup | undefined;
  /** The seq of the last flush put in the queue: its late "flushed" line only brings counters. */
  let queuedSeq: number | undefined;
  const linesByKind = Object.fromEntries(KINDS.map((k) => [k, 0])) as Record<BpftraceLineKind, number>;
  const c = {
    lostEvents: 0,
    lastRejectReason: '',
    malformedEntries: 0,
    mapFullErrors: 0,
    closedMapFull: 0,
    lateTicks: 0,
    otherHelperErrors: 0,
    untrackedResets: 0,
    probesAttached: 0,
    abandonedConnections: 0,
    rowsEmitted: 0,
  };
  // The flushed line's counters are running totals of one bpftrace run.
  let runUntrackedResets = 0;
  let runTableFull = 0;
  let runLateTicks = 0;
  /** The latest tick line of this run: every close up to it has been read. */
  let tickTs = Number.NEGATIVE_INFINITY;
  const closedInsertLines = opts.closedInsertLines ?? new Set<number>();

  /**
   * Who owns a socket, worked out when its line arrives: by the time the line is applied (the
   * reorder window) a short-lived process has exited. The socket's cgroup first, then the pid;
   * comm is the event's unless it has none. Undefined when nothing names a container.
   */
  function ownerOf(pid: number, comm: string, cgroup: number): ProcessAttribution | undefined {
    const byCgroup = cgroup === 0 ? undefined : attributeCgroup(cgroup);
    if (byCgroup !== undefined && (comm !== '' || pid === 0)) {
      return { comm, containerId: byCgroup.containerId };
    }
    if (pid === 0) {
      return undefined;
    }
    const byPid = attribute(pid);
    return { comm: comm || byPid.comm, containerId: byCgroup?.containerId ?? byPid.containerId };
  }

  function emit(drafts: readonly RowDraft[]): void {
    for (const d of drafts) {
      rows.push(buildConnectionRow(d, rowContext));
    }
    c.rowsEmitted += drafts.length;
  }

  function countFlushed(e: FlushedLine): void {
    c.untrackedResets += Math.max(0, e.untrackedResets - runUntrackedResets);
    c.mapFullErrors += Math.max(0, e.tableFull - runTableFull);
    c.lateTicks += Math.max(0, e.lateTicks - runLateTicks);
    runUntrackedResets = e.untrackedResets;
    runTableFull = e.tableFull;
    runLateTicks = e.lateTicks;
  }

  function flushRows(ts: number, g: FlushGroup, flushed: FlushedLine | undefined): void {
    for (const { identity, owner } of g.tcpIdentities) {
      tcp.open({ kind: 'open', ts, ...identity }, owner);
    }
    tcp.snapshot(g.tcp);
    udp.addIdentities(g.udpIdentities);
    udp.addStats(g.udpStats);
    udp.prepare();
    emit([...tcp.flush(ts), ...udp.flush(ts)]);
    tcp.expire(ts);
    if (flushed !== undefined) {
      countFlushed(flushed);
    }
  }

  function currentGroup(): FlushGroup {
    group ??= { ts: undefined, seq: undefined, tcpIdentities: [], tcp: [], udpIdentities: [], udpStats: [] };
    return group;
  }

  /** Puts the group in time order with the events; `flushed` is undefined when that line was lost. */
  function queueGroup(g: FlushGroup, ts: number, flushed?: FlushedLine): void {
    group = undefined;
    queuedSeq = g.seq ?? flushed?.seq;
    queue.push(ts, { event: { kind: 'group', ts, group: g, flushed }, who: undefined });
  }

  function apply({ event: e, who }: Queued): void {
    switch (e.kind) {
      case 'seen':
        tcp.open(e, who);
        return;
      case 'owner':
        tcp.owner(e, who);
        return;
      case 'reset':
        tcp.reset(e);
        return;
      case 'close':
      case 'fail':
        tcp.close(e, who);
        return;
      case 'group':
        flushRows(e.ts, e.group, e.flushed);
        return;
      case 'flushed':
        countFlushed(e); // its flush went out without it
        return;
    }
  }

  /** Everything read so far out as rows: at the end, and before a new bpftrace run starts over. */
  function settle(): void {
    if (group !== undefined) {
      queueGroup(group, group.ts ?? clock.monotonicNs());
    }
    queue.runAll();
    emit(tcp.release(Number.POSITIVE_INFINITY));
  }

  function startRun(intervalS: number): void {
    settle();
    c.abandonedConnections += tcp.clear(intervalS * 1e9);
    udp.clear();
    queuedSeq = undefined;
    runUntrackedResets = 0;
    runTableFull = 0;
    runLateTicks = 0;
    tickTs = Number.NEGATIVE_INFINITY;
  }

  function countSkipped(e: { skipped: number; firstReason?: string }): void {
    c.malformedEntries += e.skipped;
    c.lastRejectReason = e.firstReason ?? c.lastRejectReason;
  }

  /** A seen or close event (line or @closed entry), with its owner as of now. */
  function queueWithOwner(e: Extract<BpftraceLine, { kind: 'seen' | 'close' | 'fail' }>): void {
    queue.push(e.ts, { event: e, who: ownerOf(e.pid, e.comm, e.cgroup) });
  }

  function handle(e: BpftraceLine): void {
    switch (e.kind) {
      case 'hello':
        startRun(e.intervalS);
        return;
      case 'seen':
      case 'close':
      case 'fail':
        queueWithOwner(e);
        return;
      case 'tick':
        tickTs = Math.max(tickTs, e.ts);
        return;
      case 'tcpCloses':
        // Each at its own time: the reorder queue puts them before the flush that followed them.
        countSkipped(e);
        e.entries.forEach(queueWithOwner);
        return;
      case 'owner':
        // The owner line is the only one from the owner's own context; it carries no cgroup.
        queue.push(e.ts, { event: e, who: ownerOf(e.pid, e.comm, 0) });
        return;
      case 'reset':
        queue.push(e.ts, { event: e, who: undefined });
        return;
      case 'flush':
        if (group?.ts !== undefined) {
          queueGroup(group, group.ts); // the previous flush's "flushed" line was lost
        }
        group = { ...currentGroup(), ts: e.ts, seq: e.seq };
        return;
      case 'tcpSnapshot':
        countSkipped(e);
        appendAll(currentGroup().tcp, e.entries);
        return;
      case 'tcpIdentities': {
        countSkipped(e);
        // Not push(...): a flush can announce tens of thousands.
        const g = currentGroup();
        for (const identity of e.entries) {
          g.tcpIdentities.push({ identity, owner: ownerOf(identity.pid, identity.comm, identity.cgroup) });
        }
        return;
      }
      case 'udpIdentities':
        countSkipped(e);
        appendAll(
          currentGroup().udpIdentities,
          e.entries.map((identity) => ({ identity, owner: ownerOf(identity.pid, identity.comm, identity.cgroup) }))
        );
        return;
      case 'udpStats':
        countSkipped(e);
        appendAll(currentGroup().udpStats, e.entries);
        return;
      case 'flushed':
        if (group === undefined && e.seq === queuedSeq) {
          queue.push(e.ts, { event: e, who: undefined });
        } else {
          // A lost "flush" line leaves the group without its time; the flushed line is close enough.
          queueGroup(currentGroup(), group?.ts ?? e.ts, e);
        }
        return;
      case 'lostEvents':
        c.lostEvents += e.count;
        return;
      case 'helperError':
        if (e.retcode === MAP_FULL_RETCODE && e.line !== undefined && closedInsertLines.has(e.line)) {
          c.closedMapFull++;
        } else if (e.retcode === MAP_FULL_RETCODE) {
          c.mapFullErrors++;
        } else {
          c.otherHelperErrors++;
        }
        return;
      case 'attachedProbes':
        c.probesAttached = e.probes;
        return;
      case 'malformed':
      case 'unknown':
        c.lastRejectReason = e.reason;
        return;
    }
  }

  return {
    reorderWindowMs,
    handleLine(line) {
      const e = parseBpftraceLine(line, maxLineChars);
      linesByKind[e.kind]++;
      handle(e);
      if (queue.length > maxBuffered) {
        queue.runOldest(queue.length - maxBuffered / 2);
      }
      return e.kind;
    },
    takeRows() {
      // Not past the last tick: a close is read at the tick after it, and applying later events
      // first would make it late. Before the first tick of a run, the reorder window alone.
      const windowEnd = clock.monotonicNs() - reorderWindowNs;
      const cutoff = tickTs === Number.NEGATIVE_INFINITY ? windowEnd : Math.min(windowEnd, tickTs);
      if (group?.ts !== undefined && group.ts < cutoff - LOST_FLUSHED_AFTER_NS) {
        queueGroup(group, group.ts);
      }
      queue.runUntil(cutoff);
      emit(tcp.release(cutoff - RELEASE_GRACE_NS));
      tcp.expire(cutoff);
      const out = rows;
      rows = [];
      return out;
    },
    drain() {
      settle();
    },
    stats() {
      const t = tcp.stats();
      const u = udp.stats();
      const { malformedEntries, ...counts } = c;
      return {
        ...counts,
        ...t,
        linesRead: KINDS.reduce((sum, k) => sum + linesByKind[k], 0),
        linesByKind: { ...linesByKind },
        malformedLines: linesByKind.malformed + malformedEntries,
        unknownLines: linesByKind.unknown,
        bpftraceRuns: linesByKind.hello,
        lateLines: queue.late,
        evictions: t.evictions + u.evictions,
        udpFlows: u.flows,
        udpWithoutIdentity: u.withoutIdentity,
        buffered: queue.length,
      };
    },
  };
}
