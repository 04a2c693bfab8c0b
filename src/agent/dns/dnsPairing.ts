import type { DnsQuestion } from './dnsMessage';
import type { DnsAsker, DnsObservation, DnsProtocol } from './dnsObservation';

/**
 * Pairs DNS questions with their responses: one result per question, answered or TIMEOUT.
 *
 * - Pairing is by (protocol, client ip:port, server ip:port, id). A response whose addresses were
 *   rewritten on the way (a Service IP DNAT'd to a resolver pod, SNAT to the node IP) shows up
 *   on another tuple; it still pairs by (protocol, id, first question) when that is pending.
 * - A question sent again while unanswered is a retry of the same lookup, counted on its one
 *   result: the same tuple and id (glibc resends the same bytes), or the same client ip, pid,
 *   qname and qtype from another port or id (c-ares and Go pick new ids; glibc moves on to the
 *   next server). Asking again after an answer (glibc after a SERVFAIL) is a new lookup: the
 *   first answer was a real outcome.
 * - A lookup times out `timeoutMs` after its last send with no answer; latency counts from its
 *   first send, so it includes the client's waiting between retries.
 * - A response to a lookup already written (the server answered the retry too, or answered after
 *   the timeout) is counted as late, not as an orphan; orphans answer nothing we saw asked.
 *
 * Feed observations in time order (the pipeline's reorder queue does it). Pure: no Node APIs.
 */

export interface DnsLookupResult {
  /** Monotonic ns of the first send. */
  readonly tsNs: number;
  readonly asker: DnsAsker;
  readonly protocol: DnsProtocol;
  readonly clientIp: string;
  readonly clientPort: number;
  readonly serverIp: string;
  readonly serverPort: number;
  readonly id: number;
  readonly question: DnsQuestion;
  /** The response's rcode, or 'TIMEOUT'. */
  readonly rcode: string;
  /** > 0 when answered, 0 on TIMEOUT. */
  readonly latencyUs: number;
  readonly retries: number;
  readonly answers: readonly string[];
}

export type PairingOutcome = 'question' | 'retry' | 'answer' | 'late' | 'orphan' | 'ignored';

export interface DnsPairingOptions {
  /** Default 5000. */
  readonly timeoutMs?: number;
  /** Unanswered lookups kept; the oldest is dropped (and counted) beyond it. Default 65536. */
  readonly maxPending?: number;
}

export interface DnsPairingStats {
  readonly questions: number;
  readonly retries: number;
  readonly answered: number;
  readonly timeouts: number;
  readonly late: number;
  readonly orphans: number;
  /** Queries without a question or with an opcode other than QUERY. */
  readonly ignored: number;
  readonly evictions: number;
  readonly pending: number;
}

interface Lookup {
  readonly first: DnsObservation;
  readonly questions: readonly DnsQuestion[];
  lastTs: number;
  retries: number;
  /** Exchange keys of every send, for pairing and later for recognising late responses. */
  readonly exchangeKeys: string[];
  readonly fallbackKey: string;
  readonly retryKey: string;
}

const OPCODE_QUERY = 0;

function exchangeKey(protocol: string, clientIp: string, clientPort: number, serverIp: string, serverPort: number, id: number) {
  return `${protocol}|${clientIp}|${clientPort}|${serverIp}|${serverPort}|${id}`;
}

const questionKey = (q: DnsQuestion) => `${q.name}|${q.type}`;

function sameQuestions(a: readonly DnsQuestion[], b: readonly DnsQuestion[]): boolean {
  return a.length === b.length && a.every((q, i) => questionKey(q) === questionKey(b[i]));
}

function positive(value: number, what: string): number {
  if (!(value > 0) || !Number.isFinite(value)) {
    throw new RangeError(`DnsPairing ${what}: expected a positive number, got ${value}`);
  }
  return value;
}

export class DnsPairing {
  private readonly timeoutNs: number;
  private readonly maxPending: number;
  /** Set order is last-send order: a retry re-inserts its lookup. */
  private readonly pending = new Set<Lookup>();
  private readonly byExchange = new Map<string, Lookup>();
  private readonly byFallback = new Map<string, Lookup[]>();
  private readonly byRetry = new Map<string, Lookup>();
  /** Exchange and fallback keys of written lookups -> monotonic ns until which responses count as late. */
  private readonly finishedKeys = new Map<string, number>();
  private results: DnsLookupResult[] = [];
  private readonly c = { questions: 0, retries: 0, answered: 0, timeouts: 0, late: 0, orphans: 0, ignored: 0, evictions: 0 };

  constructor(options: DnsPairingOptions = {}) {
    this.timeoutNs = positive(options.timeoutMs ?? 5000, 'timeoutMs') * 1e6;
    this.maxPending = positive(options.maxPending ?? 65_536, 'maxPending');
  }

  handle(obs: DnsObservation): PairingOutcome {
    return obs.message.qr ? this.response(obs) : this.query(obs);
  }

  /** Times out lookups whose last send is more than the timeout before `nowNs`. */
  expire(nowNs: number): void {
    for (const lookup of this.pending) {
      if (nowNs - lookup.lastTs <= this.timeoutNs) {
        break;
      }
      this.finish(lookup, nowNs);
      this.c.timeouts++;
      this.emit(lookup, 'TIMEOUT', 0, []);
    }
    for (const [key, until] of this.finishedKeys) {
      if (until >= nowNs) {
        break;
      }
      this.finishedKeys.delete(key);
    }
  }

