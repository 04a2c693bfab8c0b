import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DATABASE, tables, type TableDef } from '../shared/schema';
import { listMigrations, migrate } from './migrate';
import { renderMigration, resolveTtlDays, splitStatements } from './migrationText';
import type { Store } from './store';
import { StoreError } from './storeError';
import { openTestStore } from './testStore';

/**
 * The live schema against schema.ts, and migrate from every past state. schema.ts is turned into
 * scratch tables in another database so ClickHouse normalizes both sides the same way (Delta
 * becomes Delta(8) or Delta(4) by the column's width): any difference is then a real one.
 */
const EXPECTED_DB = 'netmon_expected';

let store: Store;
before(async () => {
  store = await openTestStore();
});
after(async () => {
  await store.close();
});

function columnsDdl(def: TableDef): string {
  return Object.entries(def.columns)
    .map(([name, c]) => `\`${name}\` ${c.type}${c.codec === undefined ? '' : ` CODEC(${c.codec})`}`)
    .join(',\n');
}

interface LiveColumn {
  table: string;
  position: string;
  name: string;
  type: string;
  compression_codec: string;
}

async function columnsOf(database: string): Promise<LiveColumn[]> {
  return store.query<LiveColumn>(
    `SELECT table, position, name, type, compression_codec FROM system.columns
     WHERE database = {database:String} AND table IN {names:Array(String)} ORDER BY table, position`,
    { database, names: Object.values(tables).map((t) => t.name) }
  );
}

async function schemaSnapshot(): Promise<unknown> {
  const objects = await store.query(
    `SELECT name, engine, engine_full, as_select, sorting_key, partition_key FROM system.tables
     WHERE database = {database:String} ORDER BY name`,
    { database: DATABASE }
  );
  const columns = await store.query(
    `SELECT table, position, name, type, compression_codec, default_expression FROM system.columns
     WHERE database = {database:String} ORDER BY table, position`,
    { database: DATABASE }
  );
  return { objects, columns };
}

test('every table of schema.ts exists with the same columns, in order, with the same types and codecs', async () => {
  await store.command(`CREATE DATABASE IF NOT EXISTS ${EXPECTED_DB}`);
  for (const def of Object.values(tables)) {
    await store.command(
      `CREATE OR REPLACE TABLE ${EXPECTED_DB}.${def.name} (${columnsDdl(def)}) ENGINE = MergeTree ORDER BY tuple()`
    );
  }
  const live = await columnsOf(DATABASE);
  const expected = await columnsOf(EXPECTED_DB);
  assert.equal(
    expected.length,
    Object.values(tables).reduce((n, t) => n + Object.keys(t.columns).length, 0)
  );
  assert.deepEqual(live, expected);
});

test('the comparison catches a renamed and a retyped column', async () => {
  await store.command(`ALTER TABLE ${DATABASE}.agent_health RENAME COLUMN cpu_ms TO cpu_millis`);
  try {
    assert.notDeepEqual(await columnsOf(DATABASE), await columnsOf(EXPECTED_DB));
  } finally {
    await store.command(`ALTER TABLE ${DATABASE}.agent_health RENAME COLUMN cpu_millis TO cpu_ms`);
  }
  await store.command(`ALTER TABLE ${DATABASE}.agent_health MODIFY COLUMN cpu_ms UInt64 CODEC(T64, ZSTD(1))`);
  try {
    assert.notDeepEqual(await columnsOf(DATABASE), await columnsOf(EXPECTED_DB));
  } finally {
    await store.command(`ALTER TABLE ${DATABASE}.agent_health MODIFY COLUMN cpu_ms UInt32 CODEC(T64, ZSTD(1))`);
  }
  assert.deepEqual(await columnsOf(DATABASE), await columnsOf(EXPECTED_DB));
});

test('a second migrate is a no-op', async () => {
  const before = await schemaSnapshot();
  const lines: string[] = [];
  const result = await migrate(store, { onProgress: (line) => lines.push(line) });
  assert.deepEqual(result, {
    applied: [],
    alreadyApplied: listMigrations().map((f) => f.name),
    ttlChanges: [],
  });
  assert.match(lines.join('\n'), /up to date/);
  assert.deepEqual(await schemaSnapshot(), before);
});

test('migrate from every past state ends in the schema of a fresh migrate', async () => {
  await store.command(`DROP DATABASE IF EXISTS ${DATABASE} SYNC`);
  const fresh = await migrate(store);
  assert.deepEqual(
    fresh.applied,
    listMigrations().map((f) => f.name)
  );
  const target = await schemaSnapshot();
  const files = listMigrations();
  const ttl = resolveTtlDays();
  for (let k = 0; k <= files.length; k++) {
    // Files 1..k applied by hand and not recorded, as after a run cut short before its record.
    await store.command(`DROP DATABASE IF EXISTS ${DATABASE} SYNC`);
    for (const file of files.slice(0, k)) {
      for (const sql of splitStatements(file.text)) {
        await store.command(renderMigration(file.name, sql, ttl));
      }
    }
    const result = await migrate(store);
    assert.equal(result.applied.length, files.length, `after ${k} files by hand`);
    assert.deepEqual(await schemaSnapshot(), target, `after ${k} files by hand`);
  }
});

test('a migration edited after it was applied is refused, naming the file', async () => {
  const [first] = listMigrations();
  await store.command(
    `INSERT INTO ${DATABASE}.schema_migrations VALUES ({name:String}, 'not-the-checksum', now64(3) + 1)`,
    { name: first.name }
  );
  await assert.rejects(
    migrate(store),
    (e: Error) => e instanceof StoreError && e.message.includes(`sql/${first.name} changed after it was applied`)
  );
});
