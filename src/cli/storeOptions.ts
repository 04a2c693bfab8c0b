import { Option, type Command } from 'commander';
import type { CliStoreOptions } from '../store/openForCli';
import { DEFAULT_DATA_DIR } from '../store/openStore';
import { clickhouseUrl } from './optionParsers';

/** The options every command shares: where the store is (DESIGN.md, "The command line"). */
export function addStoreOptions(program: Command): void {
  program
    .addOption(new Option('--data-dir <dir>', 'data dir of the embedded store').default(DEFAULT_DATA_DIR))
    .addOption(
      new Option('--clickhouse-url <url>', 'use this ClickHouse server instead of the embedded store')
        .env('CLICKHOUSE_URL')
        .argParser(clickhouseUrl)
    );
}

export function storeOptionsOf(cmd: Command): CliStoreOptions {
  const opts = cmd.optsWithGlobals<{ dataDir: string; clickhouseUrl?: string }>();
  return { dataDir: opts.dataDir, url: opts.clickhouseUrl };
}
