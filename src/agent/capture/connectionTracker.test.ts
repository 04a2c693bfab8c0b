import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConnectionRow } from '../../shared/schema';
import { createCapturePipeline, type CapturePipelineOptions } from './capturePipeline';
import { fake, type FakeConn, type FakeTotals } from './fakeBpftrace';

// Hand-made sequences in connections.bt's format, through the whole pipeline.
const S = 1e9; // one second of monotonic ns

function run(lines: string[], opts: Partial<CapturePipelineOptions> = {}) {
  const p = createCapturePipeline({ node: 'n', clock: { nowMs: () => 0, monotonicNs: () => 0 }, ...opts });
  p.handleLine(fake.hello(0));
  lines.forEach((l) => p.handleLine(l));
  p.drain();
  return { rows: p.takeRows(), stats: p.stats() };
}

const COUNTERS = ['bytes_tx', 'bytes_rx', 'packets_tx', 'packets_rx', 'retransmits'] as const;
const totals = (rows: ConnectionRow[]) => COUNTERS.map((k) => rows.reduce((s, r) => s + r[k], 0));

const A: FakeConn = { sk: -1000, start: 1 * S, lport: 40001 };

test('a reset after the close folds into the closing row, or follows it when read too late for it', () => {
  let now = 0;
  const p = createCapturePipeline({
    node: 'n',
    clock: { nowMs: () => 0, monotonicNs: () => now },
    reorderWindowMs: 100,
  });
  [
    fake.hello(0),
    fake.open(1 * S, A),
    fake.close(2 * S, A, [10, 20, 3, 4, 0], { resets: 1 }),
    ...fake.flush(3 * S, 1),
    fake.reset(2 * S + 1, A, 'sent'), // abortive close: its RST comes after the close line
  ].forEach((l) => p.handleLine(l));
  now = 3.2 * S;
  assert.deepEqual(
    p.takeRows().map((r) => [r.state, r.resets, r.opened, r.bytes_tx]),
    [['closed', 2, 1, 10]]
  );
  [
    fake.reset(2 * S + 2, A, 'sent'), // after the close, read after its row went out
    fake.reset(2 * S - 1, A, 'received'), // before the close, read very late: in the close line's count
    ...fake.flush(4 * S, 2),
  ].forEach((l) => p.handleLine(l));
  p.drain();
  assert.deepEqual(
    p.takeRows().map((r) => [r.state, r.resets, r.opened, r.bytes_tx]),
    [['active', 1, 0, 0]]
  );
  assert.equal(p.stats().lateLines, 2);
});

test('resets on a live connection are counted in the interval they arrive, and not again at close', () => {
  const { rows } = run([
    fake.open(1 * S, A),
    fake.reset(1.5 * S, A),
    ...fake.flush(2 * S, 1, [{ c: A, t: [5, 5, 1, 1, 0] }]),
    fake.close(2.5 * S, A, [5, 5, 1, 1, 0], { resets: 1 }),
    ...fake.flush(3 * S, 2),
  ]);
  assert.deepEqual(
    rows.map((r) => [r.state, r.resets]),
    [
      ['open', 1],
      ['closed', 0],
    ]
  );
});

test('inbound: pid 0 until the owner line, then the owner; lines read out of order are put back in order', () => {
  const B: FakeConn = { sk: -2000, start: 1 * S, direction: 'inbound', pid: 0, comm: '', lport: 80, rport: 50000 };
  const { rows } = run([
    fake.owner(1.2 * S, B, 77, 'nginx'), // read before its open
    fake.open(1.1 * S, B),
    ...fake.flush(2 * S, 1, [{ c: B, t: [0, 100, 1, 2, 0] }]),
  ]);
  assert.deepEqual(
    rows.map((r) => [r.pid, r.comm, r.direction, r.state, r.bytes_rx]),
    [[77, 'nginx', 'inbound', 'open', 100]]
  );
});

test('a close read before its open is still one closed row', () => {
  const { rows } = run([fake.close(1.5 * S, A, [1, 2, 3, 4, 0]), fake.open(1.1 * S, A), ...fake.flush(2 * S, 1)]);
  assert.deepEqual(
    rows.map((r) => [r.state, r.opened, r.bytes_rx]),
    [['closed', 1, 2]]
  );
});

test('an idle live connection still has a row every interval', () => {
  const { rows } = run([
    fake.open(1 * S, A),
    ...fake.flush(2 * S, 1),
    ...fake.flush(3 * S, 2),
    ...fake.flush(4 * S, 3),
  ]);
  assert.deepEqual(
    rows.map((r) => [r.state, r.bytes_tx, r.ts]),
    [
      ['open', 0, 2000],
      ['active', 0, 3000],
      ['active', 0, 4000],
    ]
  );
});

