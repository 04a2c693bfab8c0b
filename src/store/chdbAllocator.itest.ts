import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

/**
 * The advice must reach chDB's allocator, which reads JE_MALLOC_CONF once, when 'chdb' loads: a
 * fresh process opens the embedded store through openStore, runs a query that allocates a few
 * hundred MB, and reports the variable and its huge pages (AnonHugePages; node's own heap asks for
 * none, so without the advice it stays 0). Fails when openStore loads chdb before chdbAllocator.
 */
const CHILD = `
const { readFileSync } = require('node:fs');
const { openStore } = require(${JSON.stringify(join(__dirname, 'openStore'))});
(async () => {
  const store = await openStore({ dataDir: process.argv[1] });
  await store.query('SELECT count() AS n FROM (SELECT number % 3000000 AS k, count() FROM numbers(12000000) GROUP BY k)');
  const smaps = readFileSync('/proc/self/smaps_rollup', 'utf8');
  const huge = Number(/AnonHugePages:\\s+(\\d+)/.exec(smaps)?.[1] ?? 'NaN');
  await store.close();
  process.stdout.write(JSON.stringify({ conf: process.env.JE_MALLOC_CONF ?? null, hugeKb: huge }));
})().catch((e) => { console.error(e); process.exit(1); });
`;

function thpMode(): string {
  try {
    return /\[(\w+)\]/.exec(readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8'))?.[1] ?? 'absent';
  } catch {
    return 'absent';
  }
}

function run(env: Record<string, string | undefined>): { conf: string | null; hugeKb: number } {
  const dir = mkdtempSync(join(tmpdir(), 'netmon-thp-'));
  try {
    const childEnv = { ...process.env, ...env };
    for (const [k, v] of Object.entries(env)) {
      if (v === undefined) {
        delete childEnv[k];
      }
    }
    const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', CHILD, dir], {
      env: childEnv,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    return JSON.parse(out) as { conf: string | null; hugeKb: number };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('openStore gives chDB huge pages by default, and a JE_MALLOC_CONF set by the user wins', () => {
  const mode = thpMode();
  const byDefault = run({ JE_MALLOC_CONF: undefined });
  const userOff = run({ JE_MALLOC_CONF: 'thp:never' });
  assert.equal(byDefault.conf, 'thp:always');
  assert.equal(userOff.conf, 'thp:never');
  if (mode === 'madvise') {
    // Only an madvise makes huge pages here, so the difference is chDB's allocator taking the advice.
    assert.ok(byDefault.hugeKb > 0, `expected chDB's memory on huge pages, got AnonHugePages ${byDefault.hugeKb} kB`);
    assert.equal(userOff.hugeKb, 0, 'thp:never from the user should leave chDB without huge pages');
  } else if (mode === 'always') {
    assert.ok(byDefault.hugeKb > 0, `THP "always": expected huge pages, got AnonHugePages ${byDefault.hugeKb} kB`);
  } else {
    // The kernel offers none ("never", or no THP at all): the advice can only be passed on.
    assert.equal(byDefault.hugeKb, 0, `THP mode ${mode}: expected no huge pages`);
  }
});
