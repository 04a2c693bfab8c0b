import type { Direction } from '../../shared/schema';
import type { UdpIdentity, UdpStat } from './bpftraceLine';
import type { ProcessAttribution, RowDraft } from './connectionRow';
import { connectionId } from './connectionId';
import { guessUdpDirection, type PortRange } from './directionGuess';
import { endpointKey, type EndpointKey, type LocalEndpoints } from './localEndpoints';

/**
 * UDP per (socket, pid) and interval. connections.bt empties its UDP maps at every flush, so the
 * counts are already deltas: each flow that moved data gets one row per interval. A flow is
 * remembered across intervals (bounded, forgotten after a few idle flushes) only to keep its
 * direction stable and to mark its first row 'open' (opened = 1). Its connection_id is a hash of
 * the socket, pid and endpoints, so a forgotten flow that comes back keeps its id; a socket that
 * connects elsewhere becomes a new flow.
 *
 * A flow's container and comm are those of its first identity entry, resolved by the caller when
 * that entry's line arrived (UDP has no event before the flush, so a short-lived sender is often
 * gone by then: the socket's cgroup is what names it).
 */

/** An identity entry and its owner as resolved when its line arrived; undefined knows no container. */
export interface OwnedUdpIdentity {
  readonly identity: UdpIdentity;
  readonly owner: ProcessAttribution | undefined;
}

export interface UdpFlowsOptions {
  readonly node: string;
  readonly endpoints: LocalEndpoints;
  readonly toEpochMs: (monotonicNs: number) => number;
  readonly maxFlows: number;
  readonly ephemeralPorts: PortRange;
}

export interface UdpFlowsStats {
  readonly flows: number;
  /** Counts whose identity entry was missing (its map was full): rows with '::' endpoints. */
  readonly withoutIdentity: number;
  readonly evictions: number;
}

interface Flow {
  readonly id: string;
  readonly identity: UdpIdentity;
  readonly endpoint: EndpointKey;
  readonly direction: Direction;
  readonly containerId: string;
  readonly comm: string;
  idleFlushes: number;
}

interface Counts {
  txBytes: number;
  txDatagrams: number;
  rxBytes: number;
  rxDatagrams: number;
}

/** Flushes without traffic after which a flow is forgotten. */
const IDLE_FLUSHES = 3;

const sameEndpoints = (a: UdpIdentity, b: UdpIdentity) =>
  a.laddr === b.laddr && a.lport === b.lport && a.raddr === b.raddr && a.rport === b.rport && a.netns === b.netns;

export class UdpFlows {
  private readonly flows = new Map<string, Flow>();
  private readonly identities = new Map<string, OwnedUdpIdentity>();
  private readonly counts = new Map<string, Counts>();
  private withoutIdentity = 0;
  private evictions = 0;

  constructor(private readonly opts: UdpFlowsOptions) {}

  addIdentities(entries: readonly OwnedUdpIdentity[]): void {
    for (const e of entries) {
      this.identities.set(`${e.identity.sk},${e.identity.pid}`, e);
    }
  }

  /** Both map generations may hold the same flow (at exit): they add up. */
  addStats(entries: readonly UdpStat[]): void {
    for (const s of entries) {
      const key = `${s.sk},${s.pid}`;
      let c = this.counts.get(key);
      if (c === undefined) {
        c = { txBytes: 0, txDatagrams: 0, rxBytes: 0, rxDatagrams: 0 };
        this.counts.set(key, c);
      }
      if (s.way === 'tx') {
        c.txBytes += s.bytes;
        c.txDatagrams += s.datagrams;
      } else {
        c.rxBytes += s.bytes;
        c.rxDatagrams += s.datagrams;
      }
    }
  }

  /** Registers this interval's flows as local endpoints; call before building any row. */
  prepare(): void {
    for (const [key, c] of this.counts) {
      const [sk, pid] = key.split(',').map(Number);
      const entry = this.identities.get(key);
      const identity = entry?.identity ?? this.flows.get(key)?.identity ?? this.anonymous(sk, pid);
      this.flowFor(key, identity, entry?.owner, c);
    }
  }

  /** Rows for the interval that ends at monotonic time `ts`; prepare() first. */
  flush(ts: number): RowDraft[] {
    const tsMs = this.opts.toEpochMs(ts);
    const rows: RowDraft[] = [];
    for (const [key, flow] of this.flows) {
      const c = this.counts.get(key);
      if (c === undefined) {
        if (++flow.idleFlushes > IDLE_FLUSHES) {
          this.forget(key, flow);
        }
        continue;
      }
      const first = flow.idleFlushes < 0;
      flow.idleFlushes = 0;
      const { laddr, lport, raddr, rport, netns, pid } = flow.identity;
      rows.push({
        tsMs,
        connectionId: flow.id,
        pid,
        comm: flow.comm,
        protocol: 'udp',
        direction: flow.direction,
        netns,
        localIp: laddr,
        localPort: lport,
        localContainerId: flow.containerId,
        remoteIp: raddr,
        remotePort: rport,
        counters: {
          bytesTx: c.txBytes,
          bytesRx: c.rxBytes,
          packetsTx: c.txDatagrams,
          packetsRx: c.rxDatagrams,
          retransmits: 0,
          resets: 0,
        },
        rttUs: 0,
        state: first ? 'open' : 'active',
        opened: first ? 1 : 0,
        durationMs: 0,
      });
    }
    this.identities.clear();
    this.counts.clear();
    return rows;
  }

  clear(): void {
    for (const [key, flow] of this.flows) {
      this.forget(key, flow);
    }
    this.identities.clear();
    this.counts.clear();
  }

  stats(): UdpFlowsStats {
    return { flows: this.flows.size, withoutIdentity: this.withoutIdentity, evictions: this.evictions };
  }

  private anonymous(sk: number, pid: number): UdpIdentity {
    this.withoutIdentity++;
    return { sk, pid, laddr: '::', lport: 0, raddr: '::', rport: 0, cgroup: 0, netns: 0, comm: '' };
  }

  private flowFor(key: string, identity: UdpIdentity, owner: ProcessAttribution | undefined, c: Counts): Flow {
    const known = this.flows.get(key);
    if (known !== undefined && sameEndpoints(known.identity, identity)) {
      // Most recently used last, so eviction takes the flow idle the longest.
      this.flows.delete(key);
      this.flows.set(key, known);
      return known;
    }
    if (known !== undefined) {
      this.forget(key, known);
    } else if (this.flows.size >= this.opts.maxFlows) {
      const [oldKey, oldest] = this.flows.entries().next().value as [string, Flow];
      this.forget(oldKey, oldest);
      this.evictions++;
    }
    const { sk, pid, laddr, lport, raddr, rport, netns } = identity;
    const flow: Flow = {
      id: connectionId(this.opts.node, 'udp', sk, pid, laddr, lport, raddr, rport, netns),
      identity,
      endpoint: endpointKey({ protocol: 'udp', ip: laddr, port: lport, netns }),
      direction: guessUdpDirection(
        lport,
        rport,
        { sent: c.txDatagrams > 0, received: c.rxDatagrams > 0 },
        this.opts.ephemeralPorts
      ),
      containerId: owner?.containerId ?? '',
      comm: owner?.comm ?? identity.comm,
      // -1 marks a flow whose first row is still to come.
      idleFlushes: -1,
    };
    this.flows.set(key, flow);
    this.opts.endpoints.add(flow.endpoint, flow.containerId);
    return flow;
  }

  private forget(key: string, flow: Flow): void {
    this.flows.delete(key);
    this.opts.endpoints.remove(flow.endpoint);
  }
}
