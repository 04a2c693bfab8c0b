import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startAgent } from '../../src/agent/agent';
import { assertBpftraceAvailable, skipWithoutBpftrace } from '../../src/agent/bpftrace/bpftraceTestEnvironment';
import { SYSTEM_CLOCK, type CaptureClock } from '../../src/agent/capture/capturePipeline';
import { DATABASE } from '../../src/shared/schema';
import type { Store } from '../../src/store/store';
import { openTestStore, truncateAll } from '../../src/store/testStore';
import { checkDelivery } from './deliveryCheck';
import { LoopbackLoad, type LoadTruth } from './loopbackLoad';

/**
 * Issue 8, scenario 9 (clock step): the real agent (bpftrace, pipelines, writer, embedded store)
 * while its wall clock jumps an hour ahead, and in a second run an hour back. Stepping the real
 * system clock would disturb everything else on the machine (and time namespaces do not cover
 * CLOCK_REALTIME), so the step comes through the agent's clock seam: Date.now() plus an offset the
 * test moves, the monotonic clock untouched, as after a real step. Pass: connections made after
 * the step are stamped on the new time, none more than 5 minutes ahead of it; those before keep
 * theirs; agent_health intervals stay the interval long; nothing is lost.
 */

const HOUR_MS = 3_600_000;
const FUTURE_MS = 5 * 60_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let store: Store;
before(async () => {
  store = await openTestStore();
});
after(async () => {
  await store.close();
});

interface Window {
  from: number;
  to: number;
}

async function tsRange(truth: LoadTruth): Promise<Window> {
  const [r] = await store.query<{ from: string; to: string }>(
    `SELECT toUnixTimestamp64Milli(min(ts)) AS from, toUnixTimestamp64Milli(max(ts)) AS to FROM ${DATABASE}.connections
     WHERE local_port = {p:UInt16} OR remote_port = {p:UInt16}`,
    { p: truth.serverPort }
  );
  return { from: Number(r.from), to: Number(r.to) };
}

for (const stepMs of [HOUR_MS, -HOUR_MS]) {
  test(
    `a wall-clock step of ${stepMs > 0 ? '+' : '-'}1 h: rows after it are on the new time, intervals stay monotonic`,
    { skip: skipWithoutBpftrace, timeout: 120_000 },
    async () => {
      assertBpftraceAvailable();
      await truncateAll(store);
      let offset = 0;
      const clock: CaptureClock = { nowMs: () => Date.now() + offset, monotonicNs: SYSTEM_CLOCK.monotonicNs };
      const logs: string[] = [];
      const agent = await startAgent({ store, intervalSeconds: 1, clock, log: (l) => logs.push(l) });
      try {
        const beforeStart = Date.now();
        const early = await LoopbackLoad.start(100);
        await sleep(2500);
        const earlyTruth = await early.stop();
        await sleep(2500);
        const stepAt = Date.now();
        offset = stepMs;
        const late = await LoopbackLoad.start(100);
        await sleep(3000);
        const lateTruth = await late.stop();
        await sleep(2500);
        await agent.stop();
        const end = Date.now();

        assert.ok(
          logs.some(
            (l) => l === `the wall clock stepped by ${(stepMs / 1000).toFixed(1)} s: rows are stamped on the new time`
          ),
          logs.join('\n')
        );
        for (const truth of [earlyTruth, lateTruth]) {
          const d = await checkDelivery(store, truth);
          assert.ok(d.connections > 100, `${d.connections} connections`);
          assert.deepEqual([d.lostSides, d.duplicatedSides, d.wrongBytes], [0, 0, 0], JSON.stringify(d));
        }
        const e = await tsRange(earlyTruth);
        assert.ok(
          e.from >= beforeStart - 1000 && e.to <= stepAt,
          `before the step: ${JSON.stringify(e)}, step at ${stepAt}`
        );
        const l = await tsRange(lateTruth);
        assert.ok(
          l.from >= stepAt + stepMs - 1000 && l.to <= end + stepMs,
          `after the step, on the new time: ${JSON.stringify(l)}, new time ${stepAt + stepMs}..${end + stepMs}`
        );
        const health = await store.query<{ ts: string; interval_ms: number }>(
          `SELECT toUnixTimestamp64Milli(ts) AS ts, interval_ms FROM ${DATABASE}.agent_health ORDER BY ts`
        );
        assert.ok(health.length >= 8, `${health.length} agent_health rows`);
        for (const h of health) {
          const ts = Number(h.ts);
          const oldTime = ts >= beforeStart - 5000 && ts <= stepAt + 1500;
          const newTime = ts >= stepAt + stepMs && ts <= end + stepMs;
          assert.ok(oldTime || newTime, `agent_health at ${ts} is on neither clock (step at ${stepAt})`);
          // A second's interval, the first one from the start and the last a partial one; never the hour.
          assert.ok(h.interval_ms <= 4000, `interval_ms ${h.interval_ms}`);
        }
        // Rows written after the step: none more than 5 minutes ahead of the clock that wrote them.
        const [ahead] = await store.query<{ n: string }>(
          `SELECT (SELECT count() FROM ${DATABASE}.connections WHERE ts > fromUnixTimestamp64Milli({limit:Int64}))
                + (SELECT count() FROM ${DATABASE}.agent_health WHERE ts > fromUnixTimestamp64Milli({limit:Int64})) AS n`,
          { limit: Math.max(end, end + stepMs) + FUTURE_MS }
        );
        assert.equal(Number(ahead.n), 0);
        if (stepMs < 0) {
          // The hour back: nothing written after the step sits in the hour the clock left.
          const [left] = await store.query<{ n: string }>(
            `SELECT count() AS n FROM ${DATABASE}.agent_health
             WHERE ts > fromUnixTimestamp64Milli({step:Int64}) AND ts > fromUnixTimestamp64Milli({after:Int64})`,
            { step: stepAt + 1500, after: end + stepMs }
          );
          assert.equal(Number(left.n), 0, 'no agent_health row after the step is on the old time');
        }
      } finally {
        await agent.stop();
      }
    }
  );
}
