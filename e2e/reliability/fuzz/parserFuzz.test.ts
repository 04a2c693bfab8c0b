import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fuzzInput, runParserFuzz, type FuzzTarget } from './parserFuzz';

/**
 * Issue 8, scenario 5 in CI: seeded hostile inputs through the bpftrace line parser (and the
 * capture pipeline behind it), the dns.bt line parser and the inventory parser. The long run is
 * `node --import tsx scripts/fuzz-parsers.ts --count 1000000`.
 */
const SEED = 0x5eed;

/** The inventory parser is YAML at milliseconds an input: fewer of them keep CI to seconds. */
const RUNS: Array<{ target: FuzzTarget; count: number; reached: string[] }> = [
  {
    target: 'bpftrace-lines',
    count: 100_000,
    reached: ['malformed', 'unknown', 'close', 'fail', 'tcpCloses', 'seen', 'tcpSnapshot', 'flushed'],
  },
  { target: 'dns-lines', count: 100_000, reached: ['malformed', 'unknown', 'pending', 'packet', 'hello'] },
  { target: 'inventory', count: 1_000, reached: ['ok', 'errors'] },
];

describe('parser fuzzing', () => {
  it('generates the same inputs from the same seed', () => {
    assert.equal(fuzzInput('bpftrace-lines', 7, 50), fuzzInput('bpftrace-lines', 7, 50));
    assert.notEqual(fuzzInput('inventory', 7, 50), fuzzInput('inventory', 8, 50));
  });

  for (const { target, count, reached } of RUNS) {
    it(`${target}: ${count} hostile inputs, none escapes the parser, each parsed in bounded time`, () => {
      const r = runParserFuzz(target, count, SEED);
      console.log(
        `fuzz ${target} seed ${SEED}: ${count} inputs, ${r.failures} crashes, outcomes ${JSON.stringify(r.outcomes)}, ` +
          `max ${r.maxMs.toFixed(1)} ms (input ${r.maxIndex}, ${r.maxInputChars} chars), ` +
          `worst ${(100 * r.worstBudgetShare).toFixed(0)} % of its budget (input ${r.worstBudgetIndex}), total ${(r.totalMs / 1000).toFixed(1)} s`
      );
      assert.equal(r.failures, 0, `first crash (seed ${SEED}): ${JSON.stringify(r.firstFailure)}`);
      assert.equal(
        r.overBudget,
        0,
        `input ${r.worstBudgetIndex} (seed ${SEED}) took ${r.worstBudgetShare.toFixed(1)} times its budget (budgetMs)`
      );
      // Both sides of each parser must be reached, or the run proves little.
      for (const kind of reached) {
        assert.ok((r.outcomes[kind] ?? 0) > 0, `no input came out as ${kind}: ${JSON.stringify(r.outcomes)}`);
      }
    });
  }
});
