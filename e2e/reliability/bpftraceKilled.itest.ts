import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startAgent, type Agent } from '../../src/agent/agent';
import { bpftraceMissing } from '../../src/agent/bpftrace/bpftraceTestEnvironment';
import { DEFAULT_BACKOFF, restartDelayMs } from '../../src/agent/bpftrace/restartBackoff';
import { createLab, labPrerequisitesMissing, type Lab } from '../../src/lab/lab';
import type { Pod } from '../../src/lab/pod';
import type { TcpTruth } from '../../src/lab/trafficTruth';
import { DATABASE, tables } from '../../src/shared/schema';
import type { Store } from '../../src/store/store';
import { openTestStore } from '../../src/store/testStore';
import { connectionsFromQuery, sameEndpoint, storedConnection } from '../capture/storedConnections';
import { AgentLog } from './agentLog';
import { bpftracePidsRunning } from './bpftracePids';

/**
 * Scenario 3 of issue 8: bpftrace killed or crashing, through the real agent into a real store.
 * connections.bt's bpftrace is killed from outside with SIGKILL, then with SIGSEGV and SIGABRT (a
 * crash's own signals), then four times more in a row without letting it settle, so the backoff
 * reaches its cap. Each time: a new bpftrace within 5 s, the restart counted and the gap (start,
 * end, reason) in agent_health, and a lab connection made after the restart stored with its exact
 * bytes. Needs root, bpftrace, ip, nft and cgroup v2; skips without them, except under CI=true.
 */

const missing = [labPrerequisitesMissing(), bpftraceMissing].filter((m) => m !== undefined).join(', ') || undefined;
const skip = missing !== undefined && process.env.CI !== 'true' ? `needs ${missing}` : false;
const PROGRAM = 'connections.bt';
const SIGNALS: NodeJS.Signals[] = ['SIGKILL', 'SIGSEGV', 'SIGABRT', 'SIGKILL', 'SIGKILL', 'SIGKILL', 'SIGKILL'];
const RESTART_WITHIN_MS = 5000;
/**
 * bpftrace 0.17 announces its probes before attaching them (connections.bt's hello line says
 * when they are): a connection is made this long after the announcement, so a slow attach on a
 * busy machine does not count as a missed connection.
 */
const SETTLE_MS = 1500;
/** A connection is captured once its rows are in the store: the next kill waits for that. */
const STORED_WITHIN_MS = 15_000;

let lab: Lab | undefined;
let agent: Agent | undefined;
let store: Store | undefined;

