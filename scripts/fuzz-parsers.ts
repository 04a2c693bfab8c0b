/**
 * The long fuzz run of issue 8, scenario 5 (CI runs fewer in e2e/reliability/fuzz/parserFuzz.test.ts):
 *
 *   node --import tsx scripts/fuzz-parsers.ts --count 1000000 [--target bpftrace-lines|dns-lines|inventory] [--seed N]
 *
 * Prints one JSON report per target; exits 1 when an input escaped a parser as a throw or took
 * longer than its budget (1 s + 5 or 20 µs a character: budgetMs in parserFuzz.ts). A failure names
 * its seed and index: fuzzInput(target, seed, index) in e2e/reliability/fuzz/parserFuzz.ts gives
 * that exact input back.
 */
import { parseArgs } from 'node:util';
import { FUZZ_TARGETS, runParserFuzz, type FuzzTarget } from '../e2e/reliability/fuzz/parserFuzz';

function usage(message: string): never {
  console.error(
    `fuzz-parsers: ${message}; usage: fuzz-parsers.ts [--count N] [--target ${FUZZ_TARGETS.join('|')}] [--seed N]`
  );
  process.exit(2);
}

function wholeNumber(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) {
    usage(`${flag}: expected a whole number >= 0, got ${JSON.stringify(value)}`);
  }
  return n;
}

function main(): void {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        count: { type: 'string', default: '1000000' },
        target: { type: 'string' },
        seed: { type: 'string', default: String(Date.now() % 2 ** 31) },
      },
    }));
  } catch (e) {
    usage((e as Error).message);
  }
  const count = wholeNumber(values.count, '--count');
  const seed = wholeNumber(values.seed, '--seed');
  if (values.target !== undefined && !(FUZZ_TARGETS as readonly string[]).includes(values.target)) {
    usage(`--target: expected one of ${FUZZ_TARGETS.join(', ')}, got ${JSON.stringify(values.target)}`);
  }
  const targets = values.target === undefined ? FUZZ_TARGETS : [values.target as FuzzTarget];
  let failed = false;
  for (const target of targets) {
    const report = runParserFuzz(target, count, seed);
    console.log(JSON.stringify(report, null, 2));
    if (report.failures > 0) {
      console.error(
        `fuzz-parsers ${target}: ${report.failures} inputs threw; first at index ${report.firstFailure?.index} (seed ${seed})`
      );
      failed = true;
    } else if (report.overBudget > 0) {
      console.error(
        `fuzz-parsers ${target}: ${report.overBudget} inputs over their time budget; worst input ${report.worstBudgetIndex} at ${report.worstBudgetShare.toFixed(1)} times (seed ${seed})`
      );
      failed = true;
    }
  }
  process.exitCode = failed ? 1 : 0;
}

main();
