import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DNS_CHUNK_BYTES, DnsPacketLines, type DnsLine, type DnsPacket } from './dnsPacketLine';

// Lines as bpftrace 0.17 printed them in bpf/dns/run.sh: the raw resolver's question and answer.
const RECORDED = [
  '{"type": "attached_probes", "data": {"probes": 5}}',
  '{"type": "value", "data": ["dns_hello",1,3262665523672,1232,5300,0,0,0]}',
  '{"type": "value", "data": ["dns",3269396206823,1,"egress",2,4026532177,16989,"python3",1,"10.250.0.2",48096,"10.250.0.1",53,36,28]}',
  '{"type": "printf", "data": "dns_payload 3269396206823 1 0 \\\\x12\\\\x34\\\\x01\\\\x00\\\\x00\\\\x01\\\\x00\\\\x00\\\\x00\\\\x00\\\\x00\\\\x00\\\\x06\\\\x6f\\\\x6b\\\\x2d\\\\x72\\\\x61\\\\x77\\\\x03\\\\x6c\\\\x61\\\\x62\\\\x00\\\\x00\\\\x01\\\\x00\\\\x01\\n"}',
  '{"type": "value", "data": ["dns",3269396630184,1,"ingress",2,4026532177,0,"",0,"10.250.0.1",53,"10.250.0.2",48096,52,44]}',
  '{"type": "printf", "data": "dns_payload 3269396630184 1 0 \\\\x12\\\\x34\\\\x81\\\\x80\\\\x00\\\\x01\\\\x00\\\\x01\\\\x00\\\\x00\\\\x00\\\\x00\\\\x06\\\\x6f\\\\x6b\\\\x2d\\\\x72\\\\x61\\\\x77\\\\x03\\\\x6c\\\\x61\\\\x62\\\\x00\\\\x00\\\\x01\\\\x00\\\\x01\\\\xc0\\\\x0c\\\\x00\\\\x01\\\\x00\\\\x01\\\\x00\\\\x00\\\\x00\\\\x3c\\\\x00\\\\x04\\\\xc0\\\\x00\\\\x02\\\\x0b\\n"}',
];

const QUESTION = Buffer.from('12340100000100000000000006' + Buffer.from('ok-raw').toString('hex') + '03' + Buffer.from('lab').toString('hex') + '0000010001', 'hex');

/** The lines dns.bt prints for one packet, for packets the lab did not record. */
function linesOf(p: { ts: number; cpu: number; payload: Buffer; udpLen?: number; pid?: number; comm?: string }): string[] {
  const udpLen = p.udpLen ?? p.payload.length + 8;
  const head = JSON.stringify({
    type: 'value',
    data: ['dns', p.ts, p.cpu, 'ingress', 3, 4026531840, p.pid ?? 0, p.comm ?? '', 0, 'fd00::1', 53, 'fd00::2', 40000, udpLen, p.payload.length],
  });
  const chunks: string[] = [];
  for (let off = 0; off < p.payload.length; off += DNS_CHUNK_BYTES) {
    const hex = [...p.payload.subarray(off, off + DNS_CHUNK_BYTES)].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('');
    chunks.push(JSON.stringify({ type: 'printf', data: `dns_payload ${p.ts} ${p.cpu} ${off} ${hex}\n` }));
  }
  return [head, ...chunks];
}

function packets(results: DnsLine[]): DnsPacket[] {
  return results.flatMap((r) => (r.kind === 'packet' ? [r.packet] : []));
}

test('recorded dns.bt lines become the question and answer the raw resolver exchanged', () => {
  const parser = new DnsPacketLines();
  const results = RECORDED.map((l) => parser.parse(l));
  assert.deepEqual(results.slice(0, 3), [
    { kind: 'attachedProbes', probes: 5 },
    { kind: 'hello', version: 1, ts: 3262665523672, maxPayload: 1232, ports: [5300] },
    { kind: 'pending' },
  ]);
  const [question, answer] = packets(results);
  assert.deepEqual(question, {
    ts: 3269396206823,
    ifindex: 2,
    netns: 4026532177,
    direction: 'egress',
    pid: 16989,
    comm: 'python3',
    cgroup: 1,
    saddr: '10.250.0.2',
    sport: 48096,
    daddr: '10.250.0.1',
    dport: 53,
    payload: new Uint8Array(QUESTION),
    truncated: false,
  });
  assert.equal(answer.direction, 'ingress');
  assert.equal(answer.pid, undefined, 'pid 0 means not the sender: no pid, comm or cgroup');
  assert.equal('comm' in answer, false);
  assert.equal(answer.payload.length, 44);
  assert.deepEqual([...answer.payload.subarray(40)], [192, 0, 2, 11]);
});

test('a long message is joined from its chunks even when another CPU\'s lines come in between', () => {
  const big = Buffer.alloc(989, 0);
  big.forEach((_, i) => (big[i] = (i * 7) & 0xff));
  const small = Buffer.from('abcd0100000100000000000000010001', 'hex');
  const a = linesOf({ ts: 1000, cpu: 0, payload: big });
  const b = linesOf({ ts: 1000, cpu: 1, payload: small, pid: 42, comm: 'dig "x" \\ y' });
  assert.equal(a.length, 1 + 10);
  const parser = new DnsPacketLines();
  const order = [a[0], a[1], a[2], b[0], a[3], b[1], ...a.slice(4)];
  const got = packets(order.map((l) => parser.parse(l)));
  assert.equal(got.length, 2);
  assert.deepEqual(Buffer.from(got[0].payload), small);
  assert.equal(got[0].comm, 'dig "x" \\ y');
  assert.deepEqual(Buffer.from(got[1].payload), big);
  assert.equal(got[1].saddr, 'fd00::1');
});

