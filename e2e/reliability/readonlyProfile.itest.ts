import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { createChdbConnection } from '../../src/store/chdbConnection';
import { DATABASE, tables } from '../../src/shared/schema';
import { migrate } from '../../src/store/migrate';
import { openStore } from '../../src/store/openStore';
import { connectionRow } from '../../src/store/sampleRows';
import { REPO_ROOT } from '../deploy/deployFacts';

/**
 * Scenario 7 of issue 8, the store's half: the `grafana` user's profile (netmon_reader in
 * deploy/clickhouse/users.d/netmon.xml), its settings read from the file and applied to a real
 * ClickHouse engine (chDB) holding the netmon schema: SELECT works, INSERT, ALTER, DROP, CREATE
 * and SET readonly = 0 are refused, and the limits are in force. What this does not test: the
 * server's user and authentication layer (users, passwords, GRANT SELECT ON netmon.*), which
 * chDB does not have; there is no ClickHouse server on this machine.
 */

const PROFILE = 'netmon_reader';
const dir = mkdtempSync(join(tmpdir(), 'netmon-readonly-'));
let reader: ClickHouseClient | undefined;
after(async () => {
  await reader?.close();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * The profile's plain settings (<name>value</name>), without <constraints>. The file is ours and
 * flat: a small reader instead of an XML library.
 */
function profileSettings(xml: string, profile: string): Record<string, string | number> {
  const body = new RegExp(`<${profile}>([\\s\\S]*?)</${profile}>`).exec(xml)?.[1];
  assert.ok(body !== undefined, `netmon.xml: expected a <${profile}> profile`);
  const plain = body.replace(/<constraints>[\s\S]*?<\/constraints>/, '').replace(/<!--[\s\S]*?-->/g, '');
  const settings: Record<string, string | number> = {};
  for (const m of plain.matchAll(/<(\w+)>([^<]*)<\/\1>/g)) {
    settings[m[1]] = /^\d+$/.test(m[2]) ? Number(m[2]) : m[2];
  }
  return settings;
}

test(
  'the grafana profile on a real engine: reads work, every write and SET readonly = 0 are refused, limits hold',
  { timeout: 90_000 },
  async () => {
    const settings = profileSettings(
      readFileSync(join(REPO_ROOT, 'deploy/clickhouse/users.d/netmon.xml'), 'utf8'),
      PROFILE
    );
    assert.equal(settings.readonly, 1, 'the profile is read-only');
    assert.ok(
      Number(settings.max_rows_to_read) > 0 && Number(settings.max_execution_time) > 0,
      JSON.stringify(settings)
    );

    const writer = await openStore({ dataDir: dir });
    await migrate(writer);
    const rows = [1, 2, 3, 4, 5].map((i) => connectionRow({ connection_id: String(i), pid: i }));
    await writer.insert('connections', rows);

    // readonly last: once it is 1, no SET after it is taken. chDB keeps SETs for the engine's
    // session, so from here on the writer is read-only too.
    const { readonly, ...limits } = settings;
    reader = createClient({
      connection: createChdbConnection({ path: dir }) as never,
      clickhouse_settings: { ...limits, readonly } as never,
    });
    const connections = `${DATABASE}.${tables.connections.name}`;
    const query = async (sql: string) =>
      (await reader!.query({ query: sql, format: 'JSONEachRow' })).json<Record<string, string>>();

    const [count] = await query(`SELECT count() AS n FROM ${connections}`);
    assert.equal(Number(count.n), rows.length, 'SELECT works');
    for (const [name, value] of Object.entries(settings)) {
      const [s] = await query(`SELECT toString(getSetting('${name}')) AS v`);
      assert.equal(s.v, String(value), `${name} is the profile's`);
    }

    const refusals: Array<[string, string]> = [
      ['INSERT', `INSERT INTO ${connections} (node) VALUES ('x')`],
      ['ALTER', `ALTER TABLE ${connections} ADD COLUMN evil UInt8`],
      ['ALTER DELETE', `ALTER TABLE ${connections} DELETE WHERE 1`],
      ['DROP', `DROP TABLE ${connections}`],
      ['TRUNCATE', `TRUNCATE TABLE ${connections}`],
      ['CREATE', `CREATE TABLE ${DATABASE}.evil (x UInt8) ENGINE = Memory`],
      ['SET readonly = 0', 'SET readonly = 0'],
      ['SET a limit', 'SET max_rows_to_read = 0'],
    ];
    for (const [what, sql] of refusals) {
      await assert.rejects(reader.command({ query: sql }), /readonly mode|Cannot modify/i, `${what} was not refused`);
    }
    const [after] = await query(`SELECT count() AS n, toString(getSetting('readonly')) AS ro FROM ${connections}`);
    assert.deepEqual([Number(after.n), after.ro], [rows.length, '1'], 'nothing changed, still read-only');

    // max_rows_to_read with read_overflow_mode = throw: a scan past it fails instead of running on.
    await assert.rejects(
      query(`SELECT count() FROM numbers_mt(${Number(settings.max_rows_to_read) + 1_000_000})`),
      /Limit for rows|TOO_MANY_ROWS/i
    );
    await writer.close();
  }
);

test("the writer profile inserts with optimize_on_insert = 0, as the agent's store does (clientStore.ts)", () => {
  const settings = profileSettings(
    readFileSync(join(REPO_ROOT, 'deploy/clickhouse/users.d/netmon.xml'), 'utf8'),
    'netmon_writer'
  );
  assert.equal(settings.optimize_on_insert, 0, JSON.stringify(settings));
});
