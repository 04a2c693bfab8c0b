import { expandConditionalAll, expandMacros } from '../../shared/sql/macros';
import type { Store } from '../../store/store';
import { frameFromClickHouse, type ClickHouseJson, type DataFrameJson } from './grafanaFrame';
import { longToWide } from './longToWide';

/** sqlds' FormatQueryOption, which the ClickHouse datasource's `format` carries. */
export const enum QueryFormat {
  TimeSeries = 0,
  Table = 1,
  Logs = 2,
  Trace = 3,
}

/** One query of Grafana's POST /api/ds/query body, as the ClickHouse datasource sends it. */
export interface DsQuery {
  refId: string;
  datasource?: { uid?: string; type?: string };
  rawSql: string;
  format?: number;
  queryType?: string;
  editorType?: string;
  intervalMs?: number;
  maxDataPoints?: number;
}

export interface DsQueryRequest {
  /** Epoch milliseconds, as a number or (as Grafana's frontend sends them) a string of digits. */
  from: string | number;
  to: string | number;
  queries: DsQuery[];
}

export type DsQueryResult = { status: 200; frames: DataFrameJson[] } | { status: 400; error: string };

export interface DsQueryResponse {
  results: Record<string, DsQueryResult>;
}

/** A request Grafana would never send; the server answers it with 400 and this message. */
export class BadQueryRequest extends Error {}

function epochMs(name: string, value: unknown): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(n)) {
    throw new BadQueryRequest(
      `"${name}" is ${JSON.stringify(value)}; expected epoch milliseconds, e.g. "1700000000000"`
    );
  }
  return n;
}

function parseRequest(body: unknown): { from: number; to: number; queries: DsQuery[] } {
  const b = body as Partial<DsQueryRequest> | null;
  if (typeof b !== 'object' || b === null || !Array.isArray(b.queries)) {
    throw new BadQueryRequest('request body must be an object with a "queries" array (Grafana\'s /api/ds/query shape)');
  }
  b.queries.forEach((q: Partial<DsQuery>, i) => {
    if (typeof q?.refId !== 'string' || typeof q.rawSql !== 'string') {
      throw new BadQueryRequest(`queries[${i}] needs a string "refId" and a string "rawSql"`);
    }
  });
  return { from: epochMs('from', b.from), to: epochMs('to', b.to), queries: b.queries as DsQuery[] };
}

/** Grafana's own default when a panel leaves the interval to the data source. */
function intervalOf(q: DsQuery, from: number, to: number): number {
  if (typeof q.intervalMs === 'number' && q.intervalMs > 0) {
    return q.intervalMs;
  }
  return Math.max(1000, Math.floor((to - from) / (q.maxDataPoints && q.maxDataPoints > 0 ? q.maxDataPoints : 1000)));
}

const serverZones = new WeakMap<Store, Promise<string>>();

/** DateTime columns without their own zone are written in the server's; asked once per store. */
function serverTimeZone(store: Store): Promise<string> {
  let zone = serverZones.get(store);
  if (!zone) {
    zone = store.query<{ tz: string }>('SELECT timezone() AS tz').then((rows) => rows[0].tz);
    zone.catch(() => serverZones.delete(store));
    serverZones.set(store, zone);
  }
  return zone;
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0].trim();
}

/**
 * Runs one query the way the datasource's backend does: $__conditionalAll first (a variable still
 * written as $name reached us unreplaced, so it selects all, as the frontend would have decided),
 * then the backend macros over the request's range, then ClickHouse.
 */
async function runQuery(store: Store, q: DsQuery, from: number, to: number): Promise<DsQueryResult> {
  try {
    const sql = expandMacros(
      expandConditionalAll(q.rawSql, () => true),
      { from, to, intervalMs: intervalOf(q, from, to) }
    );
    const [text, zone] = await Promise.all([store.queryText(sql, 'JSON'), serverTimeZone(store)]);
    if (text.trim() === '') {
      return { status: 200, frames: [] };
    }
    const frame = frameFromClickHouse(q.refId, JSON.parse(text) as ClickHouseJson, zone);
    return { status: 200, frames: [q.format === QueryFormat.TimeSeries ? longToWide(frame) : frame] };
  } catch (error) {
    return { status: 400, error: firstLine(error) };
  }
}

/**
 * Grafana's POST /api/ds/query for the ClickHouse datasource, on our store. A bad query fails
 * alone, under its refId; a malformed request throws BadQueryRequest.
 */
export async function handleDsQuery(store: Store, body: unknown): Promise<DsQueryResponse> {
  const { from, to, queries } = parseRequest(body);
  const results: Record<string, DsQueryResult> = {};
  // One after another: chDB runs one query at a time anyway, and the order stays readable in logs.
  for (const q of queries) {
    results[q.refId] = await runQuery(store, q, from, to);
  }
  return { results };
}
