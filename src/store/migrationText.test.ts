import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_TTL_DAYS } from '../shared/schema';
import { MAX_TTL_DAYS, renderMigration, resolveTtlDays, splitStatements } from './migrationText';
import { StoreError } from './storeError';
import { parseLiveTtl } from './ttlReconcile';

test('resolveTtlDays keeps the defaults and applies overrides', () => {
  assert.deepEqual(resolveTtlDays(), DEFAULT_TTL_DAYS);
  assert.deepEqual(resolveTtlDays({ raw: 3 }), { ...DEFAULT_TTL_DAYS, raw: 3 });
  assert.deepEqual(resolveTtlDays({ hour: MAX_TTL_DAYS, minute: undefined }), {
    ...DEFAULT_TTL_DAYS,
    hour: MAX_TTL_DAYS,
  });
});

test('resolveTtlDays rejects anything but a whole number of days in range, naming the tier', () => {
  for (const days of [0, -1, 1.5, Number.NaN, MAX_TTL_DAYS + 1]) {
    assert.throws(
      () => resolveTtlDays({ minute: days }),
      (e: Error) => e instanceof StoreError && /minute tier/.test(e.message) && /whole number/.test(e.message)
    );
  }
  assert.throws(() => resolveTtlDays({ weekly: 3 } as never), /unknown retention tier "weekly"/);
});

test('renderMigration fills every ttl placeholder and nothing else', () => {
  const ttl = { raw: 3, minute: 40, hour: 400 };
  assert.equal(
    renderMigration('x.sql', 'TTL a + INTERVAL {{ttl_raw_days}} DAY, {{ ttl_minute_days }}, {{ttl_hour_days}}', ttl),
    'TTL a + INTERVAL 3 DAY, 40, 400'
  );
  assert.equal(renderMigration('x.sql', "SELECT '{name:String}'", ttl), "SELECT '{name:String}'");
  assert.throws(
    () => renderMigration('0009_x.sql', 'INTERVAL {{ttl_daily_days}} DAY', ttl),
    /0009_x\.sql: unknown placeholder \{\{ttl_daily_days\}\}; expected one of \{\{ttl_raw_days\}\}/
  );
  assert.throws(() => renderMigration('x.sql', '{{ttl_raw_dayz}}', ttl), StoreError);
});

test('splitStatements splits on ; outside quotes and drops comments', () => {
  const text = [
    '-- header; with a semicolon',
    "CREATE TABLE a (x String DEFAULT ';--') ENGINE = Memory; -- trailing",
    "INSERT INTO a VALUES ('it''s; fine'), ('back\\'slash;')",
    ';',
    'SELECT `odd;name` FROM a',
    '-- closing comment',
  ].join('\n');
  assert.deepEqual(splitStatements(text), [
    "CREATE TABLE a (x String DEFAULT ';--') ENGINE = Memory",
    "INSERT INTO a VALUES ('it''s; fine'), ('back\\'slash;')",
    'SELECT `odd;name` FROM a',
  ]);
  assert.deepEqual(splitStatements('-- only a comment\n\n'), []);
  assert.throws(() => splitStatements("SELECT 'open"), /unterminated ' quote/);
});

test('parseLiveTtl reads the expression and days ClickHouse prints in engine_full', () => {
  assert.deepEqual(
    parseLiveTtl(
      'MergeTree PARTITION BY toYYYYMMDD(ts) ORDER BY (ts) TTL toDateTime(ts) + toIntervalDay(7) SETTINGS index_granularity = 8192'
    ),
    { expression: 'toDateTime(ts)', days: 7 }
  );
  assert.deepEqual(parseLiveTtl('AggregatingMergeTree ORDER BY ts TTL ts + toIntervalDay(365)'), {
    expression: 'ts',
    days: 365,
  });
  assert.equal(parseLiveTtl('ReplacingMergeTree(timestamp) ORDER BY container_id'), undefined);
});
