import { clickhouseTimeToMs, typeTimeZone } from './clickhouseTime';

/** One field of a Grafana data frame as /api/ds/query answers it (data.Frame's JSON). */
export interface FrameField {
  name: string;
  type: 'time' | 'number' | 'string' | 'boolean';
  typeInfo: { frame: string; nullable?: boolean };
  labels?: Record<string, string>;
}

export interface DataFrameJson {
  schema: { refId: string; fields: FrameField[] };
  data: { values: unknown[][] };
}

/** ClickHouse's JSON output format: meta names the columns and their types. */
export interface ClickHouseJson {
  meta: Array<{ name: string; type: string }>;
  data: Array<Record<string, unknown>>;
}

/**
 * Nullable(...), LowCardinality(...) and SimpleAggregateFunction(fn, T) (a rollup's max column)
 * say how a value is stored, not what it is.
 */
function baseType(chType: string): { base: string; nullable: boolean } {
  let base = chType;
  let nullable = false;
  for (let m; (m = /^(Nullable|LowCardinality|SimpleAggregateFunction)\((?:\w+, )?(.*)\)$/.exec(base));) {
    nullable ||= m[1] === 'Nullable';
    base = m[2];
  }
  return { base, nullable };
}

interface Column {
  field: FrameField;
  convert: (v: unknown) => unknown;
}

function column(name: string, chType: string, serverTimeZone: string): Column {
  const { base, nullable } = baseType(chType);
  const info = (frame: string) => (nullable ? { frame, nullable } : { frame });
  const orNull = (f: (v: unknown) => unknown) => (v: unknown) => (v === null || v === undefined ? null : f(v));
  if (/^(Date|Date32|DateTime|DateTime64)\b/.test(base)) {
    const zone = typeTimeZone(base) ?? serverTimeZone;
    return {
      field: { name, type: 'time', typeInfo: info('time.Time') },
      convert: orNull((v) => clickhouseTimeToMs(String(v), zone)),
    };
  }
  const numeric = /^(U?Int\d+|Float\d+|BFloat16|Decimal)/.exec(base);
  if (numeric) {
    // 64-bit and wider integers arrive quoted; Grafana's number fields are JS numbers.
    const frame = base.startsWith('U') ? 'uint64' : base.startsWith('Int') ? 'int64' : 'float64';
    return { field: { name, type: 'number', typeInfo: info(frame) }, convert: orNull(Number) };
  }
  if (base === 'Bool') {
    return { field: { name, type: 'boolean', typeInfo: info('bool') }, convert: orNull(Boolean) };
  }
  return {
    field: { name, type: 'string', typeInfo: info('string') },
    convert: orNull((v) => (typeof v === 'string' ? v : JSON.stringify(v))),
  };
}

/** A ClickHouse JSON result as one column-oriented Grafana frame. */
export function frameFromClickHouse(refId: string, result: ClickHouseJson, serverTimeZone: string): DataFrameJson {
  const columns = result.meta.map((m) => column(m.name, m.type, serverTimeZone));
  return {
    schema: { refId, fields: columns.map((c) => c.field) },
    data: { values: columns.map((c, i) => result.data.map((row) => c.convert(row[result.meta[i].name]))) },
  };
}
