/**
 * One line of `bpftrace -f json bpf/connections.bt` output as a typed event. The header of
 * connections.bt is the contract for the layouts. Pure: no I/O, never throws, and the work per
 * line is bounded by its length (lines over the cap are rejected before JSON.parse).
 *
 * A line that is not JSON, or whose fields have the wrong arity, type or range, is 'malformed';
 * valid JSON of a kind this parser does not know (a new bpftrace message, a new event name) is
 * 'unknown'. Both carry a reason a person can act on. Map lines skip bad entries rather than
 * losing the whole snapshot, and say how many they skipped.
 */

import { address, arity, describe, int, MAX_COMM_CHARS, reject, Reject, str, U32_MAX } from '../bpftrace/lineFields';

export type TcpDirection = 'outbound' | 'inbound' | 'unknown';

/** Kernel running totals of one TCP connection (bytes exclude SYN and FIN). */
export interface TcpTotals {
  readonly txBytes: number;
  readonly rxBytes: number;
  readonly txPackets: number;
  readonly rxPackets: number;
  readonly retransmits: number;
}

/**
 * Identity and endpoints of a connection: a seen line, or an entry of a flush's @new map (then
 * kind 'open', at the flush's time).
 */
export interface TcpOpenEvent {
  readonly kind: 'open' | 'seen';
  readonly ts: number;
  readonly sk: number;
  readonly start: number;
  readonly direction: TcpDirection;
  readonly pid: number;
  readonly comm: string;
  readonly cgroup: number;
  readonly netns: number;
  readonly laddr: string;
  readonly lport: number;
  readonly raddr: string;
  readonly rport: number;
}

/** close, fail: the open fields plus exact final totals. */
export interface TcpCloseEvent extends Omit<TcpOpenEvent, 'kind'> {
  readonly kind: 'close' | 'fail';
  readonly totals: TcpTotals;
  readonly rttUs: number;
  /** Resets counted by the kernel up to the close; an abortive close's own RST comes later. */
  readonly resets: number;
  readonly errno: number;
}

/** An @new0/@new1 entry: a connection established since the last flush and not closed by it. */
export type TcpIdentity = Omit<TcpOpenEvent, 'kind' | 'ts'>;

export interface TcpSnapshotEntry {
  readonly sk: number;
  readonly start: number;
  readonly totals: TcpTotals;
  readonly rttUs: number;
}

export interface UdpIdentity {
  readonly sk: number;
  readonly pid: number;
  readonly laddr: string;
  readonly lport: number;
  readonly raddr: string;
  readonly rport: number;
  readonly cgroup: number;
  readonly netns: number;
  readonly comm: string;
}

export interface UdpStat {
  readonly sk: number;
  readonly pid: number;
  readonly way: 'tx' | 'rx';
  readonly datagrams: number;
  readonly bytes: number;
}

/** A printed map (at a flush, or a second's closes): the entries that parsed; the others counted, with the first one's reason. */
export interface MapLine<K extends string, T> {
  readonly kind: K;
  readonly entries: T[];
  readonly skipped: number;
  readonly firstReason?: string;
}

