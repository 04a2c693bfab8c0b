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
  netns?: number;
  laddr?: string;
  lport?: number;
  raddr?: string;
  rport?: number;
}

/** tx_bytes, rx_bytes, tx_packets, rx_packets, retransmits. */
export type FakeTotals = [number, number, number, number, number];

const value = (data: unknown[]) => JSON.stringify({ type: 'value', data });

function ident(c: FakeConn): unknown[] {
  return [
    c.sk,
    c.start,
    c.direction ?? 'outbound',
    c.pid ?? 100,
    c.comm ?? 'client',
    1,
    c.netns ?? 4026531840,
    c.laddr ?? '10.0.0.1',
    c.lport ?? 40000,
    c.raddr ?? '10.0.0.2',
    c.rport ?? 80,
  ];
}

export const fake = {
  hello: (ts: number, interval = 10) => value(['hello', 1, ts, interval]),
  open: (ts: number, c: FakeConn) => value([c.direction === 'unknown' ? 'seen' : 'open', ts, ...ident(c)]),
  owner: (ts: number, c: FakeConn, pid: number, comm: string) => value(['owner', ts, c.sk, c.start, pid, comm]),
  reset: (ts: number, c: FakeConn, way: 'sent' | 'received' = 'received') => value(['reset', ts, c.sk, c.start, way]),
  close: (ts: number, c: FakeConn, t: FakeTotals, opts: { rtt?: number; resets?: number; errno?: number } = {}) =>
    value(['close', ts, ...ident(c), ...t, opts.rtt ?? 100, opts.resets ?? 0, opts.errno ?? 0]),
  fail: (ts: number, c: FakeConn, t: FakeTotals, opts: { resets?: number; errno?: number } = {}) =>
    value(['fail', ts, ...ident(c), ...t, 0, opts.resets ?? 0, opts.errno ?? 111]),
  /** The flush lines: flush, @tcp (when any), flushed. */
  flush(
    ts: number,
    seq: number,
    tcp: Array<{ c: FakeConn; t: FakeTotals; rtt?: number }> = [],
    extra: string[] = []
  ): string[] {
    const map = Object.fromEntries(tcp.map(({ c, t, rtt }) => [String(c.sk), [c.start, ...t, rtt ?? 100]]));
    return [
      value(['flush', ts, seq]),
      ...(tcp.length > 0 ? [JSON.stringify({ type: 'map', data: { '@tcp': map } })] : []),
      ...extra,
      value(['flushed', ts + 20_000, seq, 0, 0]),
    ];
  },
};
