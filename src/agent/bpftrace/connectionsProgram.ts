import { join } from 'node:path';
import type { BpftraceProgram } from './bpftraceProgram';

/** bpf/connections.bt, from this file's place in the source tree. */
export const CONNECTIONS_BT = join(__dirname, '..', '..', '..', 'bpf', 'connections.bt');

export interface ConnectionsProgramOptions {
  /** Flush period; the program counts whole seconds. */
  intervalSeconds: number;
  /** Tracked TCP connections and UDP (socket, pid) pairs per interval; see the program's header. */
  mapKeysMax?: number;
  /**
   * Per-CPU output buffer in pages, a power of two (perf's mmap refuses others). 1024 (4 MiB a CPU):
   * losses come from the agent's event loop stalling, not from throughput; at ~1.5k connections/s a
   * reader paused 1 s in every 3 lost 8,344 events with 64 pages, 510 with 256 and none with 1024.
   */
  perfRbPages?: number;
}

/** How bpf/connections.bt is run, as its header's USAGE says. */
export function connectionsProgram(opts: ConnectionsProgramOptions): BpftraceProgram {
  const { intervalSeconds, mapKeysMax = 65536, perfRbPages = 1024 } = opts;
  if (!Number.isSafeInteger(intervalSeconds) || intervalSeconds < 1) {
    throw new Error(
      `connections.bt interval: expected a whole number of seconds >= 1 (it flushes on a 1 s tick), got ${intervalSeconds}`
    );
  }
  for (const [name, value] of [
    ['mapKeysMax', mapKeysMax],
    ['perfRbPages', perfRbPages],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new Error(`connections.bt ${name}: expected a positive whole number, got ${value}`);
    }
  }
  if ((perfRbPages & (perfRbPages - 1)) !== 0) {
    throw new Error(
      `connections.bt perfRbPages: expected a power of two (perf buffers are mapped in 2^n pages), got ${perfRbPages}`
    );
  }
  return {
    path: CONNECTIONS_BT,
    flags: ['-k', '-f', 'json'],
    args: [String(intervalSeconds)],
    env: { BPFTRACE_MAP_KEYS_MAX: String(mapKeysMax), BPFTRACE_PERF_RB_PAGES: String(perfRbPages) },
    minKernel: {
      release: '6.3',
      why: 'the tracepoints sock:sock_send_length and sock:sock_recv_length first appear in Linux 6.3',
    },
  };
}

/**
 * The 1-based source lines of the program's @closed0/@closed1 inserts. bpftrace -k names the
 * line of a failed map update; a full @closed is not a loss, since the close then goes out as a
 * line of its own, so the agent must tell those apart from a full @conn or @tcp.
 */
export function closedInsertLines(source: string): Set<number> {
  const lines = new Set<number>();
  source.split('\n').forEach((text, i) => {
    if (/^\s*@closed[01]\[\$key, \$c\.0\] = /.test(text)) {
      lines.add(i + 1);
    }
  });
  return lines;
}
