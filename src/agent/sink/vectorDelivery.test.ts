import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test, type TestContext } from 'node:test';
import type { ConnectionRow } from '../../shared/schema';
import { connectionRow } from '../../store/sampleRows';
import { DiskPendingBatches } from '../writer/diskPendingBatches';
import type { RowSink } from '../writer/rowSink';
import { RowWriter } from '../writer/rowWriter';
import { TestVectorEndpoint, type Answer } from './testVectorEndpoint';
import { VectorSink } from './vectorSink';

/**
 * The agent's path to Vector as a whole — RowWriter, the disk spool, the Vector sink — against an
 * endpoint that fails, refuses, stalls, rejects and recovers, in real time with short delays.
 */

/**
 * The sink's request timeout outside the stall phase. Client and endpoint share one process, so a
 * pause of a busy machine (a CI run at load 12 on 2 cores) longer than a short timeout fires it
 * before the answer is read: a batch the endpoint took is retried, and the counts asserted below
 * (one rejected try, the rows of the first interval) come out wrong.
 */
const TIMEOUT_MS = 5000;
/** In the stall phase, where the timeout is what is tested and should not take long. */
const STALL_TIMEOUT_MS = 150;

const work = mkdtempSync(join(tmpdir(), 'netmon-vector-delivery-'));
after(() => rmSync(work, { recursive: true, force: true }));

let nextId = 1;
const rows = (n: number): ConnectionRow[] =>
  Array.from({ length: n }, () => connectionRow({ connection_id: String(nextId++) }));

function filesBytes(dir: string): number {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.seg'))
    .reduce((n, f) => n + statSync(join(dir, f)).size, 0);
}

interface Rig {
  endpoint: TestVectorEndpoint;
  spool: DiskPendingBatches;
  writer: RowWriter;
  dir: string;
  /** Highest bytes of segment files seen after any flush. */
  maxSpoolBytes: number;
  written: number;
  /** The Vector sink's request timeout for the next inserts. */
  timeoutMs: number;
  /** One agent interval: rows in, a flush. */
  interval(n: number): Promise<void>;
  /** Intervals every few ms until `done` holds (or fails after 10 s). */
  runUntil(what: string, done: () => boolean, rowsEach?: number): Promise<void>;
}

/**
 * The endpoint and spool are closed after the test however it ends: a failed assertion that left
 * the endpoint listening kept the test process alive, so a failure hung the whole run instead.
 */
async function rig(t: TestContext, name: string, maxBytes: number): Promise<Rig> {
  const dir = join(work, name);
  const endpoint = await TestVectorEndpoint.start();
  t.after(() => endpoint.down());
  const spool = await DiskPendingBatches.open({ dir, maxBytes });
  t.after(() => spool.close());
  // The Vector sink with the timeout of the moment; it keeps no state between inserts.
  const store: RowSink = {
    description: `vector at ${endpoint.url}`,
    insert: (table, batch, token) =>
      new VectorSink({ url: endpoint.url, node: 'node-v', timeoutMs: r.timeoutMs }).insert(table, batch, token),
  };
  const writer = new RowWriter({
    store,
    node: 'node-v',
    pending: spool,
    maxBatchRows: 5,
    retryDelayMs: 10,
    maxRetryDelayMs: 80,
  });
  const r: Rig = {
    endpoint,
    spool,
    writer,
    dir,
    maxSpoolBytes: 0,
    written: 0,
    timeoutMs: TIMEOUT_MS,
    async interval(n) {
      writer.write('connections', rows(n));
      r.written += n;
      await writer.flush();
      r.maxSpoolBytes = Math.max(r.maxSpoolBytes, filesBytes(dir));
    },
    async runUntil(what, done, rowsEach = 0) {
      const deadline = Date.now() + 10_000;
      while (!done()) {
        assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
        await r.interval(rowsEach);
        await new Promise((resolve) => setTimeout(resolve, 3));
      }
    },
  };
  return r;
}

/** Delivered connection ids, each as often as the receiver kept it. */
function deliveredIds(endpoint: TestVectorEndpoint): string[] {
  return [...endpoint.delivered.values()].map((row) => String(row.connection_id));
}