test('seen: direction guessed from the ports, counted, and only traffic after its first snapshot', () => {
  const seen: FakeConn = { sk: -3000, start: 1 * S, direction: 'unknown', lport: 22, rport: 51000 };
  const out: FakeConn = { sk: -3001, start: 1 * S, direction: 'unknown', lport: 45000, rport: 443 };
  const { rows, stats } = run([
    fake.open(1 * S, seen),
    fake.open(1 * S, out),
    ...fake.flush(2 * S, 1, [{ c: seen, t: [9000, 9000, 90, 90, 9] }]),
    ...fake.flush(3 * S, 2, [{ c: seen, t: [9100, 9050, 91, 92, 9] }]),
    fake.close(3.5 * S, seen, [9150, 9050, 93, 92, 10]),
    fake.close(3.5 * S, out, [500, 500, 5, 5, 0]),
    ...fake.flush(4 * S, 3),
  ]);
  const s = rows.filter((r) => r.local_port === 22);
  assert.deepEqual(
    s.map((r) => [r.direction, r.state, r.opened]),
    [
      ['inbound', 'active', 0],
      ['inbound', 'active', 0],
      ['inbound', 'closed', 0],
    ]
  );
  assert.deepEqual(totals(s), [150, 50, 3, 2, 1]);
  const o = rows.filter((r) => r.local_port === 45000);
  assert.deepEqual(
    o.map((r) => r.direction),
    ['outbound', 'outbound', 'outbound']
  );
  assert.deepEqual(totals(o), [0, 0, 0, 0, 0], 'closed before any snapshot: no baseline, no bytes');
  assert.equal(stats.seenConnections, 2);
});

test('a full table refuses new connections, counts them, and their close line still gives one exact row', () => {
  const conns = [0, 1, 2].map((i): FakeConn => ({ sk: -100 - i, start: S, lport: 41000 + i }));
  const { rows, stats } = run(
    [
      ...conns.map((c) => fake.open(S, c)),
      ...fake.flush(
        2 * S,
        1,
        conns.map((c) => ({ c, t: [10, 10, 1, 1, 0] as FakeTotals }))
      ),
      ...conns.map((c) => fake.close(2.5 * S, c, [30, 30, 3, 3, 0])),
      ...fake.flush(3 * S, 2),
    ],
    { maxConnections: 2 }
  );
  assert.equal(stats.untrackedConnections, 1);
  for (const c of conns) {
    assert.deepEqual(totals(rows.filter((r) => r.local_port === c.lport)), [30, 30, 3, 3, 0]);
  }
  assert.equal(rows.filter((r) => r.local_port === 41002).length, 1);
});

test('a new bpftrace run drops live connections and counts them', () => {
  const p = createCapturePipeline({ node: 'n', clock: { nowMs: () => 0, monotonicNs: () => 0 } });
  [fake.hello(0), fake.open(S, A), fake.hello(5 * S)].forEach((l) => p.handleLine(l));
  p.drain();
  assert.deepEqual([p.stats().abandonedConnections, p.stats().live, p.stats().bpftraceRuns], [1, 0, 2]);
});

test('flushed counters are running totals per run: map-full, untracked resets and late ticks count their growth', () => {
  const flushed = (seq: number, resets: number, full: number, late: number) =>
    JSON.stringify({ type: 'value', data: ['flushed', seq * S, seq, resets, full, late] });
  const { stats } = run([flushed(1, 2, 1, 0), flushed(2, 5, 1, 3), fake.hello(10 * S), flushed(3, 1, 4, 2)]);
  assert.deepEqual([stats.untrackedResets, stats.mapFullErrors, stats.lateTicks], [6, 5, 5]);
});

type Sim = { c: FakeConn; t: FakeTotals; resets: number; closeAt: number; openAt: number };
const WINDOW_MS = 100;

/**
 * Random connections over several flushes, as line sequences. Lines of one interval are shuffled
 * (several CPUs); with `lateReads`, some are read only after the next flush and the pipeline is
 * sometimes told that the window has passed before they come, so they arrive too late to be put
 * back in order.
 */
