import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATABASE, tables } from '../shared/schema';
import { migrate } from './migrate';
import { openStore } from './openStore';
import type { BuiltQuery } from '../shared/sql/query';
import type { Store } from './store';

/**
 * For integration tests (`*.itest.ts`). chDB runs one engine per process, bound to one data dir:
 * a second dir while the first is open is rejected. Node's test runner gives each test file its
 * own process, so each file gets one migrated store in a fresh temp dir; every call in that
 * process returns the same store. Clear data between tests with truncateAll, and close the store
 * once in an `after()` hook: closing also deletes the temp dir.
 */
let opened: Promise<Store> | undefined;

export function openTestStore(): Promise<Store> {
  opened ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netmon-test-'));
    const store = await openStore({ dataDir: dir });
    await migrate(store);
    return {
      ...store,
      async close() {
        opened = undefined;
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  })();
  return opened;
}

/** Empties every raw and rollup table; the schema and the migration record stay. */
export async function truncateAll(store: Store): Promise<void> {
  for (const def of Object.values(tables)) {
    await store.command(`TRUNCATE TABLE ${DATABASE}.${def.name}`);
  }
}

/**
 * Runs a built query and turns every numeric-looking string into a number, so tests compare with
 * plain literals whether ClickHouse quoted a 64-bit integer or not.
 */
export async function queryNumbers(store: Store, q: BuiltQuery): Promise<Array<Record<string, unknown>>> {
  const rows = await store.query(q.sql, q.params);
  return rows.map((r) =>
    Object.fromEntries(
      Object.entries(r).map(([k, v]) => [k, typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v])
    )
  );
}
