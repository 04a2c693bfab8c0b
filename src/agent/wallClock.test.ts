import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WallClock } from './wallClock';

/** A system clock the test moves: `wall` steps, `mono` only goes forward. */
function fakeClock() {
  const c = { wallMs: 1.7e12, monoMs: 5000, nowMs: () => c.wallMs, monotonicNs: () => c.monoMs * 1e6 };
  return c;
}

test('wall time follows the monotonic clock; small corrections are not steps', () => {
  const sys = fakeClock();
  const wall = new WallClock(sys, 1000);
  assert.equal(wall.nowMs(), 1.7e12);
  sys.monoMs += 2500;
  sys.wallMs += 2500 + 400;
  assert.equal(wall.check(), 0);
  assert.equal(wall.nowMs(), 1.7e12 + 2500, 'the 400 ms correction is not followed');
});

for (const stepMs of [3_600_000, -3_600_000]) {
  test(`a wall-clock step of ${stepMs / 1000} s is adopted at the next check`, () => {
    const sys = fakeClock();
    const wall = new WallClock(sys, 1000);
    const before = wall.offsetMs;
    sys.monoMs += 1000;
    sys.wallMs += 1000 + stepMs;
    assert.equal(wall.nowMs(), 1.7e12 + 1000, 'until checked, the old mapping');
    assert.equal(wall.check(), stepMs);
    assert.equal(wall.offsetMs - before, stepMs);
    assert.equal(wall.nowMs(), sys.wallMs);
    assert.equal(wall.check(), 0, 'once');
  });
}
