import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DATABASE } from '../shared/schema';
import { synthPlan } from '../shared/synth/synthPlan';
import { connectionRow } from './sampleRows';
import type { Store } from './store';
import { openTestStore } from './testStore';

/**
 * The store inserts with optimize_on_insert = 0 (clientStore.ts insertSettings). That is free of
 * effect only while every rollup view writes one row per sorting key of its table in each block:
 * then the merge-on-insert it skips had nothing to merge. These tests hold the views to that on a
 * synthetic fleet, and check that the store's inserts carry the setting.
 */
const HOUR = 3_600_000;
const TO = Math.floor(Date.now() / HOUR) * HOUR;

let store: Store;
before(async () => {
  store = await openTestStore();
});
after(async () => {
  await store.close();
});

/** Each AggregatingMergeTree table of the schema with its sorting key. */
async function rollups(): Promise<Array<{ name: string; key: string }>> {
  return store.query<{ name: string; key: string }>(
    `SELECT name, sorting_key AS key FROM system.tables
     WHERE database = {database:String} AND engine = 'AggregatingMergeTree' ORDER BY name`,
    { database: DATABASE }
  );
}

/** Parts of `table` holding a sorting key more than once, as "part: rows/distinct keys". */
async function partsWithRepeatedKeys(table: string, key: string): Promise<string[]> {
  const rows = await store.query<{ part: string; n: string; keys: string }>(
    `SELECT _part AS part, count() AS n, uniqExact(${key}) AS keys FROM ${DATABASE}.${table}
     GROUP BY part HAVING n != keys ORDER BY part`
  );
  return rows.map((r) => `${r.part}: ${r.n}/${r.keys}`);
}

test('every rollup part written with optimize_on_insert = 0 holds one row per sorting key', async () => {
  await store.command('SET optimize_on_insert = 0');
  const plan = synthPlan(
    { seed: 11, connectionRows: 60_000, pods: 120, fromMs: TO - HOUR, toMs: TO, dnsRows: 30_000 },
    20_000
  );
  for (const step of plan.steps) {
    await store.command(step.query.sql, step.query.params);
  }
  const tables = await rollups();
  assert.ok(tables.length >= 10, `the schema's rollups: ${tables.map((t) => t.name).join(', ')}`);
  for (const { name, key } of tables) {
    const [{ n }] = await store.query<{ n: string }>(`SELECT count() AS n FROM ${DATABASE}.${name}`);
    assert.ok(Number(n) > 0, `${name} has rows`);
    assert.deepEqual(await partsWithRepeatedKeys(name, key), [], name);
  }
});

test('the check finds a part that holds a key twice', async () => {
  // Two rows of one key in one insert: what a view grouping by less than its table's key would write.
  const [{ name, key }] = (await rollups()).filter((t) => t.name === 'connections_1m');
  await store.command('SET optimize_on_insert = 0');
  await store.command(
    `INSERT INTO ${DATABASE}.${name} (ts, protocol, direction, src_pod, opened)
     SELECT toDateTime({ts:UInt32}, 'UTC'), 'tcp', 'outbound', 'twice', 1 FROM numbers(2)`,
    { ts: TO / 1000 - 60 }
  );
  const repeated = await partsWithRepeatedKeys(name, key);
  assert.equal(repeated.length, 1, JSON.stringify(repeated));
  assert.match(repeated[0], /: 2\/1$/);
});

test("the store's inserts carry optimize_on_insert = 0", async () => {
  // chDB applies an insert's settings as SETs that stay for the engine's session (clientStore.ts).
  await store.command('SET optimize_on_insert = 1');
  await store.insert('connections', [connectionRow({ connection_id: '1' })]);
  const [{ v }] = await store.query<{ v: string }>(`SELECT toString(toUInt8(getSetting('optimize_on_insert'))) AS v`);
  assert.equal(v, '0');
});
