/**
 * The long fuzz run of the agent's DNS engine (CI runs 10^5 in src/agent/dns/dnsFuzz.test.ts):
 *
 *   node --import tsx scripts/fuzz-dns.ts --count 1000000 --seed 42 [--max-ms 100]
 *
 * Prints the report as JSON; exits 1 when a payload threw or took longer than --max-ms. A
 * failure names its index: rerunning the same seed regenerates that exact payload.
 */
import { parseArgs } from 'node:util';
import { runDnsFuzz } from '../src/agent/dns/dnsFuzz';

function wholeNumber(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) {
    console.error(`fuzz-dns ${flag}: expected a whole number >= 0, got ${JSON.stringify(value)}`);
    process.exit(2);
  }
  return n;
}

function main(): void {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        count: { type: 'string', default: '1000000' },
        seed: { type: 'string', default: String(Date.now() % 2 ** 31) },
        'max-ms': { type: 'string', default: '100' },
      },
    }));
  } catch (e) {
    console.error(`fuzz-dns: ${(e as Error).message}; usage: fuzz-dns.ts [--count N] [--seed N] [--max-ms MS]`);
    process.exit(2);
  }
  const count = wholeNumber(values.count, '--count');
  const seed = wholeNumber(values.seed, '--seed');
  const maxMs = wholeNumber(values['max-ms'], '--max-ms');
  const report = runDnsFuzz(count, seed);
  console.log(JSON.stringify(report, null, 2));
  if (report.failures > 0 || report.maxMs > maxMs) {
    console.error(
      report.failures > 0
        ? `fuzz-dns: ${report.failures} payloads threw; first at index ${report.firstFailure?.index} (seed ${seed})`
        : `fuzz-dns: payload ${report.maxIndex} took ${report.maxMs.toFixed(1)} ms, over --max-ms ${maxMs} (seed ${seed})`
    );
    process.exit(1);
  }
}

main();
