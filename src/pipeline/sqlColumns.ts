import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { splitStatements } from '../store/migrationText';

/** Table name (without the database) to the columns the migrations in sql/ give it, in order. */
export type SqlColumns = Record<string, string[]>;

const CREATE_TABLE = /^CREATE TABLE IF NOT EXISTS \w+\.(\w+)\s*\(([\s\S]*)\)\s*ENGINE/;
const ADD_COLUMN = /^ALTER TABLE \w+\.(\w+)\s+ADD COLUMN IF NOT EXISTS (\w+)/;

/**
 * Reads the CREATE TABLE and ADD COLUMN statements of every migration, the way the server would
 * end up after running them all. A column line is `name Type ...`; nested parentheses in types
 * and codecs never start a line, so the first word of each line is the name.
 */
export function sqlColumns(sqlDir: string): SqlColumns {
  const columns: SqlColumns = {};
  const files = readdirSync(sqlDir)
    .filter((f) => f.endsWith('.sql'))
    .sort();
  for (const file of files) {
    for (const statement of splitStatements(readFileSync(join(sqlDir, file), 'utf8'))) {
      const created = CREATE_TABLE.exec(statement.trim());
      if (created) {
        columns[created[1]] = created[2]
          .split('\n')
          .map((line) => /^\s*([a-z_][a-z0-9_]*)\s+\S/.exec(line)?.[1])
          .filter((name): name is string => name !== undefined);
      }
      const addedColumn = ADD_COLUMN.exec(statement.trim());
      if (addedColumn) {
        (columns[addedColumn[1]] ??= []).push(addedColumn[2]);
      }
    }
  }
  return columns;
}
