import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expandConditionalAll, expandMacros } from './macros';

/**
 * Cases and expected strings copied from grafana/clickhouse-datasource pkg/macros/macros_test.go
 * (TestMacro*, TestInterpolate, TestInterpolateNestedMacros, TestInterpolateBackslashEscaped...,
 * TestInterpolateBacktickAndDollarQuotedRegions) and src/data/CHDatasource.test.ts
 * (applyConditionalAll). Their ranges: 2014-11-12T11:45:26.371Z .. 2015-11-12T11:45:26.371Z for the
 * single macros, .123Z .. .456Z for Interpolate.
 */
const single = {
  from: Date.parse('2014-11-12T11:45:26.371Z'),
  to: Date.parse('2015-11-12T11:45:26.371Z'),
  intervalMs: 0,
};
const ranged = {
  from: Date.parse('2014-11-12T11:45:26.123Z'),
  to: Date.parse('2015-11-12T11:45:26.456Z'),
  intervalMs: 0,
};
const twentySeconds = { from: 0, to: 0, intervalMs: 20_000 };
const minute = { ...ranged, intervalMs: 60_000 };

describe('expandMacros, one macro at a time (TestMacro*)', () => {
  const cases: Array<[string, typeof single, string]> = [
    ['$__fromTime', single, 'toDateTime(1415792726)'],
    ['$__toTime', single, 'toDateTime(1447328726)'],
    ['$__fromTime_ms', single, 'fromUnixTimestamp64Milli(1415792726371)'],
    ['$__toTime_ms', single, 'fromUnixTimestamp64Milli(1447328726371)'],
    ['$__dateFilter(dateCol)', single, "dateCol >= toDate('2014-11-12') AND dateCol <= toDate('2015-11-12')"],
    [
      '$__dateTimeFilter(dateCol, timeCol)',
      single,
      "(dateCol >= toDate('2014-11-12') AND dateCol <= toDate('2015-11-12')) AND (timeCol >= toDateTime(1415792726) AND timeCol <= toDateTime(1447328726))",
    ],
    ['$__timeInterval(col)', twentySeconds, 'toStartOfInterval(toDateTime(col), INTERVAL 20 second)'],
    ['$__timeInterval_ms(col)', twentySeconds, 'toStartOfInterval(toDateTime64(col, 3), INTERVAL 20000 millisecond)'],
    ['$__interval_s', twentySeconds, '20'],
    ['$__timeFrom(ts)', single, 'ts >= toDateTime(1415792726)'],
    ['$__timeTo(ts)', single, 'ts <= toDateTime(1447328726)'],
    ['$__timeGroup(ts, 5m)', single, 'toStartOfInterval(toDateTime(ts), INTERVAL 300 second)'],
    ['$__timeGroup(ts, 1h)', single, 'toStartOfInterval(toDateTime(ts), INTERVAL 3600 second)'],
  ];
  for (const [input, ctx, want] of cases) {
    it(input, () => assert.equal(expandMacros(input, ctx), want));
  }

  it('rejects a wrong argument count, naming the macro (TestMacroErrorsAreDownstream)', () => {
    for (const bad of ['$__timeFilter()', '$__dateTimeFilter(d)', '$__timeGroup(ts)', '$__timeFrom()']) {
      assert.throws(() => expandMacros(bad, single), /\$__\w+ expected \d argument\(s\), received/);
    }
    assert.throws(() => expandMacros('$__timeGroup(ts, nope)', single), /invalid interval "nope"/);
  });
});

