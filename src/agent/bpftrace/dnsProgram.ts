import { join } from 'node:path';
import type { BpftraceProgram } from './bpftraceProgram';

/** bpf/dns.bt, from this file's place in the source tree. */
export const DNS_BT = join(__dirname, '..', '..', '..', 'bpf', 'dns.bt');

/** dns.bt takes this many ports besides 53 ($2..$5). */
export const DNS_EXTRA_PORTS_MAX = 4;

export interface DnsProgramOptions {
  /** UDP ports watched besides 53, at most DNS_EXTRA_PORTS_MAX. */
  extraPorts?: readonly number[];
  /** Bytes of each DNS message captured; longer ones arrive truncated. Default 1232, at most 4000. */
  maxPayload?: number;
  /** Entries per map: DNS packets remembered for dedupe and local questions awaiting an answer, over 10-20 s. */
  mapKeysMax?: number;
  /** Per-CPU output buffer in pages, a power of two; raise it on lost events. */
  perfRbPages?: number;
}

/** How bpf/dns.bt is run, as its header's USAGE says. */
export function dnsProgram(opts: DnsProgramOptions = {}): BpftraceProgram {
  const { extraPorts = [], maxPayload = 1232, mapKeysMax = 65536, perfRbPages = 64 } = opts;
  if (extraPorts.length > DNS_EXTRA_PORTS_MAX) {
    throw new Error(`dns.bt extraPorts: expected at most ${DNS_EXTRA_PORTS_MAX} ports besides 53, got ${extraPorts.length} (${extraPorts.join(', ')})`);
  }
  for (const port of extraPorts) {
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new Error(`dns.bt extraPorts: expected UDP ports in [1, 65535], got ${port}`);
    }
  }
  if (!Number.isInteger(maxPayload) || maxPayload < 12 || maxPayload > 4000) {
    throw new Error(`dns.bt maxPayload: expected a whole number of bytes in [12, 4000] (a DNS header is 12), got ${maxPayload}`);
  }
  for (const [name, value] of [
    ['mapKeysMax', mapKeysMax],
    ['perfRbPages', perfRbPages],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new Error(`dns.bt ${name}: expected a positive whole number, got ${value}`);
    }
  }
  if ((perfRbPages & (perfRbPages - 1)) !== 0) {
    throw new Error(`dns.bt perfRbPages: expected a power of two (perf buffers are mapped in 2^n pages), got ${perfRbPages}`);
  }
  return {
    path: DNS_BT,
    flags: ['-f', 'json'],
    args: [String(maxPayload), ...extraPorts.map(String)],
    env: {
      BPFTRACE_STRLEN: '100',
      BPFTRACE_MAP_KEYS_MAX: String(mapKeysMax),
      BPFTRACE_PERF_RB_PAGES: String(perfRbPages),
    },
    minKernel: {
      release: '5.3',
      why: 'dns.bt prints each payload in a bounded loop, which the BPF verifier accepts from Linux 5.3',
    },
  };
}
