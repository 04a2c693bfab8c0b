import { join } from 'node:path';
import { createChdbConnection } from '../../src/store/chdbConnection';
import { DATABASE } from '../../src/shared/schema';
import { openStore } from '../../src/store/openStore';
import type { Store } from '../../src/store/store';
import { startNetmon, type Exit } from '../capture/netmonCli';
import { ClickHouseHttpShim } from './clickhouseHttpShim';
import { checkDelivery, storedRows, type Delivery } from './deliveryCheck';
import { LoopbackLoad, type LoadTruth } from './loopbackLoad';

/**
 * Scenario 1 of issue 8, store down: the real `netmon up --clickhouse-url` under a steady loopback
 * load, against a ClickHouse HTTP server (the chDB shim) that first loses a few answers (inserts
 * land, replies never come: the replays must be deduplicated), then refuses connections for the
 * outage, then accepts again. Shared by reliability/storeDown.itest.ts (CI, ~20 s down) and
 * scripts/reliability-store-down.ts (the 2-minute run, with figures).
 */

export interface StoreDownOptions {
  /** Working directory: the server's chDB dir and the agent's data dir (spool) go under it. */
  work: string;
  outageSeconds: number;
  /** Connections a second; each is two records. */
  perSecond: number;
  /** Inserts that land without an answer before the outage. */
  answersToLose: number;
  /** Bound of the agent's spool (--spool-max-bytes). */
  spoolMaxBytes: number;
  /** How long to wait for the spool to drain once the server is back (the retry delay doubles up to 60 s). */
  drainTimeoutSeconds: number;
  log?: (line: string) => void;
}

export interface StoreDownReport {
  truth: Omit<LoadTruth, 'clientPorts'> & { connections: number };
  delivery: Delivery;
  /** Connections rows of the load, a second, over the load's run. */
  recordsPerSecond: number;
  outageSeconds: number;
  /** From the server accepting again to the first agent_health row with an empty spool. */
  drainSeconds: number;
  spoolMaxBytes: number;
  /** Largest spool_bytes an agent_health row reported. */
  spoolPeakBytes: number;
  health: { spooled: number; sent: number; dropped: number; lostEvents: number };
  /** Answers the shim cut off after running the insert. */
  answersLost: number;
  /** The agent's own count of rows the store acknowledged ("wrote N rows"), and the rows the store holds. */
  agentWrote: number;
  stored: number;
  exit: Exit;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) {
      throw new Error(`still waiting after ${timeoutMs} ms`);
    }
    await sleep(100);
  }
}

export async function runStoreDown(opts: StoreDownOptions): Promise<StoreDownReport> {
  const log = opts.log ?? (() => undefined);
  const engine = createChdbConnection({ path: join(opts.work, 'server') });
  const shim = await ClickHouseHttpShim.start(engine);
  let load: LoopbackLoad | undefined;
  let store: Store | undefined;
  try {
    const agent = await startNetmon(
      [
        'up',
        '--clickhouse-url',
        shim.url,
        '--interval',
        '1',
        '--no-ui',
        '--data-dir',
        join(opts.work, 'agent'),
        '--spool-max-bytes',
        String(opts.spoolMaxBytes),
      ],
      (line) => line.startsWith('netmon up: holding'),
      90_000
    );
    store = await openStore({ url: shim.url });
    load = await LoopbackLoad.start(opts.perSecond);
    await sleep(3000);
    log(`losing the answers of ${opts.answersToLose} requests`);
    shim.answersToLose = opts.answersToLose;
    await until(() => shim.answersToLose === 0, 60_000);
    await sleep(3000);
    log(`server refusing for ${opts.outageSeconds} s (${load.completed} connections so far)`);
    await shim.refuse();
    await sleep(opts.outageSeconds * 1000);
    await shim.accept();
    const recoveredAt = Date.now();
    log('server accepting again; waiting for the spool to drain');
    const drainedAt = await drained(store, recoveredAt, opts.drainTimeoutSeconds * 1000);
    await sleep(2000);
    const truth = await load.stop();
    load = undefined;
    // Two flushes for the last connections to close and be written.
    await sleep(2500);
    const exit = await agent.stop();
    const wrote = /wrote (\d+) rows/.exec(exit.output)?.[1];
    const [h] = await store.query<Record<string, string>>(
      `SELECT sum(records_spooled) AS spooled, sum(records_sent) AS sent, sum(records_dropped) AS dropped,
              sum(lost_events) AS lostEvents, max(spool_bytes) AS peak FROM ${DATABASE}.agent_health`
    );
    const [loadRows] = await store.query<{ n: string }>(
      `SELECT count() AS n FROM ${DATABASE}.connections WHERE local_port = {p:UInt16} OR remote_port = {p:UInt16}`,
      { p: truth.serverPort }
    );
    const { clientPorts, ...counts } = truth;
    return {
      truth: { ...counts, connections: clientPorts.length },
      delivery: await checkDelivery(store, truth),
      recordsPerSecond: Math.round(Number(loadRows.n) / truth.seconds),
      outageSeconds: opts.outageSeconds,
      drainSeconds: drainedAt === undefined ? NaN : (drainedAt - recoveredAt) / 1000,
      spoolMaxBytes: opts.spoolMaxBytes,
      spoolPeakBytes: Number(h.peak),
      health: {
        spooled: Number(h.spooled),
        sent: Number(h.sent),
        dropped: Number(h.dropped),
        lostEvents: Number(h.lostEvents),
      },
      answersLost: shim.counts.answersLost,
      agentWrote: wrote === undefined ? NaN : Number(wrote),
      stored: await storedRows(store),
      exit,
    };
  } finally {
    await load?.stop();
    await store?.close();
    await shim.refuse();
    await engine.close();
  }
}

/** The ts of the first agent_health row after `since` that saw the spool empty, or undefined at the timeout. */
async function drained(store: Store, since: number, timeoutMs: number): Promise<number | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const [r] = await store.query<{ at: string }>(
      `SELECT toUnixTimestamp64Milli(min(ts)) AS at FROM ${DATABASE}.agent_health
       WHERE ts > fromUnixTimestamp64Milli({since:Int64}) AND spool_bytes = 0`,
      { since }
    );
    if (Number(r.at) > since) {
      return Number(r.at);
    }
    await sleep(1000);
  }
  return undefined;
}
