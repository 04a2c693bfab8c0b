/**
 * Lines in connections.bt's output format, for tests: each builder returns what bpftrace would
 * print, so tests exercise the parser and the tracker together.
 */

export interface FakeConn {
  sk: number;
  start: number;
  direction?: 'outbound' | 'inbound' | 'unknown';
  pid?: number;
  comm?: string;
  /** The socket's cgroup v2 id; 1 (the root) unless set. */
  cgroup?: number;
  netns?: number;
  laddr?: string;
  lport?: number;
  raddr?: string;
  rport?: number;
}

/** tx_bytes, rx_bytes, tx_packets, rx_packets, retransmits. */
export type FakeTotals = [number, number, number, number, number];

/** One UDP (socket, pid) of an interval and what it sent. */
export interface FakeUdp {
  sk: number;
  pid: number;
  comm: string;
  cgroup: number;
  lport: number;
  txDatagrams: number;
  txBytes: number;
}

const value = (data: unknown[]) => JSON.stringify({ type: 'value', data });

function ident(c: FakeConn): unknown[] {
  return [
    c.sk,
    c.start,
    c.direction ?? 'outbound',
    c.pid ?? 100,
    c.comm ?? 'client',
    c.cgroup ?? 1,
    c.netns ?? 4026531840,
    c.laddr ?? '10.0.0.1',
    c.lport ?? 40000,
    c.raddr ?? '10.0.0.2',
    c.rport ?? 80,
  ];
}

interface CloseOpts {
  rtt?: number;
  resets?: number;
  errno?: number;
}
type FailOpts = Omit<CloseOpts, 'rtt'>;

export const closeTuple = (ts: number, c: FakeConn, t: FakeTotals, opts: CloseOpts = {}): unknown[] => [
  'close',
  ts,
  ...ident(c),
  ...t,
  opts.rtt ?? 100,
  opts.resets ?? 0,
  opts.errno ?? 0,
];

const failTuple = (ts: number, c: FakeConn, t: FakeTotals, opts: FailOpts = {}): unknown[] => [
  'fail',
  ts,
  ...ident(c),
  ...t,
  0,
  opts.resets ?? 0,
  opts.errno ?? 111,
];

/** bpftrace keys a two-key map entry as "<sk>,<start>". */
const closedLine = (tuples: unknown[][]) =>
  JSON.stringify({ type: 'map', data: { '@closed0': Object.fromEntries(tuples.map((t) => [`${t[2]},${t[3]}`, t])) } });

export const fake = {
  hello: (ts: number, interval = 10) => value(['hello', 3, ts, interval]),
  /**
   * A seen line, or for a handshake the @new0 line that announces it at the next flush (without a
   * time: it takes the flush's).
   */
  open: (ts: number, c: FakeConn) =>
    c.direction === 'unknown'
      ? value(['seen', ts, ...ident(c)])
      : JSON.stringify({ type: 'map', data: { '@new0': { [String(c.sk)]: ident(c).slice(1) } } }),
  owner: (ts: number, c: FakeConn, pid: number, comm: string) => value(['owner', ts, c.sk, c.start, pid, comm]),
  reset: (ts: number, c: FakeConn, way: 'sent' | 'received' = 'received') => value(['reset', ts, c.sk, c.start, way]),
  /** A close as the tick after it prints it: the one entry of an @closed0 line. */
  close: (ts: number, c: FakeConn, t: FakeTotals, opts: CloseOpts = {}) => closedLine([closeTuple(ts, c, t, opts)]),
  fail: (ts: number, c: FakeConn, t: FakeTotals, opts: FailOpts = {}) => closedLine([failTuple(ts, c, t, opts)]),
  /** A second's closes in one @closed0 line; each from closeTuple or failTuple. */
  closes: (tuples: unknown[][]) => closedLine(tuples),
  /** A close printed as a line: what connections.bt does when @closed is full. */
  closeLine: (ts: number, c: FakeConn, t: FakeTotals, opts: CloseOpts = {}) => value(closeTuple(ts, c, t, opts)),
  /** A flush's UDP lines, for flush()'s `extra`: @udp_id0 and @udp0 of flows that sent. */
  udp: (flows: FakeUdp[]): string[] => [
    JSON.stringify({
      type: 'map',
      data: {
        '@udp_id0': Object.fromEntries(
          flows.map((f) => [`${f.sk},${f.pid}`, ['10.0.0.1', f.lport, '10.0.0.2', 53, f.cgroup, 4026531840, f.comm]])
        ),
      },
    }),
    JSON.stringify({
      type: 'stats',
      data: {
        '@udp0': Object.fromEntries(
          flows.map((f) => [
            `tracepoint:sock:sock_send_length,${f.sk},${f.pid}`,
            { count: f.txDatagrams, average: Math.floor(f.txBytes / f.txDatagrams), total: f.txBytes },
          ])
        ),
      },
    }),
  ],
  /** The tick line: every close up to ts is out. */
  tick: (ts: number) => value(['tick', ts]),
  /** The flush lines: flush, @tcp0 (when any), flushed. bpftrace prints a tick line before them (tick). */
  flush(
    ts: number,
    seq: number,
    tcp: Array<{ c: FakeConn; t: FakeTotals; rtt?: number }> = [],
    extra: string[] = []
  ): string[] {
    const map = Object.fromEntries(tcp.map(({ c, t, rtt }) => [String(c.sk), [c.start, ...t, rtt ?? 100]]));
    return [
      value(['flush', ts, seq]),
      ...(tcp.length > 0 ? [JSON.stringify({ type: 'map', data: { '@tcp0': map } })] : []),
      ...extra,
      value(['flushed', ts + 20_000, seq, 0, 0, 0]),
    ];
  },
};
