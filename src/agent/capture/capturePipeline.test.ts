import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConnectionRow } from '../../shared/schema';
import { createCapturePipeline, type CapturePipelineOptions } from './capturePipeline';
import { parseBpftraceLine, type TcpCloseEvent } from './bpftraceLine';
import { closeTuple, fake } from './fakeBpftrace';

// A recording of bpf/lab/run.sh 3 (3 % loss, 1 s flush) and what the lab's programs themselves sent.
const read = (name: string) =>
  readFileSync(join(__dirname, 'fixtures', name), 'utf8')
    .split('\n')
    .filter(Boolean);
const lab = read('lab.bpftrace.jsonl');
const truth = read('lab.truth.jsonl').map((l) => JSON.parse(l));

const CLIENT_PID: number = truth.find((t) => t.side === 'client').pid;
const SERVER_PID: number = truth.find((t) => t.side === 'server').pid;
const CLIENT_CT = 'a'.repeat(64);
const SERVER_CT = 'b'.repeat(64);
const HELLO_TS: number = JSON.parse(lab[1]).data[2];
const WALL_AT_HELLO = 1_700_000_000_000;
/** The client port of a lab scenario: ports change with each recording. */
const portOf = (scenario: string): number => truth.find((t) => t.scenario === scenario).lport;
/** Opened before bpftrace: its rows count only what follows its first flush (a seen connection). */
const EARLY_PORT = portOf('before-start');

function replay(lines: string[], extra: Partial<CapturePipelineOptions> = {}) {
  const pipeline = createCapturePipeline({
    node: 'node-1',
    clock: { nowMs: () => WALL_AT_HELLO, monotonicNs: () => HELLO_TS },
    attribute: (pid) => ({
      comm: 'from-proc',
      containerId: pid === CLIENT_PID ? CLIENT_CT : pid === SERVER_PID ? SERVER_CT : '',
    }),
    ...extra,
  });
  for (const line of lines) {
    pipeline.handleLine(line);
  }
  pipeline.drain();
  return { pipeline, rows: pipeline.takeRows() };
}

/** Every close and fail: @closed entries, and lines (printed when @closed was full). */
const closeLines: TcpCloseEvent[] = lab.flatMap((l) => {
  const e = parseBpftraceLine(l);
  return e.kind === 'tcpCloses' ? e.entries : e.kind === 'close' || e.kind === 'fail' ? [e] : [];
});

function rowsOf(rows: ConnectionRow[], local: string, port: number): ConnectionRow[] {
  return rows.filter((r) => r.protocol === 'tcp' && r.local_ip === local && r.local_port === port);
}

function sum(
  rows: ConnectionRow[],
  k: 'bytes_tx' | 'bytes_rx' | 'packets_tx' | 'packets_rx' | 'retransmits' | 'resets'
) {
  return rows.reduce((s, r) => s + r[k], 0);
}

test('lab: the rows of every TCP connection sum to its close record, one final row each', () => {
  const { rows } = replay(lab);
  assert.equal(closeLines.length, truth.filter((t) => t.proto === 'tcp').length);
  for (const c of closeLines) {
    const mine = rows.filter(
      (r) => r.protocol === 'tcp' && r.local_port === c.lport && r.remote_port === c.rport && r.local_ip === c.laddr
    );
    const label = `${c.laddr}:${c.lport}->${c.raddr}:${c.rport}`;
    assert.equal(new Set(mine.map((r) => r.connection_id)).size, 1, `${label}: one connection_id`);
    const got = (['bytes_tx', 'bytes_rx', 'packets_tx', 'packets_rx', 'retransmits'] as const).map((k) => sum(mine, k));
    const want = [c.totals.txBytes, c.totals.rxBytes, c.totals.txPackets, c.totals.rxPackets, c.totals.retransmits];
    if (c.lport === EARLY_PORT || c.rport === EARLY_PORT) {
      assert.ok(
        got.every((v, i) => v <= want[i]) && got[0] + got[1] > 0,
        `${label}: a seen connection counts what follows its first flush`
      );
    } else {
      assert.deepEqual(got, want, label);
    }
    const last = mine[mine.length - 1];
    assert.equal(last.state, c.kind === 'fail' ? 'failed' : 'closed', label);
    assert.equal(mine.filter((r) => r.state === 'closed' || r.state === 'failed').length, 1, label);
    assert.equal(
      last.ts,
      Math.floor(WALL_AT_HELLO + (c.ts - HELLO_TS) / 1e6),
      `${label}: closing row at the close time`
    );
    assert.equal(last.duration_ms, Math.floor((c.ts - c.start) / 1e6), label);
    assert.equal(sum(mine, 'resets') >= c.resets, true, label);
  }
});

