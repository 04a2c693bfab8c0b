import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineSplitter } from './lineSplitter';

const b = (s: string) => Buffer.from(s, 'utf8');

test('whole lines in one chunk come out without their newlines; empty lines are skipped', () => {
  const s = new LineSplitter(100);
  assert.deepEqual(s.push(b('a\nbb\n\nccc\n')), ['a', 'bb', 'ccc']);
  assert.deepEqual(s.end(), []);
});

test('a line split across chunks is joined, and a chunk without a newline yields nothing yet', () => {
  const s = new LineSplitter(100);
  assert.deepEqual(s.push(b('{"type": "val')), []);
  assert.deepEqual(s.push(b('ue", "data"')), []);
  assert.deepEqual(s.push(b(': 1}\n{"next"')), ['{"type": "value", "data": 1}']);
  assert.deepEqual(s.push(b(': 2}\n')), ['{"next": 2}']);
});

test('a multi-byte character split between chunks decodes whole', () => {
  const s = new LineSplitter(100);
  const bytes = b('comm "né"\n');
  const cut = bytes.indexOf(0xa9); // the second byte of é
  assert.deepEqual(s.push(bytes.subarray(0, cut)), []);
  assert.deepEqual(s.push(bytes.subarray(cut)), ['comm "né"']);
});

test('the last line without a newline comes out at end()', () => {
  const s = new LineSplitter(100);
  assert.deepEqual(s.push(b('one\ntwo')), ['one']);
  assert.deepEqual(s.end(), ['two']);
  assert.deepEqual(s.end(), []);
});

test('a line over the cap is dropped whole and counted, even when it spans chunks; the next line is intact', () => {
  const s = new LineSplitter(10);
  assert.deepEqual(s.push(b('short\n12345')), ['short']);
  assert.deepEqual(s.push(b('67890')), [], 'exactly 10 bytes so far: still kept');
  assert.deepEqual(s.push(b('X')), [], 'the 11th byte goes over the cap');
  assert.deepEqual(s.push(b('more of the same long line')), []);
  assert.deepEqual(s.push(b('\nafter\n')), ['after']);
  assert.equal(s.oversizedLines, 1);
  assert.deepEqual(s.push(b('0123456789\n')), ['0123456789'], 'a line of exactly the cap is kept');
  assert.equal(s.oversizedLines, 1);
});

test('an oversized last line is not returned by end()', () => {
  const s = new LineSplitter(4);
  assert.deepEqual(s.push(b('toolong')), []);
  assert.deepEqual(s.end(), []);
  assert.equal(s.oversizedLines, 1);
});

test('a cap that is not a positive whole number is refused', () => {
  assert.throws(() => new LineSplitter(0), /maxLineBytes: expected a positive whole number of bytes, got 0/);
});
