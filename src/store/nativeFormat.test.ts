import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { INGEST_TABLES, columnNames } from '../shared/schema';
import { encoderForColumns, nativeEncoder, nativeStructure } from './nativeFormat';
import { connectionRow } from './sampleRows';

/** The encoder's chunks are its reused buffers, valid only inside the callback: tests keep a copy. */
const copy = (chunks: readonly Buffer[]) => Buffer.concat(chunks);

/**
 * The data of a one-column block: past the block's header (chunk 0) and the column's name and
 * type (chunk 1); an Array's offsets and elements.
 */
const columnHex = (chunks: readonly Buffer[]) => Buffer.concat(chunks.slice(2)).toString('hex');

/** The hex of one column of one value. */
function hex(type: string, value: unknown, added = false): string {
  const encode = encoderForColumns('t', [{ name: 'c', type, added }]);
  return encode([{ c: value }], columnHex);
}

/** A Native string's hex: LEB128 length, then the bytes. */
const textHex = (text: string) =>
  Buffer.from([Buffer.byteLength(text)]).toString('hex') + Buffer.from(text).toString('hex');

function refusal(type: string, value: unknown): string {
  try {
    hex(type, value);
  } catch (e) {
    return (e as Error).message;
  }
  assert.fail(`${type} took ${JSON.stringify(value)}`);
}

