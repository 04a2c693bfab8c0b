import type { ReceivedRequest } from '../src/agent/sink/testVectorEndpoint';
import type { StoredCounts } from './storedCounts';

/**
 * What one benchmark round sent to the stand-in Vector endpoint (`--sink vector`), counted as
 * storedCounts counts the embedded store: connections of the load from each side, and the sums of
 * agent_health, over the requests the endpoint acknowledged since fromMs.
 */
export function receivedCounts(requests: readonly ReceivedRequest[], port: number, fromMs: number): StoredCounts {
  const outbound = new Set<unknown>();
  const inbound = new Set<unknown>();
  const health = {
    eventsRead: 0,
    lostEvents: 0,
    malformedLines: 0,
    mapFullErrors: 0,
    recordsDropped: 0,
    bpftraceRestarts: 0,
  };
  for (const request of requests) {
    if (request.answer !== 'ok') {
      continue;
    }
    for (const row of request.rows) {
      if (Number(row.ts) < fromMs) {
        continue;
      }
      if (request.path === '/v1/connections' && row.protocol === 'tcp') {
        if (row.direction === 'outbound' && row.remote_port === port) {
          outbound.add(row.connection_id);
        } else if (row.direction === 'inbound' && row.local_port === port) {
          inbound.add(row.connection_id);
        }
      } else if (request.path === '/v1/agent_health') {
        health.eventsRead += Number(row.events_read);
        health.lostEvents += Number(row.lost_events);
        health.malformedLines += Number(row.malformed_lines);
        health.mapFullErrors += Number(row.map_full_errors);
        health.recordsDropped += Number(row.records_dropped);
        health.bpftraceRestarts += Number(row.bpftrace_restarts);
      }
    }
  }
  return { outbound: outbound.size, inbound: inbound.size, ...health };
}
