import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { DATABASE } from '../../shared/schema';
import { connectionRow } from '../../store/sampleRows';
import type { Store } from '../../store/store';
import { openTestStore, truncateAll } from '../../store/testStore';
import { RowWriter } from './rowWriter';

let store: Store;
before(async () => {
  store = await openTestStore();
});
after(async () => {
  await store.close();
});
beforeEach(async () => {
  await truncateAll(store);
});

const rows = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) =>
    connectionRow({ connection_id: String(from + i + 1), bytes_tx: 1000 + from + i })
  );

async function stored(): Promise<{ rows: number; ids: number; bytes: number }> {
  const [r] = await store.query<{ rows: string; ids: string; bytes: string }>(
    `SELECT count() AS rows, uniqExact(connection_id) AS ids, sum(bytes_tx) AS bytes FROM ${DATABASE}.connections`
  );
  return { rows: Number(r.rows), ids: Number(r.ids), bytes: Number(r.bytes) };
}

/** The real store, with its first `failures` inserts failing: before the insert, or after it landed (a lost answer). */
function flakyStore(failures: number, when: 'before' | 'after'): Store & { calls: number } {
  const flaky = {
    ...store,
    calls: 0,
    async insert(...args: Parameters<Store['insert']>) {
      flaky.calls++;
      const fail = flaky.calls <= failures;
      if (fail && when === 'before') {
        throw new Error('connect ECONNREFUSED 127.0.0.1:8123');
      }
      await store.insert(...args);
      if (fail) {
        throw new Error('socket hang up');
      }
    },
  };
  return flaky;
}

/** A clock the test moves, so retry delays pass without waiting. */
function manualClock() {
  const clock = { ms: 1_000_000, now: () => clock.ms };
  return clock;
}

test('rows land in batches of at most maxBatchRows, in one flush, and are counted as sent', async () => {
  const counting = flakyStore(0, 'before');
  const writer = new RowWriter({ store: counting, node: 'n1', maxBatchRows: 2 });
  writer.write('connections', rows(5));
  assert.equal(writer.stats().pendingRows, 5);
  await writer.flush();
  assert.deepEqual(await stored(), { rows: 5, ids: 5, bytes: 5 * 1000 + 10 });
  assert.equal(counting.calls, 3);
  assert.deepEqual(
    { ...writer.stats(), lastError: undefined },
    {
      sent: 5,
      dropped: 0,
      spooled: 0,
      spoolBytes: 0,
      failures: 0,
      pendingRows: 0,
      pendingBatches: 0,
      lastError: undefined,
    }
  );
});

for (const when of ['before', 'after'] as const) {
  test(`inserts failing ${when} the store took them are retried after the delay and the rows arrive exactly once`, async () => {
    const clock = manualClock();
    const flaky = flakyStore(2, when);
    const lines: string[] = [];
    const writer = new RowWriter({
      store: flaky,
      node: 'n1',
      now: clock.now,
      retryDelayMs: 1000,
      log: (l) => lines.push(l),
    });
    writer.write('connections', rows(3));
    writer.write('connections', rows(2, 3));

    await writer.flush();
    assert.equal(flaky.calls, 1);
    assert.equal(writer.stats().pendingRows, 5);
    assert.match(writer.stats().lastError ?? '', /insert of 3 connections rows into embedded:.* failed: /);
    assert.match(lines[0], /5 rows pending, next try in 1 s$/);

    clock.ms += 500;
    await writer.flush();
    assert.equal(flaky.calls, 1, 'no try before the delay has passed');

    clock.ms += 500;
    await writer.flush();
    assert.equal(flaky.calls, 2);
    assert.match(lines[1], /next try in 2 s$/, 'the delay doubles');

    clock.ms += 2000;
    await writer.flush();
    assert.equal(flaky.calls, 4);
    assert.deepEqual(await stored(), { rows: 5, ids: 5, bytes: 5 * 1000 + 10 });
    const s = writer.stats();
    assert.deepEqual([s.sent, s.dropped, s.failures, s.pendingRows, s.lastError], [5, 0, 2, 0, undefined]);
  });
}

test('past the pending bound the oldest batches are dropped and counted; a forced flush ignores the delay', async () => {
  const clock = manualClock();
  let up = false;
  const switchable: Store = {
    ...store,
    async insert(...args) {
      if (!up) {
        throw new Error('connect ECONNREFUSED 127.0.0.1:8123');
      }
      await store.insert(...args);
    },
  };
  const writer = new RowWriter({ store: switchable, node: 'n1', now: clock.now, maxBatchRows: 2, maxPendingRows: 4 });
  writer.write('connections', rows(2));
  writer.write('connections', rows(2, 2));
  await writer.flush();
  writer.write('connections', rows(2, 4));
  assert.deepEqual([writer.stats().dropped, writer.stats().pendingRows], [0, 6], 'written, not yet queued');
  await writer.flush();
  assert.deepEqual([writer.stats().dropped, writer.stats().pendingRows], [2, 4]);

  up = true;
  await writer.flush({ force: true });
  const ids = await store.query<{ id: string }>(`SELECT connection_id AS id FROM ${DATABASE}.connections ORDER BY id`);
  assert.deepEqual(
    ids.map((r) => r.id),
    ['3', '4', '5', '6']
  );
  assert.deepEqual([writer.stats().sent, writer.stats().dropped, writer.stats().pendingRows], [4, 2, 0]);
});

test('abandonPending counts what is still waiting as dropped', async () => {
  const down = flakyStore(Infinity, 'before');
  const writer = new RowWriter({ store: down, node: 'n1' });
  writer.write('connections', rows(3));
  await writer.flush();
  assert.equal(await writer.abandonPending('agent stopped'), 3);
  assert.deepEqual([writer.stats().dropped, writer.stats().pendingRows, writer.stats().sent], [3, 0, 0]);
});

test('a batch that keeps failing is given up after maxAttempts and counted, and the next one goes through', async () => {
  const clock = manualClock();
  const poisoned: Store = {
    ...store,
    async insert(table, batch, token) {
      if (batch.some((r) => 'connection_id' in r && r.connection_id === '1')) {
        throw new Error('Code: 27. DB::Exception: Cannot parse input');
      }
      await store.insert(table, batch, token);
    },
  };
  const lines: string[] = [];
  const writer = new RowWriter({
    store: poisoned,
    node: 'n1',
    now: clock.now,
    maxAttempts: 3,
    log: (l) => lines.push(l),
  });
  writer.write('connections', rows(1));
  writer.write('connections', rows(2, 1));
  for (let i = 0; i < 4; i++) {
    await writer.flush({ force: true });
  }
  assert.deepEqual((await stored()).ids, 2);
  const s = writer.stats();
  assert.deepEqual([s.sent, s.dropped, s.failures, s.pendingRows], [2, 1, 3, 0]);
  assert.match(lines.at(-1) ?? '', /^dropped 1 connections rows: .*Cannot parse input \(3 tries\)$/);
});

test('the same rows written again by another batch are stored again: tokens differ per batch', async () => {
  const writer = new RowWriter({ store, node: 'n1' });
  writer.write('connections', rows(2));
  writer.write('connections', rows(2));
  await writer.flush();
  assert.deepEqual(await stored(), { rows: 4, ids: 2, bytes: 2 * (2000 + 1) });
});
