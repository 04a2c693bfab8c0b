import type { DnsQueryRow } from '../../shared/schema';
import { SYSTEM_CLOCK, type CaptureClock } from '../capture/capturePipeline';
import {
  NO_ATTRIBUTION,
  NO_CGROUP_ATTRIBUTION,
  NO_METADATA,
  type AttributeCgroup,
  type AttributeProcess,
  type LookupMetadata,
} from '../capture/connectionRow';
import { TimeOrderedQueue } from '../capture/timeOrderedQueue';
import { decodeDnsMessage } from './dnsMessage';
import type { DnsPacket as DnsPacketLine } from './dnsPacketLine';
import { DnsNameMap, type DnsNameMapOptions, type DnsNameMapStats } from './dnsNameMap';
import type { DnsAsker, DnsObservation, DnsProtocol } from './dnsObservation';
import { DnsPairing, type DnsPairingStats } from './dnsPairing';
import { buildDnsQueryRow, type DnsRowContext } from './dnsQueryRow';
import { DuplicatePackets } from './duplicatePackets';

/**
 * The agent's DNS engine: captured DNS datagrams in, dns_queries rows and an IP -> name map out.
 * The agent hands every packet line of bpf/dns.bt (parsed) to handlePacket, calls tick() every
 * second or so (it releases packets older than the reorder window and times questions out), and
 * takeRows() when it writes; names.lookup(remoteIp) labels connections.
 */

/** A datagram as the probe reported it: the fields of a parsed dns.bt line it needs. */
export type DnsPacket = Pick<
  DnsPacketLine,
  'ts' | 'pid' | 'comm' | 'cgroup' | 'saddr' | 'sport' | 'daddr' | 'dport' | 'payload' | 'truncated'
> & {
  /** Default 'udp'. */
  readonly protocol?: DnsProtocol;
};

export interface DnsPipelineOptions {
  /** Host name written in every row. */
  readonly node: string;
  /** pid -> comm and container: a ProcessInfoCache's get in production. */
  readonly attribute?: AttributeProcess;
  /** Socket cgroup id -> container, tried before the pid: a CgroupIdIndex in production. */
  readonly attributeCgroup?: AttributeCgroup;
  /** container id -> pod metadata, as the capture pipeline's. */
  readonly metadata?: LookupMetadata;
  readonly clock?: CaptureClock;
  /** A question with no answer this long after its last send is a TIMEOUT. Default 5000. */
  readonly timeoutMs?: number;
  /** Unanswered questions kept; default 65536. */
  readonly maxPending?: number;
  /** How long packets wait to be put back in time order; default 500. */
  readonly reorderWindowMs?: number;
  /** Identical payloads this close together are one packet seen twice; default 10. */
  readonly duplicateWindowMs?: number;
  readonly names?: Omit<DnsNameMapOptions, 'now'>;
}

/** Cumulative since the pipeline was made. */
export interface DnsPipelineStats extends DnsPairingStats {
  readonly packets: number;
  readonly malformed: number;
  /** The reason of the last malformed payload, for a log line; '' if none yet. */
  readonly lastMalformedReason: string;
  /** Payloads cut by the capture limit, read as far as they went. */
  readonly partial: number;
  readonly duplicates: number;
  /** Packets that arrived after later ones had already been processed. */
  readonly latePackets: number;
  readonly buffered: number;
  readonly rowsEmitted: number;
  readonly names: DnsNameMapStats;
}

export interface DnsPipeline {
  handlePacket(packet: DnsPacket): void;
  /** Processes packets older than the reorder window and times out questions; `nowNs` is monotonic. */
  tick(nowNs?: number): void;
  /** tick(), then the rows completed since the last call. */
  takeRows(): DnsQueryRow[];
  /** Processes every buffered packet: call when the capture has stopped. Unexpired questions stay pending. */
  drain(): void;
  stats(): DnsPipelineStats;
  readonly names: DnsNameMap;
}

function nonNegative(value: number, what: string): number {
  if (!(value >= 0) || !Number.isFinite(value)) {
    throw new RangeError(`createDnsPipeline ${what}: expected a number >= 0, got ${value}`);
  }
  return value;
}

/**
 * The socket's cgroup first (it outlives short-lived askers such as dig), the pid for comm and as
 * the fallback; the packet's own comm when the process is gone.
 */
