import { Command } from 'commander';
import { version } from '../../package.json';
import { addMigrateCommand } from './migrateCommand';
import { addSqlCommand } from './sqlCommand';
import { addStoreOptions } from './storeOptions';
import { addSynthCommand } from './synthCommand';
import { addUpCommand } from './upCommand';

/** The `netmon` command line (DESIGN.md, "The command line"). */
export function buildProgram(): Command {
  const program = new Command('netmon')
    .description('network monitoring: eBPF capture into ClickHouse, shown in Grafana')
    .version(version)
    // Throw instead of exiting, so main decides exit codes (2 for usage) and stores get closed.
    .exitOverride()
    .showSuggestionAfterError();
  addStoreOptions(program);
  // Subcommands are created after exitOverride so they inherit it.
  addUpCommand(program);
  addMigrateCommand(program);
  addSqlCommand(program);
  addSynthCommand(program);
  return program;
}
