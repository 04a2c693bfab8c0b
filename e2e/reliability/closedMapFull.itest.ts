import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startAgent, type Agent } from '../../src/agent/agent';
import { assertBpftraceAvailable, skipWithoutBpftrace } from '../../src/agent/bpftrace/bpftraceTestEnvironment';
import { agentHealthSummaryQuery } from '../../src/shared/sql/agentHealth';
import type { Store } from '../../src/store/store';
import { openTestStore } from '../../src/store/testStore';
import { AgentLog } from './agentLog';
import { checkDelivery } from './deliveryCheck';
import { LoopbackLoad } from './loopbackLoad';

/**
 * connections.bt holds a second's closes in @closed0/@closed1 and prints a close as a line of its
 * own only when that map is full. Here the map holds 256 (BPFTRACE_MAP_KEYS_MAX) and short
 * loopback connections close 1,200 times a second (both ends of 600 connections), so most closes
 * take the fallback. The same 256 bounds @conn and @tcp0/@tcp1, which the load's few connections
 * open at once stay far below. Pass: every connection is stored once from each end with exactly
 * its bytes, and agent_health counts no map-full errors and no lost events (a refused insert's
 * helper_error names an @closed insert, which the agent counts apart), and the agent's warning
 * says how many closes took the fallback. Needs root and bpftrace; skips without them, except
 * under CI=true.
 */

const MAP_KEYS = 256;
const PER_SECOND = 600;
const LOAD_MS = 3000;

let agent: Agent | undefined;
let store: Store | undefined;
let load: LoopbackLoad | undefined;
after(async () => {
  await load?.stop();
  await agent?.stop().catch(() => undefined);
  await store?.close();
});

test(
  'closes past a full @closed map come as lines: every connection stored from both ends, no loss counted',
  { skip: skipWithoutBpftrace, timeout: 120_000 },
  async (t) => {
    assertBpftraceAvailable();
    store = await openTestStore();
    const log = new AgentLog();
    const startedAt = Date.now();
    agent = await startAgent({
      store,
      node: 'closed-map-full',
      intervalSeconds: 1,
      mapKeysMax: MAP_KEYS,
      log: log.log,
    });

    load = await LoopbackLoad.start(PER_SECOND);
    await sleep(LOAD_MS);
    const truth = await load.stop();
    load = undefined;
    await sleep(2500);
    const running = agent;
    agent = undefined;
    await running.stop();

    assert.equal(truth.failed, 0, 'the load itself failed connections');
    const d = await checkDelivery(store, truth);
    assert.ok(d.connections > MAP_KEYS, `only ${d.connections} connections completed`);
    assert.deepEqual([d.lostSides, d.duplicatedSides, d.wrongBytes], [0, 0, 0], JSON.stringify(d));
    const q = agentHealthSummaryQuery({ fromMs: startedAt - 1000, toMs: Date.now() + 60_000 });
    const [health] = await store.query<Record<string, string>>(q.sql, q.params);
    assert.deepEqual([Number(health.map_full_errors), Number(health.lost_events)], [0, 0], JSON.stringify(health));
    // The agent says how many closes took the fallback (a helper_error at an @closed insert each).
    const fellBack = [...log.text().matchAll(/(\d+) closes found the second's @closed map full/g)].reduce(
      (sum, m) => sum + Number(m[1]),
      0
    );
    assert.ok(fellBack > 0, `no close went out as a line: the map never filled. Log:\n${log.text()}`);
    // Each fallback is a close the agent stored. Not bounded by the load's closes: the agent sees the
    // whole host, and in CI other tests make connections beside the load (4,552 fallbacks against
    // the load's 3,480 closes once).
    const [{ closes }] = await store.query<{ closes: string }>(
      "SELECT count() AS closes FROM netmon.connections WHERE state IN ('closed', 'failed')"
    );
    assert.ok(fellBack <= Number(closes), `${fellBack} fallbacks for ${closes} stored closes`);
    t.diagnostic(
      `${2 * d.connections} closes of the load in ${truth.seconds.toFixed(1)} s, ${closes} stored in all, ${fellBack} of them as lines`
    );
  }
);
