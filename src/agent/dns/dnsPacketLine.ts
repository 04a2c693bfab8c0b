import { address, arity, describe, int, MAX_COMM_CHARS, reject, Reject, str, U32_MAX } from '../bpftrace/lineFields';

/**
 * The output of `bpftrace -f json bpf/dns.bt` back into DNS packets. Its header is the contract:
 * a ["dns", ...] head line per packet, then the payload in dns_payload printf lines of
 * DNS_CHUNK_BYTES each, joined to the head by (ts, cpu). Stateful only in that it holds heads
 * until their payload is complete, at most maxPending of them. Never throws; the work per line is
 * bounded by its length, which is capped before JSON.parse.
 */

export type DnsDirection = 'egress' | 'ingress';

export interface DnsPacket {
  /** CLOCK_MONOTONIC ns when the packet was seen. */
  readonly ts: number;
  readonly ifindex?: number;
  /** Inode of the device's network namespace: addresses are unique only within one. */
  readonly netns?: number;
  readonly direction: DnsDirection;
  /** The sending process: set only where the packet left a local socket. */
  readonly pid?: number;
  readonly comm?: string;
  /** cgroup v2 id of the sending socket, with pid. */
  readonly cgroup?: number;
  readonly saddr: string;
  readonly sport: number;
  readonly daddr: string;
  readonly dport: number;
  /** The DNS message: all of it unless truncated. */
  readonly payload: Uint8Array;
  /** The message is longer than payload (over the capture limit, or a fragmented datagram). */
  readonly truncated: boolean;
}

export type DnsLine =
  | { readonly kind: 'packet'; readonly packet: DnsPacket }
  /** A head or chunk whose packet still misses payload. */
  | { readonly kind: 'pending' }
  | {
      readonly kind: 'hello';
      readonly version: number;
      readonly ts: number;
      readonly maxPayload: number;
      readonly ports: number[];
    }
  | { readonly kind: 'attachedProbes'; readonly probes: number }
  | { readonly kind: 'lostEvents'; readonly count: number }
  | { readonly kind: 'malformed'; readonly reason: string }
  | { readonly kind: 'unknown'; readonly reason: string };

export const DNS_FORMAT_VERSION = 1;
/** Payload bytes per dns_payload line, CHUNK in dns.bt. */
export const DNS_CHUNK_BYTES = 100;
/** dns.bt's MAX_PAYLOAD limit. */
export const DNS_MAX_PAYLOAD = 4000;
// A chunk line is ~450 characters; anything far longer is not from dns.bt.
const MAX_LINE_CHARS = 8192;
interface Pending {
  readonly head: Omit<DnsPacket, 'payload'>;
  readonly payload: Uint8Array;
  filled: number;
}

export class DnsPacketLines {
  private readonly pending = new Map<string, Pending>();
  /** Heads dropped because maxPending newer ones were waiting (their chunks were lost). */
  evicted = 0;

  constructor(private readonly maxPending = 1024) {}

  parse(line: string): DnsLine {
    if (line.length > MAX_LINE_CHARS) {
      return {
        kind: 'malformed',
        reason: `line of ${line.length} characters is longer than the limit of ${MAX_LINE_CHARS}`,
      };
    }
    let msg: unknown;
    try {
      msg = JSON.parse(line);
    } catch {
      return { kind: 'malformed', reason: `not valid JSON: ${describe(line)}` };
    }
    try {
      return this.message(msg);
    } catch (e) {
      if (e instanceof Reject) {
        return { kind: 'malformed', reason: e.message };
      }
      // Only a bug can get here; the contract is that a line never takes the agent down.
      return { kind: 'malformed', reason: `parser error: ${e instanceof Error ? e.message : String(e)}` };
    }
  }

  /** Heads still waiting for payload, e.g. at the end of a run; they are then forgotten. */
  drainIncomplete(): number {
    const n = this.pending.size;
    this.pending.clear();
    return n;
  }

