import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alignRange, chooseTier, seriesStepSeconds, validateRange } from './timeRange';

const H = 3600_000;
const T = 1700000000000;

describe('tier choice', () => {
  it('raw up to 5 min, minute up to and including 6 h, hour beyond, raw whenever a raw-only column is needed', () => {
    assert.equal(chooseTier({ fromMs: T, toMs: T + 1000 }, false), 'raw');
    assert.equal(chooseTier({ fromMs: T, toMs: T + 300_000 }, false), 'raw');
    assert.equal(chooseTier({ fromMs: T, toMs: T + 300_001 }, false), 'minute');
    assert.equal(chooseTier({ fromMs: T, toMs: T + 6 * H }, false), 'minute');
    assert.equal(chooseTier({ fromMs: T, toMs: T + 6 * H + 1 }, false), 'hour');
    assert.equal(chooseTier({ fromMs: T, toMs: T + 24 * H }, false), 'hour');
    assert.equal(chooseTier({ fromMs: T, toMs: T + 24 * H }, true), 'raw');
  });

  it('widens the window to whole buckets of the tier', () => {
    assert.deepEqual(alignRange({ fromMs: T + 1, toMs: T + 61_001 }, 'minute'), {
      fromMs: 1699999980000,
      toMs: 1700000100000,
    });
    assert.deepEqual(alignRange({ fromMs: T, toMs: T + H }, 'hour'), { fromMs: 1699999200000, toMs: 1700006400000 });
    assert.deepEqual(alignRange({ fromMs: T + 1, toMs: T + 1500 }, 'raw'), { fromMs: T, toMs: T + 2000 });
  });

  it('rounds series steps up to whole buckets', () => {
    assert.equal(seriesStepSeconds(1, 'minute'), 60);
    assert.equal(seriesStepSeconds(90, 'minute'), 120);
    assert.equal(seriesStepSeconds(60, 'hour'), 3600);
    assert.equal(seriesStepSeconds(7201, 'hour'), 10800);
    assert.equal(seriesStepSeconds(0.5, 'raw'), 1);
    assert.throws(() => seriesStepSeconds(0, 'raw'), /series step: expected a positive number of seconds, got 0/);
  });

  it('rejects empty, reversed and non-integer windows', () => {
    assert.throws(
      () => validateRange({ fromMs: T, toMs: T }),
      /time range: expected integer epoch milliseconds with 0 <= fromMs < toMs/
    );
    assert.throws(() => validateRange({ fromMs: T, toMs: T - 1 }), /time range/);
    assert.throws(() => validateRange({ fromMs: 1.5, toMs: T }), /time range/);
  });
});
