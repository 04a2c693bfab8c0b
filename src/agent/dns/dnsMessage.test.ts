import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeDnsMessage, type DnsMalformed, type DnsMessage } from './dnsMessage';
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
  TC,
  u16,
} from './dnsTestPackets';

function decoded(payload: Uint8Array, cut = false): DnsMessage {
  const m = decodeDnsMessage(payload, cut);
  assert.equal(m.kind, 'message', m.kind === 'malformed' ? m.reason : '');
  return m as DnsMessage;
}

function malformed(payload: Uint8Array, reason: RegExp, cut = false): void {
  const m = decodeDnsMessage(payload, cut);
  assert.equal(m.kind, 'malformed', `expected malformed, decoded ${JSON.stringify(m)}`);
  assert.match((m as DnsMalformed).reason, reason);
}

/** www.example.com A, answered through a CNAME to edge.example.com, names compressed. */
function compressedResponse(): Uint8Array {
  const question = [...labels('www.example.com'), ...u16(1), ...u16(1)]; // at 12, example.com at 16
  const cnameRdata = [4, ...[...'edge'].map((c) => c.charCodeAt(0)), ...pointer(16)];
  const edge = 12 + question.length + 2 + 10; // where the CNAME's RDATA starts
  return bytes(
    header(0x1234, 0x8180, 1, 3),
    question,
    [...pointer(12), ...recordFields(5, 30, cnameRdata.length), ...cnameRdata],
    [...pointer(edge), ...recordFields(1, 60, 4), 192, 0, 2, 10],
    [...pointer(edge), ...recordFields(1, 20, 4), 192, 0, 2, 11]
  );
}

