import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCapturePipeline, type CaptureClock } from '../../../src/agent/capture/capturePipeline';
import { parseBpftraceLine } from '../../../src/agent/capture/bpftraceLine';
import { DNS_CHUNK_BYTES, DnsPacketLines } from '../../../src/agent/dns/dnsPacketLine';
import { query, response, a } from '../../../src/agent/dns/dnsTestPackets';
import { parseInventory } from '../../../src/agent/metadata/inventoryFile';
import { hostileTexts, type HostileTextOptions } from './hostileText';

/**
 * Issue 8, scenario 5: the parsers of what bpftrace prints and of the inventory file, fed hostile
 * inputs. A throw that escapes a parser is a crash (the agent would lose the line's whole
 * process or the inventory watcher); a line or file the parser rejects with a reason is the right
 * answer and is counted by kind. Each input is timed. Shared by fuzz/parserFuzz.test.ts (CI) and
 * scripts/fuzz-parsers.ts (10^6 each).
 */

export const FUZZ_TARGETS = ['bpftrace-lines', 'dns-lines', 'inventory'] as const;
export type FuzzTarget = (typeof FUZZ_TARGETS)[number];

export interface FuzzFailure {
  index: number;
  /** The input, cut to 2,000 characters. */
  input: string;
  error: string;
}

export interface ParserFuzzReport {
  target: FuzzTarget;
  seed: number;
  count: number;
  failures: number;
  firstFailure?: FuzzFailure;
  /** Outcomes by kind ('malformed', 'close', 'ok', 'errors', ...): proof the inputs reach both sides of the parser. */
  outcomes: Record<string, number>;
  maxMs: number;
  maxIndex: number;
  /** Characters of the input that took longest. */
  maxInputChars: number;
  /** Inputs that took longer than budgetMs of their length. */
  overBudget: number;
  /** The largest share of its budget an input took, and which. */
  worstBudgetShare: number;
  worstBudgetIndex: number;
  totalMs: number;
}

/**
 * Bounded parse time: linear in the input. Lines of up to megabytes are legitimate (a map snapshot
 * of 10,000 connections is ~1 MB), so a flat limit would fail them; what must never happen is time
 * that grows faster than the text. A second (a GC pause or a busy shared machine stalls even a
 * 44-character line for 100 ms), plus per character 5 µs for the bpftrace lines (V8's
 * JSON.parse on nested arrays runs at about 1.2 µs a level, the slowest linear case there is) and
 * 20 µs for the inventory (YAML with error recovery runs at 3-5 µs a character, and the file is
 * read when it changes, not per event).
 */
export function budgetMs(target: FuzzTarget, chars: number): number {
  return 1000 + (chars * (target === 'inventory' ? 20 : 5)) / 1000;
}

/** Feeds one input to the target; returns the outcome kind. */
type Feed = (input: string) => string;

const FIXTURES = join(__dirname, '..', '..', '..', 'src', 'agent');

