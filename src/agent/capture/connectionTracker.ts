import type { Direction } from '../../shared/schema';
import type { TcpCloseEvent, TcpOpenEvent, TcpSnapshotEntry, TcpTotals } from './bpftraceLine';
import type { IntervalCounters, ProcessAttribution, RowDraft } from './connectionRow';
import { connectionId } from './connectionId';
import { guessDirection, type PortRange } from './directionGuess';
import { endpointKey, type EndpointKey, type LocalEndpoints } from './localEndpoints';

/**
 * TCP connections from connections.bt events to per-interval rows of deltas.
 *
 * The kernel reports running totals (in @tcp0/@tcp1 at each flush, exact in the close record); each row
 * carries the difference from the totals the previous row carried, so the rows of a connection
 * sum to its close record. Every live connection gets a row at every flush, with zero deltas when it
 * was idle; a closed one gets its final row at the first flush after its close record, or when the
 * agent's timer releases it (release), whichever comes first: a lost flush line must not hold a
 * finished connection back. Either way a connection that opens and closes within one interval is
 * one row.
 *
 * Attribution (who: container and comm) is worked out by the caller when the line arrives, since
 * by the time the line is applied the process may be gone. The first line that knows the owner
 * wins; an inbound connection's pid and comm come from its owner (in its identity or close
 * line, or an owner line once it has been announced).
 *
 * Choices worth knowing:
 * - "seen" connections predate bpftrace, so their totals include traffic from before the agent
 *   (or from before a bpftrace restart, already reported). Their first @tcp0/@tcp1 entry is taken as a
 *   baseline: they count only what happened after it, and they are not counted as opened. One
 *   that closes before any flush reports no bytes.
 * - A full table refuses new connections rather than evicting live ones, like the kernel's own
 *   @conn: an evicted connection's later close record would count its history twice, while a
 *   refused one still gets one exact row from its close record (which carries everything).
 * - Resets: an abortive close sends its RST after the close record. Reset lines after the close
 *   are folded into the closing row while it waits for its release; one that arrives later still
 *   is emitted on a follow-up 'active' row with only resets set, so sum(resets) stays right
 *   without counting a second close.
 * - A failed connect (never established) is one 'failed' row with opened = 0: sum(opened)
 *   counts connections that were established.
 */

export interface ConnectionTrackerOptions {
  readonly node: string;
  readonly endpoints: LocalEndpoints;
  readonly toEpochMs: (monotonicNs: number) => number;
  readonly maxConnections: number;
  readonly ephemeralPorts: PortRange;
}

export interface ConnectionTrackerStats {
  readonly live: number;
  readonly seenConnections: number;
  /** New connections not tracked live because the table was full (their close still counts). */
  readonly untrackedConnections: number;
  /** Early lines (owner, reset of a connection not yet seen) dropped before their time to bound memory. */
  readonly evictions: number;
  /**
   * Released connections forgotten before their linger ran out, to bound memory: their rows are
   * out, but a late RST of one becomes an orphan line, and a peer's row on this node may no longer
   * name its container. Common above ~3,000 connections/s with the default 65,536.
   */
  readonly closedForgotten: number;
  /** owner/reset lines for connections that never showed up within their wait. */
  readonly orphanLines: number;
  /** Totals that went down: the kernel contradicting itself, or a socket address reused. */
  readonly counterRegressions: number;
}

const ZERO: TcpTotals = { txBytes: 0, rxBytes: 0, txPackets: 0, rxPackets: 0, retransmits: 0 };
/**
 * How long a released connection, or a line for a connection not yet seen, is kept (monotonic ns):
 * at least two flushes at the default 10 s interval, and three intervals. A released connection's
 * local endpoint stays known that long, so its peer's rows on this node still name its container;
 * a connection's identity comes up to an interval after its owner and reset lines (at the flush),
 * and a repeat of it, which a close racing the flush can cause, up to two.
 */
const MIN_LINGER_NS = 20e9;
const LINGER_INTERVALS = 3;
/** Reset lines whose times are kept per connection; a connection rarely sees more than two. */
const MAX_RESETS = 16;

interface Conn {
  readonly id: string;
  readonly identity: Omit<TcpOpenEvent, 'kind' | 'ts' | 'pid' | 'comm'>;
  readonly endpoint: EndpointKey;
  readonly direction: Direction;
  readonly seen: boolean;
  pid: number;
  comm: string;
  /** Whether containerId comes from a line that knew the owner. */
  attributed: boolean;
  containerId: string;
  /** Totals the rows so far add up to; undefined for a seen connection before its baseline. */
  emitted: TcpTotals | undefined;
  latest: TcpTotals | undefined;
  rttUs: number;
  /** Times of the reset lines applied before the close record; one may still be after the close. */
  resetTs: number[];
  /** Reset lines beyond the ones whose times are kept, taken as before the close. */
  resetsUntimed: number;
  resetsEmitted: number;
  rows: number;
  close: TcpCloseEvent | undefined;
  resetsAfterClose: number;
}