function askerOf(p: DnsPacket, attribute: AttributeProcess, attributeCgroup: AttributeCgroup): DnsAsker {
  const pid = p.pid ?? 0;
  const known = pid > 0 ? attribute(pid) : NO_ATTRIBUTION(pid);
  const byCgroup = p.cgroup ? attributeCgroup(p.cgroup) : undefined;
  return { pid, comm: known.comm || (p.comm ?? ''), containerId: byCgroup?.containerId ?? known.containerId };
}

export function createDnsPipeline(opts: DnsPipelineOptions): DnsPipeline {
  if (opts.node === '') {
    throw new RangeError('createDnsPipeline node: expected the host name, got an empty string');
  }
  const clock = opts.clock ?? SYSTEM_CLOCK;
  const attribute = opts.attribute ?? NO_ATTRIBUTION;
  const attributeCgroup = opts.attributeCgroup ?? NO_CGROUP_ATTRIBUTION;
  const reorderWindowNs = nonNegative(opts.reorderWindowMs ?? 500, 'reorderWindowMs') * 1e6;
  const maxPending = opts.maxPending ?? 65_536;
  const pairing = new DnsPairing({ timeoutMs: opts.timeoutMs, maxPending });
  const duplicates = new DuplicatePackets(
    nonNegative(opts.duplicateWindowMs ?? 10, 'duplicateWindowMs') * 1e6,
    maxPending
  );
  const names = new DnsNameMap({ ...opts.names, now: () => clock.monotonicNs() / 1e6 });
  // Measured once: re-reading both clocks later would let wall-clock steps reorder rows.
  const offsetMs = clock.nowMs() - clock.monotonicNs() / 1e6;
  const rowContext: DnsRowContext = {
    node: opts.node,
    metadata: opts.metadata ?? NO_METADATA,
    toEpochMs: (ns) => Math.floor(offsetMs + ns / 1e6),
  };
  const queue = new TimeOrderedQueue();
  const maxBuffered = 4 * maxPending;
  const c = { packets: 0, malformed: 0, lastMalformedReason: '', partial: 0, duplicates: 0, rowsEmitted: 0 };
  let rows: DnsQueryRow[] = [];

  function apply(obs: DnsObservation, payload: Uint8Array): void {
    if (duplicates.isDuplicate(obs.ts, payload)) {
      c.duplicates++;
      return;
    }
    const outcome = pairing.handle(obs);
    if ((outcome === 'answer' || outcome === 'late') && obs.message.rcode === 'NOERROR') {
      for (const a of obs.message.answerIps) {
        names.observe(a.ip, a.name, a.ttl, obs.ts / 1e6);
      }
    }
  }

  function collect(): void {
    for (const r of pairing.take()) {
      rows.push(buildDnsQueryRow(r, rowContext));
      c.rowsEmitted++;
    }
  }

  function tick(nowNs = clock.monotonicNs()): void {
    const horizon = nowNs - reorderWindowNs;
    queue.runUntil(horizon);
    pairing.expire(horizon);
    collect();
  }

  return {
    names,
    handlePacket(p) {
      c.packets++;
      const message = decodeDnsMessage(p.payload, p.truncated);
      if (message.kind === 'malformed') {
        c.malformed++;
        c.lastMalformedReason = message.reason;
        return;
      }
      if (message.partial) {
        c.partial++;
      }
      // Attributed now, not when the packet leaves the queue: dig and friends exit at once.
      const asker = message.qr
        ? askerOf(p, NO_ATTRIBUTION, NO_CGROUP_ATTRIBUTION)
        : askerOf(p, attribute, attributeCgroup);
      const obs: DnsObservation = {
        ts: p.ts,
        protocol: p.protocol ?? 'udp',
        srcIp: p.saddr,
        srcPort: p.sport,
        dstIp: p.daddr,
        dstPort: p.dport,
        message,
        asker,
      };
      queue.push(p.ts, () => apply(obs, p.payload));
      if (queue.length > maxBuffered) {
        queue.runOldest(queue.length - maxBuffered / 2);
      }
    },
    tick,
    takeRows() {
      tick();
      const out = rows;
      rows = [];
      return out;
    },
    drain() {
      queue.runAll();
      pairing.expire(clock.monotonicNs());
      collect();
    },
    stats() {
      return {
        ...pairing.stats(),
        ...c,
        latePackets: queue.late,
        buffered: queue.length,
        names: names.stats(),
      };
    },
  };
}
