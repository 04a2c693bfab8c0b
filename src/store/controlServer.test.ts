import assert from 'node:assert/strict';
import { test } from 'node:test';
import { controlSocketAddress, LineSplitter, parseRequest } from './controlServer';

test('LineSplitter joins lines cut across chunks and holds back a half-written one', () => {
  const s = new LineSplitter(100);
  assert.deepEqual(s.push(Buffer.from('{"a":')), []);
  assert.deepEqual(s.push(Buffer.from('1}\n{"b":2}\n{"c"')), ['{"a":1}', '{"b":2}']);
  assert.deepEqual(s.push(Buffer.from(':3}\n')), ['{"c":3}']);
  assert.deepEqual(s.push(Buffer.from('\n')), ['']);
});

test('LineSplitter keeps a multi-byte character split between chunks intact', () => {
  const s = new LineSplitter(100);
  const bytes = Buffer.from('"é"\n');
  assert.deepEqual(s.push(bytes.subarray(0, 2)), []);
  assert.deepEqual(s.push(bytes.subarray(2)), ['"é"']);
});

test('LineSplitter refuses a line over the bound, whether or not it has ended', () => {
  assert.throws(() => new LineSplitter(8).push(Buffer.from('123456789')), /line exceeds 8 bytes/);
  assert.throws(() => new LineSplitter(8).push(Buffer.from('123456789\n')), /line exceeds 8 bytes/);
  const s = new LineSplitter(8);
  s.push(Buffer.from('12345'));
  assert.throws(() => s.push(Buffer.from('6789')), /line exceeds 8 bytes/);
  assert.deepEqual(new LineSplitter(8).push(Buffer.from('12345678\n12345678\n')), ['12345678', '12345678']);
});

test('parseRequest accepts each op', () => {
  assert.deepEqual(parseRequest('{"id":1,"op":"query","sql":"SELECT {n:UInt8}","params":{"n":1}}'), {
    id: 1,
    op: 'query',
    sql: 'SELECT {n:UInt8}',
    params: { n: 1 },
  });
  assert.deepEqual(parseRequest('{"id":2,"op":"queryText","sql":"SELECT 1","format":"TabSeparatedWithNames"}'), {
    id: 2,
    op: 'queryText',
    sql: 'SELECT 1',
    format: 'TabSeparatedWithNames',
    params: undefined,
  });
  assert.equal(parseRequest('{"id":3,"op":"command","sql":"SYSTEM FLUSH LOGS"}').op, 'command');
  assert.deepEqual(parseRequest('{"id":4,"op":"insert","table":"agent_health","rows":[{}],"dedupToken":"t"}'), {
    id: 4,
    op: 'insert',
    table: 'agent_health',
    rows: [{}],
    dedupToken: 't',
  });
});

test('parseRequest names what is wrong', () => {
  const cases: Array<[string, RegExp]> = [
    ['{"id":1,"op":"query"', /not JSON/],
    ['[1]', /needs an integer "id"/],
    ['null', /must be a JSON object/],
    ['{"op":"query","sql":"x"}', /needs an integer "id"/],
    ['{"id":1,"op":"drop","sql":"x"}', /"op" must be one of query, queryText, command, insert/],
    ['{"id":1,"op":"query","sql":7}', /"sql" must be a string/],
    ['{"id":1,"op":"query","sql":"x","params":[1]}', /"params" must be an object/],
    ['{"id":1,"op":"queryText","sql":"x","format":"CSV"}', /"format" must be one of JSONEachRow/],
    ['{"id":1,"op":"insert","table":"system.users","rows":[]}', /"table" must be one of connections/],
    ['{"id":1,"op":"insert","table":"connections","rows":{}}', /"rows" must be an array/],
    ['{"id":1,"op":"insert","table":"connections","rows":[],"dedupToken":5}', /"dedupToken" must be a string/],
  ];
  for (const [line, expected] of cases) {
    assert.throws(() => parseRequest(line), expected, line);
  }
});

test('controlSocketAddress uses the absolute path, or a relative one when that is too long', () => {
  assert.equal(controlSocketAddress('/var/lib/netmon'), '/var/lib/netmon/netmon.sock');
  const deep = `/tmp/${'d'.repeat(120)}`;
  assert.equal(controlSocketAddress(deep, deep), 'netmon.sock');
  assert.throws(() => controlSocketAddress(deep, '/'), /longer than the 107 bytes.*shorter --data-dir/);
});