interface Tombstone {
  readonly conn: Conn;
  lateResets: number;
  lastResetTs: number;
  readonly forgetAfter: number;
}

interface Early {
  owner?: { pid: number; who: ProcessAttribution | undefined };
  resetTs: number[];
  readonly forgetAfter: number;
}

const keyOf = (sk: number, start: number) => `${sk}/${start}`;

/** Not filter(...).length: this runs for every close, and a closure per call costs. */
function countAfter(times: readonly number[], ts: number): number {
  let n = 0;
  for (const t of times) {
    n += t > ts ? 1 : 0;
  }
  return n;
}

function minus(a: TcpTotals, b: TcpTotals): TcpTotals | undefined {
  const d = {
    txBytes: a.txBytes - b.txBytes,
    rxBytes: a.rxBytes - b.rxBytes,
    txPackets: a.txPackets - b.txPackets,
    rxPackets: a.rxPackets - b.rxPackets,
    retransmits: a.retransmits - b.retransmits,
  };
  return Object.values(d).some((v) => v < 0) ? undefined : d;
}

function counters(t: TcpTotals, resets: number): IntervalCounters {
  return {
    bytesTx: t.txBytes,
    bytesRx: t.rxBytes,
    packetsTx: t.txPackets,
    packetsRx: t.rxPackets,
    retransmits: t.retransmits,
    resets,
  };
}

export class ConnectionTracker {
  private readonly live = new Map<string, Conn>();
  private readonly closed = new Map<string, Tombstone>();
  private readonly early = new Map<string, Early>();
  private seenConnections = 0;
  private untrackedConnections = 0;
  private evictions = 0;
  private closedForgotten = 0;
  private orphanLines = 0;
  private counterRegressions = 0;
  private lingerNs = MIN_LINGER_NS;

  constructor(private readonly opts: ConnectionTrackerOptions) {}

  open(e: TcpOpenEvent, who: ProcessAttribution | undefined): void {
    const key = keyOf(e.sk, e.start);
    if (this.live.has(key) || this.closed.has(key)) {
      return; // a repeat, or an open that arrived after its close
    }
    if (this.live.size >= this.opts.maxConnections) {
      this.untrackedConnections++;
      return;
    }
    const conn = this.create(key, e, who);
    const early = this.takeEarly(key);
    if (early?.owner) {
      this.setOwner(conn, early.owner.pid, early.owner.who);
    }
    for (const ts of early?.resetTs ?? []) {
      this.addReset(conn, ts);
    }
  }

  owner(e: { ts: number; sk: number; start: number; pid: number }, who: ProcessAttribution | undefined): void {
    const key = keyOf(e.sk, e.start);
    const conn = this.live.get(key);
    if (conn !== undefined) {
      this.setOwner(conn, e.pid, who);
    } else if (!this.closed.has(key)) {
      this.earlyFor(key, e.ts).owner = { pid: e.pid, who };
    }
  }

  reset(e: { ts: number; sk: number; start: number }): void {
    const key = keyOf(e.sk, e.start);
    const conn = this.live.get(key);
    const tomb = this.closed.get(key);
    if (conn !== undefined) {
      if (conn.close === undefined) {
        this.addReset(conn, e.ts);
      } else if (e.ts > conn.close.ts) {
        conn.resetsAfterClose++;
      } // else: already in the close record's count
    } else if (tomb !== undefined) {
      if (e.ts > tomb.conn.close!.ts) {
        tomb.lateResets++;
        tomb.lastResetTs = Math.max(tomb.lastResetTs, e.ts);
      }
    } else {
      const early = this.earlyFor(key, e.ts);
      if (early.resetTs.length < MAX_RESETS) {
        early.resetTs.push(e.ts);
      } else {
        this.orphanLines++;
      }
    }
  }

  close(e: TcpCloseEvent, who: ProcessAttribution | undefined): void {
    const key = keyOf(e.sk, e.start);
    if (this.closed.has(key)) {
      return;
    }
    // Most connections are announced by their close record alone (closed before the flush that would
    // have printed their identity), as are failed connects and ones refused for room: the close
    // record has everything, and holding it until its release is bounded by the closes per interval.
    const conn = this.live.get(key) ?? this.create(key, e, who);
    if (conn.close !== undefined) {
      return;
    }
    conn.close = e;
    this.setOwner(conn, e.pid, who);
    const early = this.takeEarly(key);
    // Read before the close record but sent after it (another CPU): not in the close record's count.
    conn.resetsAfterClose +=
      countAfter(conn.resetTs, e.ts) + (early === undefined ? 0 : countAfter(early.resetTs, e.ts));
  }