  /** Results completed since the last call. */
  take(): DnsLookupResult[] {
    const out = this.results;
    this.results = [];
    return out;
  }

  stats(): DnsPairingStats {
    return { ...this.c, pending: this.pending.size };
  }

  private query(obs: DnsObservation): PairingOutcome {
    const { message: m } = obs;
    if (m.questions.length === 0 || m.opcode !== OPCODE_QUERY) {
      this.c.ignored++;
      return 'ignored';
    }
    const key = exchangeKey(obs.protocol, obs.srcIp, obs.srcPort, obs.dstIp, obs.dstPort, m.id);
    const retryKey = `${obs.srcIp}|${obs.asker.pid}|${questionKey(m.questions[0])}`;
    const same = this.byExchange.get(key);
    const earlier = same !== undefined && sameQuestions(same.questions, m.questions) ? same : this.byRetry.get(retryKey);
    if (earlier !== undefined && sameQuestions(earlier.questions, m.questions)) {
      earlier.retries++;
      earlier.lastTs = obs.ts;
      this.pending.delete(earlier);
      this.pending.add(earlier);
      if (earlier !== same) {
        earlier.exchangeKeys.push(key);
        this.byExchange.set(key, earlier);
      }
      this.c.retries++;
      return 'retry';
    }
    const lookup: Lookup = {
      first: obs,
      questions: m.questions,
      lastTs: obs.ts,
      retries: 0,
      exchangeKeys: [key],
      fallbackKey: `${obs.protocol}|${m.id}|${questionKey(m.questions[0])}`,
      retryKey,
    };
    this.pending.add(lookup);
    this.byExchange.set(key, lookup);
    this.byRetry.set(retryKey, lookup);
    const list = this.byFallback.get(lookup.fallbackKey);
    if (list === undefined) {
      this.byFallback.set(lookup.fallbackKey, [lookup]);
    } else {
      list.push(lookup);
    }
    this.c.questions++;
    if (this.pending.size > this.maxPending) {
      this.remove(this.pending.values().next().value as Lookup);
      this.c.evictions++;
    }
    return 'question';
  }

  private response(obs: DnsObservation): PairingOutcome {
    const { message: m } = obs;
    const key = exchangeKey(obs.protocol, obs.dstIp, obs.dstPort, obs.srcIp, obs.srcPort, m.id);
    const asked = m.questions.length > 0 ? m.questions : undefined;
    const exact = this.byExchange.get(key);
    const fallbackKey = asked && `${obs.protocol}|${m.id}|${questionKey(asked[0])}`;
    const lookup =
      exact !== undefined && (asked === undefined || sameQuestions(exact.questions, asked))
        ? exact
        : fallbackKey !== undefined
          ? this.byFallback.get(fallbackKey)?.[0]
          : undefined;
    if (lookup === undefined) {
      const late = this.finishedKeys.has(key) || (fallbackKey !== undefined && this.finishedKeys.has(fallbackKey));
      this.c[late ? 'late' : 'orphans']++;
      return late ? 'late' : 'orphan';
    }
    this.finish(lookup, obs.ts);
    this.c.answered++;
    // A response stamped before its question can only come from clocks of two CPUs; it still
    // answered, so it gets the smallest latency rather than none.
    this.emit(lookup, m.rcode, Math.max(1, Math.round((obs.ts - lookup.first.ts) / 1000)), m.answers);
    return 'answer';
  }

  /** Written out: its keys now only recognise late responses, for one more timeout. */
  private finish(lookup: Lookup, nowNs: number): void {
    this.remove(lookup);
    for (const k of [...lookup.exchangeKeys, lookup.fallbackKey]) {
      this.finishedKeys.delete(k);
      this.finishedKeys.set(k, nowNs + this.timeoutNs);
    }
    while (this.finishedKeys.size > this.maxPending) {
      this.finishedKeys.delete(this.finishedKeys.keys().next().value as string);
    }
  }

  private remove(lookup: Lookup): void {
    this.pending.delete(lookup);
    for (const k of lookup.exchangeKeys) {
      if (this.byExchange.get(k) === lookup) {
        this.byExchange.delete(k);
      }
    }
    if (this.byRetry.get(lookup.retryKey) === lookup) {
      this.byRetry.delete(lookup.retryKey);
    }
    const list = this.byFallback.get(lookup.fallbackKey) ?? [];
    const rest = list.filter((l) => l !== lookup);
    if (rest.length === 0) {
      this.byFallback.delete(lookup.fallbackKey);
    } else {
      this.byFallback.set(lookup.fallbackKey, rest);
    }
  }

  private emit(lookup: Lookup, rcode: string, latencyUs: number, answers: readonly string[]): void {
    const f = lookup.first;
    for (const question of lookup.questions) {
      this.results.push({
        tsNs: f.ts,
        asker: f.asker,
        protocol: f.protocol,
        clientIp: f.srcIp,
        clientPort: f.srcPort,
        serverIp: f.dstIp,
        serverPort: f.dstPort,
        id: f.message.id,
        question,
        rcode,
        latencyUs,
        retries: lookup.retries,
        answers,
      });
    }
  }
}
