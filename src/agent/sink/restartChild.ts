/**
 * For vectorRestart.test.ts: an agent's writer in a process of its own, to be killed with SIGKILL.
 * `node --import tsx restartChild.ts <spool dir> <vector url> <rows> <rows per batch>` writes
 * connections rows with ids 1..rows, flushes once, prints one JSON line with the writer's stats and
 * waits to be killed.
 */
import { connectionRow } from '../../store/sampleRows';
import { DiskPendingBatches } from '../writer/diskPendingBatches';
import { RowWriter } from '../writer/rowWriter';
import { VectorSink } from './vectorSink';

async function main(): Promise<void> {
  const [dir, url, count, batchRows] = process.argv.slice(2);
  const spool = await DiskPendingBatches.open({ dir, maxBytes: 1 << 20 });
  const writer = new RowWriter({
    store: new VectorSink({ url, node: 'node-k', timeoutMs: 2000 }),
    node: 'node-k',
    pending: spool,
    maxBatchRows: Number(batchRows),
  });
  writer.write(
    'connections',
    Array.from({ length: Number(count) }, (_, i) => connectionRow({ connection_id: String(i + 1) }))
  );
  await writer.flush();
  process.stdout.write(`${JSON.stringify(writer.stats())}\n`);
  setInterval(() => undefined, 1 << 30);
}

void main();
