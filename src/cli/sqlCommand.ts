import { Option, type Command } from 'commander';
import { openForCli } from '../store/openForCli';
import type { ResultFormat } from '../store/store';
import { firstLine, UsageError } from './cliErrors';
import { storeOptionsOf } from './storeOptions';

export const SQL_FORMATS: Record<string, ResultFormat> = {
  table: 'PrettyCompactMonoBlock',
  tsv: 'TabSeparatedWithNames',
  json: 'JSONEachRow',
};

/** How much of the query an error repeats: enough to recognize it, not a screenful. */
const QUERY_ECHO_CHARS = 200;

export function addSqlCommand(program: Command): void {
  program
    .command('sql')
    .description('run SQL against the store and print the result (works while netmon up holds the data dir)')
    .argument('<query>', 'the SQL to run, or - to read it from stdin')
    .addOption(
      new Option('--format <format>', 'table (aligned), tsv (with a header row) or json (one object per line)')
        .choices(Object.keys(SQL_FORMATS))
        .default('table')
    )
    .action(async (queryArg: string, flags: { format: string }, cmd: Command) => {
      const sql = queryArg === '-' ? await readStdin() : queryArg;
      if (sql.trim() === '') {
        throw new UsageError(queryArg === '-' ? 'the query read from stdin is empty' : 'the query is empty');
      }
      const store = await openForCli(storeOptionsOf(cmd));
      try {
        process.stdout.write(await store.queryText(sql, SQL_FORMATS[flags.format]));
      } catch (err) {
        throw new Error(`${firstLine((err as Error).message)} (query: ${echo(sql)})`, { cause: err });
      } finally {
        await store.close();
      }
    });
}

export function echo(sql: string): string {
  const flat = sql.replace(/\s+/g, ' ').trim();
  return flat.length > QUERY_ECHO_CHARS ? `${flat.slice(0, QUERY_ECHO_CHARS)}…` : flat;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