test('lab: TCP byte counts equal what the programs sent and received', () => {
  const { rows } = replay(lab);
  for (const t of truth.filter((x) => x.proto === 'tcp' && x.lport !== EARLY_PORT && x.rport !== EARLY_PORT)) {
    const mine = rowsOf(rows, t.laddr, t.lport).filter((r) => r.remote_port === t.rport);
    assert.deepEqual([sum(mine, 'bytes_tx'), sum(mine, 'bytes_rx')], [t.tx_bytes, t.rx_bytes], JSON.stringify(t));
    assert.equal(mine[0].pid, t.pid, 'inbound pid comes from its owner');
    assert.equal(mine[0].direction, t.side === 'client' ? 'outbound' : 'inbound');
  }
});

test('lab: a connection across five flushes has a row in each, open then active then closed', () => {
  const { rows } = replay(lab);
  const paced = rowsOf(rows, '10.200.0.1', portOf('paced-400KB'));
  assert.deepEqual(
    paced.map((r) => r.state),
    ['open', 'active', 'active', 'active', 'active', 'closed']
  );
  assert.deepEqual(
    paced.map((r) => r.opened),
    [1, 0, 0, 0, 0, 0]
  );
  const flushTs = paced.slice(0, 5).map((r) => r.ts);
  assert.deepEqual(
    flushTs.map((ts, i) => ts - flushTs[0] - i * 1000),
    [0, 0, 0, 0, 0],
    'one row per 1 s flush'
  );
});

test('lab: open and close within one interval is one row with opened = 1; a failed connect one failed row', () => {
  const { rows } = replay(lab);
  const upload = rowsOf(rows, '10.200.0.1', portOf('reset'));
  assert.equal(upload.length, 1);
  assert.equal(upload[0].state, 'closed');
  assert.equal(upload[0].opened, 1);
  for (const port of [portOf('refused'), portOf('timeout')]) {
    const failed = rowsOf(rows, '10.200.0.1', port);
    assert.equal(failed.length, 1);
    assert.deepEqual([failed[0].state, failed[0].opened, failed[0].bytes_tx], ['failed', 0, 0]);
  }
  assert.equal(
    rowsOf(rows, '10.200.0.1', portOf('timeout'))[0].retransmits,
    5,
    'the timed-out connect retransmitted its SYN'
  );
});

test('lab: the abortive close counts its reset once, though the reset line follows the close', () => {
  const { rows } = replay(lab);
  const client = rowsOf(rows, '10.200.0.1', portOf('reset'));
  const server = rowsOf(rows, '10.200.0.2', 5001).filter((r) => r.remote_port === portOf('reset'));
  assert.equal(sum(client, 'resets'), 1);
  assert.equal(sum(server, 'resets'), 1);
  assert.equal(sum(rowsOf(rows, '10.200.0.1', portOf('refused')), 'resets'), 1, 'the refused connect got one RST');
});

test('lab: a peer on this node names its container; attribution and metadata fill both sides', () => {
  const meta = (id: string) =>
    id === SERVER_CT
      ? { cluster: 'c1', namespace: 'shop', deployment: 'api', pod: 'api-1', container: 'api' }
      : undefined;
  const { rows } = replay(lab, { metadata: meta });
  const client = rowsOf(rows, '10.200.0.1', portOf('upload-1MB'))[0];
  assert.equal(client.local_container_id, CLIENT_CT);
  assert.equal(client.remote_container_id, SERVER_CT);
  assert.equal(client.remote_node, 'node-1');
  assert.deepEqual(
    [client.remote_namespace, client.remote_deployment, client.remote_pod, client.local_namespace],
    ['shop', 'api', 'api-1', '']
  );
  const server = rowsOf(rows, '10.200.0.2', 5001).find((r) => r.remote_port === portOf('upload-1MB'))!;
  assert.deepEqual(
    [server.local_container_id, server.remote_container_id, server.local_pod],
    [SERVER_CT, CLIENT_CT, 'api-1']
  );
  assert.equal(server.comm, 'nm-server', 'comm is the event’s, not /proc’s');
  const refused = rowsOf(rows, '10.200.0.1', portOf('refused'))[0];
  assert.deepEqual([refused.remote_container_id, refused.remote_node], ['', ''], 'nothing listens on the peer port');
});

