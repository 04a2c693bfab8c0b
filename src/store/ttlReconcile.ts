import { DATABASE, tables, type TtlTier } from '../shared/schema';
import type { Store } from './store';
import { StoreError } from './storeError';

export interface TtlChange {
  table: string;
  fromDays: number;
  toDays: number;
}

/** The TTL expression and its day count as ClickHouse prints them in system.tables.engine_full. */
export function parseLiveTtl(engineFull: string): { expression: string; days: number } | undefined {
  const match = /\bTTL (.+?) \+ toIntervalDay\((\d+)\)/.exec(engineFull);
  return match === null ? undefined : { expression: match[1], days: Number(match[2]) };
}

/**
 * Brings the retention of the tables in the given tiers to the given days; other tiers stay as they are. Migration files set the TTL once, when a
 * table is created; this is how a later change of the setting reaches existing tables. The TTL
 * expression is taken from the live table so it is written in one place only (the migration).
 * materialize_ttl_after_modify = 0: the new TTL applies as parts merge or expire instead of
 * rewriting every part now, which on a large table would take hours and double the disk in use.
 */
export async function reconcileTtls(store: Store, ttlDays: Partial<Record<TtlTier, number>>): Promise<TtlChange[]> {
  const live = await store.query<{ name: string; engine_full: string }>(
    'SELECT name, engine_full FROM system.tables WHERE database = {database:String}',
    { database: DATABASE }
  );
  const engineByTable = new Map(live.map((row) => [row.name, row.engine_full]));
  const changes: TtlChange[] = [];
  for (const def of Object.values(tables)) {
    const toDays = def.ttl === undefined ? undefined : ttlDays[def.ttl];
    if (toDays === undefined) {
      continue;
    }
    const ttl = parseLiveTtl(engineByTable.get(def.name) ?? '');
    if (ttl === undefined) {
      throw new StoreError(`table ${DATABASE}.${def.name} has no TTL in days; expected the one its migration creates`);
    }
    if (ttl.days !== toDays) {
      await store.command(
        `ALTER TABLE ${DATABASE}.${def.name} MODIFY TTL ${ttl.expression} + INTERVAL ${toDays} DAY ` +
          'SETTINGS materialize_ttl_after_modify = 0'
      );
      changes.push({ table: def.name, fromDays: ttl.days, toDays });
    }
  }
  return changes;
}
