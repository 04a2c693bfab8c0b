import { netmonSql } from '../e2e/capture/netmonCli';
import { DATABASE, tables } from '../src/shared/schema';

/** What one benchmark round left in the store, read back through `netmon sql`. */

export interface StoredCounts {
  /** Connections of the load stored from each side. */
  readonly outbound: number;
  readonly inbound: number;
  readonly eventsRead: number;
  readonly lostEvents: number;
  readonly malformedLines: number;
  readonly mapFullErrors: number;
  readonly recordsDropped: number;
  readonly bpftraceRestarts: number;
}

/** Rows since fromMs (epoch ms) of connections to or from the load server's port. */
export function storedCounts(dataDir: string, port: number, fromMs: number): StoredCounts {
  const since = `ts >= fromUnixTimestamp64Milli(toInt64(${Math.floor(fromMs)}))`;
  const sides = netmonSql<{ direction: string; n: string }>(
    dataDir,
    `SELECT direction, uniqExact(connection_id) AS n FROM ${DATABASE}.${tables.connections.name} ` +
      `WHERE protocol = 'tcp' AND ${since} AND ` +
      `((direction = 'outbound' AND remote_port = ${port}) OR (direction = 'inbound' AND local_port = ${port})) ` +
      'GROUP BY direction'
  );
  const [health] = netmonSql<Record<string, string>>(
    dataDir,
    'SELECT sum(events_read) AS eventsRead, sum(lost_events) AS lostEvents, sum(malformed_lines) AS malformedLines, ' +
      'sum(map_full_errors) AS mapFullErrors, sum(records_dropped) AS recordsDropped, ' +
      `sum(bpftrace_restarts) AS bpftraceRestarts FROM ${DATABASE}.${tables.agent_health.name} WHERE ${since}`
  );
  const side = (d: string) => Number(sides.find((s) => s.direction === d)?.n ?? 0);
  return {
    outbound: side('outbound'),
    inbound: side('inbound'),
    eventsRead: Number(health.eventsRead),
    lostEvents: Number(health.lostEvents),
    malformedLines: Number(health.malformedLines),
    mapFullErrors: Number(health.mapFullErrors),
    recordsDropped: Number(health.recordsDropped),
    bpftraceRestarts: Number(health.bpftraceRestarts),
  };
}
