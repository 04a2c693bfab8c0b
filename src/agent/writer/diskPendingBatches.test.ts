import assert from 'node:assert/strict';
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { connectionRow } from '../../store/sampleRows';
import { DiskPendingBatches, type DiskPendingBatchesOptions } from './diskPendingBatches';
import type { Batch } from './pendingBatches';

const dirs: string[] = [];
const open: DiskPendingBatches[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
  for (const dir of dirs.splice(0)) {
    rmSync(dir, { recursive: true, force: true });
  }
});

function spoolDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'netmon-spool-test-'));
  dirs.push(dir);
  return dir;
}

async function openSpool(opts: DiskPendingBatchesOptions): Promise<DiskPendingBatches> {
  const spool = await DiskPendingBatches.open(opts);
  open.push(spool);
  return spool;
}

async function closeSpool(spool: DiskPendingBatches): Promise<void> {
  open.splice(open.indexOf(spool), 1);
  await spool.close();
}

/** `n` distinct connections rows; ids start after `from`. */
const batch = (token: string, n: number, from = 0): Batch => ({
  table: 'connections',
  rows: Array.from({ length: n }, (_, i) =>
    connectionRow({ connection_id: String(from + i + 1), ts: 1_700_000_000_000 })
  ),
  token,
  attempts: 0,
});

/** Everything left, oldest first, acknowledging as it goes. */
async function drain(spool: DiskPendingBatches): Promise<Batch[]> {
  const out: Batch[] = [];
  for (let b = await spool.peek(); b !== undefined; b = await spool.peek()) {
    out.push(b);
    await spool.shift();
  }
  return out;
}

function segmentFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.seg'))
    .sort();
}

