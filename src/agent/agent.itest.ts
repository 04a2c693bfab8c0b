import assert from 'node:assert/strict';
import { createConnection, createServer, type AddressInfo, type Server } from 'node:net';
import { after, before, test } from 'node:test';
import { DATABASE } from '../shared/schema';
import type { Store } from '../store/store';
import { openTestStore } from '../store/testStore';
import { startAgent, type IntervalReport } from './agent';
import { assertBpftraceAvailable, skipWithoutBpftrace } from './bpftrace/bpftraceTestEnvironment';

/**
 * The whole agent with real bpftrace on this kernel: loopback TCP connections with known byte
 * counts, made by this process, must come out of the store as exactly those bytes on both sides.
 */

let store: Store;
before(async () => {
  store = await openTestStore();
});
after(async () => {
  await store.close();
});

/** Reads everything the client sends, then answers with `reply` bytes and closes. */
function echoServer(reply: (received: number) => number): Promise<Server> {
  const server = createServer((socket) => {
    let received = 0;
    socket.on('data', (chunk: Buffer) => (received += chunk.length));
    socket.on('end', () => socket.end(Buffer.alloc(reply(received), 0x62)));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Sends `bytes`, reads the answer to its end; resolves with what came back once the socket closed. */
function exchange(port: number, bytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let received = 0;
    const socket = createConnection({ host: '127.0.0.1', port }, () => socket.end(Buffer.alloc(bytes, 0x61)));
    socket.on('data', (chunk: Buffer) => (received += chunk.length));
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
  });
}

const sent = [10_000, 123_457, 1];
/** connections.bt's probes and dns.bt's, both in agent_health. */
const PROBES = 15 + 5;
const replyTo = (n: number) => 2 * n + 17;

test(
  'loopback connections with known bytes reach the store on both sides; health rows show every probe of both programs attached',
  { skip: skipWithoutBpftrace, timeout: 120_000 },
  async () => {
    assertBpftraceAvailable();
    const reports: IntervalReport[] = [];
    const logs: string[] = [];
    const agent = await startAgent({
      store,
      node: 'itest-node',
      intervalSeconds: 1,
      onInterval: (r) => reports.push(r),
      log: (l) => logs.push(l),
    });
    const server = await echoServer(replyTo);
    const port = (server.address() as AddressInfo).port;
    let summary;
    try {
      for (const n of sent) {
        assert.equal(await exchange(port, n), replyTo(n));
      }
      // Past at least one interval tick, so rows go both through the timer and the final flush.
      await new Promise((r) => setTimeout(r, 2500));
    } finally {
      summary = await agent.stop();
      server.close();
    }

    const totalSent = sent.reduce((a, b) => a + b, 0);
    const totalReplied = sent.map(replyTo).reduce((a, b) => a + b, 0);
    const sides = await store.query<Record<string, string>>(
      `SELECT if(local_port = {port:UInt16}, 'server', 'client') AS side, toString(direction) AS direction,
              uniqExact(connection_id) AS connections, sum(bytes_tx) AS tx, sum(bytes_rx) AS rx,
              sum(opened) AS opened, countIf(state = 'closed') AS closed, groupUniqArray(pid) AS pids,
              groupUniqArray(node) AS nodes
       FROM ${DATABASE}.connections
       WHERE protocol = 'tcp' AND (local_port = {port:UInt16} OR remote_port = {port:UInt16})
         AND local_ip = toIPv6('::ffff:127.0.0.1')
       GROUP BY side, direction ORDER BY side`,
      { port }
    );
    const pid = [process.pid];
    assert.deepEqual(sides, [
      {
        side: 'client',
        direction: 'outbound',
        connections: '3',
        tx: String(totalSent),
        rx: String(totalReplied),
        opened: '3',
        closed: '3',
        pids: pid,
        nodes: ['itest-node'],
      },
      {
        side: 'server',
        direction: 'inbound',
        connections: '3',
        tx: String(totalReplied),
        rx: String(totalSent),
        opened: '3',
        closed: '3',
        pids: pid,
        nodes: ['itest-node'],
      },
    ]);

    const [health] = await store.query<Record<string, string | number>>(
      `SELECT count() AS rows, min(probes_attached) AS min_attached, max(probes_expected) AS expected,
              min(probes_attached = probes_expected) AS all_attached, sum(events_read) > 0 AS read,
              sum(records_dropped) AS dropped, max(rss_bytes) > 0 AS rss
       FROM ${DATABASE}.agent_health WHERE node = 'itest-node'`
    );
    assert.ok(Number(health.rows) >= 2, `expected a health row per interval and a final one, got ${health.rows}`);
    assert.deepEqual(
      { ...health, rows: undefined },
      { rows: undefined, min_attached: PROBES, expected: PROBES, all_attached: 1, read: 1, dropped: '0', rss: 1 }
    );

    const [stored] = await store.query<{ n: string }>(
      `SELECT (SELECT count() FROM ${DATABASE}.connections) + (SELECT count() FROM ${DATABASE}.dns_queries) +
              (SELECT count() FROM ${DATABASE}.agent_health) AS n`
    );
    const { lateTicks, ...counts } = summary;
    assert.deepEqual(counts, { rowsWritten: Number(stored.n), rowsDropped: 0, intervals: Number(health.rows) });
    assert.ok(Number.isSafeInteger(lateTicks) && lateTicks >= 0, String(lateTicks));
    assert.equal(reports.length, Number(health.rows));
    assert.equal(agent.status(), reports.at(-1));
    assert.ok(reports.every((r) => r.probesAttached === PROBES && r.probesExpected === PROBES));
    assert.ok(
      reports.some((r) => r.topTalkers.some((t) => t.peer === `127.0.0.1:${port}` && t.bytes > 0)),
      JSON.stringify(reports.map((r) => r.topTalkers))
    );
    assert.ok(
      logs.some((l) => /^bpftrace .* attached 15 probes/.test(l)) &&
        logs.some((l) => /^dns\.bt: .* attached 5 probes/.test(l)),
      logs.join('\n')
    );
  }
);