describe('decodeDnsMessage', () => {
  it('reads a query: id, direction and the question in lower case without the trailing dot', () => {
    const m = decoded(query(0xbeef, 'Api.Example.COM.', 'AAAA'));
    assert.equal(m.id, 0xbeef);
    assert.equal(m.qr, false);
    assert.equal(m.opcode, 0);
    assert.deepEqual(m.questions, [{ name: 'api.example.com', type: 'AAAA' }]);
    assert.deepEqual(m.answers, []);
    assert.equal(m.partial, false);
  });

  it('renders a CNAME chain and its addresses, and labels the addresses with the asked name', () => {
    const m = decoded(
      response(7, 'www.example.com', {
        answers: [
          cname('www.example.com', 'WWW.example.com.cdn.net'),
          cname('www.example.com.cdn.net', 'edge1.cdn.net'),
          a('edge1.cdn.net', '198.51.100.7', 20),
          aaaa('edge1.cdn.net', '2001:db8::7', 40),
          a('unrelated.example.org', '203.0.113.9', 10),
        ],
      })
    );
    assert.equal(m.qr, true);
    assert.equal(m.rcode, 'NOERROR');
    assert.deepEqual(m.answers, ['www.example.com.cdn.net', 'edge1.cdn.net', '198.51.100.7', '2001:db8::7', '203.0.113.9']);
    assert.deepEqual(m.answerIps, [
      { ip: '198.51.100.7', ttl: 20, name: 'www.example.com' },
      { ip: '2001:db8::7', ttl: 40, name: 'www.example.com' },
      { ip: '203.0.113.9', ttl: 10, name: 'unrelated.example.org' },
    ]);
  });

  it('decodes compression pointers the way servers write them', () => {
    const m = decoded(compressedResponse());
    assert.deepEqual(m.questions, [{ name: 'www.example.com', type: 'A' }]);
    assert.deepEqual(m.answers, ['edge.example.com', '192.0.2.10', '192.0.2.11']);
    assert.deepEqual(
      m.answerIps.map((x) => [x.ip, x.name, x.ttl]),
      [
        ['192.0.2.10', 'www.example.com', 60],
        ['192.0.2.11', 'www.example.com', 20],
      ]
    );
  });

  it('names the error rcodes, with an SOA in the authority section left out of answers', () => {
    assert.equal(decoded(response(1, 'nope.example', { rcode: 3, authorities: [soa('example')] })).rcode, 'NXDOMAIN');
    assert.equal(decoded(response(1, 'x.example', { rcode: 2 })).rcode, 'SERVFAIL');
    const refused = decoded(response(1, 'x.example', { rcode: 5 }));
    assert.equal(refused.rcode, 'REFUSED');
    assert.deepEqual(refused.answers, []);
  });

  it('reports the TC bit of a response cut short by the server', () => {
    const m = decoded(response(9, 'big.example', { flags: TC, qtype: 'TXT' }));
    assert.equal(m.tc, true);
    assert.equal(m.rcode, 'NOERROR');
    assert.equal(decoded(response(9, 'big.example')).tc, false);
  });

  it('reads EDNS: an OPT record with an option, and the extended rcode it carries', () => {
    const opt = (extended: number) => ({
      type: 'OPT' as const,
      name: '.',
      udpPayloadSize: 1232,
      extendedRcode: extended,
      ednsVersion: 0,
      flags: 0,
      flag_do: false,
      options: [{ code: 12 as const, length: 8 }],
    });
    const plain = decoded(response(3, 'e.example', { answers: [a('e.example', '192.0.2.1')], additionals: [opt(0)] }));
    assert.equal(plain.rcode, 'NOERROR');
    assert.deepEqual(plain.answers, ['192.0.2.1']);
    // dns-packet's encoder drops extendedRcode, so set the OPT TTL's first byte by hand: 1 << 4 = 16.
    const bytesOut = response(3, 'e.example', { additionals: [opt(0)] });
    const optOwner = bytesOut.length - (1 + 10 + 4 + 8);
    bytesOut[optOwner + 1 + 4] = 1;
    assert.equal(decoded(bytesOut).rcode, 'BADVERS');
  });

  it('spells types without a mnemonic as RFC 3597 does, and knows HTTPS', () => {
    assert.equal(decoded(query(1, 'svc.example', 'UNKNOWN_65' as 'A')).questions[0].type, 'HTTPS');
    assert.equal(decoded(query(1, 'svc.example', 'UNKNOWN_999' as 'A')).questions[0].type, 'TYPE999');
  });

  it('reads the header, question and complete answers of a capture cut short, as partial', () => {
    const full = response(5, 'cut.example', { answers: [a('cut.example', '192.0.2.1'), a('cut.example', '192.0.2.2')] });
    const m = decoded(full.subarray(0, full.length - 3), true);
    assert.equal(m.partial, true);
    assert.deepEqual(m.questions, [{ name: 'cut.example', type: 'A' }]);
    assert.deepEqual(m.answers, ['192.0.2.1']);
    // The same bytes without the capture's word are a broken packet.
    malformed(full.subarray(0, full.length - 3), /ends inside an entry/);
  });
});

