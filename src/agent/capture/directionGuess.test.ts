import { test } from 'node:test';
import assert from 'node:assert/strict';
import { guessDirection, guessUdpDirection, LINUX_EPHEMERAL_PORTS as R } from './directionGuess';

test('guessDirection: the ephemeral side connected; otherwise the lower port is the server', () => {
  const cases: Array<[number, number, string]> = [
    [45000, 443, 'outbound'],
    [22, 51000, 'inbound'],
    [8080, 5432, 'outbound'], // neither ephemeral: the peer's lower port is the server
    [5432, 8080, 'inbound'],
    [40000, 50000, 'inbound'], // both ephemeral
    [32768, 60999, 'inbound'], // range bounds are inclusive
  ];
  for (const [local, remote, want] of cases) {
    assert.equal(guessDirection(local, remote, R), want, `${local} -> ${remote}`);
  }
});

test('guessUdpDirection: unconnected sockets, ports, then what the first interval did', () => {
  const sent = { sent: true, received: false };
  const got = { sent: false, received: true };
  const both = { sent: true, received: true };
  assert.equal(guessUdpDirection(5353, 0, both, R), 'inbound', 'a server on a fixed port');
  assert.equal(guessUdpDirection(39277, 0, sent, R), 'outbound', 'an unconnected client');
  assert.equal(guessUdpDirection(123, 0, sent, R), 'outbound', 'fixed port, but it only sent');
  assert.equal(guessUdpDirection(52701, 53, both, R), 'outbound');
  assert.equal(guessUdpDirection(53, 52701, both, R), 'inbound');
  assert.equal(guessUdpDirection(4789, 4789, got, R), 'inbound');
  assert.equal(guessUdpDirection(4789, 4789, sent, R), 'outbound');
});
