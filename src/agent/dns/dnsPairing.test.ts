import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encode } from 'dns-packet';
import { decodeDnsMessage, type DnsMessage } from './dnsMessage';
import type { DnsObservation } from './dnsObservation';
import { DnsPairing } from './dnsPairing';
import { a, query, response } from './dnsTestPackets';

const MS = 1e6;
const CLIENT = { ip: '10.1.0.5', port: 40000 };
const SERVER = { ip: '10.96.0.10', port: 53 };
const ASKER = { pid: 321, comm: 'curl', containerId: 'c'.repeat(64) };

function message(payload: Uint8Array): DnsMessage {
  const m = decodeDnsMessage(payload);
  assert.equal(m.kind, 'message');
  return m as DnsMessage;
}

interface Ends {
  client?: { ip: string; port: number };
  server?: { ip: string; port: number };
  pid?: number;
}

function ask(ts: number, payload: Uint8Array, ends: Ends = {}): DnsObservation {
  const c = ends.client ?? CLIENT;
  const s = ends.server ?? SERVER;
  return {
    ts,
    protocol: 'udp',
    srcIp: c.ip,
    srcPort: c.port,
    dstIp: s.ip,
    dstPort: s.port,
    message: message(payload),
    asker: { ...ASKER, pid: ends.pid ?? ASKER.pid },
  };
}

function reply(ts: number, payload: Uint8Array, ends: Ends = {}): DnsObservation {
  const q = ask(ts, payload, ends);
  return { ...q, srcIp: q.dstIp, srcPort: q.dstPort, dstIp: q.srcIp, dstPort: q.srcPort, asker: { pid: 0, comm: '', containerId: '' } };
}