describe('decodeDnsMessage on hostile payloads', () => {
  const q = (name: number[]) => bytes(header(1, 0x0100, 1, 0), name, u16(1), u16(1));

  it('rejects a payload shorter than the header', () => {
    malformed(bytes(1, 2, 3), /shorter than the 12-byte header/);
    malformed(new Uint8Array(0), /0 bytes/);
  });

  it('rejects compression pointers to themselves, forward and into the header', () => {
    malformed(q(pointer(12)), /pointer at byte 12 to byte 12 is not to an earlier name/);
    malformed(q([1, 0x61, ...pointer(13)]), /not to an earlier name/);
    malformed(q([1, 0x61, ...pointer(40)]), /not to an earlier name/);
    malformed(q(pointer(2)), /to byte 2/);
  });

  it('rejects a two-pointer loop between names', () => {
    // Question 2 points at question 1, whose name points at question 2.
    malformed(bytes(header(1, 0x0100, 2, 0), pointer(18), u16(1), u16(1), pointer(12), u16(1), u16(1)), /not to an earlier name/);
  });

  it('rejects labels over 63 bytes and the reserved label types', () => {
    malformed(q([64, ...new Array<number>(64).fill(0x61), 0]), /length byte 0x40/);
    malformed(q([0x80, 0]), /0x80/);
  });

  it('rejects names over 255 bytes, also when assembled through pointers', () => {
    const label = [63, ...new Array<number>(63).fill(0x61)];
    malformed(q([...label, ...label, ...label, ...label, 0]), /over 255 bytes/);
    assert.equal(decoded(q([...label, ...label, ...label, 61, ...new Array<number>(61).fill(0x61), 0])).questions.length, 1);
    // 3 x 64 bytes, then a pointer to a 64-byte label + root: 257 bytes.
    const first = [...label, 0];
    const second = [...label, ...label, ...label, ...pointer(12)];
    malformed(bytes(header(1, 0x0100, 2, 0), first, u16(1), u16(1), second, u16(1), u16(1)), /over 255 bytes/);
  });

  it('rejects truncated packets at every length', () => {
    const full = compressedResponse();
    for (let n = 12; n < full.length; n++) {
      assert.equal(decodeDnsMessage(full.subarray(0, n)).kind, 'malformed', `cut at ${n}`);
    }
  });

  it('rejects qdcount 65535 and a huge ancount without walking them', () => {
    const header65535 = bytes(header(1, 0x0100, 65535, 0), labels('a.example'), u16(1), u16(1));
    malformed(header65535, /65535\/0\/0\/0 entries, which need at least 327687 bytes/);
    malformed(bytes(header(1, 0x8180, 1, 60000), labels('a.example'), u16(1), u16(1)), /60000/);
  });

  it('rejects a name that follows more than 127 pointers', () => {
    // The chain hides in the RDATA of a type nobody decodes: pointer i points at pointer i-1,
    // the first at the question's name; the A record's owner points at the last one.
    const withChain = (n: number) => {
      const rdata = Array.from({ length: n }, (_, i) => pointer(i === 0 ? 12 : 31 + 2 * (i - 1))).flat();
      return bytes(
        header(1, 0x8180, 1, 2),
        [1, 0x61, 0, ...u16(1), ...u16(1)],
        [...pointer(12), ...recordFields(99, 0, rdata.length), ...rdata],
        [...pointer(31 + 2 * (n - 1)), ...recordFields(1, 0, 4), 192, 0, 2, 1]
      );
    };
    assert.deepEqual(decoded(withChain(126)).answerIps, [{ ip: '192.0.2.1', ttl: 0, name: 'a' }]);
    malformed(withChain(127), /name at byte \d+ follows more than 127 compression pointers/);
  });

  it('stops at a work budget linear in the size when names share a long chain', () => {
    // Question k points at question k-1 (k hops each, up to 127), then every later question
    // points at the chain's end: quadratic work for dns-packet, a budget overrun here.
    const start = (k: number) => 12 + 7 + 6 * (k - 1);
    const parts: number[][] = [[1, 0x61, 0, ...u16(1), ...u16(1)]];
    for (let k = 1; k < 2700; k++) {
      parts.push([...pointer(k === 1 ? 12 : start(Math.min(k - 1, 126))), ...u16(1), ...u16(1)]);
    }
    const began = performance.now();
    malformed(bytes(header(1, 0x0100, parts.length, 0), ...parts), /more pointer and label steps than the message size allows/);
    assert.ok(performance.now() - began < 50, 'the walk stops at its budget');
  });

  it('rejects RDATA whose contents disagree with RDLENGTH', () => {
    const question = [...labels('x.example'), ...u16(1), ...u16(1)];
    const withRecord = (type: number, rdata: number[], rdLength = rdata.length) =>
      bytes(header(1, 0x8180, 1, 1), question, pointer(12), recordFields(type, 60, rdLength), rdata);
    malformed(withRecord(1, [1, 2, 3, 4, 5]), /is 4 bytes, RDLENGTH says 5/);
    malformed(withRecord(5, [...labels('y.example'), 0]), /RDLENGTH says 12/);
    malformed(withRecord(5, labels('y.example').slice(0, 5), 5), /overruns its RDLENGTH 5/);
    assert.deepEqual(decoded(withRecord(5, labels('y.example'))).answers, ['y.example']);
  });
});
