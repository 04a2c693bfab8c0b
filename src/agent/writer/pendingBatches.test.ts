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

test('keeps batches oldest first and pushes the oldest out past the row bound', async () => {
  const q = new MemoryPendingBatches(5);
  assert.deepEqual(await q.push(batch('a', 2)), []);
  assert.deepEqual(await q.push(batch('b', 2)), []);
  assert.deepEqual(await q.push(batch('c', 3)), [{ table: 'connections', token: 'a', rowCount: 2 }]);
  assert.deepEqual([q.length, q.rows, (await q.peek())?.token], [2, 5, 'b']);
  await q.shift();
  assert.deepEqual([q.length, q.rows, (await q.peek())?.token], [1, 3, 'c']);
  assert.deepEqual([q.bytes, q.spooledRows, q.lostRows], [0, 0, 0], 'nothing on disk');
});

test('a single batch above the bound stays, alone', async () => {
  const q = new MemoryPendingBatches(2);
  await q.push(batch('a', 1));
  assert.deepEqual(
    (await q.push(batch('big', 3))).map((b) => b.token),
    ['a']
  );
  assert.deepEqual([q.length, q.rows], [1, 3]);
});

test('abandon empties the queue and returns what it lost', async () => {
  const q = new MemoryPendingBatches(10);
  await q.push(batch('a', 1));
  await q.push(batch('b', 2));
  assert.deepEqual(
    (await q.abandon()).map((b) => [b.token, b.rowCount]),
    [
      ['a', 1],
      ['b', 2],
    ]
  );
  assert.deepEqual([q.length, q.rows, await q.peek()], [0, 0, undefined]);
});

test('rejects a bound that is not a positive integer', () => {
  assert.throws(() => new MemoryPendingBatches(0), /maxRows: expected a positive integer, got 0/);
});
