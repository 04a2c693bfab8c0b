import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nftLabScript } from './nftLabTable';

test('an empty lab table still has both chains, and the script replaces any previous table', () => {
  assert.equal(
    nftLabScript('nmlababc123', { lossByInterface: new Map(), blackholes: [] }),
    [
      'table bridge nmlababc123 {}',
      'delete table bridge nmlababc123',
      'table bridge nmlababc123 {',
      '\tchain pre {',
      '\t\ttype filter hook prerouting priority 0; policy accept;',
      '\t}',
      '\tchain post {',
      '\t\ttype filter hook postrouting priority 0; policy accept;',
      '\t}',
      '}',
      '',
    ].join('\n')
  );
});

test('loss drops TCP (not RSTs) both ways on the link; blackholes drop SYNs of either family', () => {
  const script = nftLabScript('nmlababc123', {
    lossByInterface: new Map([
      ['nmlababc123p0', 5],
      ['nmlababc123p1', 0],
    ]),
    blackholes: [
      { ip: '10.201.0.3', port: 5003 },
      { ip: 'fd00:201::3', port: 5003 },
    ],
  });
  const syn4 = 'ip daddr 10.201.0.3 tcp dport 5003 tcp flags & (syn | ack) == syn drop';
  const syn6 = 'ip6 daddr fd00:201::3 tcp dport 5003 tcp flags & (syn | ack) == syn drop';
  assert.equal(
    script,
    [
      'table bridge nmlababc123 {}',
      'delete table bridge nmlababc123',
      'table bridge nmlababc123 {',
      '\tchain pre {',
      '\t\ttype filter hook prerouting priority 0; policy accept;',
      `\t\t${syn4}`,
      `\t\t${syn6}`,
      '\t\tiifname "nmlababc123p0" tcp flags & rst == 0 numgen random mod 100 < 5 drop',
      '\t}',
      '\tchain post {',
      '\t\ttype filter hook postrouting priority 0; policy accept;',
      `\t\t${syn4}`,
      `\t\t${syn6}`,
      '\t\toifname "nmlababc123p0" tcp flags & rst == 0 numgen random mod 100 < 5 drop',
      '\t}',
      '}',
      '',
    ].join('\n')
  );
});

test('values that would make a wrong or unsafe rule are rejected with the value named', () => {
  const rules = (loss: number, ip = '10.201.0.3', port = 80) => ({
    lossByInterface: new Map([['nmlababc123p0', loss]]),
    blackholes: [{ ip, port }],
  });
  assert.throws(() => nftLabScript('t', rules(101)), /loss percent 101: expected an integer in \[0, 100\]/);
  assert.throws(() => nftLabScript('t', rules(2.5)), /loss percent 2.5/);
  assert.throws(
    () => nftLabScript('t', rules(1, '10.201.0.3; flush ruleset')),
    /blackhole ip "10.201.0.3; flush ruleset"/
  );
  assert.throws(() => nftLabScript('t', rules(1, '10.201.0.3', 0)), /blackhole port 0/);
  const quoted = { lossByInterface: new Map([['p0" drop; "', 5]]), blackholes: [] };
  assert.throws(() => nftLabScript('t', quoted), /interface "p0\\" drop; \\"": expected 1-15/);
});