  snapshot(entries: readonly TcpSnapshotEntry[]): void {
    for (const s of entries) {
      const key = keyOf(s.sk, s.start);
      const conn = this.live.get(key);
      if (conn === undefined) {
        // A connect still in SYN_SENT that retransmitted, or a connection closed meanwhile.
        continue;
      }
      if (conn.close !== undefined) {
        continue; // the close record is exact and later than any snapshot
      }
      if (conn.emitted === undefined) {
        conn.emitted = s.totals;
      } else if (conn.latest !== undefined && minus(s.totals, conn.latest) === undefined) {
        this.counterRegressions++;
        continue;
      }
      conn.latest = s.totals;
      conn.rttUs = s.rttUs;
    }
  }

  /** Rows for the interval that ends at monotonic time `ts`: every live connection, and release(ts). */
  flush(ts: number): RowDraft[] {
    const rows: RowDraft[] = [];
    const tsMs = this.opts.toEpochMs(ts);
    for (const conn of this.live.values()) {
      if (conn.close === undefined) {
        rows.push(this.liveRow(conn, tsMs));
      }
    }
    // Not push(...): a spread of tens of thousands of rows can overflow the stack.
    return rows.concat(this.release(ts));
  }

  /**
   * Final rows of the connections closed at or before monotonic time `closedBy`, and follow-up
   * rows of resets read after their connection's release.
   */
  release(closedBy: number): RowDraft[] {
    const rows: RowDraft[] = [];
    for (const [key, conn] of this.live) {
      if (conn.close !== undefined && conn.close.ts <= closedBy) {
        rows.push(this.closeRow(conn));
        this.live.delete(key);
        this.closed.set(key, { conn, lateResets: 0, lastResetTs: 0, forgetAfter: conn.close.ts + this.lingerNs });
      }
    }
    for (const tomb of this.closed.values()) {
      if (tomb.lateResets > 0) {
        const tsMs = this.opts.toEpochMs(tomb.lastResetTs);
        rows.push(this.draft(tomb.conn, tsMs, counters(ZERO, tomb.lateResets), 'active', 0, 0));
        tomb.lateResets = 0;
      }
    }
    return rows;
  }

  /**
   * Forgets released connections and early lines that have lingered past monotonic time `now`.
   * Separate from release so that the rows just released are built while their peers' endpoints
   * are still known.
   */
  expire(now: number): void {
    for (const [key, tomb] of this.closed) {
      if (tomb.forgetAfter < now) {
        this.forgetTombstone(key, tomb);
      }
    }
    this.evictOverflow();
    for (const [key, early] of this.early) {
      if (early.forgetAfter < now) {
        this.early.delete(key);
        this.orphanLines += early.resetTs.length + (early.owner ? 1 : 0);
      }
    }
  }

  /**
   * A new bpftrace run, flushing every intervalNs: its sockets start over. Returns the live
   * connections dropped.
   */
  clear(intervalNs: number): number {
    this.lingerNs = Math.max(MIN_LINGER_NS, LINGER_INTERVALS * intervalNs);
    const abandoned = this.live.size;
    for (const conn of this.live.values()) {
      this.opts.endpoints.remove(conn.endpoint);
    }
    for (const tomb of this.closed.values()) {
      this.opts.endpoints.remove(tomb.conn.endpoint);
    }
    this.live.clear();
    this.closed.clear();
    this.early.clear();
    return abandoned;
  }

  stats(): ConnectionTrackerStats {
    const { seenConnections, untrackedConnections, evictions, closedForgotten, orphanLines, counterRegressions } = this;
    return {
      live: this.live.size,
      seenConnections,
      untrackedConnections,
      evictions,
      closedForgotten,
      orphanLines,
      counterRegressions,
    };
  }

  private create(key: string, e: Omit<TcpOpenEvent, 'kind'>, who: ProcessAttribution | undefined): Conn {
    const { sk, start, cgroup, netns, laddr, lport, raddr, rport } = e;
    const seen = e.direction === 'unknown';
    const conn: Conn = {
      id: connectionId(this.opts.node, 'tcp', sk, start),
      identity: { sk, start, direction: e.direction, cgroup, netns, laddr, lport, raddr, rport },
      endpoint: endpointKey({ protocol: 'tcp', ip: laddr, port: lport, netns }),
      direction: seen ? guessDirection(lport, rport, this.opts.ephemeralPorts) : e.direction,
      seen,
      pid: 0,
      comm: '',
      attributed: false,
      containerId: '',
      emitted: seen ? undefined : ZERO,
      latest: seen ? undefined : ZERO,
      rttUs: 0,
      resetTs: [],
      resetsUntimed: 0,
      resetsEmitted: 0,
      rows: 0,
      close: undefined,
      resetsAfterClose: 0,
    };
    this.live.set(key, conn);
    this.seenConnections += seen ? 1 : 0;
    this.opts.endpoints.add(conn.endpoint, '');
    this.setOwner(conn, e.pid, who);
    return conn;
  }

