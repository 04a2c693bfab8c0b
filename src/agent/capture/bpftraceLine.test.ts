import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEPTH_SCAN_MIN_CHARS, MAX_JSON_DEPTH, parseBpftraceLine, tooDeepAt, type BpftraceLine } from './bpftraceLine';

const fixture = readFileSync(join(__dirname, 'fixtures', 'lab.bpftrace.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean);

/** start, direction, pid, comm, cgroup, netns, laddr, lport, raddr, rport: an @new entry's value. */
const IDENT = '1193772932223,"outbound",22459,"nm-client",1,4026532177,"10.200.0.1",42376,"10.200.0.2",5001';
const CLOSE = `"close",1193773529965,-131387204658240,${IDENT},400016,0,287,25,2,26232,1,104`;
const newMap = (entries: string) => `{"type": "map", "data": {"@new0": {${entries}}}}`;
const value = (data: string) => `{"type": "value", "data": [${data}]}`;

test('parse: every line bpftrace wrote in the lab has a known kind', () => {
  const kinds = fixture.map((l) => parseBpftraceLine(l).kind);
  assert.deepEqual(
    kinds.filter((k) => k === 'malformed' || k === 'unknown'),
    []
  );
  assert.equal(kinds[0], 'attachedProbes');
  assert.equal(kinds[1], 'hello');
});

const valid: Array<[string, string, BpftraceLine]> = [
  ['hello', value('"hello",3,928890227347,1'), { kind: 'hello', version: 3, ts: 928890227347, intervalS: 1 }],
  [
    '@new0: connections established since the last flush and still open',
    newMap(`"-131387204658240": [${IDENT}]`),
    {
      kind: 'tcpIdentities',
      skipped: 0,
      entries: [
        {
          sk: -131387204658240,
          start: 1193772932223,
          direction: 'outbound',
          pid: 22459,
          comm: 'nm-client',
          cgroup: 1,
          netns: 4026532177,
          laddr: '10.200.0.1',
          lport: 42376,
          raddr: '10.200.0.2',
          rport: 5001,
        },
      ],
    },
  ],
  [
    '@new1: a bad entry is skipped, not the map',
    newMap(`"-5": [${IDENT}], "-6": [${IDENT.replace('"outbound"', '"unknown"')}]`).replace('@new0', '@new1'),
    {
      kind: 'tcpIdentities',
      skipped: 1,
      firstReason: '@new1 direction: expected outbound or inbound, got "unknown"',
      entries: [
        {
          sk: -5,
          start: 1193772932223,
          direction: 'outbound',
          pid: 22459,
          comm: 'nm-client',
          cgroup: 1,
          netns: 4026532177,
          laddr: '10.200.0.1',
          lport: 42376,
          raddr: '10.200.0.2',
          rport: 5001,
        },
      ],
    },
  ],
  [
    'seen',
    value(`"seen",7,-8,${IDENT.replace('"outbound"', '"unknown"')}`),
    {
      kind: 'seen',
      ts: 7,
      sk: -8,
      start: 1193772932223,
      direction: 'unknown',
      pid: 22459,
      comm: 'nm-client',
      cgroup: 1,
      netns: 4026532177,
      laddr: '10.200.0.1',
      lport: 42376,
      raddr: '10.200.0.2',
      rport: 5001,
    },
  ],
  [
    'owner with a hostile comm',
    value('"owner",5,-8,4,16121,"a\\"b,c\\\\"'),
    { kind: 'owner', ts: 5, sk: -8, start: 4, pid: 16121, comm: 'a"b,c\\' },
  ],
  ['reset', value('"reset",5,-8,4,"sent"'), { kind: 'reset', ts: 5, sk: -8, start: 4, way: 'sent' }],
  ['flush', value('"flush",929957852858,1'), { kind: 'flush', ts: 929957852858, seq: 1 }],
  [
    'flushed',
    value('"flushed",929957876734,1,3,2,4'),
    { kind: 'flushed', ts: 929957876734, seq: 1, untrackedResets: 3, tableFull: 2, lateTicks: 4 },
  ],
  ['tick', value('"tick",929957852858'), { kind: 'tick', ts: 929957852858 }],
  [
    'flushed of format 2 (no late_ticks) is refused',
    value('"flushed",929957876734,1,3,2'),
    { kind: 'malformed', reason: '"flushed" event: expected 6 fields, got 5' },
  ],
  [
    '@tcp0 (and @tcp1, the other generation)',
    '{"type": "map", "data": {"@tcp0": {"-131386916859264": [929649748444,0,40016,6,31,0,43]}}}',
    {
      kind: 'tcpSnapshot',
      skipped: 0,
      entries: [
        {
          sk: -131386916859264,
          start: 929649748444,
          totals: { txBytes: 0, rxBytes: 40016, txPackets: 6, rxPackets: 31, retransmits: 0 },
          rttUs: 43,
        },
      ],
    },
  ],
  [
    '@udp_id1 with an IPv6 peer',
    '{"type": "map", "data": {"@udp_id1": {"-13,7": ["::ffff:10.0.0.1",53,"fd00::1",5353,1,99,"udp\\"x"]}}}',
    {
      kind: 'udpIdentities',
      skipped: 0,
      entries: [
        {
          sk: -13,
          pid: 7,
          laddr: '::ffff:10.0.0.1',
          lport: 53,
          raddr: 'fd00::1',
          rport: 5353,
          cgroup: 1,
          netns: 99,
          comm: 'udp"x',
        },
      ],
    },
  ],
  [
    '@udp0 stats',
    '{"type": "stats", "data": {"@udp0": {"tracepoint:sock:sock_recv_length,-13,7": {"count": 4, "average": 25, "total": 100}}}}',
    { kind: 'udpStats', skipped: 0, entries: [{ sk: -13, pid: 7, way: 'rx', datagrams: 4, bytes: 100 }] },
  ],
  ['lost_events (0.17)', '{"type": "lost_events", "data": {"events": 12}}', { kind: 'lostEvents', count: 12 }],
  [
    'lost_events (newer)',
    '{"type": "lost_events", "count": 3, "data": {"events": 3}}',
    { kind: 'lostEvents', count: 3 },
  ],
  [
    'helper_error map full',
    '{"type": "helper_error", "helper": "map_update_elem", "retcode": -7, "line": 226, "col": 24}',
    { kind: 'helperError', helper: 'map_update_elem', retcode: -7, line: 226 },
  ],
  [
    'helper_error without a line',
    '{"type": "helper_error", "helper": "map_update_elem", "retcode": -7}',
    { kind: 'helperError', helper: 'map_update_elem', retcode: -7 },
  ],
  ['attached_probes', '{"type": "attached_probes", "data": {"probes": 12}}', { kind: 'attachedProbes', probes: 12 }],
];

for (const [name, line, want] of valid) {
  test(`parse: ${name}`, () => {
    assert.deepEqual(parseBpftraceLine(line), want);
  });
}

test('parse: close and fail carry the final totals', () => {
  const e = parseBpftraceLine(value(CLOSE));
  assert.equal(e.kind, 'close');
  assert.ok(e.kind === 'close');
  assert.deepEqual(e.totals, { txBytes: 400016, rxBytes: 0, txPackets: 287, rxPackets: 25, retransmits: 2 });
  assert.deepEqual([e.rttUs, e.resets, e.errno], [26232, 1, 104]);
});

const closedMap = (name: string, entries: string) => `{"type": "map", "data": {"${name}": {${entries}}}}`;

test('parse: @closed0 and @closed1 hold a second of close and fail events, each as its line', () => {
  const fail = CLOSE.replace('"close"', '"fail"').replace(/,1,104$/, ',0,111');
  const line = closedMap('@closed1', `"-131387204658240,1193772932223": [${CLOSE}], "-9,1193772932223": [${fail}]`);
  const e = parseBpftraceLine(line);
  assert.ok(e.kind === 'tcpCloses');
  assert.equal(e.skipped, 0);
  assert.deepEqual(e.entries[0], parseBpftraceLine(value(CLOSE)));
  assert.deepEqual(e.entries[1], parseBpftraceLine(value(fail)));
  assert.equal(e.entries[1].kind, 'fail');
  assert.equal(e.entries[1].errno, 111);
});

test('parse: a bad @closed0 entry is skipped with its reason, the others kept', () => {
  const e = parseBpftraceLine(
    closedMap(
      '@closed0',
      `"1,2": [${CLOSE}], "3,4": [${CLOSE.replace('"close"', '"open"')}], "5,6": [${CLOSE.replace(',5001', '')}]`
    )
  );
  assert.ok(e.kind === 'tcpCloses');
  assert.deepEqual(
    [e.entries.length, e.skipped, e.firstReason],
    [1, 2, '@closed0 entry: expected a close or fail event, got "open"']
  );
  const empty = parseBpftraceLine(closedMap('@closed0', `"1,2": 7`));
  assert.ok(empty.kind === 'tcpCloses');
  assert.deepEqual([empty.entries, empty.skipped], [[], 1]);
  assert.match(empty.firstReason ?? '', /@closed0 entry: expected 21 fields, got 7/);
});

const malformed: Array<[string, string, RegExp]> = [
  ['not JSON', '{"type": "value", "data": [', /not valid JSON/],
  ['truncated mid-line', fixture[2].slice(0, 60), /not valid JSON/],
  ['NaN is not JSON', value('"flush",NaN,1'), /not valid JSON/],
  ['empty line', '', /not valid JSON/],
  ['a JSON array', '[1,2]', /line: expected an object/],
  ['JSON null', 'null', /line: expected an object/],
  ['close with a field missing', value(CLOSE.replace(',5001', '')), /"close" event: expected 21 fields, got 20/],
  ['close with an extra field', value(`${CLOSE},7`), /expected 21 fields, got 22/],
  ['huge number', value('"flush",1e400,1'), /flush ts: expected an integer/],
  ['counter beyond 2^53', value('"flushed",5,1,18446744073709551615,0,0'), /untracked_resets/],
  ['negative counter', value('"flushed",5,1,-1,0,0'), /untracked_resets: expected an integer in \[0/],
  ['negative late_ticks', value('"flushed",5,1,0,0,-1'), /late_ticks: expected an integer in \[0/],
  ['fractional number', value('"flush",5.5,1'), /flush ts/],
  ['number as a string', value('"flush","5",1'), /flush ts/],
  ['port out of range', value(CLOSE.replace(',42376,', ',70000,')), /close lport/],
  ['not an address', value(CLOSE.replace('"10.200.0.1"', '"10.200.0.1; rm"')), /close laddr: expected an IPv4 or IPv6/],
  ['socket 0', value('"reset",5,0,4,"sent"'), /reset sk: expected a socket address/],
  ['bad direction', value(CLOSE.replace('"outbound"', '"sideways"')), /close direction/],
  ['seen must be unknown', value(`"seen",7,-8,${IDENT}`), /seen direction: expected unknown/],
  ['open lines are no longer printed', value(`"open",7,-8,${IDENT}`), /unknown event "open"/],
  ['comm too long', value(`"owner",5,-8,4,1,"${'x'.repeat(200)}"`), /owner comm/],
  ['nested garbage', value('["open"],{"a":[[[]]]}'), /expected 13 fields|unknown event/],
  ['other format version', value('"hello",2,5,10'), /format version 2 is not supported; expected 3/],
  ['map line with two maps', '{"type": "map", "data": {"@tcp": {}, "@x": {}}}', /exactly one map/],
  ['map data not an object', '{"type": "map", "data": [1]}', /map line data: expected an object/],
  ['value data not an array', '{"type": "value", "data": {"x": 1}}', /expected a non-empty array/],
  ['lost_events without a count', '{"type": "lost_events", "data": {}}', /lost_events events/],
];

for (const [name, line, reason] of malformed) {
  test(`parse rejects: ${name}`, () => {
    const e = parseBpftraceLine(line);
    assert.equal(e.kind === 'malformed' || e.kind === 'unknown', true, `got ${e.kind}`);
    assert.match((e as { reason: string }).reason, reason);
  });
}

test('parse: unknown line types and events are "unknown", not malformed', () => {
  for (const line of [
    '{"type": "printf", "data": "hi"}',
    value('"sneeze",1,2'),
    '{"type": "map", "data": {"@other": {}}}',
    '{"type": "stats", "data": {"@other": {}}}',
  ]) {
    assert.equal(parseBpftraceLine(line).kind, 'unknown', line);
  }
});

test('parse: bad map entries are skipped, good ones kept', () => {
  const line =
    '{"type": "map", "data": {"@tcp1": {"-5": [1,2,3,4,5,6,7], "oops": [1,2,3,4,5,6,7], "-6": [1,2], "__proto__": [1,2,3,4,5,6,7], "-7": [1,-2,3,4,5,6,7]}}}';
  const e = parseBpftraceLine(line);
  assert.ok(e.kind === 'tcpSnapshot');
  assert.deepEqual(
    e.entries.map((x) => x.sk),
    [-5]
  );
  assert.equal(e.skipped, 4);
  const stats = parseBpftraceLine(
    '{"type": "stats", "data": {"@udp1": {"kprobe:x,-1,2": {"count": 1, "total": 1}, "tracepoint:sock:sock_send_length,-1,2": {"count": 1}}}}'
  );
  assert.ok(stats.kind === 'udpStats');
  assert.equal(stats.skipped, 2);
});

test('parse: a line over the cap is rejected without parsing it', () => {
  const mib = `{"type": "printf", "data": "${'x'.repeat(1024 * 1024)}"}`;
  const e = parseBpftraceLine(mib, 1024 * 1024);
  assert.equal(e.kind, 'malformed');
  assert.match((e as { reason: string }).reason, /longer than the limit of 1048576/);
  // Under the default cap the same line is read, and is merely of an unknown type.
  assert.equal(parseBpftraceLine(mib).kind, 'unknown');
});

test('parse: nesting deeper than bpftrace ever prints is refused before JSON.parse, naming where', () => {
  const deep = `{"type": "value", "data": ${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}}`;
  const e = parseBpftraceLine(deep);
  assert.equal(e.kind, 'malformed');
  assert.match((e as { reason: string }).reason, /nested deeper than 8 levels at character 33/);
  assert.equal(tooDeepAt('['.repeat(MAX_JSON_DEPTH)), -1);
  assert.equal(tooDeepAt('['.repeat(MAX_JSON_DEPTH + 1)), MAX_JSON_DEPTH);
  // Brackets inside strings, with escaped quotes before them, do not count.
  const comm = `"x\\\"${'['.repeat(50)}"`;
  assert.equal(tooDeepAt(`[${comm}, {"a": [${comm}]}]`), -1);
  // A short line is left to JSON.parse, which bounds it by its length.
  const short = `{"type": "value", "data": ${'['.repeat(DEPTH_SCAN_MIN_CHARS / 2)}${']'.repeat(DEPTH_SCAN_MIN_CHARS / 2)}}`;
  assert.ok(short.length > DEPTH_SCAN_MIN_CHARS);
  assert.match((parseBpftraceLine(short) as { reason: string }).reason, /nested deeper than 8 levels/);
  const shallowEnough = parseBpftraceLine(`{"type": "value", "data": [[[[[[[[[["hello"]]]]]]]]]]}`);
  assert.deepEqual(
    [shallowEnough.kind, /nested/.test((shallowEnough as { reason: string }).reason)],
    ['unknown', false]
  );
  // Every line of the recorded lab output is within the limit.
  for (const line of fixture) {
    assert.equal(tooDeepAt(line), -1, line);
  }
});

test('parse: deep nesting and mutations of real lines never throw', () => {
  assert.notEqual(parseBpftraceLine(`${'['.repeat(200_000)}${']'.repeat(200_000)}`).kind, undefined);
  assert.equal(parseBpftraceLine(`{"type": "value", "data": ${'['.repeat(100_000)}`).kind, 'malformed');
  // Deterministic pseudo-random cuts and byte flips of every fixture line.
  let seed = 42;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  for (const line of fixture) {
    for (let i = 0; i < 30; i++) {
      const at = rand(line.length);
      const mutated =
        i % 2 === 0 ? line.slice(0, at) : line.slice(0, at) + String.fromCharCode(rand(128)) + line.slice(at + 1);
      const e = parseBpftraceLine(mutated);
      assert.equal(typeof e.kind, 'string');
    }
  }
});
