import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCidr, parseIp } from './ipAddress';
import { PrefixTable } from './prefixTable';

test('IPv4 and its v4-mapped IPv6 spelling are one key', () => {
  assert.equal(parseIp('10.0.10.194'), parseIp('::ffff:10.0.10.194'));
  assert.equal(parseIp('10.0.10.194'), parseIp('::ffff:a00:ac2'));
  assert.equal(parseIp('2001:db8::1'), 0x20010db8000000000000000000000001n);
  assert.equal(parseIp('fe80::1%eth0'), parseIp('fe80::1'));
  assert.equal(parseIp('::'), 0n);
});

test('malformed addresses are undefined, never a wrong key', () => {
  for (const bad of ['', '10.0.0', '10.0.0.256', '1::2::3', 'example.com', '10.0.0.1/8', ' 10.0.0.1']) {
    assert.equal(parseIp(bad), undefined, bad);
  }
});

test('CIDRs clear host bits and put IPv4 prefixes in the 128-bit space', () => {
  assert.deepEqual(parseCidr('10.1.2.3/8'), { base: parseIp('10.0.0.0'), prefix: 104 });
  assert.deepEqual(parseCidr('2001:db8::/32'), { base: parseIp('2001:db8::'), prefix: 32 });
  assert.deepEqual(parseCidr('192.0.2.7'), { base: parseIp('192.0.2.7'), prefix: 128 });
  for (const bad of ['10.0.0.0/33', '10.0.0.0/', '10.0.0.0/-1', '::/129', 'x/8', '10.0.0.0/8/8']) {
    assert.equal(parseCidr(bad), undefined, bad);
  }
});

test('the prefix table answers most specific first and forgets deleted prefixes', () => {
  const table = new PrefixTable<string>();
  const wide = parseCidr('10.0.0.0/8')!;
  table.set(wide, 'vpc');
  table.set(parseCidr('10.0.10.0/24')!, 'subnet');
  table.set(parseCidr('10.0.10.194')!, 'host');
  table.set(parseCidr('2001:db8::/32')!, 'v6');
  assert.deepEqual([...table.matches(parseIp('10.0.10.194')!)], ['host', 'subnet', 'vpc']);
  assert.deepEqual([...table.matches(parseIp('10.9.0.1')!)], ['vpc']);
  assert.deepEqual([...table.matches(parseIp('192.0.2.1')!)], []);
  assert.deepEqual([...table.matches(parseIp('2001:db8:1::5')!)], ['v6']);
  table.delete(wide);
  assert.deepEqual([...table.matches(parseIp('10.9.0.1')!)], []);
});