test(
  'through failures, refusals, stalls, a rejected batch and lost answers every other row arrives once',
  { timeout: 60_000 },
  async (t) => {
    const r = await rig(t, 'phases', 1 << 20);
    const { endpoint, writer } = r;
    const requestsWith = (answer: Answer) => endpoint.requests.filter((q) => q.answer === answer).length;

    await r.interval(7);
    assert.equal(deliveredIds(endpoint).length, 7);

    endpoint.answer = () => 'fail';
    await r.runUntil('six failed tries', () => requestsWith('fail') >= 6, 2);
    const tries = endpoint.requests.filter((q) => q.answer === 'fail').map((q) => q.at);
    const gaps = tries.slice(1).map((at, i) => at - tries[i]);
    // Each retry waits at least its doubling delay. Lower bounds only: a busy machine makes a gap
    // longer (a gap of 120 ms before the 10 ms one failed a ratio of gaps), never shorter.
    const delays = [10, 20, 40, 80, 80];
    assert.ok(
      gaps.every((gap, i) => gap >= delays[i]),
      `retries back off ${delays.join(', ')} ms: gaps ${gaps.join(', ')} ms`
    );

    await endpoint.down();
    const before = writer.stats().failures;
    await r.runUntil('refused tries', () => writer.stats().failures >= before + 3, 2);
    assert.match(writer.stats().lastError ?? '', /ECONNREFUSED/);
    await endpoint.up();

    r.timeoutMs = STALL_TIMEOUT_MS;
    endpoint.answer = () => 'stall';
    await r.runUntil('a stalled try', () => requestsWith('stall') >= 2, 2);
    assert.match(writer.stats().lastError ?? '', new RegExp(`no answer within ${STALL_TIMEOUT_MS} ms`));
    r.timeoutMs = TIMEOUT_MS;

    endpoint.answer = () => 'busy';
    await r.runUntil('a busy answer', () => requestsWith('busy') >= 1, 1);

    // Vector takes the batch but the 200 never comes back: sent again, dropped by the dedupe.
    endpoint.answer = () => (requestsWith('lose-answer') < 2 ? 'lose-answer' : 'ok');
    await r.runUntil('lost answers', () => requestsWith('lose-answer') >= 2);

    // One malformed batch among good ones: rejected, counted, the rest goes on.
    const poison = String(nextId);
    endpoint.answer = (q) => (q.rows.some((row) => row.connection_id === poison) ? 'reject' : 'ok');
    await r.interval(1);
    await r.runUntil('the backlog to drain', () => writer.stats().pendingRows === 0);

    const ids = deliveredIds(endpoint);
    const expected = Array.from({ length: r.written }, (_, i) => String(i + 1)).filter((id) => id !== poison);
    assert.equal(requestsWith('reject'), 1, 'a rejected batch is not retried');
    assert.deepEqual([...ids].sort(), [...expected].sort(), 'every row but the rejected one, once');
    assert.ok(endpoint.replayedRows > 0, 'the lost answers were replayed and deduplicated');
    assert.equal(endpoint.maxInFlight, 1, 'one request at a time');
    const s = writer.stats();
    assert.deepEqual(
      [s.sent, s.dropped, s.spooled, s.pendingRows, s.spoolBytes],
      [r.written - 1, 1, r.written, 0, 0],
      'all rows went through the spool; the poison batch held one row'
    );
    assert.deepEqual(
      readdirSync(r.dir).filter((f) => f.endsWith('.seg')),
      []
    );
  }
);

test(
  'while Vector is away longer than the spool holds, the oldest batches are dropped and counted; the files stay bounded',
  { timeout: 60_000 },
  async (t) => {
    const maxBytes = 48 * 1024;
    const r = await rig(t, 'bounded', maxBytes);
    const { endpoint, writer } = r;
    await endpoint.down();
    for (let i = 0; i < 150; i++) {
      await r.interval(5);
    }
    assert.ok(r.maxSpoolBytes <= maxBytes, `${r.maxSpoolBytes} bytes on disk, bound ${maxBytes}`);
    const s = writer.stats();
    assert.ok(s.dropped > 0, 'the spool filled up');
    assert.equal(s.dropped + s.pendingRows, r.written);
    await endpoint.up();
    await r.runUntil('the backlog to drain', () => writer.stats().pendingRows === 0);
    const ids = deliveredIds(endpoint).map(Number);
    assert.equal(ids.length, r.written - s.dropped);
    assert.equal(new Set(ids).size, ids.length, 'no duplicates');
    assert.equal(Math.max(...ids), nextId - 1, 'the newest rows are the ones kept');
    assert.equal(Math.min(...ids), nextId - ids.length, 'and they are all of the newest ones');
    assert.deepEqual([writer.stats().sent, writer.stats().dropped], [ids.length, s.dropped]);
  }
);
