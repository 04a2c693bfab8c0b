/**
 * Issue 8, scenario 1 at full length (CI runs 20 s in e2e/reliability/storeDown.itest.ts):
 *
 *   node --import tsx scripts/reliability-store-down.ts [--outage 120] [--rate 500] [--spool-max-bytes 1073741824]
 *
 * `netmon up --clickhouse-url` against the chDB HTTP shim under --rate loopback connections a
 * second (two records each); the server loses 3 answers, then refuses for --outage seconds, then
 * accepts. Needs root and bpftrace. Prints the figures as JSON; exits 1 when a record was lost,
 * duplicated or dropped, or the spool did not drain.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runStoreDown } from '../e2e/reliability/storeDownRun';

function positive(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) {
    console.error(`reliability-store-down ${flag}: expected a whole number >= 1, got ${JSON.stringify(value)}`);
    process.exit(2);
  }
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      outage: { type: 'string', default: '120' },
      rate: { type: 'string', default: '500' },
      'spool-max-bytes': { type: 'string', default: String(1024 ** 3) },
    },
  });
  const outageSeconds = positive(values.outage, '--outage');
  const work = mkdtempSync(join(tmpdir(), 'netmon-store-down-'));
  try {
    const { exit, ...figures } = await runStoreDown({
      work,
      outageSeconds,
      perSecond: positive(values.rate, '--rate'),
      answersToLose: 3,
      spoolMaxBytes: positive(values['spool-max-bytes'], '--spool-max-bytes'),
      // The retry delay doubles up to 60 s: after a long outage the next try can be a minute away.
      drainTimeoutSeconds: 150,
      log: (line) => console.error(`reliability-store-down: ${line}`),
    });
    console.log(JSON.stringify(figures, null, 2));
    const d = figures.delivery;
    const bad =
      exit.code !== 0 ||
      d.lostSides + d.duplicatedSides + d.wrongBytes > 0 ||
      Object.values(d.identicalRows).some((n) => n > 0) ||
      figures.health.dropped > 0 ||
      Number.isNaN(figures.drainSeconds) ||
      figures.stored !== figures.agentWrote;
    if (bad) {
      console.error(`reliability-store-down: FAILED (netmon exit ${exit.code}); its output:\n${exit.output}`);
      process.exitCode = 1;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

void main();
