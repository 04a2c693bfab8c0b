import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectionId } from './connectionId';

test('FNV-1a 64 of the parts joined by NUL, in decimal: the published test vectors', () => {
  assert.equal(connectionId(''), BigInt('0xcbf29ce484222325').toString());
  assert.equal(connectionId('a'), BigInt('0xaf63dc4c8601ec8c').toString());
  assert.equal(connectionId('foobar'), BigInt('0x85944171f73967e8').toString());
});

test('ids stay what earlier agents wrote for the same connection', () => {
  // Computed with the BigInt implementation this one replaced.
  assert.equal(connectionId('node-1', 'tcp', -131384649515008, 3972515179931), '17969098134653290559');
  assert.equal(connectionId('höst', 'udp', 1, 2), '14661899184376813002');
});

test('parts are kept apart by the separator', () => {
  assert.notEqual(connectionId('ab', 'c'), connectionId('a', 'bc'));
});

test('matches 64-bit FNV-1a computed with BigInt, on varied text', () => {
  const reference = (text: string) => {
    let hash = 0xcbf29ce484222325n;
    for (let i = 0; i < text.length; i++) {
      hash = ((hash ^ BigInt(text.charCodeAt(i))) * 0x100000001b3n) & 0xffffffffffffffffn;
    }
    return hash.toString();
  };
  for (let i = 0; i < 2000; i++) {
    const text = String.fromCharCode(...Array.from({ length: i % 40 }, (_, k) => (i * 7919 + k * 104_729) % 0x10000));
    assert.equal(connectionId(text), reference(text), `text of char codes ${[...text].map((ch) => ch.charCodeAt(0))}`);
  }
});