export type BpftraceLine =
  | { readonly kind: 'hello'; readonly version: number; readonly ts: number; readonly intervalS: number }
  | (TcpOpenEvent & { readonly kind: 'seen' })
  | {
      readonly kind: 'owner';
      readonly ts: number;
      readonly sk: number;
      readonly start: number;
      readonly pid: number;
      readonly comm: string;
    }
  | {
      readonly kind: 'reset';
      readonly ts: number;
      readonly sk: number;
      readonly start: number;
      readonly way: 'sent' | 'received';
    }
  | TcpCloseEvent
  | { readonly kind: 'flush'; readonly ts: number; readonly seq: number }
  /** Every close up to ts has been printed (the second's @closed line came before it). */
  | { readonly kind: 'tick'; readonly ts: number }
  | MapLine<'tcpSnapshot', TcpSnapshotEntry>
  | MapLine<'tcpIdentities', TcpIdentity>
  /** A second's @closed0/@closed1: the close and fail events, as on their lines. */
  | MapLine<'tcpCloses', TcpCloseEvent>
  | MapLine<'udpIdentities', UdpIdentity>
  | MapLine<'udpStats', UdpStat>
  | {
      readonly kind: 'flushed';
      readonly ts: number;
      readonly seq: number;
      /** Running total for this bpftrace run. */
      readonly untrackedResets: number;
      /** Running total for this bpftrace run: connections the kernel's @conn had no room for. */
      readonly tableFull: number;
      /**
       * Running total for this bpftrace run: seconds whose tick or flush waited because user
       * space had not yet cleared the generation to move to (it was more than a second behind).
       */
      readonly lateTicks: number;
    }
  | { readonly kind: 'lostEvents'; readonly count: number }
  | {
      readonly kind: 'helperError';
      readonly helper: string;
      readonly retcode: number;
      /** The program's source line of the failing call, when bpftrace says. */
      readonly line?: number;
    }
  | { readonly kind: 'attachedProbes'; readonly probes: number }
  | { readonly kind: 'malformed'; readonly reason: string }
  | { readonly kind: 'unknown'; readonly reason: string };

export type BpftraceLineKind = BpftraceLine['kind'];

export const FORMAT_VERSION = 3;
/** errno of a failed map update: the map is full (E2BIG from a preallocated hash). */
export const MAP_FULL_RETCODE = -7;

/**
 * A flush prints each map as one line: @tcp0/@tcp1 are ~75 bytes per connection and the UDP stats ~110
 * bytes per direction, so BPFTRACE_MAP_KEYS_MAX=65536 can produce lines of ~15 MB. The default
 * leaves room for that and still refuses runaway input.
 */
export const DEFAULT_MAX_LINE_CHARS = 32 * 1024 * 1024;

/**
 * bpftrace's JSON nests 4 deep at most (a map line: object, map, entry, tuple). JSON.parse spends
 * about half a second on a megabyte of nested brackets before it gives up (the fuzz found one), so
 * deeper input is refused by a scan first. The scan costs about a third of a short line's parse,
 * and a short line cannot nest deep enough to matter (4 KiB of brackets parse in ~2 ms), so only
 * lines longer than DEPTH_SCAN_MIN_CHARS are scanned: the flush's map lines, and garbage.
 */
export const MAX_JSON_DEPTH = 8;
export const DEPTH_SCAN_MIN_CHARS = 4096;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACKET = 0x5d;
const CLOSE_BRACE = 0x7d;

/** Index where the nesting first goes deeper than maxDepth, outside strings; -1 if never. */
export function tooDeepAt(line: string, maxDepth = MAX_JSON_DEPTH): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) {
        i++;
      } else if (c === QUOTE) {
        inString = false;
      }
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_BRACKET || c === OPEN_BRACE) {
      if (++depth > maxDepth) {
        return i;
      }
    } else if (c === CLOSE_BRACKET || c === CLOSE_BRACE) {
      depth--;
    }
  }
  return -1;
}

/** Monotonic ns since boot exceed 2^53 after ~104 days; still exact enough to order and key. */
const timestamp = (v: unknown, what: string) => int(v, what, 0, Number.MAX_VALUE);
const counter = (v: unknown, what: string) => int(v, what, 0, Number.MAX_SAFE_INTEGER);
const port = (v: unknown, what: string) => int(v, what, 0, 0xffff);
const u32 = (v: unknown, what: string) => int(v, what, 0, U32_MAX);

function socket(value: unknown, what: string): number {
  const sk = int(value, what, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  return sk === 0 ? reject(`${what}: expected a socket address, got 0`) : sk;
}

/** A map key spells the socket as decimal text. */
function socketText(text: string, what: string): number {
  return /^-?\d{1,20}$/.test(text)
    ? socket(Number(text), what)
    : reject(`${what}: expected an integer, got ${describe(text)}`);
}

function obj(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    reject(`${what}: expected an object, got ${describe(Array.isArray(value) ? 'an array' : value)}`);
  }
  return value as Record<string, unknown>;
}

