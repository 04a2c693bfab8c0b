import { Buffer } from 'node:buffer';
import { answer, question, type Answer, type Question } from 'dns-packet';
import { checkDnsWire, type WireEntry } from './dnsWireCheck';

declare module 'dns-packet' {
  /** Exported by dns-packet 5 but not declared by @types/dns-packet. */
  export const question: { decode(buf: Buffer, offset?: number): Question };
  export const answer: { decode(buf: Buffer, offset?: number): Answer };
}

/**
 * One DNS message as the agent needs it: who asked what, and what came back. Payloads are
 * checked by checkDnsWire first, so dns-packet only ever decodes entries already proven to be in
 * bounds with bounded pointer chains; anything else is a DnsMalformed with the reason.
 */

export interface DnsQuestion {
  /** Lower case, no trailing dot; '' for the root. */
  readonly name: string;
  /** 'A', 'AAAA', ..., or 'TYPE<n>' (RFC 3597) for types without a mnemonic. */
  readonly type: string;
}

/** An address from the answer section, labelled with the name the client asked for. */
export interface DnsAnswerIp {
  readonly ip: string;
  readonly ttl: number;
  /**
   * The question's name when the record's owner is that name or reached from it through
   * CNAMEs: a connection to the address was made because of that question. Otherwise the
   * record's own owner name.
   */
  readonly name: string;
}

export interface DnsMessage {
  readonly kind: 'message';
  readonly id: number;
  /** true for a response. */
  readonly qr: boolean;
  readonly opcode: number;
  /** 'NOERROR', 'NXDOMAIN', ...; 'RCODE<n>' for codes without a name. */
  readonly rcode: string;
  /** The TC bit: the server cut the answer short, the client will ask again over TCP. */
  readonly tc: boolean;
  readonly questions: readonly DnsQuestion[];
  /** The answer section as text: addresses, CNAME/DNAME/NS/PTR targets, "pref exchange" (MX),
   * "priority weight port target" (SRV), TXT strings joined; other types are left out. */
  readonly answers: readonly string[];
  readonly answerIps: readonly DnsAnswerIp[];
  /** The capture held only part of the message; what was complete is here. */
  readonly partial: boolean;
}

export interface DnsMalformed {
  readonly kind: 'malformed';
  readonly reason: string;
}

// RFC 1035, 2136, 8490, 6891, 2845, 2930, 7873. 16 is BADSIG inside TSIG but BADVERS in the
// header+OPT rcode we read.
const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'YXDOMAIN', 'YXRRSET', 'NXRRSET', 'NOTAUTH', 'NOTZONE', 'DSOTYPENI'];
const EXTENDED_RCODES: Readonly<Record<number, string>> = {
  16: 'BADVERS',
  17: 'BADKEY',
  18: 'BADTIME',
  19: 'BADMODE',
  20: 'BADNAME',
  21: 'BADALG',
  22: 'BADTRUNC',
  23: 'BADCOOKIE',
};
/** Types dns-packet 5.6 has no mnemonic for but resolvers ask every day (RFC 9460). */
const EXTRA_TYPES: Readonly<Record<number, string>> = { 64: 'SVCB', 65: 'HTTPS' };

export function rcodeName(code: number): string {
  return RCODES[code] ?? EXTENDED_RCODES[code] ?? `RCODE${code}`;
}

function typeName(decoded: string, code: number): string {
  return decoded.startsWith('UNKNOWN_') ? (EXTRA_TYPES[code] ?? `TYPE${code}`) : decoded;
}

/** DNS names are case-insensitive; the dot-terminated spelling is only presentation. */
export function normalizeDnsName(name: string): string {
  return name === '.' ? '' : name.toLowerCase().replace(/\.$/, '');
}

function answerText(a: Answer): string | undefined {
  switch (a.type) {
    case 'A':
    case 'AAAA':
      return a.data;
    case 'CNAME':
    case 'DNAME':
    case 'NS':
    case 'PTR':
      return normalizeDnsName(a.data);
    case 'MX':
      return `${a.data.preference ?? 0} ${normalizeDnsName(a.data.exchange)}`;
    case 'SRV':
      return `${a.data.priority ?? 0} ${a.data.weight ?? 0} ${a.data.port} ${normalizeDnsName(a.data.target)}`;
    case 'TXT':
      return (Array.isArray(a.data) ? a.data : [a.data]).map((s) => s.toString()).join('');
    default:
      return undefined;
  }
}

/** Record types answerText renders; others are not handed to the library at all. */
const RENDERED_TYPES = new Set([1, 28, 5, 39, 2, 12, 15, 33, 16]);

function decodeAnswers(buf: Buffer, entries: readonly WireEntry[], questions: readonly DnsQuestion[]) {
  const answers: string[] = [];
  const answerIps: DnsAnswerIp[] = [];
  // owner name -> the question it answers, grown along CNAME chains in answer order.
  const askedFor = new Map(questions.map((q) => [q.name, q.name]));
  for (const entry of entries) {
    if (!RENDERED_TYPES.has(entry.type)) {
      continue;
    }
    const a = answer.decode(buf, entry.offset);
    const text = answerText(a);
    if (text === undefined) {
      continue;
    }
    answers.push(text);
    const owner = normalizeDnsName(a.name);
    const asked = askedFor.get(owner);
    if ((a.type === 'CNAME' || a.type === 'DNAME') && asked !== undefined) {
      askedFor.set(text, asked);
    } else if (a.type === 'A' || a.type === 'AAAA') {
      answerIps.push({ ip: text, ttl: a.ttl ?? 0, name: asked ?? owner });
    }
  }
  return { answers, answerIps };
}

/**
 * @param captureCut the payload is the first bytes of a longer datagram (the capture's limit):
 *   the header and the complete entries are still read.
 */
export function decodeDnsMessage(payload: Uint8Array, captureCut = false): DnsMessage | DnsMalformed {
  const check = checkDnsWire(payload, captureCut);
  if (!check.ok) {
    return { kind: 'malformed', reason: check.reason };
  }
  const { entries, cut, extendedRcode } = check.shape;
  const buf = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  try {
    const questions = entries.question.map((e) => {
      const q = question.decode(buf, e.offset);
      return { name: normalizeDnsName(q.name), type: typeName(q.type, e.type) };
    });
    const flags = buf.readUInt16BE(2);
    return {
      kind: 'message',
      id: buf.readUInt16BE(0),
      qr: (flags & 0x8000) !== 0,
      opcode: (flags >> 11) & 0xf,
      rcode: rcodeName((extendedRcode << 4) | (flags & 0xf)),
      tc: (flags & 0x0200) !== 0,
      questions,
      ...decodeAnswers(buf, entries.answer, questions),
      partial: cut,
    };
  } catch (e) {
    // The walk should leave the library nothing to throw on; if it does, the packet is still
    // just malformed, never the agent's end.
    return { kind: 'malformed', reason: `dns-packet: ${e instanceof Error ? e.message : String(e)}` };
  }
}
