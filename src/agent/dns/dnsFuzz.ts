import { Buffer } from 'node:buffer';
import { encode, type Answer } from 'dns-packet';
import type { CaptureClock } from '../capture/capturePipeline';
import { seededRandom } from '../../shared/seededRandom';
import { decodeDnsMessage } from './dnsMessage';
import { createDnsPipeline, type DnsPipelineStats } from './dnsPipeline';
import {
  a,
  aaaa,
  bytes,
  cname,
  header,
  labels,
  pointer,
  query,
  recordFields,
  response,
  soa,
  soaData,
  TC,
  u16,
} from './dnsTestPackets';

/**
 * The fuzzer of the DNS engine: mutations of real messages (bit flips, truncations, pointer
 * rewrites, count and label-length rewrites, splices) and random bytes, from a seeded PRNG so
 * that a failure is reproduced by its seed and index. Every payload goes through
 * decodeDnsMessage and then the whole pipeline (pairing, duplicates, name map), with its time
 * measured. Shared by dnsFuzz.test.ts (CI) and scripts/fuzz-dns.ts (the long run).
 */

const record = (type: Answer['type'], data: unknown): Answer =>
  ({ type, name: 'rec.example', ttl: 60, data }) as Answer;

/** A compressed reply as servers write it; dns-packet's encoder never compresses. */
function compressedReply(): Uint8Array {
  const question = [...labels('www.example.com'), ...u16(1), ...u16(1)];
  const target = [4, 0x65, 0x64, 0x67, 0x65, ...pointer(16)];
  const edge = 12 + question.length + 12;
  return bytes(
    header(0x4242, 0x8180, 1, 3),
    question,
    [...pointer(12), ...recordFields(5, 30, target.length), ...target],
    [...pointer(edge), ...recordFields(1, 60, 4), 192, 0, 2, 10],
    [...pointer(edge), ...recordFields(28, 60, 16), ...new Array<number>(15).fill(0), 1]
  );
}

function seedPayloads(): Uint8Array[] {
  const name = 'api.svc.cluster.local';
  return [
    query(1, name),
    query(2, name, 'AAAA'),
    query(3, 'svc.example', 'UNKNOWN_65' as 'A'),
    response(1, name, {
      answers: [
        cname(name, 'edge.cdn.example'),
        a('edge.cdn.example', '192.0.2.1'),
        aaaa('edge.cdn.example', '2001:db8::1'),
      ],
    }),
    response(4, 'nope.example', { rcode: 3, authorities: [soa('example')] }),
    response(5, 'x.example', { rcode: 2 }),
    response(6, 'x.example', { rcode: 5 }),
    response(7, 'big.example', { flags: TC, qtype: 'TXT' }),
    response(8, 'e.example', {
      answers: [a('e.example', '192.0.2.8')],
      additionals: [
        {
          type: 'OPT',
          name: '.',
          udpPayloadSize: 1232,
          extendedRcode: 0,
          ednsVersion: 0,
          flags: 0,
          flag_do: true,
          options: [
            { code: 8, ip: '192.0.2.0', sourcePrefixLength: 24 },
            { code: 12, length: 4 },
          ],
        },
      ],
    }),
    response(9, 'rec.example', {
      qtype: 'UNKNOWN_255' as 'A',
      answers: [
        record('MX', { preference: 10, exchange: 'mail.example' }),
        record('SRV', { priority: 1, weight: 2, port: 443, target: 'srv.example' }),
        record('TXT', ['v=spf1 -all', 'second']),
        record('NS', 'ns1.example'),
        record('PTR', 'host.example'),
        record('SOA', soaData('example')),
        record('RP', { mbox: 'admin.example', txt: 'txt.example' }),
        record('NAPTR', {
          order: 1,
          preference: 2,
          flags: 'S',
          services: 'SIP+D2U',
          regexp: '',
          replacement: '_sip._udp.example',
        }),
        record('CAA', { flags: 0, tag: 'issue', value: 'ca.example' }),
        record('DS', { keyTag: 1, algorithm: 8, digestType: 2, digest: Buffer.alloc(32, 1) }),
      ],
      additionals: [
        record('RRSIG', {
          typeCovered: 'A',
          algorithm: 8,
          labels: 2,
          originalTTL: 60,
          expiration: 2,
          inception: 1,
          keyTag: 3,
          signersName: 'example',
          signature: Buffer.alloc(16, 2),
        }),
        record('NSEC', { nextDomain: 'z.example', rrtypes: ['A', 'AAAA', 'RRSIG'] }),
      ],
    }),
    compressedReply(),
    encode({
      type: 'query',
      id: 10,
      questions: [
        { type: 'A', name: 'one.example' },
        { type: 'MX', name: 'two.example' },
      ],
    }),
  ];
}