test('caplen short of the UDP length marks the message truncated; an empty one needs no chunk', () => {
  const parser = new DnsPacketLines();
  const [head, chunk] = linesOf({ ts: 5, cpu: 0, payload: Buffer.from('0001020304', 'hex'), udpLen: 8 + 1500 });
  assert.deepEqual(parser.parse(head), { kind: 'pending' });
  const r = parser.parse(chunk);
  assert.ok(r.kind === 'packet' && r.packet.truncated && r.packet.payload.length === 5);
  const [empty] = linesOf({ ts: 6, cpu: 0, payload: Buffer.alloc(0) });
  const e = parser.parse(empty);
  assert.ok(e.kind === 'packet' && e.packet.payload.length === 0 && !e.packet.truncated);
});

test('broken lines are malformed with a reason, and a broken packet is dropped, not half-kept', () => {
  const parser = new DnsPacketLines();
  const [head, c0, c1] = linesOf({ ts: 9, cpu: 2, payload: Buffer.alloc(150, 1) });
  const reason = (line: string) => {
    const r = parser.parse(line);
    assert.equal(r.kind, 'malformed', line);
    return (r as { reason: string }).reason;
  };
  assert.match(reason(c0), /no head line for this packet/);
  parser.parse(head);
  assert.match(reason(c1), /expected 100 bytes at offset 0, got 50 at 100; packet dropped/);
  assert.match(reason(c0), /no head line/, 'the dropped packet is gone');
  const value = (data: unknown[]) => JSON.stringify({ type: 'value', data });
  const good = JSON.parse(head).data as unknown[];
  const with_ = (i: number, v: unknown) => value(good.map((x, j) => (j === i ? v : x)));
  assert.match(reason(with_(3, 'sideways')), /direction: expected egress or ingress, got "sideways"/);
  assert.match(reason(with_(9, '10.0.0.256')), /saddr: expected an IPv4 or IPv6 address/);
  assert.match(reason(with_(10, 65536)), /sport: expected an integer in \[0, 65535\], got 65536/);
  assert.match(reason(with_(14, 200)), /caplen: expected at most udp_len - 8 = 150, got 200/);
  assert.match(reason(value(good.slice(0, 14))), /"dns" event: expected 15 fields, got 14/);
  assert.match(reason(value(['dns_hello', 2, 1, 1232, 0, 0, 0, 0])), /format version 2 is not supported/);
  assert.match(reason(JSON.stringify({ type: 'printf', data: 'dns_payload 9 2 0 \\x1' })), /expected "dns_payload <ts> <cpu> <offset>/);
  assert.match(reason('{"type": "value", "data": ["dns", '), /not valid JSON/);
  assert.match(reason('x'.repeat(9000)), /longer than the limit of 8192/);
  assert.equal(parser.parse('{"type": "printf", "data": "hello"}').kind, 'unknown');
  assert.deepEqual(parser.parse('{"type": "lost_events", "data": {"events": 7}}'), { kind: 'lostEvents', count: 7 });
});

test('heads whose chunks never come are evicted oldest first and counted', () => {
  const parser = new DnsPacketLines(2);
  const p = (ts: number) => linesOf({ ts, cpu: 0, payload: Buffer.alloc(20, ts) });
  [1, 2, 3].forEach((ts) => parser.parse(p(ts)[0]));
  assert.equal(parser.evicted, 1);
  assert.equal(parser.parse(p(1)[1]).kind, 'malformed');
  assert.equal(parser.parse(p(3)[1]).kind, 'packet');
  assert.equal(parser.drainIncomplete(), 1);
});

test('mutated lines never throw and give only known kinds', () => {
  const base = [...RECORDED, ...linesOf({ ts: 77, cpu: 3, payload: Buffer.alloc(250, 0x5c) })];
  const kinds = new Set(['packet', 'pending', 'hello', 'attachedProbes', 'lostEvents', 'malformed', 'unknown']);
  const parser = new DnsPacketLines(64);
  // A fixed LCG, so a failure reproduces.
  let seed = 12345;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) % n);
  const alphabet = '0123456789"\\[]{},: x-.abcdefn';
  for (let i = 0; i < 20_000; i++) {
    let line = base[rand(base.length)];
    for (let m = rand(4); m >= 0; m--) {
      const at = rand(line.length + 1);
      const op = rand(3);
      const ch = alphabet[rand(alphabet.length)];
      line = op === 0 ? line.slice(0, at) + line.slice(at + 1) : op === 1 ? line.slice(0, at) + ch + line.slice(at) : line.slice(0, at) + ch + line.slice(at + 1);
    }
    const r = parser.parse(line);
    assert.ok(kinds.has(r.kind), line);
    if (r.kind === 'malformed') {
      assert.doesNotMatch(r.reason, /parser error/, line);
    }
  }
});
