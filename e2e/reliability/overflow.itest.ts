import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { startAgent, type Agent, type IntervalReport } from '../../src/agent/agent';
import { assertBpftraceAvailable, skipWithoutBpftrace } from '../../src/agent/bpftrace/bpftraceTestEnvironment';
import { statusLine } from '../../src/agent/status/statusText';
import { DATABASE, tables } from '../../src/shared/schema';
import { agentHealthSummaryQuery } from '../../src/shared/sql/agentHealth';
import type { Store } from '../../src/store/store';
import { openTestStore } from '../../src/store/testStore';
import { AgentLog } from './agentLog';

/**
 * Scenario 4 of issue 8: a burst that overflows the kernel maps and bpftrace's output buffer,
 * driven through small configured sizes: 64 map keys (BPFTRACE_MAP_KEYS_MAX) and one page of
 * perf buffer per CPU. 300 loopback connections held open at once fill the map; 3,000 short ones
 * as fast as they go fill the buffer. Pass: lost events and map-full errors are counted in
 * agent_health (read through the UI's agent health query) and on the terminal status line, the
 * agent keeps running, and the test reports how much of the burst was lost. Needs root and
 * bpftrace; skips without them, except under CI=true.
 */

const MAP_KEYS = 64;
const PERF_PAGES = 1;
const HELD_OPEN = 300;
const SHORT = 3000;
const CONCURRENCY = 200;

let agent: Agent | undefined;
let store: Store | undefined;
let server: Server | undefined;
after(async () => {
  await agent?.stop().catch(() => undefined);
  server?.close();
  await store?.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.on('error', reject);
  });
}

/** One connection: connect, 16 bytes each way, close. */
async function shortConnection(port: number): Promise<void> {
  const s = await open(port);
  await new Promise<void>((resolve) => {
    s.once('data', () => s.end());
    s.on('close', () => resolve());
    s.write(Buffer.alloc(16, 1));
  });
}

test(
  'a burst past 64 map keys and a one-page perf buffer: losses counted in agent_health and on the status line, no crash',
  { skip: skipWithoutBpftrace, timeout: 120_000 },
  async (t) => {
    assertBpftraceAvailable();
    store = await openTestStore();
    const held: Socket[] = [];
    server = createServer((s) => {
      s.on('data', () => s.write(Buffer.alloc(16, 2)));
      s.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const reports: IntervalReport[] = [];
    const log = new AgentLog();
    const startedAt = Date.now();
    agent = await startAgent({
      store,
      node: 'overflow-test',
      intervalSeconds: 1,
      mapKeysMax: MAP_KEYS,
      perfRbPages: PERF_PAGES,
      log: log.log,
      onInterval: (r) => reports.push(r),
    });

    for (let i = 0; i < HELD_OPEN; i += CONCURRENCY) {
      held.push(...(await Promise.all(Array.from({ length: Math.min(CONCURRENCY, HELD_OPEN - i) }, () => open(port)))));
    }
    await Promise.all(held.map((s) => new Promise((resolve) => s.write(Buffer.alloc(16, 1), resolve))));
    await sleep(2500); // across at least one flush with the map full
    held.forEach((s) => s.destroy());
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < SHORT) {
          next++;
          await shortConnection(port);
        }
      })
    );
    const burstEndedAt = Date.now();
    await sleep(3000);
    const reportsBefore = reports.length;
    await sleep(2500);
    assert.ok(reports.length > reportsBefore, 'the agent still writes intervals after the burst');
    assert.doesNotMatch(log.text(), /capture stopped/, 'the supervisor gave up');
    const running = agent;
    agent = undefined;
    await running.stop();

    const q = agentHealthSummaryQuery({ fromMs: startedAt - 1000, toMs: Date.now() + 60_000 });
    const [health] = await store.query<Record<string, string>>(q.sql, q.params);
    const lost = Number(health.lost_events);
    const mapFull = Number(health.map_full_errors);
    assert.ok(lost > 0, `lost_events in agent_health: ${lost}`);
    assert.ok(mapFull > 0, `map_full_errors in agent_health: ${mapFull}`);
    assert.equal(Number(health.intervals_short_of_probes), 0, 'probes stayed attached');
    assert.equal(
      reports.reduce((s, r) => s + r.lostEvents, 0),
      lost,
      'the interval reports (the terminal status) carry the same lost events as agent_health'
    );
    assert.equal(
      reports.reduce((s, r) => s + r.mapFullErrors, 0),
      mapFull
    );
    const lossy = reports.find((r) => r.lostEvents > 0)!;
    assert.match(statusLine(lossy), new RegExp(`  lost ${lossy.lostEvents}  `), 'the status line shows the loss');
    const full = reports.find((r) => r.mapFullErrors > 0)!;
    assert.match(statusLine(full), new RegExp(`  map full ${full.mapFullErrors}  `));

    // How much of the burst made it: the server side of each connection is one stored connection.
    const [stored] = await store.query<{ n: string }>(
      `SELECT uniqExact(connection_id) AS n FROM ${DATABASE}.${tables.connections.name}
       WHERE protocol = 'tcp' AND local_port = {port:UInt16} AND ts >= fromUnixTimestamp64Milli({from:Int64})`,
      { port, from: startedAt }
    );
    const attempted = HELD_OPEN + SHORT;
    const captured = Number(stored.n);
    assert.ok(captured < attempted, `captured ${captured} of ${attempted}: the sizes did not bite`);
    t.diagnostic(
      `burst of ${attempted} connections in ${burstEndedAt - startedAt} ms: ${captured} stored (${(
        100 -
        (100 * captured) / attempted
      ).toFixed(1)} % lost); agent_health: ${lost} lost events, ${mapFull} map-full errors, ` +
        `${health.bpftrace_restarts} bpftrace restarts`
    );
  }
);