  private message(msg: unknown): DnsLine {
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
      return reject(`line: expected an object, got ${describe(msg)}`);
    }
    const { type, data } = msg as { type?: unknown; data?: unknown };
    switch (type) {
      case 'value':
        return this.value(data);
      case 'printf':
        return this.chunk(data);
      case 'attached_probes':
        return {
          kind: 'attachedProbes',
          probes: int((data as { probes?: unknown } | undefined)?.probes, 'attached_probes probes', 0, U32_MAX),
        };
      case 'lost_events':
        // bpftrace 0.17 nests the count in data; other versions put it at the top level.
        return {
          kind: 'lostEvents',
          count: int(
            (data as { events?: unknown } | undefined)?.events ?? (msg as { events?: unknown }).events,
            'lost_events events',
            0,
            Number.MAX_SAFE_INTEGER
          ),
        };
      default:
        return { kind: 'unknown', reason: `unknown line type ${describe(type)}` };
    }
  }

  private value(data: unknown): DnsLine {
    if (!Array.isArray(data) || data.length === 0) {
      return reject(`value line: expected a non-empty array, got ${describe(data)}`);
    }
    const d = data as unknown[];
    if (d[0] === 'dns_hello') {
      arity(d, 8);
      const version = int(d[1], 'dns_hello version', 0, U32_MAX);
      if (version !== DNS_FORMAT_VERSION) {
        reject(
          `dns_hello: format version ${version} is not supported; expected ${DNS_FORMAT_VERSION} (agent and dns.bt disagree)`
        );
      }
      return {
        kind: 'hello',
        version,
        ts: int(d[2], 'dns_hello ts', 0, Number.MAX_VALUE),
        maxPayload: int(d[3], 'dns_hello max_payload', 1, DNS_MAX_PAYLOAD),
        ports: d
          .slice(4)
          .map((p, i) => int(p, `dns_hello port${i + 1}`, 0, 0xffff))
          .filter((p) => p !== 0),
      };
    }
    if (d[0] !== 'dns') {
      return { kind: 'unknown', reason: `value line: unknown event ${describe(d[0])}` };
    }
    arity(d, 15);
    const direction = d[3];
    if (direction !== 'egress' && direction !== 'ingress') {
      reject(`dns direction: expected egress or ingress, got ${describe(direction)}`);
    }
    const ts = int(d[1], 'dns ts', 0, Number.MAX_VALUE);
    const cpu = int(d[2], 'dns cpu', 0, U32_MAX);
    const pid = int(d[6], 'dns pid', 0, U32_MAX);
    const comm = d[7];
    if (typeof comm !== 'string' || comm.length > MAX_COMM_CHARS) {
      reject(`dns comm: expected a string of at most ${MAX_COMM_CHARS} characters, got ${describe(comm)}`);
    }
    const cgroup = int(d[8], 'dns cgroup', 0, Number.MAX_SAFE_INTEGER);
    const udpLen = int(d[13], 'dns udp_len', 0, 0xffff);
    const caplen = int(d[14], 'dns caplen', 0, DNS_MAX_PAYLOAD);
    const messageLen = Math.max(udpLen - 8, 0);
    if (caplen > messageLen) {
      reject(`dns caplen: expected at most udp_len - 8 = ${messageLen}, got ${caplen}`);
    }
    const head: Omit<DnsPacket, 'payload'> = {
      ts,
      ifindex: int(d[4], 'dns ifindex', 0, U32_MAX),
      netns: int(d[5], 'dns netns', 0, U32_MAX),
      direction,
      ...(pid === 0 ? {} : { pid, comm, cgroup }),
      saddr: address(d[9], 'dns saddr'),
      sport: int(d[10], 'dns sport', 0, 0xffff),
      daddr: address(d[11], 'dns daddr'),
      dport: int(d[12], 'dns dport', 0, 0xffff),
      truncated: caplen < messageLen,
    };
    if (caplen === 0) {
      return { kind: 'packet', packet: { ...head, payload: new Uint8Array(0) } };
    }
    if (this.pending.size >= this.maxPending) {
      // Maps iterate in insertion order: the oldest head is the one whose chunks were lost.
      this.pending.delete(this.pending.keys().next().value!);
      this.evicted++;
    }
    this.pending.set(`${ts}:${cpu}`, { head, payload: new Uint8Array(caplen), filled: 0 });
    return { kind: 'pending' };
  }

  private chunk(data: unknown): DnsLine {
    if (typeof data !== 'string' || !data.startsWith('dns_payload ')) {
      return { kind: 'unknown', reason: `printf line: not a dns_payload line: ${describe(data)}` };
    }
    const m = /^dns_payload (\d{1,20}) (\d{1,10}) (\d{1,5}) ((?:\\x[0-9a-f]{2})*)\n?$/.exec(data);
    if (m === null) {
      return reject(`dns_payload: expected "dns_payload <ts> <cpu> <offset> <\\xNN...>", got ${describe(data)}`);
    }
    const key = `${Number(m[1])}:${Number(m[2])}`;
    const p = this.pending.get(key);
    if (p === undefined) {
      return reject(
        `dns_payload ${key}: no head line for this packet (lost, or evicted after ${this.maxPending} incomplete packets)`
      );
    }
    const offset = Number(m[3]);
    const hex = m[4];
    const size = hex.length / 4;
    const want = Math.min(DNS_CHUNK_BYTES, p.payload.length - p.filled);
    if (offset !== p.filled || size !== want) {
      this.pending.delete(key);
      return reject(
        `dns_payload ${key}: expected ${want} bytes at offset ${p.filled}, got ${size} at ${offset}; packet dropped`
      );
    }
    for (let i = 0; i < size; i++) {
      p.payload[offset + i] = parseInt(hex.slice(i * 4 + 2, i * 4 + 4), 16);
    }
    p.filled += size;
    if (p.filled < p.payload.length) {
      return { kind: 'pending' };
    }
    this.pending.delete(key);
    return { kind: 'packet', packet: { ...p.head, payload: p.payload } };
  }
}