describe('Native column encodings', () => {
  it("DateTime64(3, 'UTC'): epoch ms as Int64 little-endian", () => {
    const type = "DateTime64(3, 'UTC')";
    assert.equal(hex(type, 0), '0000000000000000');
    assert.equal(hex(type, 1_700_000_000_123), '7b68e5cf8b010000');
    assert.equal(hex(type, -1), 'ffffffffffffffff');
    assert.equal(hex(type, 2 ** 53 - 1), 'ffffffffffff1f00');
  });

  it('UInt64: safe numbers without BigInt, decimal strings up to 2^64-1', () => {
    assert.equal(hex('UInt64', 0), '0000000000000000');
    assert.equal(hex('UInt64', 2 ** 32), '0000000001000000');
    assert.equal(hex('UInt64', 2 ** 53 - 1), 'ffffffffffff1f00');
    assert.equal(hex('UInt64', '258'), '0201000000000000');
    assert.equal(hex('UInt64', '18446744073709551615'), 'ffffffffffffffff');
    assert.equal(hex('UInt64', '9007199254740993'), '0100000000002000');
    assert.equal(hex('UInt64', '007'), '0700000000000000');
  });

  it('UInt64 decimal strings of 1 to 20 digits: the same bytes as BigInt gives, and 2^64 and up refused', () => {
    // Fixed-step walks over the range, with the edges: the split arithmetic against BigInt's own.
    const values = [2n ** 53n, 2n ** 63n, 2n ** 64n - 1n, 10n ** 19n, 10n ** 15n, 2n ** 64n - 2n ** 32n];
    for (let v = 10n ** 15n; v < 2n ** 64n; v += 17_592_186_044_417n * 7919n) {
      values.push(v);
    }
    for (let digits = 1; digits <= 20; digits++) {
      const low = 10n ** BigInt(digits - 1);
      for (const v of [low, 10n * low - 1n, (low * 37n) / 10n + 123_456_789n]) {
        values.push(v < 2n ** 64n ? v : 2n ** 64n - 1n);
      }
    }
    for (let v = 0n; v < 10n ** 12n; v += 65_537n * 9_973n) {
      values.push(v, v + 2n ** 32n, v * 4_294_967_311n);
    }
    const inRange = values.filter((v) => v < 2n ** 64n);
    assert.ok(inRange.length > 2000, String(inRange.length));
    for (const v of inRange) {
      const expected = Buffer.alloc(8);
      expected.writeBigUInt64LE(v);
      assert.equal(hex('UInt64', v.toString()), expected.toString('hex'), v.toString());
    }
    for (const text of [
      '18446744073709551616',
      '18446744073709551625',
      '99999999999999999999',
      '36893488147419103232',
    ]) {
      assert.match(refusal('UInt64', text), /expected at most 2\^64-1/, text);
    }
    for (const text of ['', '12a', '-1', ' 1', '1.0', '１', '123456789012345678901', '1e5', '0x10']) {
      assert.match(refusal('UInt64', text), /expected a whole number, or a decimal string/, JSON.stringify(text));
    }
  });

  it('UInt32, UInt16, UInt8 little-endian', () => {
    assert.equal(hex('UInt32', 4_000_000_000), '00286bee');
    assert.equal(hex('UInt32', 2 ** 32 - 1), 'ffffffff');
    assert.equal(hex('UInt16', 5432), '3815');
    assert.equal(hex('UInt16', 65535), 'ffff');
    assert.equal(hex('UInt8', 255), 'ff');
    assert.equal(hex('UInt8', 0), '00');
  });

  it('Bool: one byte from a boolean or 0/1', () => {
    assert.equal(hex('Bool', true), '01');
    assert.equal(hex('Bool', false), '00');
    assert.equal(hex('Bool', 1), '01');
    assert.equal(hex('Bool', 0), '00');
  });

  it("Enum8: the member's value as Int8", () => {
    const type = "Enum8('open' = 1, 'active' = 2, 'it\\'s' = 3, 'neg' = -2)";
    assert.equal(hex(type, 'open'), '01');
    assert.equal(hex(type, "it's"), '03');
    assert.equal(hex(type, 'active'), '02');
    assert.equal(hex(type, 'neg'), 'fe');
  });

  it('IPv6: 16 bytes in network order, IPv4 v4-mapped', () => {
    assert.equal(hex('IPv6', '10.0.0.1'), '00000000000000000000ffff0a000001');
    assert.equal(hex('IPv6', '2001:db8::1'), '20010db8000000000000000000000001');
  });

  it('String: LEB128 length, then UTF-8', () => {
    assert.equal(hex('String', ''), '00');
    assert.equal(hex('String', 'ab'), '026162');
    assert.equal(hex('String', 'é€😀'), '09c3a9e282acf09f9880');
    assert.equal(hex('String', 'x'.repeat(127)), `7f${'78'.repeat(127)}`);
    assert.equal(hex('String', 'x'.repeat(128)), `8001${'78'.repeat(128)}`);
    assert.equal(hex('String', 'é'.repeat(100)), `c801${'c3a9'.repeat(100)}`);
    assert.equal(hex('String', 'x'.repeat(300)).slice(0, 4), 'ac02');
  });

  it('a repeated string is written the same every time, its length with its bytes', () => {
    const encode = encoderForColumns('t', [{ name: 'c', type: 'String' }]);
    const long = 'é'.repeat(100);
    const rows = [{ c: long }, { c: 'a' }, { c: long }, { c: 'a' }];
    assert.equal(encode(rows, columnHex), `c801${'c3a9'.repeat(100)}0161`.repeat(2));
  });

  it("LowCardinality(String): the batch's dictionary, '' first, then each row's index, as ClickHouse writes it", () => {
    const encode = encoderForColumns('t', [{ name: 'c', type: 'LowCardinality(String)' }]);
    // What chDB itself wrote for these values: INSERT INTO FUNCTION file(p, 'Native',
    // 'c LowCardinality(String)') SELECT arrayJoin(['x', 'yy', 'x', '', 'yy']).
    assert.equal(
      encode(
        ['x', 'yy', 'x', '', 'yy'].map((c) => ({ c })),
        columnHex
      ),
      '0100000000000000' + // keys serialization version: shared dictionaries with additional keys
        '0006000000000000' + // has additional keys, needs a dictionary update; UInt8 indexes
        '0300000000000000' +
        '00' +
        '0178' +
        '027979' +
        '0500000000000000' +
        '0102010002'
    );
    assert.equal(
      hex('LowCardinality(String)', 'é€😀'),
      '01000000000000000006000000000000020000000000000000' + '09c3a9e282acf09f9880' + '010000000000000001'
    );
  });

  it('LowCardinality(String) indexes widen with the dictionary: UInt8 to 256 keys, UInt16, then UInt32', () => {
    const encode = encoderForColumns('t', [{ name: 'c', type: 'LowCardinality(String)' }]);
    const header = (rows: Array<{ c: string }>) =>
      encode(rows, (chunks) => ({
        flags: chunks[2].readBigUInt64LE(8),
        keys: chunks[2].readBigUInt64LE(16),
        tail: Buffer.from(chunks[4]),
      }));
    const distinct = (n: number) => Array.from({ length: n }, (_, i) => ({ c: `k${i}` }));
    // '' is always key 0, so 255 values make 256 keys.
    assert.deepEqual(header(distinct(255)).flags, 0x600n);
    assert.deepEqual(header(distinct(256)).flags, 0x601n);
    assert.deepEqual(header(distinct(65535)).flags, 0x601n);
    const wide = header(distinct(65536));
    assert.deepEqual([wide.flags, wide.keys], [0x602n, 65537n]);
    assert.equal(wide.tail.length, 8 + 65536 * 4);
    assert.equal(wide.tail.readUInt32LE(8 + 65535 * 4), 65536);
  });

  it('LowCardinality(String): a reused encoder starts each batch with a fresh dictionary', () => {
    const encode = encoderForColumns('t', [{ name: 'c', type: 'LowCardinality(String)', added: true }]);
    assert.equal(encode([{ c: 'a' }, { c: 'b' }], columnHex).slice(-4), '0102');
    // A missing value of an added column is '', index 0.
    assert.equal(
      encode([{ c: 'b' }, {}], columnHex),
      '01000000000000000006000000000000020000000000000000' + '0162' + '02000000000000000100'
    );
  });

  it("Array(String): every row's end offset as UInt64, then all the elements", () => {
    assert.equal(hex('Array(String)', []), '0000000000000000');
    assert.equal(hex('Array(String)', ['a', '', 'bc']), '0300000000000000016100026263');
    const encode = encoderForColumns('t', [{ name: 'c', type: 'Array(String)', added: true }]);
    // A missing value in an added column is an empty array: its offset repeats the last one.
    assert.equal(
      encode([{ c: ['a'] }, { c: [] }, {}, { c: ['b', 'cd'] }], columnHex),
      '0100000000000000' + '0100000000000000' + '0100000000000000' + '0300000000000000' + '0161' + '0162' + '026364'
    );
  });

  it('a block: column and row counts, then each column in order as name, type and all its values', () => {
    const encode = encoderForColumns('t', [
      { name: 'b', type: 'UInt8' },
      { name: 'a', type: 'LowCardinality(String)' },
    ]);
    const rows = [
      { a: 'x', b: 1 },
      { a: 'yz', b: 2 },
    ];
    const dictionary = '0100000000000000' + '0006000000000000' + '0300000000000000' + '00' + '0178' + '02797a';
    const expected =
      '0202' +
      textHex('b') +
      textHex('UInt8') +
      '0102' +
      textHex('a') +
      textHex('LowCardinality(String)') +
      dictionary +
      '0200000000000000' +
      '0102';
    assert.equal(encode(rows, copy).toString('hex'), expected);
  });

  it('outputs grow past their first size', () => {
    const encode = encoderForColumns('t', [
      { name: 'b', type: 'UInt8' },
      { name: 'a', type: 'String' },
    ]);
    const big = Array.from({ length: 1000 }, (_, i) => ({ a: 'é'.repeat(500) + String(i), b: i % 256 }));
    const out = encode(big, copy);
    const headers = 1 + 2 + (2 + 6) + (2 + 7);
    assert.equal(out.length, headers + 1000 * (1 + 2 + 1000) + 10 + 90 * 2 + 900 * 3);
    assert.equal(out.subarray(out.length - 3).toString(), '999');
  });

  it('reuses its buffer: each call writes from the start, a smaller batch after a larger one included', () => {
    const encode = encoderForColumns('t', [{ name: 'a', type: 'String' }]);
    const seen: Buffer[] = [];
    const big = encode(
      Array.from({ length: 100 }, () => ({ a: 'x'.repeat(50) })),
      (chunks) => {
        seen.push(chunks[2]);
        return chunks[2].length;
      }
    );
    assert.equal(big, 100 * 51);
    assert.equal(
      encode([{ a: 'yz' }], (chunks) => {
        seen.push(chunks[2]);
        return columnHex(chunks);
      }),
      '02797a'
    );
    // The same memory both times: what a caller kept from the first call was overwritten.
    assert.equal(seen[0].buffer, seen[1].buffer);
  });

  it("an encode inside another encode's callback gets its own buffer", () => {
    const encode = encoderForColumns('t', [{ name: 'a', type: 'UInt8' }]);
    const outer = encode([{ a: 1 }, { a: 2 }], (first) => {
      const inner = encode([{ a: 9 }], columnHex);
      return `${columnHex(first)}/${inner}`;
    });
    assert.equal(outer, '0102/09');
  });

  it('a failed encode leaves the encoder usable', () => {
    const encode = encoderForColumns('t', [{ name: 'a', type: 'UInt8' }]);
    const memory = encode([{ a: 6 }], (chunks) => chunks[2].buffer);
    assert.throws(() => encode([{ a: 1 }, { a: 300 }], copy), /row 1: 300/);
    assert.equal(encode([{ a: 7 }], columnHex), '07');
    // The refused batch handed its outputs back: no fresh allocation after it.
    assert.equal(
      encode([{ a: 7 }], (chunks) => chunks[2].buffer),
      memory
    );
    assert.throws(
      () =>
        encode([{ a: 1 }], () => {
          throw new Error('the callback failed');
        }),
      /the callback failed/
    );
    assert.equal(encode([{ a: 8 }], columnHex), '08');
  });

  it("a missing value of an added column is the type's default, as the JSON path's null stored it", () => {
    assert.equal(hex('IPv6', undefined, true), '00000000000000000000000000000000');
    assert.equal(hex('IPv6', null, true), '00000000000000000000000000000000');
    assert.equal(hex('UInt16', undefined, true), '0000');
    assert.equal(hex('UInt64', undefined, true), '0000000000000000');
    assert.equal(hex('String', undefined, true), '00');
    assert.equal(hex('Array(String)', undefined, true), '0000000000000000');
    assert.equal(hex('Bool', undefined, true), '00');
    assert.equal(hex("Enum8('b' = 2, 'a' = 1)", undefined, true), '01');
  });
});

