import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createChdbConnection } from '../../src/store/chdbConnection';
import { assertBpftraceAvailable, skipWithoutBpftrace } from '../../src/agent/bpftrace/bpftraceTestEnvironment';
import { DATABASE } from '../../src/shared/schema';
import { openStore } from '../../src/store/openStore';
import { startNetmon } from '../capture/netmonCli';
import { ClickHouseHttpShim } from './clickhouseHttpShim';
import { checkDelivery } from './deliveryCheck';
import { LoopbackLoad } from './loopbackLoad';

/**
 * Issue 8, scenario 2 (agent killed): `netmon up --clickhouse-url` spools a load while the server
 * refuses; then the server takes inserts but every answer is lost (so batches land that the agent
 * still holds as unsent), and the agent is killed with SIGKILL. A new `netmon up` on the same
 * data dir replays the spool with the original dedup tokens. Pass: every connection of the load
 * stored exactly once, and the time from the killed agent's last interval to the restart is a
 * gap in agent_health with its reason.
 */

const work = mkdtempSync(join(tmpdir(), 'netmon-agent-killed-'));
after(() => rmSync(work, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test(
  'records spooled by an agent killed with SIGKILL are delivered exactly once by the next one, and the gap is recorded',
  { skip: skipWithoutBpftrace, timeout: 240_000 },
  async () => {
    assertBpftraceAvailable();
    const engine = createChdbConnection({ path: join(work, 'server') });
    const shim = await ClickHouseHttpShim.start(engine);
    const store = await openStore({ url: shim.url });
    try {
      const args = [
        'up',
        '--clickhouse-url',
        shim.url,
        '--interval',
        '1',
        '--no-ui',
        '--data-dir',
        join(work, 'agent'),
      ];
      const ready = (line: string) => line.startsWith('netmon up: holding');
      const first = await startNetmon(args, ready, 90_000);
      const load = await LoopbackLoad.start(300);
      await sleep(3000);
      await shim.refuse();
      await sleep(6000);
      const truth = await load.stop();
      // Two intervals, so the last connections are in the spool.
      await sleep(2500);
      shim.answersToLose = Infinity;
      await shim.accept();
      const deadline = Date.now() + 60_000;
      while (shim.counts.answersLost < 2 && Date.now() < deadline) {
        await sleep(200);
      }
      assert.ok(
        shim.counts.answersLost >= 2,
        `only ${shim.counts.answersLost} inserts landed unanswered before the kill`
      );
      const killedAt = Date.now();
      process.kill(first.pid, 'SIGKILL');
      const killed = await first.exited;
      assert.equal(killed.signal, 'SIGKILL');
      shim.answersToLose = 0;

      const second = await startNetmon([...args, '--duration', '6'], ready, 90_000);
      const restartedAt = Date.now();
      const done = await second.exited;
      assert.equal(done.code, 0, done.output);
      assert.match(done.output, /the last agent did not stop cleanly: nothing was captured for \d+ s/);
      assert.match(done.output, /wrote \d+ rows in \d+ intervals\n*$/, 'nothing dropped, nothing left spooled');

      const d = await checkDelivery(store, truth);
      assert.ok(d.connections > 1000, `only ${d.connections} connections completed`);
      assert.deepEqual([d.lostSides, d.duplicatedSides, d.wrongBytes], [0, 0, 0], JSON.stringify(d));
      assert.deepEqual(Object.values(d.identicalRows), [0, 0, 0, 0], JSON.stringify(d.identicalRows));

      const gaps = await store.query<{ start: string; end: string; reason: string }>(
        `SELECT toUnixTimestamp64Milli(gap_start) AS start, toUnixTimestamp64Milli(gap_end) AS end, gap_reason AS reason
         FROM ${DATABASE}.agent_health WHERE gap_reason LIKE 'agent restarted%'`
      );
      assert.equal(gaps.length, 1, JSON.stringify(gaps));
      const gap = { start: Number(gaps[0].start), end: Number(gaps[0].end), reason: gaps[0].reason };
      assert.equal(gap.reason, `agent restarted after an unclean stop (pid ${first.pid})`);
      // The killed agent's last agent_health row came to the store from the spool, through the second agent.
      const [last] = await store.query<{ last: string }>(
        `SELECT toUnixTimestamp64Milli(max(ts)) AS last FROM ${DATABASE}.agent_health WHERE ts < fromUnixTimestamp64Milli({k:Int64})`,
        { k: killedAt }
      );
      const lastInterval = Number(last.last);
      // The marker is updated after an interval's rows are spooled: a kill in between leaves it one interval behind.
      assert.ok(
        gap.start <= lastInterval && gap.start >= lastInterval - 2500,
        `gap from ${gap.start}, last interval ${lastInterval}`
      );
      assert.ok(
        gap.end > killedAt && gap.end <= restartedAt,
        `gap to ${gap.end}, killed ${killedAt}, restarted ${restartedAt}`
      );
      console.log(
        `agent-killed: ${d.connections} connections, ${shim.counts.answersLost} inserts landed unanswered before the kill, ` +
          `gap ${((gap.end - gap.start) / 1000).toFixed(1)} s recorded`
      );
    } finally {
      await store.close();
      await shim.refuse();
      await engine.close();
    }
  }
);
