import { Option, type Command } from 'commander';
import { DEFAULT_PODS } from '../shared/synth/fleetShape';
import { runSynthPlan, type SynthProgress } from '../shared/synth/runSynthPlan';
import { synthPlan } from '../shared/synth/synthPlan';
import { migrate } from '../store/migrate';
import { openForCli } from '../store/openForCli';
import { positiveInteger } from './optionParsers';
import { storeOptionsOf } from './storeOptions';

interface SynthFlags {
  seed: number;
  rows: number;
  pods: number;
  hours: number;
  dnsRows?: number;
}

const HOUR_MS = 3_600_000;

export function addSynthCommand(program: Command): void {
  program
    .command('synth')
    .description(
      'write a synthetic fleet (connections, DNS, container metadata) into the store, generated inside ClickHouse; ' +
        'the window ends at the last full hour, the schema is migrated first'
    )
    .addOption(new Option('--seed <n>', 'same seed and sizes, same rows').argParser(positiveInteger).default(1))
    .addOption(new Option('--rows <n>', 'raw connection rows').argParser(positiveInteger).makeOptionMandatory())
    .addOption(new Option('--pods <n>', 'pods in the fleet').argParser(positiveInteger).default(DEFAULT_PODS))
    .addOption(new Option('--hours <n>', 'length of the window').argParser(positiveInteger).default(24))
    .addOption(new Option('--dns-rows <n>', 'raw DNS rows (default: a tenth of --rows)').argParser(positiveInteger))
    .action(async (flags: SynthFlags, cmd: Command) => {
      const toMs = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
      const plan = synthPlan({
        seed: flags.seed,
        connectionRows: flags.rows,
        pods: flags.pods,
        dnsRows: flags.dnsRows,
        fromMs: toMs - flags.hours * HOUR_MS,
        toMs,
      });
      const store = await openForCli(storeOptionsOf(cmd));
      try {
        await migrate(store);
        const result = await runSynthPlan(
          plan,
          (q) => store.command(q.sql, q.params),
          (p) => console.log(progressLine(p))
        );
        const { shape } = plan;
        console.log(
          `wrote ${result.rows.toLocaleString('en-US')} rows in ${(result.elapsedMs / 1000).toFixed(1)} s: ` +
            `${shape.pods} pods in ${shape.deployments} deployments, ${shape.namespaces} namespaces, ` +
            `${shape.clusters} clusters, ${shape.clusters * shape.nodesPerCluster} nodes, ` +
            `${new Date(shape.fromMs).toISOString()} to ${new Date(shape.toMs).toISOString()}`
        );
      } finally {
        await store.close();
      }
    });
}

/** One line per statement: a 100M-row run takes minutes, so say how far and how fast. */
export function progressLine(p: SynthProgress): string {
  const rate = p.elapsedMs > 0 ? Math.round((p.rows / p.elapsedMs) * 1000) : 0;
  const left = rate > 0 ? Math.round((p.total - p.rows) / rate) : 0;
  return (
    `${p.table}: ${p.tableRows.toLocaleString('en-US')}/${p.tableTotal.toLocaleString('en-US')} rows; ` +
    `all ${Math.floor((p.rows / p.total) * 100)} %, ${rate.toLocaleString('en-US')} rows/s, ~${left} s left`
  );
}
