import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rssGrowth } from './rssGrowth';

const at = (values: number[]) => values.map((rssMB, i) => ({ atS: i * 30, rssMB }));

test('a steady climb shows in all three readings', () => {
  // 100 MB to 150 MB in equal steps over 10 samples after the baseline.
  const g = rssGrowth(at([90, ...Array.from({ length: 11 }, (_, i) => 100 + i * 5)]), 30, 60);
  assert.equal(g.endpointsPercent, 50);
  assert.equal(g.mediansPercent, round((147.5 / 102.5 - 1) * 100));
  assert.ok(g.trendPercent > 35, `trend ${g.trendPercent}`);
  assert.deepEqual([g.minMB, g.maxMB], [100, 150]);
});

test('swings without a trend: the endpoints can say 20 %, the trend says about 0', () => {
  const g = rssGrowth(at([100, 120, 80, 120, 80, 120, 80, 120, 80, 120]), 0, 90);
  assert.equal(g.endpointsPercent, 20);
  assert.ok(Math.abs(g.trendPercent) < 10, `trend ${g.trendPercent}`);
});

test('too few samples after the baseline is an error naming the baseline', () => {
  assert.throws(() => rssGrowth(at([100, 110]), 60, 60), /at least 2 samples from 60 s on, got 0/);
});

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
