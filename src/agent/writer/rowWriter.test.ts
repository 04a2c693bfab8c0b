import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { ConnectionRow, IngestTable } from '../../shared/schema';
import { connectionRow } from '../../store/sampleRows';
import { DiskPendingBatches } from './diskPendingBatches';
import { MemoryPendingBatches, type Batch } from './pendingBatches';
import { SinkError, type RowSink } from './rowSink';
import { RowWriter } from './rowWriter';

/** How RowWriter treats the sink's answers; the store itself is covered by rowWriter.itest.ts. */

const work = mkdtempSync(join(tmpdir(), 'netmon-rowwriter-test-'));
after(() => rmSync(work, { recursive: true, force: true }));

let nextId = 1;
const rows = (n: number): ConnectionRow[] =>
  Array.from({ length: n }, () => connectionRow({ connection_id: String(nextId++) }));

/** A sink that answers each insert with `answer(calls so far, rows)`: undefined acknowledges. */
function scriptedSink(answer: (call: number, rows: readonly unknown[]) => Error | undefined) {
  const sink = {
    description: 'scripted',
    calls: 0,
    received: [] as Array<{ table: IngestTable; token: string; rows: number }>,
    insert(table: IngestTable, batch: readonly unknown[], token: string): Promise<void> {
      const error = answer(++sink.calls, batch);
      if (error) {
        return Promise.reject(error);
      }
      sink.received.push({ table, token, rows: batch.length });
      return Promise.resolve();
    },
  } satisfies RowSink & Record<string, unknown>;
  return sink;
}

test('an unavailable sink never uses up a batch: it is retried past maxAttempts until it goes in', async () => {
  const sink = scriptedSink((call) => (call <= 5 ? new SinkError('answered 503', 'unavailable') : undefined));
  const writer = new RowWriter({ store: sink, node: 'n', maxAttempts: 2 });
  writer.write('connections', rows(3));
  for (let i = 0; i < 6; i++) {
    await writer.flush({ force: true });
  }
  const s = writer.stats();
  assert.deepEqual([sink.calls, s.sent, s.dropped, s.failures, s.pendingRows], [6, 3, 0, 5, 0]);
});

test('a rejected batch is dropped at once and the batches behind it go in the same flush', async () => {
  const sink = scriptedSink((call) => (call === 1 ? new SinkError('answered 400: bad row', 'rejected') : undefined));
  const lines: string[] = [];
  const writer = new RowWriter({ store: sink, node: 'n', maxBatchRows: 2, log: (l) => lines.push(l) });
  writer.write('connections', rows(5));
  await writer.flush();
  const s = writer.stats();
  assert.deepEqual([sink.calls, s.sent, s.dropped, s.pendingRows, s.lastError], [3, 3, 2, 0, undefined]);
  assert.deepEqual(lines, [
    'dropped 2 connections rows: insert of 2 connections rows into scripted failed: answered 400: bad row (rejected, not retried)',
  ]);
});

test('other errors still give a batch up after maxAttempts', async () => {
  const sink = scriptedSink(() => new Error('Code: 27. Cannot parse input'));
  const writer = new RowWriter({ store: sink, node: 'n', maxAttempts: 2 });
  writer.write('connections', rows(1));
  await writer.flush({ force: true });
  await writer.flush({ force: true });
  assert.deepEqual([writer.stats().dropped, writer.stats().pendingRows], [1, 0]);
});

test('at exit a disk spool keeps what is pending for the next start; memory drops it', async () => {
  const down = () => scriptedSink(() => new SinkError('ECONNREFUSED', 'unavailable'));
  const spool = await DiskPendingBatches.open({ dir: join(work, 'exit'), maxBytes: 1 << 20 });
  const onDisk = new RowWriter({ store: down(), node: 'n', pending: spool });
  onDisk.write('connections', rows(4));
  assert.equal(await onDisk.abandonPending('stopping'), 0);
  const s = onDisk.stats();
  assert.deepEqual([s.dropped, s.pendingRows, s.spooled], [0, 4, 4]);
  assert.equal(s.spoolBytes, spool.bytes);
  assert.ok(s.spoolBytes > 0);
  await spool.close();

  const inMemory = new RowWriter({ store: down(), node: 'n' });
  inMemory.write('connections', rows(4));
  assert.equal(await inMemory.abandonPending('stopping'), 4);
  assert.deepEqual([inMemory.stats().dropped, inMemory.stats().pendingRows, inMemory.stats().spooled], [4, 0, 0]);
});

test('a batch the queue cannot keep (a full disk) is dropped and counted, and later flushes still run', async () => {
  class FullDisk extends MemoryPendingBatches {
    override push(batch: Batch) {
      return batch.rows.length === 3 ? Promise.reject(new Error('ENOSPC: no space left on device')) : super.push(batch);
    }
  }
  const sink = scriptedSink(() => undefined);
  const lines: string[] = [];
  const writer = new RowWriter({ store: sink, node: 'n', pending: new FullDisk(100), log: (l) => lines.push(l) });
  writer.write('connections', rows(3));
  writer.write('connections', rows(2));
  await writer.flush();
  assert.deepEqual([writer.stats().sent, writer.stats().dropped], [2, 3]);
  assert.deepEqual(lines, ['dropped 3 connections rows: cannot queue it: ENOSPC: no space left on device']);
  writer.write('connections', rows(1));
  await writer.flush();
  assert.equal(writer.stats().sent, 3);
});
