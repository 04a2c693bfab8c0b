import { INGEST_TABLES, tables, type Column, type IngestTable } from '../shared/schema';

/**
 * What the aggregator's `check` remap accepts for a column: a kind name its VRL knows, or the
 * values of an Enum8. Only what ClickHouse's JSONEachRow would refuse is told apart; every
 * String flavour is 'string'.
 */
export type ColumnKind = string | string[];

export interface TableSpec {
  columns: Record<string, ColumnKind>;
  /** Columns a later migration added; rows written before it may leave them out. */
  optional: string[];
}

export type CheckSpec = Record<string, TableSpec>;

const KIND_BY_TYPE: Record<string, string> = {
  "DateTime64(3, 'UTC')": 'datetime',
  UInt8: 'uint8',
  UInt16: 'uint16',
  UInt32: 'uint32',
  UInt64: 'uint64',
  String: 'string',
  'LowCardinality(String)': 'string',
  IPv6: 'ip',
  'Array(String)': 'strings',
  Bool: 'bool',
};

export function columnKind(table: string, name: string, type: string): ColumnKind {
  const members = /^Enum8\((.*)\)$/.exec(type)?.[1];
  if (members !== undefined) {
    return [...members.matchAll(/'([^']*)' = \d+/g)].map((m) => m[1]);
  }
  const kind = KIND_BY_TYPE[type];
  if (kind === undefined) {
    throw new Error(
      `${table}.${name} has type ${type}, which the pipeline check has no kind for; ` +
        `expected one of ${Object.keys(KIND_BY_TYPE).join(', ')} or Enum8(...)`
    );
  }
  return kind;
}

/** The spec the check must hold, derived from src/shared/schema.ts. */
export function expectedCheckSpec(): CheckSpec {
  const spec: CheckSpec = {};
  for (const table of INGEST_TABLES) {
    const columns = Object.entries(tables[table].columns) as Array<[string, Column & { added?: true }]>;
    spec[table] = {
      columns: Object.fromEntries(columns.map(([name, c]) => [name, columnKind(table, name, c.type)])),
      optional: columns.filter(([, c]) => c.added === true).map(([name]) => name),
    };
  }
  return spec;
}

export function isIngestTable(name: string): name is IngestTable {
  return (INGEST_TABLES as readonly string[]).includes(name);
}

/**
 * The `tables = {...}` literal at the head of the check's VRL. It is written as JSON so that it
 * can be read here; the scan honours strings so a brace inside a name cannot end it early.
 */
export function readCheckSpec(vrl: string): CheckSpec {
  const start = vrl.search(/^tables = \{/m);
  if (start === -1) {
    throw new Error('the check VRL has no `tables = {` line; expected the table spec at its head');
  }
  const open = vrl.indexOf('{', start);
  let depth = 0;
  let inString = false;
  for (let i = open; i < vrl.length; i++) {
    const ch = vrl[i];
    if (inString) {
      if (ch === '\\') {
        i++;
      } else if (ch === '"') {
        inString = false;
      }
    } else if (ch === '"') {
      inString = true;
    } else if (ch === '{') {
      depth++;
    } else if (ch === '}' && --depth === 0) {
      return JSON.parse(vrl.slice(open, i + 1)) as CheckSpec;
    }
  }
  throw new Error('the check VRL `tables = {` literal never closes; expected balanced braces');
}
