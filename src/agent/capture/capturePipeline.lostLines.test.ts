import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConnectionRow } from '../../shared/schema';
import { parseBpftraceLine, type TcpCloseEvent } from './bpftraceLine';
import { createCapturePipeline } from './capturePipeline';
import { fake, type FakeConn } from './fakeBpftrace';

// A full perf buffer drops lines, flush lines included: what was read must still come out, on the
// agent's timer. The lab recording (1 s flushes) with lines dropped, and hand-made sequences.
const S = 1e9;
const lab = readFileSync(join(__dirname, 'fixtures', 'lab.bpftrace.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean);
/** Every close and fail: @closed entries, and lines (printed when @closed was full). */
const closeLines: TcpCloseEvent[] = lab.flatMap((l) => {
  const e = parseBpftraceLine(l);
  return e.kind === 'tcpCloses' ? e.entries : e.kind === 'close' || e.kind === 'fail' ? [e] : [];
});

const isLine = (kind: string) => (l: string) => l.startsWith(`{"type": "value", "data": ["${kind}",`);
/** A flush's lines: flush, flushed and the maps between them; not the closes each second prints. */
const isFlushLine = (l: string) =>
  isLine('flush')(l) || isLine('flushed')(l) || (!l.includes('"type": "value"') && !l.includes('"@closed'));

/** The time a value line carries; map lines (a flush's, a second's closes) go out with a tick or flush line. */
function lineTs(line: string): number | undefined {
  const data = (JSON.parse(line) as { data: unknown }).data;
  return Array.isArray(data) && typeof data[1] === 'number' && data[0] !== 'hello' ? data[1] : undefined;
}

/**
 * Feeds the lines as the agent would: the clock follows the lines' own times, and rows are taken
 * every second of it (the agent's fallback timer when flushed lines are lost), then drain at exit.
 */
function replayOnTimer(lines: string[]): { rows: ConnectionRow[]; beforeDrain: ConnectionRow[] } {
  let now = 0;
  const p = createCapturePipeline({ node: 'n', clock: { nowMs: () => 0, monotonicNs: () => now } });
  const rows: ConnectionRow[] = [];
  let nextTick = Number.POSITIVE_INFINITY;
  for (const line of lines) {
    const ts = lineTs(line);
    if (ts !== undefined && ts > now) {
      now = ts;
      nextTick = Math.min(nextTick, now + S);
      while (now >= nextTick) {
        rows.push(...p.takeRows());
        nextTick += S;
      }
    }
    p.handleLine(line);
  }
  // Two more ticks after the last line, as bpftrace runs on: what came must be out by then.
  for (const _ of [1, 2]) {
    now += S;
    rows.push(...p.takeRows());
  }
  const beforeDrain = [...rows];
  p.drain();
  rows.push(...p.takeRows());
  return { rows, beforeDrain };
}

const COUNTERS = ['bytes_tx', 'bytes_rx', 'packets_tx', 'packets_rx', 'retransmits'] as const;
const sums = (rows: ConnectionRow[]) => COUNTERS.map((k) => rows.reduce((s, r) => s + r[k], 0));
const byProtocol = (rows: ConnectionRow[], protocol: string) => sums(rows.filter((r) => r.protocol === protocol));

function assertEveryCloseOnce(rows: ConnectionRow[], what: string): void {
  for (const c of closeLines) {
    const mine = rows.filter(
      (r) => r.protocol === 'tcp' && r.local_ip === c.laddr && r.local_port === c.lport && r.remote_port === c.rport
    );
    const label = `${what}: ${c.laddr}:${c.lport}->${c.rport}`;
    const want = [c.totals.txBytes, c.totals.rxBytes, c.totals.txPackets, c.totals.rxPackets, c.totals.retransmits];
    if (c.direction === 'unknown') {
      // Seen before bpftrace: counted from its first flush on, which these lines may lack.
      assert.ok(
        sums(mine).every((v, i) => v <= want[i]),
        label
      );
    } else {
      assert.deepEqual(sums(mine), want, label);
    }
    assert.equal(mine.filter((r) => r.state === 'closed' || r.state === 'failed').length, 1, label);
  }
}

test('lab with every flush line lost: each connection still leaves, exact, on the timer before any drain', () => {
  const { beforeDrain } = replayOnTimer(lab.filter((l) => !isFlushLine(l)));
  assertEveryCloseOnce(beforeDrain, 'no flush lines');
});

test('lab with every "flushed" line lost: the same rows and sums as with all lines, none held back', () => {
  const all = replayOnTimer(lab).rows;
  const { rows, beforeDrain } = replayOnTimer(lab.filter((l) => !isLine('flushed')(l)));
  assertEveryCloseOnce(beforeDrain, 'no flushed lines');
  assert.deepEqual(byProtocol(rows, 'udp'), byProtocol(all, 'udp'), 'UDP');
  assert.deepEqual(byProtocol(rows, 'tcp'), byProtocol(all, 'tcp'), 'TCP');
  assert.deepEqual(
    rows.map((r) => [r.connection_id, r.ts, r.state]).sort(),
    all.map((r) => [r.connection_id, r.ts, r.state]).sort()
  );
});

test('lab with every "flush" line lost: the maps still count, at the flushed line', () => {
  const all = replayOnTimer(lab).rows;
  const { rows } = replayOnTimer(lab.filter((l) => !isLine('flush')(l)));
  assertEveryCloseOnce(rows, 'no flush lines');
  assert.deepEqual(byProtocol(rows, 'udp'), byProtocol(all, 'udp'), 'UDP');
  assert.deepEqual(byProtocol(rows, 'tcp'), byProtocol(all, 'tcp'), 'TCP');
});

const A: FakeConn = { sk: -1000, start: 1 * S, lport: 40001 };
const B: FakeConn = { sk: -2000, start: 1 * S, lport: 40002 };

test('a closed connection leaves once past the reorder window and a grace; a later reset follows it', () => {
  let now = 0;
  const p = createCapturePipeline({ node: 'n', clock: { nowMs: () => 0, monotonicNs: () => now } });
  [fake.hello(0), fake.open(1 * S, A), fake.close(2 * S, A, [10, 20, 3, 4, 0])].forEach((l) => p.handleLine(l));
  now = 2.5 * S;
  assert.deepEqual(p.takeRows(), [], 'within the grace a reset may still come');
  now = 2.6 * S;
  assert.deepEqual(
    p.takeRows().map((r) => [r.state, r.opened, r.bytes_tx, r.ts]),
    [['closed', 1, 10, 2000]]
  );
  p.handleLine(fake.reset(2 * S + 5, A, 'sent'));
  now = 3.6 * S;
  assert.deepEqual(
    p.takeRows().map((r) => [r.state, r.resets, r.bytes_tx]),
    [['active', 1, 0]]
  );
  p.handleLine(fake.flush(3 * S, 1)[0]);
  p.drain();
  assert.deepEqual(p.takeRows(), [], 'the flush that finally comes does not repeat it');
});

test('a flushed line for a flush that already went out on the timer brings only its counters', () => {
  let now = 0;
  const p = createCapturePipeline({ node: 'n', clock: { nowMs: () => 0, monotonicNs: () => now } });
  const [flush, flushed] = fake.flush(2 * S, 1);
  [fake.hello(0), fake.open(1 * S, A), flush].forEach((l) => p.handleLine(l));
  now = 5 * S;
  assert.deepEqual(
    p.takeRows().map((r) => [r.state, r.ts]),
    [['open', 2000]]
  );
  p.handleLine(flushed.replace(',0,0,0]}', ',3,1,0]}'));
  p.drain();
  assert.deepEqual(p.takeRows(), []);
  assert.deepEqual([p.stats().untrackedResets, p.stats().mapFullErrors], [3, 1]);
});

test('a bpftrace restart first emits what the old run left: closed connections and an unfinished flush', () => {
  const p = createCapturePipeline({ node: 'n', clock: { nowMs: () => 0, monotonicNs: () => 0 } });
  [
    fake.hello(0),
    fake.open(1 * S, A),
    fake.open(1 * S, B),
    fake.close(1.5 * S, B, [7, 8, 1, 1, 0]),
    ...fake.flush(2 * S, 1, [{ c: A, t: [100, 0, 2, 1, 0] }]).slice(0, -1), // its flushed line lost
    fake.hello(3 * S),
  ].forEach((l) => p.handleLine(l));
  assert.deepEqual(
    p
      .takeRows()
      .map((r) => [r.local_port, r.state, r.bytes_tx])
      .sort(),
    [
      [40001, 'open', 100],
      [40002, 'closed', 7],
    ]
  );
  assert.equal(p.stats().abandonedConnections, 1, 'A was still open when the old run ended');
});
