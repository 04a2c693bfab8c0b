import { isIP } from 'node:net';

/**
 * One line of `conntrack -E -e NEW -o extended`, or of `conntrack -L -o extended` (the same
 * without the event type: flows that already exist), e.g.
 *
 *     [NEW] ipv4     2 tcp      6 120 SYN_SENT src=10.201.0.2 dst=10.202.0.250 sport=59756 dport=80
 *       [UNREPLIED] src=10.201.0.3 dst=10.201.0.2 sport=42749 dport=59756
 *
 * (one line). The first src/dst/sport/dport are the original direction, as the client's socket
 * names them; the second are the reply direction, whose source is where the packets really went.
 * Other key=value fields (mark=, zone=, id=, use=) and [FLAGS] may come in between and are
 * skipped. Pure: conntrackEvents feeds it, the unit tests pin it.
 */

export type NatProtocol = 'tcp' | 'udp';

export interface Endpoint {
  readonly ip: string;
  readonly port: number;
}

/** A new conntrack flow: who dialed what, and which endpoint answers for it. */
export interface NatFlow {
  readonly protocol: NatProtocol;
  /** Original direction: the client socket's local and remote endpoints. */
  readonly client: Endpoint;
  readonly dialed: Endpoint;
  /** Reply direction's source: the real peer after DNAT (equal to dialed when none happened). */
  readonly backend: Endpoint;
}

export type ConntrackLine =
  | { readonly kind: 'flow'; readonly flow: NatFlow }
  /** Well-formed, but nothing a socket tuple can name: other protocols or event types. */
  | { readonly kind: 'ignored'; readonly reason: string }
  | { readonly kind: 'malformed'; readonly reason: string };

const FAMILIES: Readonly<Record<string, 4 | 6>> = { ipv4: 4, ipv6: 6 };
const TUPLE_KEYS = ['src', 'dst', 'sport', 'dport'] as const;
type TupleKey = (typeof TUPLE_KEYS)[number];

function malformed(reason: string, line: string): ConntrackLine {
  return { kind: 'malformed', reason: `${reason} in conntrack line ${JSON.stringify(line.slice(0, 200))}` };
}

export function parseConntrackLine(line: string): ConntrackLine {
  const tokens = line.trim().split(/\s+/);
  if (tokens[0]?.startsWith('[')) {
    const event = tokens.shift();
    if (event !== '[NEW]') {
      return { kind: 'ignored', reason: `event ${event}` };
    }
  }
  const [l3, , l4] = tokens;
  const family = FAMILIES[l3 ?? ''];
  if (family === undefined) {
    return malformed(`expected ipv4 or ipv6 first (after any event type), got ${JSON.stringify(l3)}`, line);
  }
  if (l4 !== 'tcp' && l4 !== 'udp') {
    return { kind: 'ignored', reason: `protocol ${l4 ?? '(none)'}` };
  }
  // The original tuple's four fields come first, then the reply tuple's.
  const tuples: Array<Partial<Record<TupleKey, string>>> = [{}, {}];
  for (const token of tokens.slice(3)) {
    const eq = token.indexOf('=');
    const key = token.slice(0, eq) as TupleKey;
    if (eq < 1 || !TUPLE_KEYS.includes(key)) {
      continue;
    }
    const tuple = tuples[0][key] === undefined ? tuples[0] : tuples[1];
    if (tuple[key] !== undefined) {
      return malformed(`${key}= appears more than twice`, line);
    }
    tuple[key] = token.slice(eq + 1);
  }
  const endpoints: Endpoint[] = [];
  for (const [i, tuple] of tuples.entries()) {
    const direction = i === 0 ? 'original' : 'reply';
    for (const [ipKey, portKey] of [
      ['src', 'sport'],
      ['dst', 'dport'],
    ] as const) {
      const ip = tuple[ipKey];
      const port = Number(tuple[portKey]);
      if (ip === undefined || isIP(ip) !== family) {
        return malformed(`${direction} ${ipKey}= should be an ${l3} address, got ${JSON.stringify(ip)}`, line);
      }
      if (!/^\d{1,5}$/.test(tuple[portKey] ?? '') || port > 65535) {
        return malformed(`${direction} ${portKey}= should be a port, got ${JSON.stringify(tuple[portKey])}`, line);
      }
      endpoints.push({ ip, port });
    }
  }
  const [client, dialed, backend] = endpoints as [Endpoint, Endpoint, Endpoint, Endpoint];
  return { kind: 'flow', flow: { protocol: l4, client, dialed, backend } };
}