test('lab: UDP rows are the per-interval counts of each socket and pid', () => {
  const { rows } = replay(lab);
  const udp = rows.filter((r) => r.protocol === 'udp');
  for (const t of truth.filter((x) => x.proto === 'udp' && x.side === 'client')) {
    const mine = udp.filter((r) => r.local_port === t.lport && r.pid === t.pid);
    assert.equal(mine.length, 1, JSON.stringify(t));
    assert.deepEqual(
      [mine[0].bytes_tx, mine[0].packets_tx, mine[0].bytes_rx, mine[0].packets_rx],
      [t.tx_bytes, t.tx_datagrams, t.rx_bytes, t.rx_datagrams]
    );
    assert.deepEqual([mine[0].direction, mine[0].state, mine[0].opened, mine[0].comm], ['outbound', 'open', 1, t.comm]);
  }
  const server = udp.filter((r) => r.local_port === 5353);
  assert.deepEqual(
    [server.length, server[0].direction, server[0].bytes_rx, server[0].bytes_tx],
    [1, 'inbound', 532000, 512000]
  );
});

test('lab: replaying the same lines gives identical rows (connection_id is deterministic)', () => {
  const a = replay(lab).rows;
  const b = replay(lab).rows;
  assert.deepEqual(a, b);
  assert.ok(a.every((r) => /^\d{1,20}$/.test(r.connection_id) && BigInt(r.connection_id) < 2n ** 64n));
  const other = createCapturePipeline({ node: 'node-2', clock: { nowMs: () => 0, monotonicNs: () => 0 } });
  lab.forEach((l) => other.handleLine(l));
  other.drain();
  assert.notEqual(other.takeRows()[0].connection_id, a[0].connection_id, 'the node is part of the id');
});

test('lab: counters for agent_health', () => {
  const { pipeline } = replay([
    ...lab,
    '{"type": "lost_events", "data": {"events": 7}}',
    '{"type": "helper_error", "helper": "map_update_elem", "retcode": -7, "line": 1, "col": 1}',
    '{"type": "helper_error", "helper": "probe_read", "retcode": -14, "line": 1, "col": 1}',
    'garbage',
    '{"type": "printf", "data": "x"}',
  ]);
  const s = pipeline.stats();
  assert.equal(s.linesRead, lab.length + 5);
  assert.deepEqual(
    [s.lostEvents, s.mapFullErrors, s.otherHelperErrors, s.malformedLines, s.unknownLines],
    [7, 1, 1, 1, 1]
  );
  assert.deepEqual([s.probesAttached, s.bpftraceRuns, s.untrackedResets, s.live, s.buffered], [15, 1, 1, 0, 0]);
  assert.equal(s.linesByKind.tcpIdentities, 1, 'one flush announced the connections still open then');
  assert.equal(s.rowsEmitted, replay(lab).rows.length);
  assert.match(s.lastRejectReason, /unknown line type "printf"/);
});

test('rows wait for the reorder window, then come out', () => {
  let now = HELLO_TS;
  const pipeline = createCapturePipeline({
    node: 'n',
    clock: { nowMs: () => WALL_AT_HELLO, monotonicNs: () => now },
    reorderWindowMs: 100,
  });
  const firstFlush = lab.findIndex((l) => l.includes('["flush",'));
  const flushTs: number = JSON.parse(lab[firstFlush]).data[1];
  const firstFlushed = lab.findIndex((l) => l.includes('["flushed",'));
  lab.slice(0, firstFlushed + 1).forEach((l) => pipeline.handleLine(l));
  now = flushTs + 50e6;
  assert.equal(
    pipeline.takeRows().filter((r) => r.ts === Math.floor(WALL_AT_HELLO + (flushTs - HELLO_TS) / 1e6)).length,
    0
  );
  now = flushTs + 100e6;
  assert.ok(pipeline.takeRows().length > 0);
});

test('options are checked with a message that names them', () => {
  assert.throws(
    () => createCapturePipeline({ node: 'n', maxConnections: 0 }),
    /maxConnections: expected a positive integer, got 0/
  );
  assert.throws(() => createCapturePipeline({ node: '' }), /node: expected the host name/);
});

