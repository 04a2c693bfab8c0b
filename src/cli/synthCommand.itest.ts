import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runNetmon } from './runNetmon';

const dataDir = join(mkdtempSync(join(tmpdir(), 'netmon-synth-')), 'data');
const netmon = (args: string[]) => runNetmon(['--data-dir', dataDir, ...args]);

test('netmon synth migrates, writes the fleet with a progress line per statement, and says what it wrote', async () => {
  const run = await netmon(['synth', '--rows', '3000', '--pods', '40', '--hours', '2', '--seed', '5']);
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.trimEnd().split('\n');
  assert.match(lines[0], /^container_metadata: 40\/40 rows; all 1 %, [\d,]+ rows\/s, ~\d+ s left$/);
  assert.match(lines.at(-2)!, /^dns_queries: 300\/300 rows; all 100 %/);
  assert.match(
    lines.at(-1)!,
    /^wrote 3,340 rows in [\d.]+ s: 40 pods in 5 deployments, 5 namespaces, 2 clusters, 2 nodes, \S+Z to \S+Z$/
  );
  const counts = await netmon([
    'sql',
    `SELECT (SELECT count() FROM netmon.connections) AS c, (SELECT count() FROM netmon.dns_queries) AS d,
      (SELECT dateDiff('hour', min(ts), max(ts)) FROM netmon.connections) AS hours`,
    '--format',
    'tsv',
  ]);
  assert.equal(counts.stdout, 'c\td\thours\n3000\t300\t1\n');
});

test('netmon synth names a bad or missing option and exits 2', async () => {
  const missing = await netmon(['synth']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /required option '--rows <n>' not specified/);
  const zero = await netmon(['synth', '--rows', '10', '--pods', '0']);
  assert.equal(zero.code, 2);
  assert.match(zero.stderr, /option '--pods <n>' argument '0' is invalid\. expected a positive whole number/);
});