after(async () => {
  await agent?.stop().catch(() => undefined);
  await lab?.close();
  await store?.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The one bpftrace running connections.bt, waiting up to `ms` for it (and for `not` to be gone). */
async function bpftracePid(ms: number, not?: number): Promise<{ pid: number; at: number }> {
  const deadline = Date.now() + ms;
  for (;;) {
    const pids = bpftracePidsRunning(PROGRAM).filter((p) => p !== not);
    if (pids.length === 1) {
      return { pid: pids[0], at: Date.now() };
    }
    assert.ok(
      Date.now() < deadline,
      `no new bpftrace running ${PROGRAM} within ${ms} ms (found ${pids.join(', ') || 'none'})`
    );
    await sleep(20);
  }
}

test(
  'bpftrace killed or crashing: restarted within 5 s with the backoff capped, each restart counted and each gap in agent_health, later connections captured',
  { skip, timeout: 240_000 },
  async (t) => {
    if (missing !== undefined) {
      assert.fail(`CI=true and this machine lacks ${missing}`);
    }
    store = await openTestStore();
    lab = await createLab();
    const client: Pod = await lab.addPod({ name: 'client' });
    const server: Pod = await lab.addPod({ name: 'server' });
    const listener = await lab.startTcpServer(server);
    const log = new AgentLog();
    agent = await startAgent({ store, node: 'killed-test', intervalSeconds: 1, log: log.log });
    const connect = (i: number) =>
      lab!.runClient(client, { to: { ip: server.ip, port: listener.port }, upload: 10_000 + i, download: 2_000 + i });

    const bytesStored = async (x: TcpTruth) => {
      const q = connectionsFromQuery([client.ip]);
      const rs = (await store!.query(q.sql, q.params))
        .map(storedConnection)
        .filter(
          (r) => sameEndpoint(r.local_ip, r.local_port, x.local) && sameEndpoint(r.remote_ip, r.remote_port, x.remote)
        );
      return [rs.reduce((sum, r) => sum + r.bytes_tx, 0), rs.reduce((sum, r) => sum + r.bytes_rx, 0)];
    };
    const untilStored = async (x: TcpTruth) => {
      const deadline = Date.now() + STORED_WITHIN_MS;
      while ((await bytesStored(x))[0] < x.bytesSent && Date.now() < deadline) {
        await sleep(200);
      }
    };
    const first = await connect(0);
    await untilStored(first);
    const clients: Array<{ made: string; truth: TcpTruth }> = [{ made: 'before the first kill', truth: first }];
    const kills: Array<{ signal: NodeJS.Signals; at: number; respawnMs: number; delayMs: number }> = [];
    let { pid } = await bpftracePid(5000);
    for (const [i, signal] of SIGNALS.entries()) {
      if (signal !== 'SIGKILL') {
        // A crash signal dumps core where core dumps are enabled: not into the working tree.
        execFileSync('prlimit', [`--pid=${pid}`, '--core=0:0']);
      }
      const at = Date.now();
      process.kill(pid, signal);
      const restarting = await log.until(/^restarting bpftrace in (\d+) ms$/, at, RESTART_WITHIN_MS);
      const next = await bpftracePid(RESTART_WITHIN_MS, pid);
      kills.push({ signal, at, respawnMs: next.at - at, delayMs: Number(restarting.match[1]) });
      pid = next.pid;
      await log.until(new RegExp(`^bpftrace \\(pid ${pid}\\) attached \\d+ probes$`), at, 60_000);
      // Connections between the crashes of the streak, and after its last, must all be captured.
      // A kill right after would lose its close line in flight, which is the next gap's loss.
      if (i < 3 || i === SIGNALS.length - 1) {
        await sleep(SETTLE_MS);
        const truth = await connect(i + 1);
        clients.push({ made: `after restart ${i + 1} (${signal})`, truth });
        await untilStored(truth);
      }
    }
    const running = agent;
    agent = undefined;
    const summary = await running.stop();
    assert.equal(summary.rowsDropped, 0, 'rows dropped');

    for (const k of kills) {
      assert.ok(k.respawnMs < RESTART_WITHIN_MS, `${k.signal}: a new bpftrace ${k.respawnMs} ms after the kill`);
    }
    // The backoff doubles from 250 ms and stops at 4 s: none of these runs stayed up for a minute.
    assert.deepEqual(
      kills.map((k) => k.delayMs),
      SIGNALS.map((_, i) => restartDelayMs(DEFAULT_BACKOFF, i + 1))
    );
    assert.equal(Math.max(...kills.map((k) => k.delayMs)), DEFAULT_BACKOFF.maxMs, 'the streak reached the cap');

    const health = tables.agent_health.name;
    const [counted] = await store.query<{ restarts: string; gaps: string }>(
      `SELECT sum(bpftrace_restarts) AS restarts, countIf(gap_reason != '') AS gaps FROM ${DATABASE}.${health}`
    );
    assert.equal(Number(counted.restarts), SIGNALS.length, 'agent_health.bpftrace_restarts summed');
    const gaps = await store.query<{ start: string; end: string; reason: string }>(
      `SELECT toUnixTimestamp64Milli(gap_start) AS start, toUnixTimestamp64Milli(gap_end) AS end, gap_reason AS reason
       FROM ${DATABASE}.${health} WHERE gap_reason != '' ORDER BY gap_start`
    );
    assert.equal(gaps.length, SIGNALS.length, `gaps: ${JSON.stringify(gaps)}`);
    gaps.forEach((g, i) => {
      const k = kills[i];
      assert.match(g.reason, new RegExp(`^killed by ${k.signal}\\b`), `gap ${i}`);
      const [start, end] = [Number(g.start), Number(g.end)];
      assert.ok(start >= k.at && start - k.at < 1000, `gap ${i} starts ${start - k.at} ms after the kill`);
      // It ends when the new bpftrace attached: after the backoff delay, and before the next kill.
      assert.ok(end - start >= k.delayMs, `gap ${i} lasted ${end - start} ms, backoff was ${k.delayMs} ms`);
      assert.ok(i + 1 === kills.length || end <= kills[i + 1].at, `gap ${i} ends after the next kill`);
    });

    const servers = await listener.stop();
    for (const { made, truth: x } of clients) {
      assert.equal(x.outcome, 'ok', `client ${made}: ${x.error}`);
      assert.deepEqual(await bytesStored(x), [x.bytesSent, x.bytesReceived], `client made ${made}: bytes stored`);
    }
    assert.equal(servers.length, clients.length);
    t.diagnostic(
      kills
        .map(
          (k, i) =>
            `${k.signal}: backoff ${k.delayMs} ms, new bpftrace after ${k.respawnMs} ms, gap ${Number(gaps[i].end) - Number(gaps[i].start)} ms`
        )
        .join('; ')
    );
  }
);
