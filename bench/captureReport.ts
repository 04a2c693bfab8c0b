import type { LoadResult } from './shortConnectionLoad';
import type { StoredCounts } from './storedCounts';

/** The capture benchmark's figures: per round, the summary over rounds, and the table a person reads. */

export interface Round {
  readonly withAgent: boolean;
  readonly load: LoadResult;
  /** node + bpftrace CPU (user + system) over the measured window. */
  readonly agentCpuMs: number;
  /** The same by thread group (cpuMsByThread); threads that exit within the window are missing. */
  readonly agentCpuMsByThread: Readonly<Record<string, number>>;
  readonly agentProcesses: number;
  /** Sum of VmHWM of the agent's processes. */
  readonly peakRssBytes: number;
  readonly stored?: StoredCounts;
  /** The last lines netmon up printed: its warnings explain losses the counts only show. */
  readonly agentLogTail?: readonly string[];
}

export const TARGETS = { throughputRatio: 0.95, cpuUsPerConnection: 10, lostEvents: 0 } as const;

export interface Summary {
  readonly connectionsPerSecondWithout: number;
  readonly connectionsPerSecondWith: number;
  /** Medians, with ÷ without. */
  readonly throughputRatio: number;
  /** All with-rounds' agent CPU over all their measured connections. */
  readonly agentCpuUsPerConnection: number;
  /** The same by thread group, largest first. */
  readonly agentCpuUsPerConnectionByThread: Readonly<Record<string, number>>;
  readonly lostEvents: number;
  readonly peakRssBytes: number;
  /** Connections the agent stored from each side ÷ connections the load made while it ran. */
  readonly storedOutboundShare: number;
  readonly storedInboundShare: number;
  readonly targetsMet: {
    readonly throughputRatio: boolean;
    readonly cpuUsPerConnection: boolean;
    readonly lostEvents: boolean;
  };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const rate = (r: Round, seconds: number) => r.load.connections / seconds;
const total = (rounds: readonly Round[], f: (r: Round) => number) => rounds.reduce((s, r) => s + f(r), 0);

export function summarize(rounds: readonly Round[], seconds: number): Summary {
  const withAgent = rounds.filter((r) => r.withAgent);
  const without = rounds.filter((r) => !r.withAgent);
  const connectionsPerSecondWith = median(withAgent.map((r) => rate(r, seconds)));
  const connectionsPerSecondWithout = median(without.map((r) => rate(r, seconds)));
  const throughputRatio = connectionsPerSecondWith / connectionsPerSecondWithout;
  const agentCpuUsPerConnection =
    (total(withAgent, (r) => r.agentCpuMs) * 1000) / total(withAgent, (r) => r.load.connections);
  const connections = total(withAgent, (r) => r.load.connections);
  const groups = new Set(withAgent.flatMap((r) => Object.keys(r.agentCpuMsByThread)));
  const agentCpuUsPerConnectionByThread = Object.fromEntries(
    [...groups]
      .map((g) => [g, (total(withAgent, (r) => r.agentCpuMsByThread[g] ?? 0) * 1000) / connections] as const)
      .sort((a, b) => b[1] - a[1])
  );
  const lostEvents = total(withAgent, (r) => r.stored?.lostEvents ?? 0);
  const attempted = total(withAgent, (r) => r.load.attempted);
  return {
    connectionsPerSecondWithout,
    connectionsPerSecondWith,
    throughputRatio,
    agentCpuUsPerConnection,
    agentCpuUsPerConnectionByThread,
    lostEvents,
    peakRssBytes: Math.max(...withAgent.map((r) => r.peakRssBytes)),
    storedOutboundShare: total(withAgent, (r) => r.stored?.outbound ?? 0) / attempted,
    storedInboundShare: total(withAgent, (r) => r.stored?.inbound ?? 0) / attempted,
    targetsMet: {
      throughputRatio: throughputRatio >= TARGETS.throughputRatio,
      cpuUsPerConnection: agentCpuUsPerConnection <= TARGETS.cpuUsPerConnection,
      lostEvents: lostEvents <= TARGETS.lostEvents,
    },
  };
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
const pct = (share: number) => `${(share * 100).toFixed(2)} %`;
const met = (ok: boolean) => (ok ? 'met' : 'NOT met');

function table(rows: readonly string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows
    .map((r) => r.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '))
    .join('\n');
}

export function captureReport(s: Summary, rounds: readonly Round[], seconds: number): string {
  const header = [
    'round',
    'agent',
    'conn/s',
    'errors',
    'agent CPU µs/conn',
    'peak RSS MiB',
    'lost events',
    'stored out',
    'stored in',
  ];
  const lines = rounds.map((r, i) => {
    const stored = r.stored;
    return [
      String((i >> 1) + 1),
      r.withAgent ? 'with' : 'without',
      int(rate(r, seconds)),
      int(r.load.errors),
      r.withAgent ? ((r.agentCpuMs * 1000) / r.load.connections).toFixed(1) : '',
      r.withAgent ? mb(r.peakRssBytes) : '',
      stored ? int(stored.lostEvents) : '',
      stored ? pct(stored.outbound / r.load.attempted) : '',
      stored ? pct(stored.inbound / r.load.attempted) : '',
    ];
  });
  return [
    table([header, ...lines]),
    '',
    `throughput with ÷ without (medians ${int(s.connectionsPerSecondWith)} / ${int(s.connectionsPerSecondWithout)} conn/s): ` +
      `${s.throughputRatio.toFixed(3)}  (target >= ${TARGETS.throughputRatio}: ${met(s.targetsMet.throughputRatio)})`,
    `agent CPU (node + bpftrace) per connection: ${s.agentCpuUsPerConnection.toFixed(1)} µs  ` +
      `(target <= ${TARGETS.cpuUsPerConnection}: ${met(s.targetsMet.cpuUsPerConnection)})`,
    ...Object.entries(s.agentCpuUsPerConnectionByThread).map(([group, us]) => `  ${group}: ${us.toFixed(1)} µs`),
    `lost events: ${int(s.lostEvents)}  (target ${TARGETS.lostEvents}: ${met(s.targetsMet.lostEvents)})`,
    `peak agent RSS (node + bpftrace): ${mb(s.peakRssBytes)} MiB`,
    `connections stored / made while the agent ran: outbound ${pct(s.storedOutboundShare)}, inbound ${pct(s.storedInboundShare)}`,
    '',
  ].join('\n');
}
