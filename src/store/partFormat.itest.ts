import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DATABASE } from '../shared/schema';
import { synthPlan } from '../shared/synth/synthPlan';
import type { Store } from './store';
import { openTestStore } from './testStore';

/**
 * sql/0008: an insert batch into a raw table is a Compact part whatever its bytes, and a merge of
 * two batches is Wide. Each batch here is over the bytes that alone would make a part Wide, so
 * the test fails if the setting is lost.
 */
const HOUR = 3_600_000;
const TO = Math.floor(Date.now() / HOUR) * HOUR;
const BATCH_ROWS = 100_000;

let store: Store;
before(async () => {
  store = await openTestStore();
});
after(async () => {
  await store.close();
});

interface Part {
  level: number;
  part_type: string;
  bytes: number;
}

async function parts(table: string): Promise<Part[]> {
  const rows = await store.query<{ level: string; part_type: string; bytes: string }>(
    `SELECT level, part_type, data_uncompressed_bytes AS bytes FROM system.parts
     WHERE database = {database:String} AND table = {table:String} AND active ORDER BY name`,
    { database: DATABASE, table }
  );
  return rows.map((r) => ({ level: Number(r.level), part_type: r.part_type, bytes: Number(r.bytes) }));
}

test('both raw tables carry min_rows_for_wide_part = 150000', async () => {
  for (const table of ['connections', 'dns_queries']) {
    const [{ q }] = await store.query<{ q: string }>(
      `SELECT create_table_query AS q FROM system.tables WHERE database = {database:String} AND name = {table:String}`,
      { database: DATABASE, table }
    );
    assert.match(q, /min_rows_for_wide_part = 150000/, table);
  }
});

test('two 100k-row inserts over the Wide bytes are Compact parts, and their merge is Wide', async () => {
  const [{ threshold }] = await store.query<{ threshold: string }>(
    `SELECT value AS threshold FROM system.merge_tree_settings WHERE name = 'min_bytes_for_wide_part'`
  );
  const plan = synthPlan(
    { seed: 3, connectionRows: 2 * BATCH_ROWS, pods: 300, fromMs: TO - HOUR, toMs: TO, dnsRows: 0 },
    BATCH_ROWS
  );
  const steps = plan.steps.filter((s) => s.table === 'connections');
  assert.equal(steps.length, 2, 'the plan writes connections in two inserts');
  for (const step of steps) {
    await store.command(step.query.sql, step.query.params);
  }

  const inserted = await parts('connections');
  assert.ok(inserted.length >= 2, JSON.stringify(inserted));
  assert.deepEqual(
    inserted.map((p) => [p.level, p.part_type]),
    inserted.map(() => [0, 'Compact'])
  );
  assert.ok(
    inserted.some((p) => p.bytes > Number(threshold)),
    `a part over min_bytes_for_wide_part (${threshold}): ${JSON.stringify(inserted)}`
  );

  await store.command(`OPTIMIZE TABLE ${DATABASE}.connections FINAL`);
  const merged = await parts('connections');
  assert.equal(merged.length, 1, JSON.stringify(merged));
  assert.ok(merged[0].level >= 1, JSON.stringify(merged));
  assert.equal(merged[0].part_type, 'Wide', JSON.stringify(merged));
});
