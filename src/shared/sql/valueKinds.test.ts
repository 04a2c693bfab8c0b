import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clickhouseType, IP, oneOf, PORT, STRING, UINT32, validateValue } from './valueKinds';

describe('validateValue', () => {
  it('takes any string for string dimensions, hostile ones included', () => {
    for (const s of ["'; DROP", '\\', '\u0000', '', '日本']) {
      assert.equal(validateValue(STRING, s, 'x'), s);
    }
    assert.throws(
      () => validateValue(STRING, 5, 'filter on qname'),
      /^Error: filter on qname: expected a string, got 5$/
    );
  });

  it('takes ports as integers 0-65535, from numbers or digit strings', () => {
    assert.equal(validateValue(PORT, 0, 'p'), 0);
    assert.equal(validateValue(PORT, '65535', 'p'), 65535);
    for (const bad of [65536, -1, 1.5, '80 OR 1=1', '0x50', '', NaN, null]) {
      assert.throws(
        () => validateValue(PORT, bad, 'filter on dst_port'),
        /filter on dst_port: expected a port \(integer 0-65535\)/
      );
    }
    assert.equal(validateValue(UINT32, '4294967295', 'pid'), 4294967295);
    assert.throws(
      () => validateValue(UINT32, 4294967296, 'pid'),
      /pid: expected an integer 0-4294967295, got 4294967296/
    );
  });

  it('takes IPv4 (stored v4-mapped) and IPv6 literals only', () => {
    assert.equal(validateValue(IP, '10.0.0.1', 'ip'), '::ffff:10.0.0.1');
    assert.equal(validateValue(IP, '2001:DB8::1', 'ip'), '2001:db8::1');
    assert.equal(validateValue(IP, '::', 'ip'), '::');
    assert.equal(validateValue(IP, '::ffff:1.2.3.4', 'ip'), '::ffff:1.2.3.4');
    assert.equal(validateValue(IP, '1:2:3:4:5:6:7:8', 'ip'), '1:2:3:4:5:6:7:8');
    for (const bad of ['10.0.0.256', '10.0.0', '1::2::3', '1:2:3:4:5:6:7:8:9', "10.0.0.1'", 'localhost', '', 7]) {
      assert.throws(
        () => validateValue(IP, bad, 'filter on remote_ip'),
        /filter on remote_ip: expected an IPv4 or IPv6 address/
      );
    }
  });

  it('takes enum members only and lists them', () => {
    assert.equal(validateValue(oneOf(['tcp', 'udp']), 'udp', 'p'), 'udp');
    assert.throws(
      () => validateValue(oneOf(['tcp', 'udp']), 'sctp', 'filter on protocol'),
      /^Error: filter on protocol: expected one of tcp, udp, got "sctp"$/
    );
  });

  it('maps kinds to placeholder types', () => {
    assert.deepEqual([STRING, PORT, UINT32, IP, oneOf(['a'])].map(clickhouseType), [
      'String',
      'UInt16',
      'UInt32',
      'IPv6',
      'String',
    ]);
  });
});
