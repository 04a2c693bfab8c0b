import { isIPv4 } from 'node:net';
import { connectionsColumns, DATABASE, tables, type ConnectionRow } from '../../src/shared/schema';
import type { BuiltQuery } from '../../src/shared/sql/query';
import type { Endpoint } from '../../src/lab/trafficTruth';

/**
 * The connections rows an accuracy test reads back, with numbers as numbers and IPs in one
 * canonical spelling, so they compare directly with the lab's ground truth.
 */

export type StoredConnection = ConnectionRow & { readonly tsMs: number };

/** UInt64 counters arrive as strings; connection_id stays one, as it may exceed 2^53. */
const UINT64_COUNTERS = Object.entries(connectionsColumns)
  .filter(([name, c]) => c.type === 'UInt64' && name !== 'connection_id')
  .map(([name]) => name);

/** IPv4 as v4-mapped IPv6 and IPv6 as URL prints it: how ClickHouse's IPv6 reads back. */
export function canonicalIp(ip: string): string {
  return new URL(`http://[${isIPv4(ip) ? `::ffff:${ip}` : ip}]`).hostname.slice(1, -1);
}

export function sameEndpoint(ip: string, port: number, e: Endpoint): boolean {
  return port === e.port && canonicalIp(ip) === canonicalIp(e.ip);
}

/** Every row whose local IP is one of these, oldest first. */
export function connectionsFromQuery(localIps: readonly string[]): BuiltQuery {
  return {
    sql:
      `SELECT *, toUnixTimestamp64Milli(ts) AS tsMs FROM ${DATABASE}.${tables.connections.name} ` +
      'WHERE local_ip IN {ips:Array(IPv6)} ORDER BY ts, connection_id',
    params: { ips: localIps.map(canonicalIp) },
  };
}

export function storedConnection(row: Record<string, unknown>): StoredConnection {
  const out: Record<string, unknown> = { ...row, tsMs: Number(row.tsMs) };
  for (const name of UINT64_COUNTERS) {
    out[name] = Number(row[name]);
  }
  out.local_ip = canonicalIp(String(row.local_ip));
  out.remote_ip = canonicalIp(String(row.remote_ip));
  return out as StoredConnection;
}