test('a close printed as a line because @closed was full gives the same row, and is not counted as a loss', () => {
  const S = 1e9;
  const A = { sk: -11, start: 1 * S, lport: 40001 };
  const B = { sk: -12, start: 1 * S, lport: 40002 };
  const INSERT_LINE = 226;
  const mapFull = (line: number) =>
    `{"type": "helper_error", "helper": "map_update_elem", "retcode": -7, "line": ${line}, "col": 24}`;
  const run = (closes: string[]) => {
    const p = createCapturePipeline({
      node: 'n',
      clock: { nowMs: () => 0, monotonicNs: () => 9 * S },
      closedInsertLines: new Set([INSERT_LINE, INSERT_LINE + 9]),
    });
    const sampled: number[] = [];
    [fake.hello(0), ...closes, ...fake.flush(3 * S, 1)].forEach((l) => {
      p.handleLine(l);
      sampled.push(p.stats().mapFullErrors);
    });
    p.drain();
    return { rows: p.takeRows(), stats: p.stats(), sampled };
  };
  const inMap = run([fake.closes([closeTuple(2 * S, A, [5, 6, 1, 1, 0]), closeTuple(2.5 * S, B, [7, 8, 1, 1, 0])])]);
  const asLine = run([
    fake.close(2 * S, A, [5, 6, 1, 1, 0]),
    mapFull(INSERT_LINE),
    fake.closeLine(2.5 * S, B, [7, 8, 1, 1, 0]),
  ]);
  assert.equal(inMap.rows.length, 2);
  assert.deepEqual(asLine.rows, inMap.rows);
  assert.deepEqual([inMap.stats.mapFullErrors, inMap.stats.closedMapFull], [0, 0]);
  assert.deepEqual([asLine.stats.mapFullErrors, asLine.stats.closedMapFull], [0, 1]);
  assert.ok(
    asLine.sampled.every((n) => n === 0),
    'never counted, not even between the error and its line'
  );
  // A full map elsewhere (@conn, @tcp0: another line of the program) is a loss, and stays counted.
  const other = run([mapFull(100), mapFull(INSERT_LINE + 9), fake.closeLine(2 * S, A, [5, 6, 1, 1, 0])]);
  assert.deepEqual([other.stats.mapFullErrors, other.stats.closedMapFull], [1, 1]);
  assert.ok(
    other.sampled.slice(1).every((n) => n === 1),
    `${other.sampled}`
  );
});

test('takeRows goes no further than the last tick line: a close read at the tick after it is not late', () => {
  const S = 1e9;
  const A = { sk: -11, start: 1 * S, lport: 40001 };
  let now = 0;
  const p = createCapturePipeline({
    node: 'n',
    clock: { nowMs: () => 0, monotonicNs: () => now },
    reorderWindowMs: 100,
  });
  [fake.hello(0), fake.tick(2 * S), ...fake.flush(2 * S, 1)].forEach((l) => p.handleLine(l));
  // A reset 10 ms after A's close, read at once; the close waits in @closed for the next tick.
  p.handleLine(fake.reset(2_060_000_000, A, 'sent'));
  now = 2.5 * S;
  p.takeRows();
  [fake.close(2_050_000_000, A, [5, 6, 1, 1, 0], { resets: 0 }), fake.tick(3 * S)].forEach((l) => p.handleLine(l));
  now = 3.5 * S;
  assert.deepEqual(
    p.takeRows().map((r) => [r.local_port, r.state, r.resets]),
    [[40001, 'closed', 1]]
  );
  assert.equal(p.stats().lateLines, 0);
});

test('entries of map lines that do not parse are counted as malformed, with the reason', () => {
  const p = createCapturePipeline({ node: 'n', clock: { nowMs: () => 0, monotonicNs: () => 0 } });
  p.handleLine(fake.hello(0));
  p.handleLine('{"type": "map", "data": {"@closed1": {"1,2": ["close", 5]}}}');
  p.handleLine('{"type": "map", "data": {"@tcp1": {"x": [1,2,3,4,5,6,7]}}}');
  const s = p.stats();
  assert.deepEqual([s.malformedLines, s.linesByKind.malformed, s.linesByKind.tcpCloses], [2, 0, 1]);
  assert.match(s.lastRejectReason, /@tcp1 key: expected an integer, got "x"/);
});