describe('Native refusals name the table, column, row, value and what was expected', () => {
  it('a value of the wrong kind or out of range', () => {
    const cases: Array<[string, unknown, RegExp]> = [
      ['UInt8', 300, /300; expected a whole number from 0 to 255/],
      ['UInt8', true, /true; expected a whole number/],
      ['UInt16', 65536, /65536; expected a whole number from 0 to 65535/],
      ['UInt32', -1, /-1; expected a whole number from 0 to 4294967295/],
      ['UInt32', 1.5, /1\.5; expected a whole number/],
      ['UInt32', '7', /"7"; expected a whole number/],
      ['UInt32', NaN, /null; expected a whole number/],
      ['UInt64', -1, /-1; expected a whole number from 0 to 2\^53-1/],
      ['UInt64', 2 ** 64, /expected a whole number from 0 to 2\^53-1, or a decimal string/],
      ['UInt64', '18446744073709551616', /expected at most 2\^64-1/],
      ['UInt64', '-1', /"-1"; expected a whole number, or a decimal string/],
      ['UInt64', '0x10', /"0x10"; expected/],
      ['UInt64', '', /""; expected/],
      ['UInt64', 10n, /10n; expected/],
      ["DateTime64(3, 'UTC')", '1000', /"1000"; expected epoch milliseconds/],
      ["DateTime64(3, 'UTC')", 1000.5, /1000\.5; expected epoch milliseconds/],
      ['Bool', 2, /2; expected true, false, 0 or 1/],
      ["Enum8('tcp' = 1, 'udp' = 2)", 'sctp', /"sctp"; expected one of 'tcp', 'udp'/],
      ["Enum8('tcp' = 1, 'udp' = 2)", 1, /1; expected one of/],
      ['IPv6', '010.0.0.1', /"010\.0\.0\.1"; expected an IPv4 or IPv6 address/],
      ['IPv6', '', /""; expected an IPv4 or IPv6 address/],
      ['IPv6', 167772161, /167772161; expected an IPv4 or IPv6 address/],
      ['String', 5, /5; expected a string/],
      ['LowCardinality(String)', { a: 1 }, /\{"a":1\}; expected a string/],
      ['Array(String)', 'a', /"a"; expected an array of strings/],
      ['Array(String)', ['a', 1], /\["a",1\]; expected an array of strings; element 1 is not one/],
    ];
    for (const [type, value, expected] of cases) {
      const message = refusal(type, value);
      assert.match(message, /^t\.c, row 0: /, message);
      assert.match(message, expected, `${type} ${String(value)}: ${message}`);
      assert.ok(message.endsWith(`(${type})`), message);
    }
  });

  it('a missing value of a column that is not an added one', () => {
    assert.equal(refusal('UInt16', undefined), 't.c, row 0: undefined; missing; expected a value (UInt16)');
    assert.equal(refusal('String', null), 't.c, row 0: null; missing; expected a value (String)');
  });

  it('in a real table, at the row it happened', () => {
    const rows = [connectionRow(), connectionRow(), connectionRow({ remote_port: 70000 })];
    assert.throws(
      () => nativeEncoder('connections')(rows, copy),
      /^Error: connections\.remote_port, row 2: 70000; expected a whole number from 0 to 65535 \(UInt16\)$/
    );
    const { node: _node, ...noNode } = connectionRow();
    assert.throws(
      () => nativeEncoder('connections')([noNode as never], copy),
      /connections\.node, row 0: undefined; missing/
    );
  });

  it('a long value is cut in the message', () => {
    assert.match(refusal('UInt8', 'x'.repeat(500)), /"x{79}…; expected/);
  });

  it('a type it has no encoder for, when the encoder is made', () => {
    assert.throws(() => encoderForColumns('t', [{ name: 'c', type: 'Float64' }]), /no encoder for type Float64/);
    assert.throws(() => encoderForColumns('t', [{ name: 'c', type: "Enum8('a' = 300)" }]), /outside Int8/);
    assert.throws(() => encoderForColumns('t', [{ name: 'c', type: "Enum8('a' 1)" }]), /cannot read the members/);
  });
});

describe('nativeEncoder and nativeStructure', () => {
  it('cover every ingest table, columns in columnNames order', () => {
    for (const table of INGEST_TABLES) {
      const structure = nativeStructure(table);
      assert.deepEqual(
        structure.split(/, (?=[a-z_]+ [A-Z])/).map((part) => part.split(' ')[0]),
        columnNames(table),
        table
      );
      assert.doesNotThrow(() => nativeEncoder(table)([], copy));
    }
    assert.match(
      nativeStructure('connections'),
      /^ts DateTime64\(3, 'UTC'\), connection_id UInt64, node LowCardinality\(String\), /
    );
  });

  it('a connections row: ts and id are the first two columns, the added columns in place', () => {
    const row = connectionRow({ ts: 1, connection_id: '2' });
    const out = nativeEncoder('connections')([row], copy);
    const columns = columnNames('connections').length;
    const ts = textHex('ts') + textHex("DateTime64(3, 'UTC')") + '0100000000000000';
    const id = textHex('connection_id') + textHex('UInt64') + '0200000000000000';
    assert.equal(
      out.subarray(0, 2 + ts.length / 2 + id.length / 2).toString('hex'),
      `${columns.toString(16)}01${ts}${id}`
    );
    const { remote_service_ip: _ip, remote_service_port: _port, ...old } = row;
    // Without the two added columns: 16 bytes of '::' and 2 of port 0 instead of '10.96.0.20' and 5432.
    const without = nativeEncoder('connections')([old], copy);
    assert.equal(without.length, out.length);
    assert.notDeepEqual(without, out);
  });
});
