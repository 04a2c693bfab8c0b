import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { assertBpftraceAvailable, skipWithoutBpftrace } from '../../src/agent/bpftrace/bpftraceTestEnvironment';
import { runStoreDown } from './storeDownRun';

/**
 * Issue 8, scenario 1 (store down), the CI length: `netmon up --clickhouse-url` at ~1,000
 * records/s while the server loses 3 answers and then refuses connections for 20 s; the
 * 2-minute run is scripts/reliability-store-down.ts. Pass: every connection of the load stored
 * once from each side, no row stored twice, nothing dropped, the spool within its bound.
 */

const work = mkdtempSync(join(tmpdir(), 'netmon-store-down-'));
after(() => rmSync(work, { recursive: true, force: true }));

/**
 * The agent captures the whole host, and other work on a shared machine can add thousands of
 * records a second on top of the load: the bound holds minutes of that (~600 bytes a record).
 */
const SPOOL_MAX_BYTES = 512 * 1024 * 1024;

test(
  'a ClickHouse server that loses 3 answers and then refuses for 20 s costs no record and duplicates none',
  { skip: skipWithoutBpftrace, timeout: 240_000 },
  async () => {
    assertBpftraceAvailable();
    const r = await runStoreDown({
      work,
      outageSeconds: 20,
      perSecond: 500,
      answersToLose: 3,
      spoolMaxBytes: SPOOL_MAX_BYTES,
      drainTimeoutSeconds: 60,
      log: (line) => console.log(`store-down: ${line}`),
    });
    const { exit, ...figures } = r;
    console.log(`store-down figures: ${JSON.stringify(figures)}`);
    assert.equal(exit.code, 0, exit.output);
    assert.ok(r.truth.connections > 10_000, `only ${r.truth.connections} connections completed`);
    assert.ok(r.recordsPerSecond > 500, `${r.recordsPerSecond} records/s`);
    assert.equal(r.answersLost, 3, 'inserts landed and their answers were cut off');
    const d = r.delivery;
    assert.deepEqual(
      [d.lostSides, d.duplicatedSides, d.wrongBytes],
      [0, 0, 0],
      `${JSON.stringify(d)}; bpftrace reported ${r.health.lostEvents} lost events`
    );
    assert.deepEqual(Object.values(d.identicalRows), [0, 0, 0, 0], JSON.stringify(d.identicalRows));
    assert.ok(!Number.isNaN(r.drainSeconds), 'no agent_health row saw the spool drained after the outage');
    assert.equal(r.health.dropped, 0);
    assert.ok(r.health.spooled > 15_000, `${r.health.spooled} records went through the spool`);
    assert.ok(r.spoolPeakBytes > 0 && r.spoolPeakBytes <= SPOOL_MAX_BYTES, `spool peak ${r.spoolPeakBytes}`);
    assert.equal(r.stored, r.agentWrote, 'every row the agent counts as written is stored, once');
    assert.match(exit.output, /wrote \d+ rows in \d+ intervals\n*$/, 'nothing dropped, nothing left spooled');
  }
);
