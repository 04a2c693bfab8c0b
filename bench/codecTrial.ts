import { connectionsColumns, DATABASE, tables } from '../src/shared/schema';
import type { Store } from '../src/store/store';

/**
 * Codec changes to the connections table, tried on a copy of it holding the same rows, so the
 * schema owner can see what each would save before deciding, and what a past change saved, in the
 * same run. Nothing here changes the schema.
 */
export type CodecChanges = Readonly<Record<string, string>>;

const inSchema = Object.entries(connectionsColumns) as Array<[string, { type: string; codec?: string }]>;

/** The LowCardinality labels and the enums, ZSTD(1) since sql/0007. */
const dictionaryColumns = inSchema
  .filter(([, c]) => c.type.startsWith('LowCardinality(') || c.type.startsWith('Enum8('))
  .map(([name]) => name);

export const CODEC_TRIALS: Readonly<Record<string, CodecChanges>> = {
  'labels and enums on LZ4 (the schema before sql/0007)': Object.fromEntries(
    dictionaryColumns.map((name) => [name, 'LZ4'])
  ),
  'every column ZSTD(3) (codec chains kept)': Object.fromEntries(
    inSchema.map(([name, c]) => [name, c.codec === undefined ? 'ZSTD(3)' : c.codec.replace('ZSTD(1)', 'ZSTD(3)')])
  ),
};

/** Compressed bytes per row of a copy of connections with these codecs, after a full merge. */
export async function trialBytesPerRow(store: Store, changes: CodecChanges): Promise<number> {
  const source = `${DATABASE}.${tables.connections.name}`;
  const copy = `${DATABASE}.codec_trial`;
  await store.command(`DROP TABLE IF EXISTS ${copy}`);
  await store.command(`CREATE TABLE ${copy} AS ${source}`);
  try {
    for (const [name, codec] of Object.entries(changes)) {
      await store.command(`ALTER TABLE ${copy} MODIFY COLUMN ${name} CODEC(${codec})`);
    }
    await store.command(`INSERT INTO ${copy} SELECT * FROM ${source}`);
    await store.command(`OPTIMIZE TABLE ${copy} FINAL`);
    const [r] = await store.query<{ c: string; n: string }>(
      `SELECT sum(data_compressed_bytes) AS c, sum(rows) AS n FROM system.parts
       WHERE active AND database = {db:String} AND table = 'codec_trial'`,
      { db: DATABASE }
    );
    return Math.round((Number(r.c) / Number(r.n)) * 10) / 10;
  } finally {
    await store.command(`DROP TABLE IF EXISTS ${copy}`);
  }
}
