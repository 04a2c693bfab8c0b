import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clickhouseTimeToMs, typeTimeZone } from './clickhouseTime';

test('UTC text, with and without fractions, and Dates as UTC midnight', () => {
  assert.equal(clickhouseTimeToMs('2023-11-14 22:13:20', 'Etc/UTC'), 1_700_000_000_000);
  assert.equal(clickhouseTimeToMs('2023-11-14 22:13:20.123', 'UTC'), 1_700_000_000_123);
  assert.equal(clickhouseTimeToMs('2024-01-02', 'Asia/Tokyo'), Date.UTC(2024, 0, 2));
});

test('wall-clock text in a named zone, across a DST change', () => {
  assert.equal(clickhouseTimeToMs('2023-11-15 07:13:20', 'Asia/Tokyo'), 1_700_000_000_000);
  // Berlin is UTC+1 in winter and UTC+2 in summer.
  assert.equal(clickhouseTimeToMs('2024-01-15 13:00:00', 'Europe/Berlin'), Date.UTC(2024, 0, 15, 12));
  assert.equal(clickhouseTimeToMs('2024-07-15 14:00:00', 'Europe/Berlin'), Date.UTC(2024, 6, 15, 12));
});

test('the zone comes from the type when it names one', () => {
  assert.equal(typeTimeZone("DateTime64(3, 'Asia/Tokyo')"), 'Asia/Tokyo');
  assert.equal(typeTimeZone("DateTime('UTC')"), 'UTC');
  assert.equal(typeTimeZone('DateTime64(3)'), undefined);
});

test('text that is not a ClickHouse time is refused with the value', () => {
  assert.throws(() => clickhouseTimeToMs('yesterday', 'UTC'), /"yesterday"/);
});