function bpftraceLines(): { feed: Feed; texts: HostileTextOptions } {
  const recorded = readFileSync(join(FIXTURES, 'capture', 'fixtures', 'lab.bpftrace.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
  // Closes come in @closed map lines; as lines only when that map is full, which the lab never
  // fills. Both forms are seeds.
  const closeLines = recorded.flatMap((l) => {
    const closed = l.startsWith('{"type": "map", "data": {"@closed')
      ? (JSON.parse(l) as { data: Record<string, Record<string, unknown[]>> })
      : undefined;
    return closed === undefined
      ? []
      : Object.values(closed.data)
          .flatMap((m) => Object.values(m))
          .map((tuple) => JSON.stringify({ type: 'value', data: tuple }));
  });
  const seeds = [...recorded, ...closeLines.slice(0, 20)];
  let mono = 5e12;
  const clock: CaptureClock = { nowMs: () => 1.7e12 + mono / 1e6, monotonicNs: () => mono };
  // The whole consumer, not the parser alone: its tracker takes whatever the parser let through.
  const pipeline = createCapturePipeline({
    node: 'fuzz',
    clock,
    maxConnections: 4096,
    maxUdpFlows: 4096,
    reorderWindowMs: 5,
  });
  let fed = 0;
  return {
    texts: {
      seeds,
      tokens: [
        '"type"',
        '"value"',
        '"data"',
        '"printf"',
        '"lost_events"',
        '"attached_probes"',
        '"map"',
        '"hist"',
        '"flushed"',
        '"close"',
        '"fail"',
        '"@closed0"',
        '"seen"',
      ],
    },
    feed: (line) => {
      const kind = parseBpftraceLine(line).kind;
      pipeline.handleLine(line);
      if (++fed % 512 === 0) {
        mono += 1e9;
        pipeline.takeRows();
      }
      return kind;
    },
  };
}

/** dns.bt's lines for one packet: the head, then the payload in chunks. */
function dnsBtLines(ts: number, payload: Uint8Array, direction: 'egress' | 'ingress'): string[] {
  const head = JSON.stringify({
    type: 'value',
    data: [
      'dns',
      ts,
      1,
      direction,
      2,
      4026532177,
      1234,
      'curl',
      1,
      '10.250.0.2',
      48096,
      '10.250.0.1',
      53,
      payload.length + 8,
      payload.length,
    ],
  });
  const chunks: string[] = [];
  for (let off = 0; off < payload.length; off += DNS_CHUNK_BYTES) {
    const hex = [...payload.subarray(off, off + DNS_CHUNK_BYTES)]
      .map((b) => `\\x${b.toString(16).padStart(2, '0')}`)
      .join('');
    chunks.push(JSON.stringify({ type: 'printf', data: `dns_payload ${ts} 1 ${off} ${hex}\n` }));
  }
  return [head, ...chunks];
}

function dnsLines(): { feed: Feed; texts: HostileTextOptions } {
  const long = response(9, 'long.example', {
    answers: Array.from({ length: 20 }, (_, i) => a('long.example', `192.0.2.${i + 1}`)),
  });
  const seeds = [
    '{"type": "attached_probes", "data": {"probes": 5}}',
    '{"type": "value", "data": ["dns_hello",1,3262665523672,1232,5300,0,0,0]}',
    '{"type": "lost_events", "data": {"events": 12}}',
    ...dnsBtLines(3269396206823, query(0x1234, 'ok-raw.lab'), 'egress'),
    ...dnsBtLines(
      3269396630184,
      response(0x1234, 'ok-raw.lab', { answers: [a('ok-raw.lab', '192.0.2.11')] }),
      'ingress'
    ),
    ...dnsBtLines(3269396630999, long, 'ingress'),
  ];
  const parser = new DnsPacketLines(256);
  return {
    texts: {
      seeds,
      tokens: ['"dns"', '"dns_payload', '\\\\x', '\\\\x00', '\\\\xzz', ' 99999 ', ' -1 ', '"printf"', '"value"'],
    },
    feed: (line) => parser.parse(line).kind,
  };
}

function inventory(): { feed: Feed; texts: HostileTextOptions } {
  const dir = join(FIXTURES, 'metadata', 'fixtures', 'inventory');
  const seeds = ['valid.yaml', 'broken.yaml'].map((f) => readFileSync(join(dir, f), 'utf8'));
  const laughs = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    .concat(
      Array.from(
        { length: 9 },
        (_, i) =>
          `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`
      )
    )
    .join('\n');
  return {
    texts: {
      seeds,
      tokens: [
        '&a ',
        '*a',
        '<<: *a\n',
        '!!binary ',
        '!!js/function ',
        '!!python/object ',
        '? ',
        '%YAML 1.2\n',
        '\n---\n',
        '\n...\n',
        '- ',
        'cidr: ',
        'ip: ',
        'cgroup_regex: ',
        '(a+)+$',
        '/0',
        '/129',
        '\t',
      ],
      specials: [
        laughs,
        `entries:\n${'  - '.repeat(1)}${'['.repeat(5000)}`,
        `entries:\n${Array.from({ length: 2000 }, (_, i) => `${'  '.repeat(i % 200)}- cidr: 10.0.0.0/8`).join('\n')}`,
        `version: 1\nentries:\n${Array.from({ length: 5000 }, (_, i) => `  - ip: 10.${(i >> 8) & 255}.${i & 255}.1\n    name: host-${i}`).join('\n')}`,
        'entries:\n  - cgroup_regex: "(a+)+$"\n    name: redos\n  - cgroup_regex: "["\n',
      ],
    },
    feed: (text) => {
      const r = parseInventory(text, 'fuzz.yaml');
      return r.ok ? 'ok' : 'errors';
    },
  };
}

const TARGETS: Record<FuzzTarget, () => { feed: Feed; texts: HostileTextOptions }> = {
  'bpftrace-lines': bpftraceLines,
  'dns-lines': dnsLines,
  inventory,
};

/** The input `index` of a run: what a failure's seed and index stand for. */
export function fuzzInput(target: FuzzTarget, seed: number, index: number): string {
  const next = hostileTexts(seed, TARGETS[target]().texts);
  for (let i = 0; i < index; i++) {
    next();
  }
  return next();
}

export function runParserFuzz(target: FuzzTarget, count: number, seed: number): ParserFuzzReport {
  const { feed, texts } = TARGETS[target]();
  const next = hostileTexts(seed, texts);
  const report: ParserFuzzReport = {
    target,
    seed,
    count,
    failures: 0,
    outcomes: {},
    maxMs: 0,
    maxIndex: -1,
    maxInputChars: 0,
    overBudget: 0,
    worstBudgetShare: 0,
    worstBudgetIndex: -1,
    totalMs: 0,
  };
  const began = performance.now();
  for (let index = 0; index < count; index++) {
    const input = next();
    const t0 = performance.now();
    let outcome: string;
    try {
      outcome = feed(input);
    } catch (e) {
      outcome = 'crash';
      report.failures++;
      report.firstFailure ??= {
        index,
        input: input.slice(0, 2000),
        error: e instanceof Error ? (e.stack ?? e.message) : String(e),
      };
    }
    const ms = performance.now() - t0;
    if (ms > report.maxMs) {
      report.maxMs = ms;
      report.maxIndex = index;
      report.maxInputChars = input.length;
    }
    const share = ms / budgetMs(target, input.length);
    if (share > 1) {
      report.overBudget++;
    }
    if (share > report.worstBudgetShare) {
      report.worstBudgetShare = share;
      report.worstBudgetIndex = index;
    }
    report.outcomes[outcome] = (report.outcomes[outcome] ?? 0) + 1;
  }
  report.totalMs = performance.now() - began;
  return report;
}
