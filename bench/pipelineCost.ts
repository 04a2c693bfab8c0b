/**
 * What does the agent's main thread spend per bpftrace line and per row? Replays a file recorded by
 * `bench/bpftraceCost.ts --out FILE` through the capture pipeline and the enrichment, taking rows at
 * each tick as the agent would, and prints their CPU per line and per row, with an md5 of the rows
 * (outside the measured time) so that two trees can be checked to produce the same rows. No
 * bpftrace, no store: run it under `node --cpu-prof` to see where the time goes, or in a
 * `git archive` of another commit to compare.
 *
 *   node --import tsx bench/pipelineCost.ts FILE [--repeats N]
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createCapturePipeline } from '../src/agent/capture/capturePipeline';
import { createIdentity } from '../src/agent/identity/identity';
import { columnNames, type ConnectionRow } from '../src/shared/schema';

/** Rows are taken this often, as a flush would, so the pipeline's tables stay the size a run has. */
const LINES_PER_TAKE = 5_000;

function replay(lines: readonly string[]): { usPerLine: number; usPerRow: number; rows: number; md5: string } {
  let now = 0;
  // The clock jumps past every reorder window at each take, so every line read so far is applied.
  const pipeline = createCapturePipeline({
    node: 'bench-node',
    clock: { nowMs: () => 1.7e12, monotonicNs: () => now },
  });
  const identity = createIdentity({ node: 'bench-node', log: () => undefined });
  const names = columnNames('connections') as Array<keyof ConnectionRow>;
  const hash = createHash('md5');
  let rows = 0;
  let cpuUs = 0;
  for (let i = 0; i < lines.length; i++) {
    const start = process.cpuUsage();
    const kind = pipeline.handleLine(lines[i]);
    // Rows are taken at each tick (format 3: every second), or every LINES_PER_TAKE lines of an older
    // format's recording, as the agent's flushes would, so the tracker's tables stay the size a run has.
    const take = kind === 'tick' || i % LINES_PER_TAKE === LINES_PER_TAKE - 1 || i === lines.length - 1;
    let taken: ConnectionRow[] = [];
    if (take) {
      now += 1e15;
      taken = identity.enrichConnections(pipeline.takeRows());
    }
    const used = process.cpuUsage(start);
    cpuUs += used.user + used.system;
    // The md5 is outside the measured time: it is the check, not the work.
    for (const row of taken) {
      hash.update(JSON.stringify(names.map((name) => row[name])));
      rows++;
    }
  }
  return { usPerLine: cpuUs / lines.length, usPerRow: cpuUs / rows, rows, md5: hash.digest('hex') };
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { repeats: { type: 'string', default: '3' } },
});
const repeats = Number(values.repeats);
if (positionals.length !== 1 || !Number.isInteger(repeats) || repeats < 1) {
  process.stderr.write(
    'usage: node --import tsx bench/pipelineCost.ts FILE [--repeats N]  (FILE from bench/bpftraceCost.ts --out)\n'
  );
  process.exit(64);
}
const lines = readFileSync(positionals[0], 'utf8')
  .split('\n')
  .filter((line) => line !== '');
for (let i = 0; i < repeats; i++) {
  process.stdout.write(`${JSON.stringify(replay(lines))}\n`);
}