describe('expandMacros over whole queries (TestInterpolate*)', () => {
  const cases: Array<[string, typeof ranged, string]> = [
    [
      'select * from foo where $__timeFilter(cast(sth as timestamp))',
      ranged,
      'select * from foo where cast(sth as timestamp) >= toDateTime(1415792726) AND cast(sth as timestamp) <= toDateTime(1447328726)',
    ],
    [
      'select * from foo where $__timeFilter(cast(sth as timestamp) )',
      ranged,
      'select * from foo where cast(sth as timestamp) >= toDateTime(1415792726) AND cast(sth as timestamp) <= toDateTime(1447328726)',
    ],
    [
      'select * from foo where $__timeFilter_ms(cast(sth as timestamp))',
      ranged,
      'select * from foo where cast(sth as timestamp) >= fromUnixTimestamp64Milli(1415792726123) AND cast(sth as timestamp) <= fromUnixTimestamp64Milli(1447328726456)',
    ],
    [
      'select * from foo where ( date >= $__fromTime and date <= $__toTime ) limit 100',
      ranged,
      'select * from foo where ( date >= toDateTime(1415792726) and date <= toDateTime(1447328726) ) limit 100',
    ],
    [
      'select * from foo where ( date >= $__fromTime_ms ) and ( date <= $__toTime_ms ) limit 100',
      ranged,
      'select * from foo where ( date >= fromUnixTimestamp64Milli(1415792726123) ) and ( date <= fromUnixTimestamp64Milli(1447328726456) ) limit 100',
    ],
    [
      'SELECT $__timeInterval($__fromTime) AS from_time',
      minute,
      'SELECT toStartOfInterval(toDateTime(toDateTime(1415792726)), INTERVAL 60 second) AS from_time',
    ],
    [
      'SELECT $__timeInterval_ms($__fromTime_ms)',
      minute,
      'SELECT toStartOfInterval(toDateTime64(fromUnixTimestamp64Milli(1415792726123), 3), INTERVAL 60000 millisecond)',
    ],
    [
      'select * from foo where $__timeFilter(coalesce(closed_at, $__toTime))',
      minute,
      'select * from foo where coalesce(closed_at, toDateTime(1447328726)) >= toDateTime(1415792726) AND coalesce(closed_at, toDateTime(1447328726)) <= toDateTime(1447328726)',
    ],
    [
      "select * from foo where msg = 'it\\'s -- fine' and $__fromTime",
      ranged,
      "select * from foo where msg = 'it\\'s -- fine' and toDateTime(1415792726)",
    ],
    [
      "select * from foo where msg = 'a\\'/*x' and $__toTime",
      ranged,
      "select * from foo where msg = 'a\\'/*x' and toDateTime(1447328726)",
    ],
    [
      "select * from foo where msg = 'it''s' and $__fromTime",
      ranged,
      "select * from foo where msg = 'it''s' and toDateTime(1415792726)",
    ],
    [
      "SELECT `it's` AS x, msg FROM t WHERE msg = 'a--b' AND $__timeFilter(ts)",
      ranged,
      "SELECT `it's` AS x, msg FROM t WHERE msg = 'a--b' AND ts >= toDateTime(1415792726) AND ts <= toDateTime(1447328726)",
    ],
    [
      'SELECT `a--b`, `c/*d` FROM t WHERE $__fromTime',
      ranged,
      'SELECT `a--b`, `c/*d` FROM t WHERE toDateTime(1415792726)',
    ],
    [
      'SELECT $doc$a--b$doc$ AS x FROM t WHERE $__toTime',
      ranged,
      'SELECT $doc$a--b$doc$ AS x FROM t WHERE toDateTime(1447328726)',
    ],
  ];
  for (const [input, ctx, want] of cases) {
    it(input, () => assert.equal(expandMacros(input, ctx), want));
  }

  it('blanks comments so a macro inside one never runs (macropro StripComments)', () => {
    assert.equal(
      expandMacros('a -- $__timeGroup(x)\nb /* $__fromTime */', ranged),
      'a                   \nb                  '
    );
  });

  it('leaves an unknown macro and the longer names alone', () => {
    assert.equal(
      expandMacros('$__columns(a, b, c) $__interval_ms $__interval', minute),
      '$__columns(a, b, c) 60000 1m'
    );
  });
});

describe('expandConditionalAll (CHDatasource.applyConditionalAll)', () => {
  const sql = 'select stuff from table where $__conditionalAll(fieldVal in ($fieldVal), $fieldVal);';
  it('is 1=1 when the variable selects all', () => {
    assert.equal(
      expandConditionalAll(sql, () => true),
      'select stuff from table where 1=1;'
    );
  });
  it('keeps the condition otherwise, for $var and ${var:format}', () => {
    assert.equal(
      expandConditionalAll(sql, () => false),
      'select stuff from table where fieldVal in ($fieldVal);'
    );
    const braced = "$__conditionalAll(a IN (${ns:singlequote}), ${ns}) AND $__conditionalAll(b = 'x,y', $other)";
    assert.equal(
      expandConditionalAll(braced, (v) => v === 'other'),
      'a IN (${ns:singlequote}) AND 1=1'
    );
  });
});