  /**
   * pid 0 is no owner (a line from softirq). `who` is what the caller resolved when the line
   * arrived, comm included; undefined when it knew no container.
   */
  private setOwner(conn: Conn, pid: number, who: ProcessAttribution | undefined): void {
    if (conn.pid === 0 && pid !== 0) {
      conn.pid = pid;
      conn.comm = who?.comm ?? '';
    }
    if (!conn.attributed && who !== undefined) {
      conn.attributed = true;
      conn.containerId = who.containerId;
      this.opts.endpoints.update(conn.endpoint, who.containerId);
    }
  }

  private liveRow(conn: Conn, tsMs: number): RowDraft {
    let delta = ZERO;
    if (conn.emitted !== undefined && conn.latest !== undefined) {
      delta = minus(conn.latest, conn.emitted) ?? ZERO;
      conn.emitted = conn.latest;
    }
    const seen = conn.resetTs.length + conn.resetsUntimed;
    const resets = seen - conn.resetsEmitted;
    conn.resetsEmitted = seen;
    const first = conn.rows === 0 && !conn.seen;
    return this.draft(conn, tsMs, counters(delta, resets), first ? 'open' : 'active', first ? 1 : 0, 0);
  }

  private closeRow(conn: Conn): RowDraft {
    const close = conn.close!;
    // A seen connection without a baseline reports nothing rather than its whole history.
    const base = conn.emitted ?? close.totals;
    let delta = minus(close.totals, base);
    if (delta === undefined) {
      this.counterRegressions++;
      delta = ZERO;
    }
    const resets = Math.max(0, close.resets + conn.resetsAfterClose - conn.resetsEmitted);
    conn.resetsEmitted += resets;
    conn.resetsAfterClose = 0;
    conn.rttUs = close.rttUs;
    const failed = close.kind === 'fail';
    const opened = conn.rows === 0 && !conn.seen && !failed ? 1 : 0;
    const durationMs = Math.max(0, Math.floor((close.ts - close.start) / 1e6));
    const tsMs = this.opts.toEpochMs(close.ts);
    return this.draft(conn, tsMs, counters(delta, resets), failed ? 'failed' : 'closed', opened, durationMs);
  }

  private draft(
    conn: Conn,
    tsMs: number,
    c: IntervalCounters,
    state: RowDraft['state'],
    opened: 0 | 1,
    durationMs: number
  ): RowDraft {
    conn.rows++;
    const { netns, laddr, lport, raddr, rport } = conn.identity;
    return {
      tsMs,
      connectionId: conn.id,
      pid: conn.pid,
      comm: conn.comm,
      protocol: 'tcp',
      direction: conn.direction,
      netns,
      localIp: laddr,
      localPort: lport,
      localContainerId: conn.containerId,
      remoteIp: raddr,
      remotePort: rport,
      counters: c,
      rttUs: conn.rttUs,
      state,
      opened,
      durationMs,
    };
  }

  private addReset(conn: Conn, ts: number): void {
    if (conn.resetTs.length < MAX_RESETS) {
      conn.resetTs.push(ts);
    } else {
      conn.resetsUntimed++;
    }
  }

  private earlyFor(key: string, ts: number): Early {
    let early = this.early.get(key);
    if (early === undefined) {
      if (this.early.size >= this.opts.maxConnections) {
        this.early.delete(this.early.keys().next().value as string);
        this.evictions++;
      }
      early = { resetTs: [], forgetAfter: ts + this.lingerNs };
      this.early.set(key, early);
    }
    return early;
  }

  private takeEarly(key: string): Early | undefined {
    const early = this.early.get(key);
    this.early.delete(key);
    return early;
  }

  private forgetTombstone(key: string, tomb: Tombstone): void {
    this.closed.delete(key);
    this.opts.endpoints.remove(tomb.conn.endpoint);
  }

  /** Oldest first: Maps iterate in insertion order. */
  private evictOverflow(): void {
    const cap = this.opts.maxConnections;
    for (const [key, tomb] of this.closed) {
      if (this.closed.size <= cap) {
        break;
      }
      this.forgetTombstone(key, tomb);
      this.closedForgotten++;
    }
  }
}