const FIELD_NAMES = [
  'ts',
  'sk',
  'start',
  'direction',
  'pid',
  'comm',
  'cgroup',
  'netns',
  'laddr',
  'lport',
  'raddr',
  'rport',
  'tx_bytes',
  'rx_bytes',
  'tx_packets',
  'rx_packets',
  'retransmits',
  'rtt_us',
  'resets',
  'errno',
] as const;
type FieldNames = Readonly<Record<(typeof FIELD_NAMES)[number], string>>;
const fieldNameCache = new Map<string, FieldNames>();

/**
 * "<what> <field>" for each field, as the reasons name them, made once per kind of line or map:
 * building them per line cost a string for every field of every line, and they are read only
 * when a field is rejected.
 */
function fieldNames(what: string): FieldNames {
  let names = fieldNameCache.get(what);
  if (names === undefined) {
    names = Object.fromEntries(FIELD_NAMES.map((f) => [f, `${what} ${f}`])) as FieldNames;
    fieldNameCache.set(what, names);
  }
  return names;
}

function totals(d: readonly unknown[], at: number, n: FieldNames): TcpTotals {
  return {
    txBytes: counter(d[at], n.tx_bytes),
    rxBytes: counter(d[at + 1], n.rx_bytes),
    txPackets: counter(d[at + 2], n.tx_packets),
    rxPackets: counter(d[at + 3], n.rx_packets),
    retransmits: counter(d[at + 4], n.retransmits),
  };
}

const OPEN_FIELDS = 13;
const CLOSE_FIELDS = OPEN_FIELDS + 8;
const ANY_DIRECTION: readonly TcpDirection[] = ['outbound', 'inbound', 'unknown'];
const SEEN_DIRECTION: readonly TcpDirection[] = ['unknown'];
const KNOWN_DIRECTION: readonly TcpDirection[] = ['outbound', 'inbound'];

function direction(value: unknown, n: FieldNames, allowed: readonly TcpDirection[]): TcpDirection {
  if (typeof value !== 'string' || !allowed.includes(value as TcpDirection)) {
    reject(`${n.direction}: expected ${allowed.join(' or ')}, got ${describe(value)}`);
  }
  return value as TcpDirection;
}

/**
 * A seen, close or fail line: ts, sk, then the identity (start, direction, pid, comm, cgroup,
 * netns, laddr, lport, raddr, rport), and for close and fail the totals, rtt_us, resets and
 * errno. Built as one object: this runs for every connection.
 */
function tcpEventLine(d: readonly unknown[], kind: 'seen' | 'close' | 'fail'): BpftraceLine {
  const n = fieldNames(kind);
  const ts = timestamp(d[1], n.ts);
  const sk = socket(d[2], n.sk);
  const start = timestamp(d[3], n.start);
  const dir = direction(d[4], n, kind === 'seen' ? SEEN_DIRECTION : ANY_DIRECTION);
  const pid = u32(d[5], n.pid);
  const comm = str(d[6], n.comm, MAX_COMM_CHARS);
  const cgroup = counter(d[7], n.cgroup);
  const netns = u32(d[8], n.netns);
  const laddr = address(d[9], n.laddr);
  const lport = port(d[10], n.lport);
  const raddr = address(d[11], n.raddr);
  const rport = port(d[12], n.rport);
  if (kind === 'seen') {
    return { kind, ts, sk, start, direction: dir, pid, comm, cgroup, netns, laddr, lport, raddr, rport };
  }
  return {
    kind,
    ts,
    sk,
    start,
    direction: dir,
    pid,
    comm,
    cgroup,
    netns,
    laddr,
    lport,
    raddr,
    rport,
    totals: totals(d, OPEN_FIELDS, n),
    rttUs: u32(d[OPEN_FIELDS + 5], n.rtt_us),
    resets: counter(d[OPEN_FIELDS + 6], n.resets),
    errno: int(d[OPEN_FIELDS + 7], n.errno, 0, 4095),
  };
}

