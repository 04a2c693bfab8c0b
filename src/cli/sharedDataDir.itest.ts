/**
 * One data dir, several netmon processes: `netmon up` owns the embedded engine, everything else
 * goes through its control socket (src/store/openForCli.ts). The owner is the real `netmon up`,
 * capturing with bpftrace, so these tests need what capture needs.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { assertBpftraceAvailable, skipWithoutBpftrace } from '../agent/bpftrace/bpftraceTestEnvironment';
import { openForCli } from '../store/openForCli';
import { finished, runNetmon, startNetmon, type NetmonRun } from './runNetmon';

const work = mkdtempSync(join(tmpdir(), 'netmon-shared-'));
const started: ChildProcess[] = [];

after(() => {
  for (const child of started) {
    child.kill('SIGKILL');
  }
});

/** Starts `netmon up` on `dataDir` and resolves once it says it holds the store. */
async function up(dataDir: string, duration = 30): Promise<{ child: ChildProcess; done: Promise<NetmonRun> }> {
  const child = startNetmon(['--data-dir', dataDir, 'up', '--duration', String(duration), '--no-ui']);
  started.push(child);
  const done = finished(child);
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    child.stdout!.on('data', (d: Buffer) => {
      seen += d.toString('utf8');
      if (seen.includes('netmon up: holding')) {
        resolve();
      }
    });
    void done.then((r) => reject(new Error(`netmon up exited (${r.code}) before holding the store:\n${r.stderr}`)));
  });
  return { child, done };
}

const sql = (dataDir: string, query: string, ...flags: string[]) =>
  runNetmon(['--data-dir', dataDir, 'sql', query, '--format', 'tsv', ...flags]);

let held: { dir: string; child: ChildProcess; done: Promise<NetmonRun> };

const needsCapture = { skip: skipWithoutBpftrace };

before(async () => {
  if (skipWithoutBpftrace !== false) {
    return;
  }
  const dir = join(work, 'held');
  held = { dir, ...(await up(dir)) };
});

test('netmon up holds the lock with its pid and serves its socket', needsCapture, () => {
  assertBpftraceAvailable();
  assert.equal(readFileSync(join(held.dir, 'netmon.lock'), 'utf8').trim(), String(held.child.pid));
  assert.ok(existsSync(join(held.dir, 'netmon.sock')));
});

test('netmon sql and migrate work while up holds the dir, through its socket', needsCapture, async () => {
  assertBpftraceAvailable();
  const insert = await runNetmon([
    '--data-dir',
    held.dir,
    'sql',
    "INSERT INTO netmon.dns_queries (ts, qname) VALUES (now64(3), 'example.com')",
  ]);
  assert.equal(insert.code, 0, insert.stderr);
  const read = await sql(held.dir, 'SELECT qname, count() AS c FROM netmon.dns_queries GROUP BY qname');
  assert.equal(read.code, 0, read.stderr);
  assert.equal(read.stdout, 'qname\tc\nexample.com\t1\n');
  const migrate = await runNetmon(['--data-dir', held.dir, 'migrate']);
  assert.equal(migrate.code, 0, migrate.stderr);
  assert.match(migrate.stdout, new RegExp(`through netmon pid ${held.child.pid}`));
  assert.equal(migrate.stdout.trimEnd().split('\n').at(-1), 'schema up to date');
});

test("a query error through the socket keeps ClickHouse's message and names the query", needsCapture, async () => {
  assertBpftraceAvailable();
  const run = await sql(held.dir, 'SELECT nope FROM netmon.connections');
  assert.equal(run.code, 1);
  assert.equal(run.stdout, '');
  assert.match(
    run.stderr,
    /^error: Unknown expression identifier `nope`.* \(query: SELECT nope FROM netmon\.connections\)\n$/
  );
});

test(
  'concurrent clients, and concurrent requests on one connection, each get their own answer',
  needsCapture,
  async () => {
    assertBpftraceAvailable();
    const runs = await Promise.all([1, 2, 3].map((i) => sql(held.dir, `SELECT ${i} * 7 AS x`)));
    assert.deepEqual(
      runs.map((r) => r.stdout),
      ['x\n7\n', 'x\n14\n', 'x\n21\n']
    );
    const store = await openForCli({ dataDir: held.dir });
    try {
      assert.match(store.description, /through netmon pid/);
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          store.query<{ i: number }>('SELECT {i:UInt32} AS i, sleep(0.01 * ({i:UInt32} % 3))', { i })
        )
      );
      assert.deepEqual(
        answers.map((rows) => rows[0].i),
        Array.from({ length: 20 }, (_, i) => i)
      );
    } finally {
      await store.close();
    }
  }
);

test('SIGTERM stops up cleanly: exit 0, lock and socket gone', needsCapture, async () => {
  assertBpftraceAvailable();
  const dir = join(work, 'sigterm');
  const { child, done } = await up(dir);
  child.kill('SIGTERM');
  const run = await done;
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /netmon up: stopping \(SIGTERM\)\n/);
  assert.equal(run.stderr, '');
  assert.equal(existsSync(join(dir, 'netmon.lock')), false);
  assert.equal(existsSync(join(dir, 'netmon.sock')), false);
});

test('up stops by itself after --duration', needsCapture, async () => {
  assertBpftraceAvailable();
  const { done } = await up(join(work, 'duration'), 1);
  const run = await done;
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /netmon up: stopping \(--duration 1s elapsed\)\n/);
});

test(
  'an owner that vanishes mid-request fails the request with a clear message, and its stale lock is taken over',
  needsCapture,
  async () => {
    assertBpftraceAvailable();
    const dir = join(work, 'crash');
    const { child, done } = await up(dir);
    const store = await openForCli({ dataDir: dir });
    const failed = assert.rejects(store.query('SELECT sleep(2)'), {
      message: `netmon pid ${child.pid} on ${dir} closed the connection before answering (did it stop?)`,
    });
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGKILL');
    await done;
    await failed;
    await store.close();

    // The crash left the lock (with the dead pid) and the socket file behind.
    assert.equal(readFileSync(join(dir, 'netmon.lock'), 'utf8').trim(), String(child.pid));
    assert.ok(existsSync(join(dir, 'netmon.sock')));
    const run = await sql(dir, 'SELECT count() AS c FROM netmon.connections');
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'c\n0\n');
    assert.equal(existsSync(join(dir, 'netmon.lock')), false);
  }
);
