import { test } from 'node:test';
import assert from 'node:assert/strict';
import { counterDelta, parseNetCounters } from './netCounters';

// Excerpts of real /proc/net/snmp, /proc/net/netstat and /proc/net/snmp6, as `cat` joins them.
const SAMPLE = [
  'Ip: Forwarding DefaultTTL InReceives',
  'Ip: 2 64 35102',
  'Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails EstabResets CurrEstab InSegs OutSegs RetransSegs InErrs OutRsts InCsumErrors',
  'Tcp: 1 200 120000 -1 98 5 5 0 0 34743 21074 7 0 149 0',
  'Udp: InDatagrams NoPorts',
  'Udp: 358 0',
  'TcpExt: SyncookiesSent TCPLostRetransmit',
  'TcpExt: 0 3',
  'Ip6InReceives                   \t87',
  'Udp6InDatagrams                 \t12',
  '',
].join('\n');

test('names counters as nstat does and keeps every value', () => {
  const c = parseNetCounters(SAMPLE);
  assert.equal(c.TcpActiveOpens, 98);
  assert.equal(c.TcpPassiveOpens, 5);
  assert.equal(c.TcpAttemptFails, 5);
  assert.equal(c.TcpRetransSegs, 7);
  assert.equal(c.TcpOutRsts, 149);
  assert.equal(c.TcpMaxConn, -1);
  assert.equal(c.UdpInDatagrams, 358);
  assert.equal(c.IpInReceives, 35102);
  assert.equal(c.TcpExtTCPLostRetransmit, 3);
  assert.equal(c.Ip6InReceives, 87);
  assert.equal(c.Udp6InDatagrams, 12);
  assert.equal(Object.keys(c).length, 3 + 15 + 2 + 2 + 2);
});

test('a header without its value line, or a stray line, is an error that quotes the line', () => {
  assert.throws(
    () => parseNetCounters('Tcp: ActiveOpens PassiveOpens\nUdp: 1 2\n'),
    /header "Tcp: ActiveOpens PassiveOpens"/
  );
  assert.throws(() => parseNetCounters('Tcp: ActiveOpens PassiveOpens\nTcp: 1\n'), /not followed by its value line/);
  assert.throws(() => parseNetCounters('what is this line\n'), /unexpected line "what is this line"/);
  assert.throws(() => parseNetCounters('Ip6InReceives x\n'), /Ip6InReceives has non-numeric value "x"/);
});

test('counterDelta subtracts per counter and counts a new counter from zero', () => {
  assert.deepEqual(counterDelta({ TcpRetransSegs: 10, TcpActiveOpens: 4 }, { TcpRetransSegs: 3 }), {
    TcpRetransSegs: 7,
    TcpActiveOpens: 4,
  });
});