const SPECIAL_COUNTS = [0, 1, 2, 255, 256, 0x7fff, 0xffff];
const SPECIAL_LENGTHS = [0, 1, 63, 64, 0x3f, 0x40, 0x7f, 0x80, 0xbf, 0xc0, 0xff];

export function createFuzzInputs(seed: number) {
  const random = seededRandom(seed);
  const int = (n: number) => Math.floor(random() * n);
  const seeds = seedPayloads();
  const pick = () => seeds[int(seeds.length)];

  const mutations: Array<(b: Uint8Array) => Uint8Array> = [
    (b) => {
      const out = b.slice();
      for (let i = 1 + int(8); i > 0 && out.length > 0; i--) {
        out[int(out.length)] ^= 1 << int(8);
      }
      return out;
    },
    (b) => {
      const out = b.slice();
      for (let i = 1 + int(4); i > 0 && out.length > 0; i--) {
        out[int(out.length)] = int(256);
      }
      return out;
    },
    (b) => b.slice(0, int(b.length + 1)),
    (b) => {
      const out = new Uint8Array(b.length + 1 + int(64));
      out.set(b);
      for (let i = b.length; i < out.length; i++) {
        out[i] = int(256);
      }
      return out;
    },
    // A pointer anywhere after the header, to anywhere: backward, self, forward, past the end.
    (b) => {
      if (b.length < 14) {
        return b;
      }
      const out = b.slice();
      const at = 12 + int(out.length - 13);
      const target = int(out.length + 16) & 0x3fff;
      out[at] = 0xc0 | (target >> 8);
      out[at + 1] = target & 0xff;
      return out;
    },
    (b) => {
      if (b.length < 12) {
        return b;
      }
      const out = b.slice();
      const field = 4 + 2 * int(4);
      const value = random() < 0.7 ? SPECIAL_COUNTS[int(SPECIAL_COUNTS.length)] : int(0x10000);
      out[field] = value >> 8;
      out[field + 1] = value & 0xff;
      return out;
    },
    (b) => {
      if (b.length === 0) {
        return b;
      }
      const out = b.slice();
      out[int(out.length)] = SPECIAL_LENGTHS[int(SPECIAL_LENGTHS.length)];
      return out;
    },
    // The head of one message on the tail of another.
    (b) => {
      const other = pick();
      return Uint8Array.from([...b.subarray(0, int(b.length + 1)), ...other.subarray(int(other.length + 1))]);
    },
  ];

  const names = ['a.example', 'b.example', 'api.svc.cluster.local'];
  /** Well-formed traffic over few ids and names, so pairing meets retries, collisions and strays. */
  function traffic(): Uint8Array {
    const id = int(32);
    const name = names[int(names.length)];
    const qtype = random() < 0.5 ? 'A' : 'AAAA';
    if (random() < 0.5) {
      return query(id, name, qtype);
    }
    const answers =
      qtype === 'A'
        ? [a(name, `192.0.2.${int(256)}`, int(600))]
        : [aaaa(name, `2001:db8::${int(0xffff).toString(16)}`)];
    return response(id, name, { qtype, rcode: [0, 0, 0, 2, 3, 5][int(6)], answers });
  }

  return {
    /** The next payload and whether to present it as cut by the capture. */
    next(): { payload: Uint8Array; captureCut: boolean } {
      const kind = random();
      let payload: Uint8Array;
      if (kind < 0.05) {
        payload = Uint8Array.from({ length: int(600) }, () => int(256));
      } else if (kind < 0.25) {
        payload = traffic();
      } else {
        payload = pick();
        const r = random();
        for (let i = r < 0.6 ? 1 : r < 0.9 ? 2 : 3; i > 0; i--) {
          payload = mutations[int(mutations.length)](payload);
        }
      }
      return { payload, captureCut: random() < 0.2 };
    },
  };
}

