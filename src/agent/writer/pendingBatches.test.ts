import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectionRow } from '../../store/sampleRows';
import { MemoryPendingBatches, type Batch } from './pendingBatches';

const batch = (token: string, n: number): Batch => ({
  table: 'connections',
  rows: Array.from({ length: n }, () => connectionRow()),
  token,
  attempts: 0,
});

test('keeps batches oldest first and pushes the oldest out past the row bound', () => {
  const q = new MemoryPendingBatches(5);
  assert.deepEqual(q.push(batch('a', 2)), []);
  assert.deepEqual(q.push(batch('b', 2)), []);
  assert.deepEqual(
    q.push(batch('c', 3)).map((b) => b.token),
    ['a']
  );
  assert.deepEqual([q.length, q.rows, q.peek()?.token], [2, 5, 'b']);
  assert.equal(q.shift()?.token, 'b');
  assert.deepEqual([q.length, q.rows], [1, 3]);
});

test('a single batch above the bound stays, alone', () => {
  const q = new MemoryPendingBatches(2);
  q.push(batch('a', 1));
  assert.deepEqual(
    q.push(batch('big', 3)).map((b) => b.token),
    ['a']
  );
  assert.deepEqual([q.length, q.rows], [1, 3]);
});

test('takeAll empties the queue', () => {
  const q = new MemoryPendingBatches(10);
  q.push(batch('a', 1));
  q.push(batch('b', 2));
  assert.deepEqual(
    q.takeAll().map((b) => b.token),
    ['a', 'b']
  );
  assert.deepEqual([q.length, q.rows, q.peek()], [0, 0, undefined]);
});

test('rejects a bound that is not a positive integer', () => {
  assert.throws(() => new MemoryPendingBatches(0), /maxRows: expected a positive integer, got 0/);
});
