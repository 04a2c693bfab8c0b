import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createFuzzInputs, runDnsFuzz } from './dnsFuzz';

/**
 * 10^5 generated payloads through decode and the whole pipeline in CI (about 2 s); the long run
 * is `node --import tsx scripts/fuzz-dns.ts --count 1000000 --seed N`.
 */
const COUNT = 100_000;
const SEED = 0x5eed;
/** Per payload. Real work is microseconds; the margin is for a GC pause on a busy machine. */
const MAX_MS = 100;

describe('DNS fuzzing', () => {
  it('generates the same payloads from the same seed', () => {
    const take = (seed: number) => {
      const inputs = createFuzzInputs(seed);
      return Array.from({ length: 200 }, () => {
        const { payload, captureCut } = inputs.next();
        return `${captureCut}:${Buffer.from(payload).toString('hex')}`;
      });
    };
    assert.deepEqual(take(7), take(7));
    assert.notDeepEqual(take(7), take(8));
  });

  it(`survives ${COUNT} generated payloads with no exception and bounded time per payload`, () => {
    const report = runDnsFuzz(COUNT, SEED);
    console.log(
      `fuzz seed ${SEED}: ${report.count} payloads, ${report.malformed} malformed, ${report.decoded} decoded, ` +
        `${report.failures} failures, max ${report.maxMs.toFixed(2)} ms (payload ${report.maxIndex}), total ${(report.totalMs / 1000).toFixed(1)} s`
    );
    assert.equal(report.failures, 0, `first failure: ${JSON.stringify(report.firstFailure)}`);
    assert.ok(report.maxMs < MAX_MS, `payload ${report.maxIndex} took ${report.maxMs} ms`);
    // The generator must reach both sides of the decoder and every path of pairing, or the run proves little.
    assert.ok(report.malformed > COUNT / 10, `only ${report.malformed} malformed`);
    assert.ok(report.decoded > COUNT / 10, `only ${report.decoded} decoded`);
    const p = report.pipeline;
    assert.equal(p.packets, COUNT);
    assert.equal(p.malformed, report.malformed);
    for (const key of ['questions', 'retries', 'answered', 'timeouts', 'late', 'orphans', 'partial', 'duplicates'] as const) {
      assert.ok(p[key] > 0, `no ${key} reached`);
    }
    assert.ok(p.rowsEmitted > 0 && p.names.size > 0);
  });
});
