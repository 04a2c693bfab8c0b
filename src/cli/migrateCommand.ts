import { Option, type Command } from 'commander';
import { migrate, type MigrateResult } from '../store/migrate';
import { openForCli } from '../store/openForCli';
import { positiveInteger } from './optionParsers';
import { storeOptionsOf } from './storeOptions';

interface MigrateFlags {
  ttlRawDays?: number;
  ttlMinuteDays?: number;
  ttlHourDays?: number;
}

export function addMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('create or upgrade the schema (idempotent); retention changes apply to existing tables')
    .addOption(new Option('--ttl-raw-days <days>', 'keep raw rows this many days').argParser(positiveInteger))
    .addOption(
      new Option('--ttl-minute-days <days>', 'keep per-minute rollups this many days').argParser(positiveInteger)
    )
    .addOption(new Option('--ttl-hour-days <days>', 'keep per-hour rollups this many days').argParser(positiveInteger))
    .action(async (flags: MigrateFlags, cmd: Command) => {
      const store = await openForCli(storeOptionsOf(cmd));
      try {
        const result = await migrate(store, {
          ttlDays: { raw: flags.ttlRawDays, minute: flags.ttlMinuteDays, hour: flags.ttlHourDays },
          onProgress: (line) => console.log(line),
        });
        console.log(summary(result));
      } finally {
        await store.close();
      }
    });
}

function summary({ applied, ttlChanges }: MigrateResult): string {
  const retention = ttlChanges.length > 0 ? `; retention changed on ${ttlChanges.length} tables` : '';
  return applied.length > 0 ? `applied ${applied.join(', ')}${retention}` : `schema up to date${retention}`;
}