function simulate(rand: (n: number) => number, lateReads: boolean) {
  const n = 5 + rand(40);
  const flushes = 3 + rand(6);
  const sims: Sim[] = [];
  for (let i = 0; i < n; i++) {
    const openAt = rand(flushes);
    sims.push({
      c: { sk: -(10_000 + i), start: openAt * S + 1 + i, lport: 30000 + i },
      t: [0, 0, 0, 0, 0],
      resets: 0,
      openAt,
      closeAt: openAt + rand(flushes + 2 - openAt), // some never close
    });
  }
  const steps: Array<string | { releaseAt: number }> = [];
  let deferred: string[] = [];
  for (let f = 0; f <= flushes; f++) {
    const events: string[] = [];
    for (const s of sims) {
      if (f === s.openAt) {
        events.push(fake.open(s.c.start + 1, s.c));
      }
      if (f < s.openAt || f > s.closeAt) {
        continue;
      }
      s.t = s.t.map((v) => v + rand(1000)) as FakeTotals;
      if (rand(4) === 0) {
        s.resets++;
        events.push(fake.reset(f * S + 0.5 * S, s.c));
      }
      if (f === s.closeAt) {
        const at = f * S + 0.6 * S;
        events.push(fake.close(at, s.c, s.t, { resets: s.resets }));
        if (rand(3) === 0) {
          s.resets++;
          events.push(fake.reset(at + 1, s.c, 'sent')); // abortive close: RST after the close line
        }
      }
    }
    for (let i = events.length - 1; i > 0; i--) {
      const j = rand(i + 1);
      [events[i], events[j]] = [events[j], events[i]];
    }
    const now = lateReads ? events.filter(() => rand(6) > 0) : events;
    steps.push(...deferred, ...now);
    deferred = events.filter((e) => !now.includes(e));
    const snapshot = sims.filter((s) => f >= s.openAt && f < s.closeAt && rand(5) > 0).map((s) => ({ c: s.c, t: s.t }));
    steps.push(...fake.flush((f + 1) * S, f + 1, snapshot));
    if (lateReads && rand(2) === 0) {
      steps.push({ releaseAt: (f + 1) * S + WINDOW_MS * 1e6 });
    }
  }
  steps.push(...deferred);
  return { sims, steps, flushes };
}

function replaySteps(steps: Array<string | { releaseAt: number }>): ConnectionRow[] {
  let now = 0;
  const p = createCapturePipeline({
    node: 'n',
    clock: { nowMs: () => 0, monotonicNs: () => now },
    reorderWindowMs: WINDOW_MS,
  });
  const rows: ConnectionRow[] = [];
  p.handleLine(fake.hello(0));
  for (const step of steps) {
    if (typeof step === 'string') {
      p.handleLine(step);
    } else {
      now = step.releaseAt;
      rows.push(...p.takeRows());
    }
  }
  // The last interval's closes and late resets need one more flush to come out.
  p.handleLine(fake.flush(1000 * S, 999)[0]);
  p.handleLine(fake.flush(1000 * S, 999)[1]);
  p.drain();
  return [...rows, ...p.takeRows()];
}

for (const lateReads of [false, true]) {
  test(`property: random interleavings${lateReads ? ', some read too late' : ''}; rows sum to the final totals`, () => {
    let seed = lateReads ? 11 : 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let round = 0; round < 30; round++) {
      const { sims, steps, flushes } = simulate(rand, lateReads);
      const rows = replaySteps(steps);
      for (const s of sims) {
        const mine = rows.filter((r) => r.local_port === s.c.lport);
        const label = `round ${round} conn ${s.c.lport}`;
        assert.equal(mine.filter((r) => r.opened === 1).length, 1, label);
        if (s.closeAt > flushes) {
          // Never closed: a row per interval while live (+1 for the extra flush replaySteps adds).
          if (!lateReads) {
            assert.equal(mine.length, flushes + 2 - s.openAt, `${label}: a row per interval while live`);
          }
          continue;
        }
        assert.deepEqual(totals(mine), s.t, label);
        assert.equal(
          mine.reduce((sum, r) => sum + r.resets, 0),
          s.resets,
          `${label} resets`
        );
        assert.equal(mine.filter((r) => r.state === 'closed').length, 1, label);
      }
    }
  });
}

test('closed connections kept for late lines are forgotten beyond the bound, counted apart from evictions, rows all out', () => {
  const conns = [1, 2, 3, 4].map((i): FakeConn => ({ sk: -i, start: 1 * S, lport: 40000 + i }));
  const { rows, stats } = run(
    [...conns.map((c, i) => fake.close((1 + i / 10) * S, c, [i + 1, 0, 1, 0, 0])), ...fake.flush(2 * S, 1)],
    { maxConnections: 2 }
  );
  assert.deepEqual(
    rows.map((r) => [r.local_port, r.state, r.bytes_tx]),
    conns.map((c, i) => [c.lport, 'closed', i + 1])
  );
  assert.deepEqual([stats.closedForgotten, stats.evictions], [2, 0]);
});
