import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DATABASE, type TtlTier } from '../shared/schema';
import { renderMigration, resolveTtlDays, splitStatements } from './migrationText';
import type { Store } from './store';
import { StoreError } from './storeError';
import { reconcileTtls, type TtlChange } from './ttlReconcile';

/** sql/ at the repository root, found from this file so it works from any working directory. */
export const SQL_DIR = resolve(__dirname, '../../sql');

export interface MigrateOptions {
  /**
   * Retention per tier in days. New tables take these or DEFAULT_TTL_DAYS; existing tables change
   * only for the tiers named here, so a plain migrate (as `netmon up` runs) never undoes a retention
   * someone set on purpose.
   */
  ttlDays?: Partial<Record<TtlTier, number>>;
  onProgress?(line: string): void;
}

export interface MigrateResult {
  applied: string[];
  alreadyApplied: string[];
  ttlChanges: TtlChange[];
}

export interface MigrationFile {
  name: string;
  text: string;
  /** Of the file as written, before placeholders are filled, so a retention change is no edit. */
  checksum: string;
}

const MIGRATIONS_TABLE = `${DATABASE}.schema_migrations`;

// Created before any file runs, since it records which files have run.
const BOOTSTRAP = [
  `CREATE DATABASE IF NOT EXISTS ${DATABASE}`,
  `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (name String, checksum String, applied_at DateTime64(3, 'UTC'))
   ENGINE = ReplacingMergeTree(applied_at) ORDER BY name`,
];

/** The numbered files of sql/ in the order they apply. */
export function listMigrations(dir = SQL_DIR): MigrationFile[] {
  return readdirSync(dir)
    .filter((name) => /^\d{4}_[\w-]+\.sql$/.test(name))
    .sort()
    .map((name) => {
      const text = readFileSync(join(dir, name), 'utf8');
      return { name, text, checksum: createHash('sha256').update(text).digest('hex') };
    });
}

/**
 * Applies the files of sql/ not yet recorded, in order, then reconciles retention. Every statement
 * is idempotent, so a run cut short is finished by the next one.
 */
export async function migrate(store: Store, opts: MigrateOptions = {}): Promise<MigrateResult> {
  const ttlDays = resolveTtlDays(opts.ttlDays);
  const progress = opts.onProgress ?? (() => undefined);
  const files = listMigrations();
  for (const statement of BOOTSTRAP) {
    await store.command(statement);
  }
  const recorded = new Map(
    (
      await store.query<{ name: string; checksum: string }>(
        `SELECT name, argMax(checksum, applied_at) AS checksum FROM ${MIGRATIONS_TABLE} GROUP BY name`
      )
    ).map((row) => [row.name, row.checksum])
  );

  const result: MigrateResult = { applied: [], alreadyApplied: [], ttlChanges: [] };
  for (const file of files) {
    const recordedChecksum = recorded.get(file.name);
    if (recordedChecksum !== undefined) {
      if (recordedChecksum !== file.checksum) {
        throw new StoreError(
          `sql/${file.name} changed after it was applied to ${store.description}; ` +
            'expected applied migrations to stay as they are (put the change in a new numbered file)'
        );
      }
      result.alreadyApplied.push(file.name);
      continue;
    }
    // Comments are dropped first, so a header may mention a placeholder without it being filled.
    const statements = splitStatements(file.text).map((sql) => renderMigration(file.name, sql, ttlDays));
    for (const statement of statements) {
      await store.command(statement);
    }
    await store.command(
      `INSERT INTO ${MIGRATIONS_TABLE} (name, checksum, applied_at) VALUES ({name:String}, {checksum:String}, now64(3))`,
      { name: file.name, checksum: file.checksum }
    );
    progress(`applied ${file.name} (${statements.length} statements)`);
    result.applied.push(file.name);
  }

  result.ttlChanges = await reconcileTtls(store, pickTiers(ttlDays, opts.ttlDays));
  for (const change of result.ttlChanges) {
    progress(`retention of ${change.table}: ${change.fromDays} -> ${change.toDays} days`);
  }
  if (result.applied.length === 0 && result.ttlChanges.length === 0) {
    progress(`schema of ${store.description} is up to date (${files.length} migrations)`);
  }
  return result;
}

function pickTiers(
  resolved: Record<TtlTier, number>,
  named: MigrateOptions['ttlDays'] = {}
): Partial<Record<TtlTier, number>> {
  const picked: Partial<Record<TtlTier, number>> = {};
  for (const tier of Object.keys(resolved) as TtlTier[]) {
    if (named[tier] !== undefined) {
      picked[tier] = resolved[tier];
    }
  }
  return picked;
}
