import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { DiskPendingBatches } from '../writer/diskPendingBatches';
import { RowWriter, type RowWriterStats } from '../writer/rowWriter';
import { TestVectorEndpoint } from './testVectorEndpoint';
import { VectorSink } from './vectorSink';

const BATCH_ROWS = 4;
const work = mkdtempSync(join(tmpdir(), 'netmon-vector-restart-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** Runs restartChild.ts until it has flushed once, then kills it with SIGKILL. */
async function runAndKill(dir: string, url: string, rows: number): Promise<RowWriterStats> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(__dirname, 'restartChild.ts'), dir, url, String(rows), String(BATCH_ROWS)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    }
  );
  // However the test ends: a child left running would keep this test process alive.
  after(() => child.kill('SIGKILL'));
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString('utf8');
      if (out.includes('\n')) {
        resolve(out.split('\n')[0]);
      }
    });
    child.once('exit', (code) => reject(new Error(`restartChild exited (${code}) before flushing`)));
  });
  const exited = new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  child.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL');
  return JSON.parse(line) as RowWriterStats;
}

test('an agent killed with SIGKILL leaves its spool; the next one delivers every batch exactly once, same tokens', async (t) => {
  const endpoint = await TestVectorEndpoint.start();
  // Closed however the test ends: a listening endpoint left by a failed assertion hung the run.
  t.after(() => endpoint.down());
  const dir = join(work, 'spool');
  const rows = 10 * BATCH_ROWS;
  // The first batch is acknowledged; the second lands but its answer is lost, which ends the flush.
  endpoint.answer = () => (endpoint.requests.length === 0 ? 'ok' : 'lose-answer');
  const killed = await runAndKill(dir, endpoint.url, rows);
  assert.deepEqual([killed.sent, killed.spooled, killed.pendingRows], [BATCH_ROWS, rows, rows - BATCH_ROWS]);
  const tokensBefore = endpoint.requests.map((q) => q.token);
  assert.equal(tokensBefore.length, 2);

  endpoint.answer = () => 'ok';
  const lines: string[] = [];
  const spool = await DiskPendingBatches.open({ dir, maxBytes: 1 << 20, log: (l) => lines.push(l) });
  t.after(() => spool.close());
  assert.match(lines.join('\n'), /spool: 9 batches \(36 rows\) left by an earlier run are sent first/);
  const writer = new RowWriter({
    store: new VectorSink({ url: endpoint.url, node: 'node-k' }),
    node: 'node-k',
    pending: spool,
  });
  await writer.flush();

  const ids = [...endpoint.delivered.values()].map((r) => Number(r.connection_id)).sort((a, b) => a - b);
  assert.deepEqual(
    ids,
    Array.from({ length: rows }, (_, i) => i + 1),
    'every row once'
  );
  assert.equal(endpoint.replayedRows, BATCH_ROWS, 'the batch whose answer was lost came again and was deduplicated');
  const replays = endpoint.requests.slice(tokensBefore.length);
  assert.equal(replays[0].token, tokensBefore[1], 'with its original token');
  assert.ok(replays.every((q) => q.token?.startsWith('node-k/')));
  assert.equal(new Set(replays.map((q) => q.token)).size, 9, 'nine batches, one request each');
  assert.deepEqual(
    [writer.stats().sent, writer.stats().dropped, writer.stats().pendingRows],
    [rows - BATCH_ROWS, 0, 0]
  );
});