/**
 * An @closed0/@closed1 entry: its value is a close or fail line's tuple; its key ("<sk>,<start>")
 * repeats two of the value's fields, so only the value is read.
 */
function closedEntry(value: unknown, name: string): TcpCloseEvent {
  const v = tuple(value, CLOSE_FIELDS, `${name} entry`);
  const kind = v[0];
  if (kind !== 'close' && kind !== 'fail') {
    reject(`${name} entry: expected a close or fail event, got ${describe(kind)}`);
  }
  // tcpEventLine returns a TcpCloseEvent for these kinds.
  return tcpEventLine(v, kind) as TcpCloseEvent;
}

/** An @new0/@new1 entry: sk is its key, the identity fields its value. */
function newEntry(key: string, value: unknown, name: string): TcpIdentity {
  const n = fieldNames(name);
  const v = tuple(value, 10, `${name} entry`);
  return {
    sk: socketText(key, `${name} key`),
    start: timestamp(v[0], n.start),
    direction: direction(v[1], n, KNOWN_DIRECTION),
    pid: u32(v[2], n.pid),
    comm: str(v[3], n.comm, MAX_COMM_CHARS),
    cgroup: counter(v[4], n.cgroup),
    netns: u32(v[5], n.netns),
    laddr: address(v[6], n.laddr),
    lport: port(v[7], n.lport),
    raddr: address(v[8], n.raddr),
    rport: port(v[9], n.rport),
  };
}

function valueLine(data: unknown): BpftraceLine {
  if (!Array.isArray(data) || data.length === 0) {
    return reject(`value line: expected a non-empty array, got ${describe(data)}`);
  }
  const d = data as unknown[];
  const kind = d[0];
  switch (kind) {
    case 'hello': {
      arity(d, 4);
      const version = int(d[1], 'hello version', 0, U32_MAX);
      if (version !== FORMAT_VERSION) {
        reject(
          `hello: format version ${version} is not supported; expected ${FORMAT_VERSION} (agent and connections.bt disagree)`
        );
      }
      return { kind, version, ts: timestamp(d[2], 'hello ts'), intervalS: int(d[3], 'hello interval_s', 1, U32_MAX) };
    }
    case 'seen':
      arity(d, OPEN_FIELDS);
      return tcpEventLine(d, kind);
    case 'close':
    case 'fail':
      arity(d, CLOSE_FIELDS);
      return tcpEventLine(d, kind);
    case 'owner':
      arity(d, 6);
      return {
        kind,
        ts: timestamp(d[1], 'owner ts'),
        sk: socket(d[2], 'owner sk'),
        start: timestamp(d[3], 'owner start'),
        pid: u32(d[4], 'owner pid'),
        comm: str(d[5], 'owner comm', MAX_COMM_CHARS),
      };
    case 'reset': {
      arity(d, 5);
      const way = d[4];
      if (way !== 'sent' && way !== 'received') {
        reject(`reset way: expected sent or received, got ${describe(way)}`);
      }
      return {
        kind,
        ts: timestamp(d[1], 'reset ts'),
        sk: socket(d[2], 'reset sk'),
        start: timestamp(d[3], 'reset start'),
        way,
      };
    }
    case 'flush':
      arity(d, 3);
      return { kind, ts: timestamp(d[1], 'flush ts'), seq: counter(d[2], 'flush seq') };
    case 'tick':
      arity(d, 2);
      return { kind, ts: timestamp(d[1], 'tick ts') };
    case 'flushed':
      arity(d, 6);
      return {
        kind,
        ts: timestamp(d[1], 'flushed ts'),
        seq: counter(d[2], 'flushed seq'),
        untrackedResets: counter(d[3], 'flushed untracked_resets'),
        tableFull: counter(d[4], 'flushed table_full'),
        lateTicks: counter(d[5], 'flushed late_ticks'),
      };
    default:
      return { kind: 'unknown', reason: `value line: unknown event ${describe(kind)}` };
  }
}

