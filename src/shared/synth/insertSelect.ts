import type { FleetShape } from './fleetShape';
import type { FleetSql } from './fleetSql';

/**
 * INSERT of one expression per column over a source subquery. The column list is the keys of a
 * map typed by the schema's columns, so a column added there fails to compile here until the
 * generator fills it. Helper names in the source must differ from the column names: an output
 * alias would shadow them.
 */
export function insertSelect(
  shape: FleetShape,
  table: string,
  fleet: FleetSql,
  columns: Readonly<Record<string, string>>,
  source: string
): string {
  return [
    `INSERT INTO ${shape.database}.${table} (${Object.keys(columns).join(', ')})`,
    fleet.with,
    `SELECT\n  ${Object.entries(columns)
      .map(([name, expr]) => `${expr} AS ${name}`)
      .join(',\n  ')}`,
    `FROM (${source})`,
  ].join('\n');
}

/** Source helper columns, one `expr AS name` per line, in dependency order. */
export function helperSelect(helpers: ReadonlyArray<readonly [string, string]>, from: string): string {
  return [`SELECT\n    ${helpers.map(([name, expr]) => `${expr} AS ${name}`).join(',\n    ')}`, `  FROM ${from}`].join(
    '\n'
  );
}
