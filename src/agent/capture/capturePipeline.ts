import type { ConnectionRow } from '../../shared/schema';
import {
  DEFAULT_MAX_LINE_CHARS,
  MAP_FULL_RETCODE,
  parseBpftraceLine,
  type BpftraceLine,
  type BpftraceLineKind,
  type TcpSnapshotEntry,
  type UdpIdentity,
  type UdpStat,
} from './bpftraceLine';
import {
  buildConnectionRow,
  NO_ATTRIBUTION,
  NO_METADATA,
  type AttributeProcess,
  type LookupMetadata,
  type RowContext,
} from './connectionRow';
import { ConnectionTracker, type ConnectionTrackerStats } from './connectionTracker';
import { LINUX_EPHEMERAL_PORTS, type PortRange } from './directionGuess';
import { LocalEndpoints } from './localEndpoints';
import { TimeOrderedQueue } from './timeOrderedQueue';
import { UdpFlows } from './udpFlows';

/**
 * The agent's capture core: bpftrace lines in, connections rows out. The agent loop feeds every
 * stdout line of `bpftrace -f json bpf/connections.bt` to handleLine, and calls takeRows on a
 * timer (rows of a flush are ready reorderWindowMs after it) and drain once bpftrace has exited.
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
}

/** Cumulative since the pipeline was made; agent_health takes deltas per interval. */
export interface CaptureStats extends Omit<ConnectionTrackerStats, 'evictions'> {
  /** events_read: every line handed in. */
  readonly linesRead: number;
  readonly linesByKind: Readonly<Record<BpftraceLineKind, number>>;
  readonly lostEvents: number;
  readonly malformedLines: number;
  readonly unknownLines: number;
  /** The reason of the last malformed or unknown line, for a log line; '' if none yet. */
  readonly lastRejectReason: string;
  /** helper_error -7 lines plus the growth of the flushed line's table_full. */
  readonly mapFullErrors: number;
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
  /** TCP table entries and UDP flows dropped to bound memory. */
  readonly evictions: number;
  readonly udpFlows: number;
  readonly udpWithoutIdentity: number;
  readonly rowsEmitted: number;
  readonly buffered: number;
}

export interface CapturePipeline {
  handleLine(line: string): void;
  /** Rows completed since the last call. */
  takeRows(): ConnectionRow[];
  /** Applies everything still waiting for its reorder window: call when bpftrace has exited. */
  drain(): void;
  stats(): CaptureStats;
}

const KINDS: readonly BpftraceLineKind[] = [
  'hello',
  'open',
  'seen',
  'owner',
  'reset',
  'close',
  'fail',
  'flush',
  'tcpSnapshot',
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
  tcp: TcpSnapshotEntry[];
  udpIdentities: UdpIdentity[];
  udpStats: UdpStat[];
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
  const reorderWindowNs = (opts.reorderWindowMs ?? 500) * 1e6;
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
  const shared = {
    node: opts.node,
    endpoints,
    attribute: opts.attribute ?? NO_ATTRIBUTION,
    toEpochMs,
    ephemeralPorts: opts.ephemeralPorts ?? LINUX_EPHEMERAL_PORTS,
  };
  const tcp = new ConnectionTracker({ ...shared, maxConnections });
  const udp = new UdpFlows({ ...shared, maxFlows: maxUdpFlows });
  const rowContext: RowContext = { node: opts.node, endpoints, metadata: opts.metadata ?? NO_METADATA };
  const queue = new TimeOrderedQueue();
  // Enough for every connection to open, close and reset once per interval before a forced release.
  const maxBuffered = 4 * maxConnections;

  let rows: ConnectionRow[] = [];
  let group: FlushGroup | undefined;
  const linesByKind = Object.fromEntries(KINDS.map((k) => [k, 0])) as Record<BpftraceLineKind, number>;
  const c = {
    lostEvents: 0,
    lastRejectReason: '',
    mapFullErrors: 0,
    otherHelperErrors: 0,
    untrackedResets: 0,
    probesAttached: 0,
    abandonedConnections: 0,
    rowsEmitted: 0,
  };
  // The flushed line's counters are running totals of one bpftrace run.
  let runUntrackedResets = 0;
  let runTableFull = 0;

  function flushRows(ts: number, g: FlushGroup, untrackedResets: number, tableFull: number): void {
    tcp.snapshot(g.tcp);
    udp.addIdentities(g.udpIdentities);
    udp.addStats(g.udpStats);
    udp.prepare();
    const drafts = [...tcp.flush(ts), ...udp.flush(ts)];
    for (const d of drafts) {
      rows.push(buildConnectionRow(d, rowContext));
    }
    c.rowsEmitted += drafts.length;
    c.untrackedResets += Math.max(0, untrackedResets - runUntrackedResets);
    c.mapFullErrors += Math.max(0, tableFull - runTableFull);
    runUntrackedResets = untrackedResets;
    runTableFull = tableFull;
  }

  function currentGroup(): FlushGroup {
    group ??= { ts: undefined, tcp: [], udpIdentities: [], udpStats: [] };
    return group;
  }

  function startRun(): void {
    queue.runAll();
    c.abandonedConnections += tcp.clear();
    udp.clear();
    group = undefined;
    runUntrackedResets = 0;
    runTableFull = 0;
  }

  function handle(e: BpftraceLine): void {
    switch (e.kind) {
      case 'hello':
        startRun();
        return;
      case 'open':
      case 'seen':
        queue.push(e.ts, () => tcp.open(e));
        return;
      case 'owner':
        queue.push(e.ts, () => tcp.owner(e));
        return;
      case 'reset':
        queue.push(e.ts, () => tcp.reset(e));
        return;
      case 'close':
      case 'fail':
        queue.push(e.ts, () => tcp.close(e));
        return;
      case 'flush':
        currentGroup().ts = e.ts;
        return;
      case 'tcpSnapshot':
        currentGroup().tcp.push(...e.entries);
        return;
      case 'udpIdentities':
        currentGroup().udpIdentities.push(...e.entries);
        return;
      case 'udpStats':
        currentGroup().udpStats.push(...e.entries);
        return;
      case 'flushed': {
        // A lost "flush" line leaves the group without its time; the flushed line is close enough.
        const g = currentGroup();
        const ts = g.ts ?? e.ts;
        group = undefined;
        queue.push(ts, () => flushRows(ts, g, e.untrackedResets, e.tableFull));
        return;
      }
      case 'lostEvents':
        c.lostEvents += e.count;
        return;
      case 'helperError':
        if (e.retcode === MAP_FULL_RETCODE) {
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
    handleLine(line) {
      const e = parseBpftraceLine(line, maxLineChars);
      linesByKind[e.kind]++;
      handle(e);
      if (queue.length > maxBuffered) {
        queue.runOldest(queue.length - maxBuffered / 2);
      }
    },
    takeRows() {
      queue.runUntil(clock.monotonicNs() - reorderWindowNs);
      const out = rows;
      rows = [];
      return out;
    },
    drain() {
      queue.runAll();
    },
    stats() {
      const t = tcp.stats();
      const u = udp.stats();
      return {
        ...c,
        ...t,
        linesRead: KINDS.reduce((sum, k) => sum + linesByKind[k], 0),
        linesByKind: { ...linesByKind },
        malformedLines: linesByKind.malformed,
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