/** Parses each entry of a map, keeping the good ones and counting the rest. */
function entries<T>(
  map: Record<string, unknown>,
  parse: (key: string, value: unknown) => T
): { entries: T[]; skipped: number; firstReason?: string } {
  const out: T[] = [];
  let skipped = 0;
  let firstReason: string | undefined;
  for (const [key, value] of Object.entries(map)) {
    try {
      out.push(parse(key, value));
    } catch (e) {
      if (!(e instanceof Reject)) {
        throw e;
      }
      skipped++;
      firstReason ??= e.message;
    }
  }
  return firstReason === undefined ? { entries: out, skipped } : { entries: out, skipped, firstReason };
}

function tuple(value: unknown, n: number, what: string): unknown[] {
  return Array.isArray(value) && value.length === n
    ? value
    : reject(`${what}: expected ${n} fields, got ${describe(value)}`);
}

/** "<sk>,<pid>" or "<probe>,<sk>,<pid>": the last two parts of a UDP key. */
function udpKey(key: string, what: string): { head: string; sk: number; pid: number } {
  const last = key.lastIndexOf(',');
  const mid = key.lastIndexOf(',', last - 1);
  if (last < 0) {
    reject(`${what} key: expected "<sk>,<pid>", got ${describe(key)}`);
  }
  const pidText = key.slice(last + 1);
  return {
    head: mid < 0 ? '' : key.slice(0, mid),
    sk: socketText(key.slice(mid + 1, last), `${what} sk`),
    pid: /^\d{1,10}$/.test(pidText)
      ? u32(Number(pidText), `${what} pid`)
      : reject(`${what} pid: expected an integer, got ${describe(pidText)}`),
  };
}

function mapLine(data: unknown): BpftraceLine {
  const maps = Object.entries(obj(data, 'map line data'));
  if (maps.length !== 1) {
    return reject(`map line: expected exactly one map, got ${maps.length}`);
  }
  const [name, body] = maps[0];
  if (name === '@tcp0' || name === '@tcp1') {
    const parsed = entries(obj(body, name), (key, value) => {
      const v = tuple(value, 7, `${name} entry`);
      return {
        sk: socketText(key, `${name} key`),
        start: timestamp(v[0], `${name} start`),
        totals: totals(v, 1, fieldNames(name)),
        rttUs: u32(v[6], `${name} rtt_us`),
      };
    });
    return { kind: 'tcpSnapshot', ...parsed };
  }
  if (name === '@new0' || name === '@new1') {
    const parsed = entries(obj(body, name), (key, value) => newEntry(key, value, name));
    return { kind: 'tcpIdentities', ...parsed };
  }
  if (name === '@closed0' || name === '@closed1') {
    const parsed = entries(obj(body, name), (_key, value) => closedEntry(value, name));
    return { kind: 'tcpCloses', ...parsed };
  }
  if (name === '@udp_id0' || name === '@udp_id1') {
    const parsed = entries(obj(body, name), (key, value) => {
      const { head, sk, pid } = udpKey(key, name);
      if (head !== '') {
        reject(`${name} key: expected "<sk>,<pid>", got ${describe(key)}`);
      }
      const v = tuple(value, 7, `${name} entry`);
      return {
        sk,
        pid,
        laddr: address(v[0], `${name} laddr`),
        lport: port(v[1], `${name} lport`),
        raddr: address(v[2], `${name} raddr`),
        rport: port(v[3], `${name} rport`),
        cgroup: counter(v[4], `${name} cgroup`),
        netns: u32(v[5], `${name} netns`),
        comm: str(v[6], `${name} comm`, MAX_COMM_CHARS),
      };
    });
    return { kind: 'udpIdentities', ...parsed };
  }
  return { kind: 'unknown', reason: `map line: unknown map ${describe(name)}` };
}