describe('DnsPairing', () => {
  it('pairs a question with its response: rcode, answers, latency from the send', () => {
    const p = new DnsPairing();
    assert.equal(p.handle(ask(1000 * MS, query(11, 'api.example'))), 'question');
    assert.deepEqual(p.take(), [], 'nothing until answered');
    const answered = response(11, 'api.example', { answers: [a('api.example', '192.0.2.8')] });
    assert.equal(p.handle(reply(1000 * MS + 1_234_567, answered)), 'answer');
    const [r, ...rest] = p.take();
    assert.equal(rest.length, 0);
    assert.deepEqual(
      { ...r, asker: r.asker.pid },
      {
        tsNs: 1000 * MS,
        asker: 321,
        protocol: 'udp',
        clientIp: CLIENT.ip,
        clientPort: CLIENT.port,
        serverIp: SERVER.ip,
        serverPort: SERVER.port,
        id: 11,
        question: { name: 'api.example', type: 'A' },
        rcode: 'NOERROR',
        latencyUs: 1235,
        retries: 0,
        answers: ['192.0.2.8'],
      }
    );
    assert.deepEqual(p.stats(), { questions: 1, retries: 0, answered: 1, timeouts: 0, late: 0, orphans: 0, ignored: 0, evictions: 0, pending: 0 });
  });

  it('keeps interleaved clients apart, even with the same id and name', () => {
    const p = new DnsPairing();
    const other = { ip: '10.1.0.6', port: 40000 };
    p.handle(ask(0, query(5, 'db.example'), { pid: 1 }));
    p.handle(ask(1 * MS, query(5, 'db.example'), { client: other, pid: 2 }));
    p.handle(ask(2 * MS, query(6, 'db.example', 'AAAA'), { pid: 1 }));
    p.handle(reply(3 * MS, response(5, 'db.example', { rcode: 3 }), { client: other }));
    p.handle(reply(4 * MS, response(6, 'db.example', { qtype: 'AAAA' })));
    p.handle(reply(5 * MS, response(5, 'db.example', { answers: [a('db.example', '192.0.2.1')] })));
    const got = p.take().map((r) => [r.clientIp, r.id, r.question.type, r.rcode, r.latencyUs, r.answers.join()]);
    assert.deepEqual(got, [
      ['10.1.0.6', 5, 'A', 'NXDOMAIN', 2000, ''],
      ['10.1.0.5', 6, 'AAAA', 'NOERROR', 2000, ''],
      ['10.1.0.5', 5, 'A', 'NOERROR', 5000, '192.0.2.1'],
    ]);
  });

  it('counts a resend of the same bytes as a retry of one lookup, latency from the first send', () => {
    const p = new DnsPairing();
    p.handle(ask(0, query(9, 'slow.example')));
    assert.equal(p.handle(ask(1000 * MS, query(9, 'slow.example'))), 'retry');
    p.handle(reply(1500 * MS, response(9, 'slow.example', { rcode: 2 })));
    const [r] = p.take();
    assert.equal(r.retries, 1);
    assert.equal(r.rcode, 'SERVFAIL');
    assert.equal(r.latencyUs, 1_500_000);
    assert.equal(p.stats().questions, 1);
  });

  it('counts a retry from a new port and id as the same lookup; the answer to either pairs, the other is late', () => {
    const p = new DnsPairing();
    p.handle(ask(0, query(100, 'svc.example')));
    assert.equal(p.handle(ask(2000 * MS, query(200, 'svc.example'), { client: { ip: CLIENT.ip, port: 40001 } })), 'retry');
    assert.equal(p.handle(reply(2100 * MS, response(200, 'svc.example'), { client: { ip: CLIENT.ip, port: 40001 } })), 'answer');
    assert.equal(p.handle(reply(2200 * MS, response(100, 'svc.example'))), 'late');
    const results = p.take();
    assert.equal(results.length, 1);
    assert.equal(results[0].retries, 1);
    assert.equal(results[0].id, 100, 'the row names the first send');
    assert.equal(results[0].latencyUs, 2_100_000);
    assert.equal(p.stats().late, 1);
    assert.equal(p.stats().orphans, 0);
  });

  it('does not merge the same name asked by two processes', () => {
    const p = new DnsPairing();
    p.handle(ask(0, query(1, 'x.example'), { pid: 10 }));
    assert.equal(p.handle(ask(MS, query(2, 'x.example'), { pid: 11, client: { ip: CLIENT.ip, port: 40001 } })), 'question');
  });

  it('times a question out after the timeout with no send and no answer', () => {
    const p = new DnsPairing({ timeoutMs: 5000 });
    p.handle(ask(10_000 * MS, query(3, 'silent.example')));
    p.expire(15_000 * MS);
    assert.deepEqual(p.take(), [], 'exactly the timeout is not yet past it');
    p.expire(15_001 * MS);
    const [r] = p.take();
    assert.deepEqual([r.rcode, r.latencyUs, r.answers, r.retries, r.question.name], ['TIMEOUT', 0, [], 0, 'silent.example']);
    assert.equal(p.stats().timeouts, 1);
    assert.equal(p.stats().pending, 0);
    assert.equal(p.handle(reply(16_000 * MS, response(3, 'silent.example'))), 'late', 'a response after the timeout');
    assert.equal(p.stats().orphans, 0);
  });

  it('counts the timeout from the last retry', () => {
    const p = new DnsPairing({ timeoutMs: 1000 });
    p.handle(ask(0, query(4, 'flaky.example')));
    p.handle(ask(900 * MS, query(4, 'flaky.example')));
    p.expire(1500 * MS);
    assert.deepEqual(p.take(), []);
    p.expire(1901 * MS);
    assert.deepEqual(
      p.take().map((r) => [r.rcode, r.retries]),
      [['TIMEOUT', 1]]
    );
  });

  it('treats asking again after an answer as a new lookup', () => {
    const p = new DnsPairing();
    p.handle(ask(0, query(1, 'again.example')));
    p.handle(reply(MS, response(1, 'again.example', { rcode: 2 })));
    assert.equal(p.handle(ask(2 * MS, query(2, 'again.example'), { server: { ip: '10.96.0.11', port: 53 } })), 'question');
    p.handle(reply(3 * MS, response(2, 'again.example'), { server: { ip: '10.96.0.11', port: 53 } }));
    assert.deepEqual(
      p.take().map((r) => [r.serverIp, r.rcode, r.retries]),
      [
        ['10.96.0.10', 'SERVFAIL', 0],
        ['10.96.0.11', 'NOERROR', 0],
      ]
    );
  });

  it('counts responses to nothing asked as orphans, also when only the question differs', () => {
    const p = new DnsPairing();
    assert.equal(p.handle(reply(0, response(1, 'never.example'))), 'orphan');
    p.handle(ask(MS, query(2, 'asked.example')));
    assert.equal(p.handle(reply(2 * MS, response(2, 'other.example'))), 'orphan');
    assert.equal(p.stats().orphans, 2);
    assert.equal(p.stats().pending, 1);
  });

  it('pairs a response whose server address was rewritten (Service IP to resolver pod)', () => {
    const p = new DnsPairing();
    p.handle(ask(0, query(77, 'kubernetes.default.svc.cluster.local')));
    const fromPod = { ip: '10.244.0.3', port: 53 };
    assert.equal(p.handle(reply(MS, response(77, 'kubernetes.default.svc.cluster.local'), { server: fromPod })), 'answer');
    assert.equal(p.take()[0].serverIp, SERVER.ip, 'the row keeps the address the client dialed');
  });

  it('writes one result per question of a multi-question query', () => {
    const p = new DnsPairing();
    const two = encode({ type: 'query', id: 8, questions: [{ type: 'A', name: 'one.example' }, { type: 'MX', name: 'two.example' }] });
    const both = encode({ type: 'response', id: 8, questions: [{ type: 'A', name: 'one.example' }, { type: 'MX', name: 'two.example' }] });
    p.handle(ask(0, two));
    p.handle(reply(MS, both));
    assert.deepEqual(
      p.take().map((r) => `${r.question.name}/${r.question.type}/${r.rcode}`),
      ['one.example/A/NOERROR', 'two.example/MX/NOERROR']
    );
  });

  it('ignores queries with no question or another opcode', () => {
    const p = new DnsPairing();
    assert.equal(p.handle(ask(0, encode({ type: 'query', id: 1, questions: [] }))), 'ignored');
    const notify = encode({ type: 'query', id: 2, flags: 4 << 11, questions: [{ type: 'SOA', name: 'zone.example' }] });
    assert.equal(p.handle(ask(0, notify)), 'ignored');
    assert.equal(p.stats().ignored, 2);
  });

  it('bounds pending questions, dropping the oldest and counting it', () => {
    const p = new DnsPairing({ maxPending: 3 });
    for (let i = 0; i < 5; i++) {
      p.handle(ask(i * MS, query(i, `n${i}.example`)));
    }
    assert.deepEqual([p.stats().pending, p.stats().evictions], [3, 2]);
    assert.equal(p.handle(reply(6 * MS, response(0, 'n0.example'))), 'orphan');
    assert.equal(p.handle(reply(6 * MS, response(4, 'n4.example'))), 'answer');
  });
});
