import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { writeIpv6 } from './ipv6Bytes';

function bytes(text: string): string | undefined {
  const out = new Uint8Array(18).fill(0xee);
  if (!writeIpv6(text, out, 1)) {
    return undefined;
  }
  assert.equal(out[0], 0xee, 'wrote before the offset');
  assert.equal(out[17], 0xee, 'wrote past the 16 bytes');
  return Buffer.from(out.subarray(1, 17)).toString('hex');
}

describe('writeIpv6', () => {
  it('writes dotted IPv4 as its v4-mapped address', () => {
    assert.equal(bytes('10.0.0.1'), '00000000000000000000ffff0a000001');
    assert.equal(bytes('255.255.255.255'), '00000000000000000000ffffffffffff');
    assert.equal(bytes('0.0.0.0'), '00000000000000000000ffff00000000');
  });

  it('writes IPv6 text: full, compressed anywhere, either case, with a dotted tail', () => {
    assert.equal(bytes('2001:0db8:0000:0000:0000:0000:0000:0001'), '20010db8000000000000000000000001');
    assert.equal(bytes('2001:DB8::1'), '20010db8000000000000000000000001');
    assert.equal(bytes('::'), '00000000000000000000000000000000');
    assert.equal(bytes('::1'), '00000000000000000000000000000001');
    assert.equal(bytes('fe80::'), 'fe800000000000000000000000000000');
    assert.equal(bytes('1:2:3:4:5:6:7::'), '00010002000300040005000600070000');
    assert.equal(bytes('::2:3:4:5:6:7:8'), '00000002000300040005000600070008');
    assert.equal(bytes('::ffff:10.0.0.1'), '00000000000000000000ffff0a000001');
    assert.equal(bytes('64:ff9b::1.2.3.4'), '0064ff9b000000000000000001020304');
    assert.equal(bytes('::1.2.3.4'), '00000000000000000000000001020304');
    assert.equal(bytes('1:2:3:4:5:6:1.2.3.4'), '00010002000300040005000601020304');
  });

  it('refuses what is not an address, as ClickHouse does', () => {
    for (const text of [
      '',
      ' 10.0.0.1',
      '10.0.0.1 ',
      '010.0.0.1',
      '1.2.3',
      '1.2.3.4.5',
      '1.2.3.256',
      '1..2.3',
      '1.2.3.',
      'nope',
      'fe80::1%eth0',
      ':::',
      '1::2::3',
      ':1:2:3:4:5:6:7',
      '1:2:3:4:5:6:7:',
      '1:2:3:4:5:6:7',
      '1:2:3:4:5:6:7:8:9',
      '12345::1',
      '::g',
      '1:2:3:4:5:6:7:1.2.3.4',
      '::1.2.3',
      '1.2.3.4::',
    ]) {
      assert.equal(bytes(text), undefined, JSON.stringify(text));
    }
  });
});