const UDP_PROBES: Record<string, 'tx' | 'rx'> = {
  'tracepoint:sock:sock_send_length': 'tx',
  'tracepoint:sock:sock_recv_length': 'rx',
};

function statsLine(data: unknown): BpftraceLine {
  const maps = Object.entries(obj(data, 'stats line data'));
  if (maps.length !== 1) {
    return reject(`stats line: expected exactly one map, got ${maps.length}`);
  }
  const [name, body] = maps[0];
  if (name !== '@udp0' && name !== '@udp1') {
    return { kind: 'unknown', reason: `stats line: unknown map ${describe(name)}` };
  }
  const parsed = entries(obj(body, name), (key, value) => {
    const { head, sk, pid } = udpKey(key, name);
    const way =
      UDP_PROBES[head] ?? reject(`${name} probe: expected sock_send_length or sock_recv_length, got ${describe(head)}`);
    const v = obj(value, `${name} entry`);
    return { sk, pid, way, datagrams: counter(v.count, `${name} count`), bytes: counter(v.total, `${name} total`) };
  });
  return { kind: 'udpStats', ...parsed };
}

/** bpftrace 0.17 writes {"data": {"events": N}}; older and newer versions a top-level field. */
function lostEventsLine(msg: Record<string, unknown>): BpftraceLine {
  const data = msg.data;
  const nested = typeof data === 'object' && data !== null ? (data as Record<string, unknown>).events : undefined;
  return { kind: 'lostEvents', count: counter(nested ?? msg.events ?? msg.count, 'lost_events events') };
}

function attachedProbesLine(msg: Record<string, unknown>): BpftraceLine {
  const data = msg.data;
  const nested = typeof data === 'object' && data !== null ? (data as Record<string, unknown>).probes : undefined;
  return { kind: 'attachedProbes', probes: u32(nested ?? msg.probes ?? msg.count, 'attached_probes probes') };
}

function helperErrorLine(msg: Record<string, unknown>): BpftraceLine {
  const e = {
    kind: 'helperError' as const,
    helper: typeof msg.helper === 'string' ? msg.helper.slice(0, 64) : '',
    retcode: int(msg.retcode, 'helper_error retcode', -U32_MAX, U32_MAX),
  };
  return msg.line === undefined ? e : { ...e, line: int(msg.line, 'helper_error line', 1, U32_MAX) };
}

export function parseBpftraceLine(line: string, maxLineChars = DEFAULT_MAX_LINE_CHARS): BpftraceLine {
  if (line.length > maxLineChars) {
    return {
      kind: 'malformed',
      reason: `line of ${line.length} characters is longer than the limit of ${maxLineChars}`,
    };
  }
  const deepAt = line.length > DEPTH_SCAN_MIN_CHARS ? tooDeepAt(line) : -1;
  if (deepAt >= 0) {
    return {
      kind: 'malformed',
      reason: `JSON nested deeper than ${MAX_JSON_DEPTH} levels at character ${deepAt}: ${describe(line)}`,
    };
  }
  let msg: Record<string, unknown>;
  try {
    msg = obj(JSON.parse(line), 'line');
  } catch (e) {
    const why = e instanceof Reject ? e.message : 'not valid JSON';
    return { kind: 'malformed', reason: `${why}: ${describe(line)}` };
  }
  try {
    switch (msg.type) {
      case 'value':
        return valueLine(msg.data);
      case 'map':
        return mapLine(msg.data);
      case 'stats':
        return statsLine(msg.data);
      case 'lost_events':
        return lostEventsLine(msg);
      case 'helper_error':
        return helperErrorLine(msg);
      case 'attached_probes':
        return attachedProbesLine(msg);
      default:
        return { kind: 'unknown', reason: `unknown line type ${describe(msg.type)}` };
    }
  } catch (e) {
    if (e instanceof Reject) {
      return { kind: 'malformed', reason: e.message };
    }
    // Only a bug can get here; the contract is that a line never takes the agent down.
    return { kind: 'malformed', reason: `parser error: ${e instanceof Error ? e.message : String(e)}` };
  }
}
