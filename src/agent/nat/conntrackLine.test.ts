import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConntrackLine } from './conntrackLine';

/** Lines as conntrack 1.4.7 prints them with `-E -e NEW -o extended` (the first two recorded in the lab). */

test("a DNAT'd TCP connect: the original tuple is the socket's, the reply source the backend", () => {
  const line =
    '    [NEW] ipv4     2 tcp      6 120 SYN_SENT src=10.201.0.2 dst=10.202.0.250 sport=59756 dport=80 [UNREPLIED] src=10.201.0.3 dst=10.201.0.2 sport=42749 dport=59756';
  assert.deepEqual(parseConntrackLine(line), {
    kind: 'flow',
    flow: {
      protocol: 'tcp',
      client: { ip: '10.201.0.2', port: 59756 },
      dialed: { ip: '10.202.0.250', port: 80 },
      backend: { ip: '10.201.0.3', port: 42749 },
    },
  });
});

test('UDP has no state word; mark=, zone=, id= and flags between the tuples are skipped', () => {
  const line =
    ' [NEW] ipv4 2 udp 17 30 src=10.0.0.5 dst=10.96.0.10 sport=40000 dport=53 [UNREPLIED] src=10.244.1.7 dst=10.0.0.5 sport=53 dport=40000 mark=0 zone=3 use=1 id=2438449116';
  assert.deepEqual(parseConntrackLine(line), {
    kind: 'flow',
    flow: {
      protocol: 'udp',
      client: { ip: '10.0.0.5', port: 40000 },
      dialed: { ip: '10.96.0.10', port: 53 },
      backend: { ip: '10.244.1.7', port: 53 },
    },
  });
});

test('IPv6 flows keep their family', () => {
  const line =
    '[NEW] ipv6 10 tcp 6 120 SYN_SENT src=fd00::2 dst=fd00:96::1 sport=33000 dport=443 [UNREPLIED] src=fd00:244::9 dst=fd00::2 sport=8443 dport=33000';
  const parsed = parseConntrackLine(line);
  assert.equal(parsed.kind, 'flow');
  assert.deepEqual(parsed.kind === 'flow' && parsed.flow.backend, { ip: 'fd00:244::9', port: 8443 });
});

test('a listing line (conntrack -L) is an existing flow, read the same way', () => {
  const line =
    'ipv4     2 tcp      6 98 TIME_WAIT src=10.201.0.2 dst=10.202.0.250 sport=41890 dport=80 src=10.201.0.3 dst=10.201.0.2 sport=38881 dport=41890 [ASSURED] mark=0 use=1';
  assert.deepEqual(parseConntrackLine(line), {
    kind: 'flow',
    flow: {
      protocol: 'tcp',
      client: { ip: '10.201.0.2', port: 41890 },
      dialed: { ip: '10.202.0.250', port: 80 },
      backend: { ip: '10.201.0.3', port: 38881 },
    },
  });
});

test('other protocols and event types are ignored, not malformed', () => {
  assert.deepEqual(
    parseConntrackLine(
      '[NEW] ipv4 2 icmp 1 30 src=10.0.0.1 dst=10.0.0.2 type=8 code=0 id=7 [UNREPLIED] src=10.0.0.2 dst=10.0.0.1 type=0 code=0 id=7'
    ),
    { kind: 'ignored', reason: 'protocol icmp' }
  );
  assert.deepEqual(
    parseConntrackLine(
      '[DESTROY] ipv4 2 tcp 6 src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1'
    ),
    { kind: 'ignored', reason: 'event [DESTROY]' }
  );
});

test('malformed lines say what was wrong', () => {
  const cases: Array<[string, RegExp]> = [
    ['', /expected ipv4 or ipv6 first/],
    ['conntrack v1.4.7 (conntrack-tools): 3 flow events have been shown.', /expected ipv4 or ipv6 first/],
    ['[NEW] ipv5 2 tcp 6 120 src=1.2.3.4', /expected ipv4 or ipv6 first \(after any event type\), got "ipv5"/],
    ['[NEW]', /expected ipv4 or ipv6 first \(after any event type\), got undefined/],
    // Cut short: no reply tuple.
    [
      '[NEW] ipv4 2 tcp 6 120 SYN_SENT src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2',
      /reply src= should be an ipv4 address, got undefined/,
    ],
    [
      '[NEW] ipv4 2 tcp 6 120 SYN_SENT src=10.0.0.1 dst=fd00::1 sport=1 dport=2 src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1',
      /original dst= should be an ipv4 address/,
    ],
    [
      '[NEW] ipv4 2 tcp 6 120 SYN_SENT src=10.0.0.1 dst=10.0.0.2 sport=1 dport=70000 src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1',
      /original dport= should be a port, got "70000"/,
    ],
    [
      '[NEW] ipv4 2 tcp 6 120 SYN_SENT src=10.0.0.1 dst=10.0.0.2 sport=x dport=2 src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1',
      /original sport= should be a port, got "x"/,
    ],
    [
      '[NEW] ipv4 2 tcp 6 120 SYN_SENT src=10.0.0.1 dst=10.0.0.2 sport=1 dport=2 src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1 src=10.0.0.9',
      /src= appears more than twice/,
    ],
  ];
  for (const [line, reason] of cases) {
    const parsed = parseConntrackLine(line);
    assert.equal(parsed.kind, 'malformed', line);
    assert.match(parsed.kind === 'malformed' ? parsed.reason : '', reason, line);
  }
});