export interface FuzzFailure {
  readonly index: number;
  readonly hex: string;
  readonly error: string;
}

export interface FuzzReport {
  readonly seed: number;
  readonly count: number;
  readonly malformed: number;
  readonly decoded: number;
  readonly failures: number;
  readonly firstFailure?: FuzzFailure;
  /** The slowest payload's decode + pipeline time, and its index (rerun the seed to get it). */
  readonly maxMs: number;
  readonly maxIndex: number;
  readonly totalMs: number;
  readonly pipeline: DnsPipelineStats;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Addresses of a few clients and resolvers, so mutated questions and responses do pair. */
const CLIENTS = ['10.1.0.5', '10.1.0.6', '::ffff:10.1.0.7'];
const RESOLVERS = ['10.0.0.1', 'fd00::53'];

export function runDnsFuzz(count: number, seed: number): FuzzReport {
  const inputs = createFuzzInputs(seed);
  const random = seededRandom(seed ^ 0x9e3779b9);
  let mono = 1e12;
  const clock: CaptureClock = { nowMs: () => 1.7e12 + mono / 1e6, monotonicNs: () => mono };
  const pipeline = createDnsPipeline({ node: 'fuzz', clock, maxPending: 4096, timeoutMs: 200, reorderWindowMs: 5 });
  let malformed = 0;
  let failures = 0;
  let firstFailure: FuzzFailure | undefined;
  let maxMs = 0;
  let maxIndex = -1;
  const began = performance.now();
  for (let index = 0; index < count; index++) {
    const { payload, captureCut } = inputs.next();
    mono += Math.floor(random() * 2e6);
    const client = CLIENTS[index % CLIENTS.length];
    const resolver = RESOLVERS[index % RESOLVERS.length];
    const outbound = (payload[2] ?? 0) < 0x80;
    const t0 = performance.now();
    try {
      if (decodeDnsMessage(payload, captureCut).kind === 'malformed') {
        malformed++;
      }
      pipeline.handlePacket({
        ts: mono,
        pid: outbound ? 1000 + (index % 7) : 0,
        saddr: outbound ? client : resolver,
        sport: outbound ? 40000 + (index % 5) : 53,
        daddr: outbound ? resolver : client,
        dport: outbound ? 53 : 40000 + (index % 5),
        payload,
        truncated: captureCut,
      });
      if (index % 256 === 0) {
        pipeline.takeRows();
        pipeline.names.lookup(client);
      }
    } catch (e) {
      failures++;
      firstFailure ??= { index, hex: hex(payload), error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
    }
    const ms = performance.now() - t0;
    if (ms > maxMs) {
      maxMs = ms;
      maxIndex = index;
    }
  }
  pipeline.drain();
  pipeline.takeRows();
  return {
    seed,
    count,
    malformed,
    decoded: count - malformed - failures,
    failures,
    ...(firstFailure ? { firstFailure } : {}),
    maxMs,
    maxIndex,
    totalMs: performance.now() - began,
    pipeline: pipeline.stats(),
  };
}
