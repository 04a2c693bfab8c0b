import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_BACKOFF, RestartBackoff, restartDelayMs } from './restartBackoff';

test('the default schedule doubles from 250 ms and stays at 4 s, within the 5 s restart promise', () => {
  const delays = [1, 2, 3, 4, 5, 6, 20, 1000].map((n) => restartDelayMs(DEFAULT_BACKOFF, n));
  assert.deepEqual(delays, [250, 500, 1000, 2000, 4000, 4000, 4000, 4000]);
});

test('a crash loop backs off; a run that stayed up for the stable period starts the schedule over', () => {
  const backoff = new RestartBackoff({ initialMs: 100, maxMs: 1000, stableMs: 30_000 });
  assert.deepEqual([backoff.next(0), backoff.next(5), backoff.next(29_999), backoff.next(0), backoff.next(0)], [100, 200, 400, 800, 1000]);
  assert.equal(backoff.next(30_000), 100);
  assert.equal(backoff.next(10), 200);
});