function segmentBytesOnDisk(dir: string): number {
  return segmentFiles(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
}

test('batches come back oldest first with their rows and tokens, before and after a reopen', async () => {
  const dir = spoolDir();
  const first = await openSpool({ dir, maxBytes: 1 << 20 });
  const written = [batch('t-a', 2), batch('t-b', 3, 2), batch('t-c', 1, 5)];
  for (const b of written) {
    assert.deepEqual(await first.push(b), []);
  }
  assert.deepEqual([first.length, first.rows, first.spooledRows], [3, 6, 6]);
  assert.equal(first.bytes, segmentBytesOnDisk(dir), 'bytes is what the files hold');
  assert.equal((await first.peek())?.token, 't-a');
  await first.shift();
  await closeSpool(first);

  const second = await openSpool({ dir, maxBytes: 1 << 20 });
  assert.deepEqual([second.length, second.rows, second.spooledRows, second.lostRows], [2, 4, 0, 0]);
  const replayed = await drain(second);
  assert.deepEqual(
    replayed.map((b) => ({ table: b.table, token: b.token, rows: b.rows, attempts: b.attempts })),
    written.slice(1).map((b) => ({ table: b.table, token: b.token, rows: b.rows, attempts: 0 }))
  );
  assert.deepEqual(segmentFiles(dir), [], 'an idle spool holds no segments');
  assert.equal(second.bytes, 0);
});

test('a pushed batch is in the file when push resolves', async () => {
  const dir = spoolDir();
  const spool = await openSpool({ dir, maxBytes: 1 << 20 });
  await spool.push(batch('tok-on-disk', 1));
  const [file] = segmentFiles(dir);
  assert.ok(readFileSync(join(dir, file)).includes('tok-on-disk'));
});

test('the oldest peeked batch is the same object until shifted, so its attempts count', async () => {
  const spool = await openSpool({ dir: spoolDir(), maxBytes: 1 << 20 });
  await spool.push(batch('a', 1));
  await spool.push(batch('b', 1));
  const head = await spool.peek();
  head!.attempts = 3;
  assert.equal((await spool.peek())?.attempts, 3);
  await spool.shift();
  assert.equal((await spool.peek())?.token, 'b');
});

test('past maxBytes the oldest batches are evicted and returned, and the files never exceed the bound', async () => {
  const dir = spoolDir();
  const maxBytes = 64 * 1024;
  const spool = await openSpool({ dir, maxBytes });
  const evicted: string[] = [];
  let largest = 0;
  for (let i = 0; i < 200; i++) {
    for (const e of await spool.push(batch(`t${i}`, 3, i * 3))) {
      assert.equal(e.rowCount, 3);
      evicted.push(e.token);
    }
    largest = Math.max(largest, segmentBytesOnDisk(dir));
    assert.equal(spool.bytes, segmentBytesOnDisk(dir));
  }
  assert.ok(largest <= maxBytes, `${largest} bytes on disk, bound ${maxBytes}`);
  assert.ok(largest > maxBytes * 0.8, `the bound is used: ${largest}`);
  const kept = (await drain(spool)).map((b) => b.token);
  assert.ok(evicted.length > 0 && kept.length > 0);
  assert.deepEqual(
    [...evicted, ...kept],
    Array.from({ length: 200 }, (_, i) => `t${i}`),
    'evicted oldest first; every batch either evicted or kept'
  );
  assert.equal(kept.at(-1), 't199');
});

test('one batch larger than the bound stays, alone', async () => {
  const spool = await openSpool({ dir: spoolDir(), maxBytes: 2048 });
  await spool.push(batch('small', 1));
  const evicted = await spool.push(batch('big', 20));
  assert.deepEqual(
    evicted.map((e) => e.token),
    ['small']
  );
  assert.deepEqual([spool.length, spool.rows], [1, 20]);
});

test('a torn last record (a crash mid-write) is skipped and counted once; the spool goes on', async () => {
  const dir = spoolDir();
  const first = await openSpool({ dir, maxBytes: 1 << 20 });
  await first.push(batch('ok-1', 2));
  await first.push(batch('ok-2', 2, 2));
  await first.push(batch('torn', 4, 4));
  await closeSpool(first);
  const [file] = segmentFiles(dir);
  truncateSync(join(dir, file), statSync(join(dir, file)).size - 10);

  const lines: string[] = [];
  const second = await openSpool({ dir, maxBytes: 1 << 20, log: (l) => lines.push(l) });
  assert.deepEqual([second.length, second.rows, second.lostRows], [2, 4, 4]);
  assert.ok(
    lines.some((l) => /skipped 1 damaged record\(s\) \(4 rows\) in .*\.seg: a write cut short by a crash/.test(l)),
    lines.join('\n')
  );
  await second.push(batch('after', 1, 8));
  await closeSpool(second);

  const third = await openSpool({ dir, maxBytes: 1 << 20 });
  assert.equal(third.lostRows, 0, 'the loss was counted when found, not again');
  assert.deepEqual(
    (await drain(third)).map((b) => [b.token, b.rows.length]),
    [
      ['ok-1', 2],
      ['ok-2', 2],
      ['after', 1],
    ]
  );
});

test('a record garbled in the middle of a segment costs only itself', async () => {
  const dir = spoolDir();
  const first = await openSpool({ dir, maxBytes: 1 << 20 });
  await first.push(batch('a', 2));
  await first.push(batch('garbled', 3, 2));
  await first.push(batch('c', 2, 5));
  await closeSpool(first);
  const [file] = segmentFiles(dir);
  const bytes = readFileSync(join(dir, file));
  const at = bytes.indexOf('garbled') + 200;
  bytes[at] ^= 0xff;
  writeFileSync(join(dir, file), bytes);

  const second = await openSpool({ dir, maxBytes: 1 << 20 });
  assert.equal(second.lostRows, 3);
  assert.deepEqual(
    (await drain(second)).map((b) => b.token),
    ['a', 'c']
  );
});

test('a file that is all garbage is skipped, not a crash', async () => {
  const dir = spoolDir();
  writeFileSync(join(dir, '000000000001.seg'), Buffer.from('not a spool record at all'));
  const spool = await openSpool({ dir, maxBytes: 1 << 20 });
  assert.deepEqual([spool.length, spool.lostRows], [0, 0]);
  await spool.push(batch('fresh', 1));
  assert.equal((await spool.peek())?.token, 'fresh');
});

test('acknowledgements that did not reach the disk replay those batches, never lose others', async () => {
  const dir = spoolDir();
  const first = await openSpool({ dir, maxBytes: 1 << 20 });
  await first.push(batch('a', 1));
  await first.push(batch('b', 1, 1));
  await first.shift();
  await closeSpool(first);
  unlinkSync(join(dir, 'acked.json'));
  const second = await openSpool({ dir, maxBytes: 1 << 20 });
  assert.deepEqual(
    (await drain(second)).map((b) => b.token),
    ['a', 'b']
  );
});

test('batches spread over many segments leave in order and each emptied segment is deleted', async () => {
  const dir = spoolDir();
  const first = await openSpool({ dir, maxBytes: 1 << 20, segmentBytes: 4096 });
  for (let i = 0; i < 30; i++) {
    await first.push(batch(`s${i}`, 2, i * 2));
  }
  const segments = segmentFiles(dir).length;
  assert.ok(segments > 3, `${segments} segments`);
  for (let i = 0; i < 15; i++) {
    await first.shift();
  }
  assert.ok(segmentFiles(dir).length < segments);
  assert.equal(first.bytes, segmentBytesOnDisk(dir));
  await closeSpool(first);
  const second = await openSpool({ dir, maxBytes: 1 << 20, segmentBytes: 4096 });
  await second.push(batch('s30', 1, 60));
  assert.deepEqual(
    (await drain(second)).map((b) => b.token),
    Array.from({ length: 16 }, (_, i) => `s${i + 15}`)
  );
});

test('one spool dir, one agent: a second open names the holder and the flag', async () => {
  const dir = spoolDir();
  await openSpool({ dir, maxBytes: 1 << 20 });
  await assert.rejects(
    DiskPendingBatches.open({ dir, maxBytes: 1 << 20 }),
    new RegExp(`^Error: spool dir ${dir} is in use by netmon pid ${process.pid}; .*--spool-dir`)
  );
});

test('rejects a bound that is not a positive whole number of bytes', async () => {
  await assert.rejects(
    DiskPendingBatches.open({ dir: spoolDir(), maxBytes: 0 }),
    /maxBytes: expected a positive whole number of bytes, got 0/
  );
});
