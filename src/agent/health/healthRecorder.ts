import type { AgentHealthRow } from '../../shared/schema';
import type { Gap } from '../bpftrace/bpftraceSupervisor';

/**
 * Turns the agent's cumulative counters, sampled at the end of each interval, into agent_health
 * rows of per-interval deltas, so that sum() over any time range is right. A capture gap is
 * recorded once, in the interval in which it closed; when several closed in one interval, the
 * extra ones get rows of their own with zero counters.
 */

/** Counters that only grow over the agent's life. */
export interface CumulativeCounters {
  eventsRead: number;
  lostEvents: number;
  malformedLines: number;
  mapFullErrors: number;
  bpftraceRestarts: number;
  recordsSpooled: number;
  recordsSent: number;
  recordsDropped: number;
  cpuMs: number;
}

/** One look at the agent at the end of an interval (epoch ms). */
export interface HealthSample extends CumulativeCounters {
  ts: number;
  /** The monotonic clock at the same moment, in ms: interval_ms comes from it, so a wall-clock step does not stretch or erase an interval. */
  monotonicMs: number;
  probesAttached: number;
  probesExpected: number;
  spoolBytes: number;
  rssBytes: number;
}

const COUNTERS: ReadonlyArray<keyof CumulativeCounters> = [
  'eventsRead',
  'lostEvents',
  'malformedLines',
  'mapFullErrors',
  'bpftraceRestarts',
  'recordsSpooled',
  'recordsSent',
  'recordsDropped',
  'cpuMs',
];

export const ZERO_COUNTERS: CumulativeCounters = Object.freeze(
  Object.fromEntries(COUNTERS.map((k) => [k, 0])) as unknown as CumulativeCounters
);

export function counterDeltas(from: CumulativeCounters, to: CumulativeCounters): CumulativeCounters {
  // Never negative: a counter that went back (a source that restarted) counts from zero again.
  return Object.fromEntries(
    COUNTERS.map((k) => [k, to[k] >= from[k] ? to[k] - from[k] : to[k]])
  ) as unknown as CumulativeCounters;
}

export class HealthRecorder {
  private previous: HealthSample;
  private gapsRecorded = 0;

  /** `start` is the sample at the agent's start: the first interval counts from it. */
  constructor(
    private readonly node: string,
    private readonly agentVersion: string,
    start: HealthSample
  ) {
    this.previous = start;
  }

  /**
   * Rows for the interval ending at `sample.ts`. `gaps` is the supervisor's whole list, oldest
   * first; the ones closed since the last call are recorded.
   */
  record(sample: HealthSample, gaps: readonly Gap[]): AgentHealthRow[] {
    const d = counterDeltas(this.previous, sample);
    const intervalMs = Math.max(0, Math.round(sample.monotonicMs - this.previous.monotonicMs));
    this.previous = sample;
    const closed: Gap[] = [];
    // Gaps close in order, so the first still open ends the closed run.
    while (this.gapsRecorded < gaps.length && gaps[this.gapsRecorded].end !== undefined) {
      closed.push(gaps[this.gapsRecorded++]);
    }
    const row: AgentHealthRow = {
      ts: sample.ts,
      node: this.node,
      agent_version: this.agentVersion,
      interval_ms: intervalMs,
      probes_attached: sample.probesAttached,
      probes_expected: sample.probesExpected,
      events_read: d.eventsRead,
      lost_events: d.lostEvents,
      malformed_lines: d.malformedLines,
      map_full_errors: d.mapFullErrors,
      bpftrace_restarts: d.bpftraceRestarts,
      records_spooled: d.recordsSpooled,
      records_sent: d.recordsSent,
      records_dropped: d.recordsDropped,
      spool_bytes: sample.spoolBytes,
      cpu_ms: Math.round(d.cpuMs),
      rss_bytes: sample.rssBytes,
      gap_start: 0,
      gap_end: 0,
      gap_reason: '',
    };
    if (closed.length === 0) {
      return [row];
    }
    const [first, ...rest] = closed.map((g) => ({ gap_start: g.start, gap_end: g.end!, gap_reason: g.reason }));
    const zero = { ...row, ...Object.fromEntries(DELTA_COLUMNS.map((c) => [c, 0])) };
    return [{ ...row, ...first }, ...rest.map((gap) => ({ ...zero, ...gap }))];
  }
}

/** Columns that are per-interval deltas: zero on the extra gap rows, so sums stay right. */
const DELTA_COLUMNS = [
  'interval_ms',
  'events_read',
  'lost_events',
  'malformed_lines',
  'map_full_errors',
  'bpftrace_restarts',
  'records_spooled',
  'records_sent',
  'records_dropped',
  'cpu_ms',
] as const satisfies ReadonlyArray<keyof AgentHealthRow>;
