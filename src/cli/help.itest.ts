import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { runNetmon } from './runNetmon';

const expectedFlags: Record<string, string[]> = {
  '': ['--data-dir <dir>', '--clickhouse-url <url>', '(env: CLICKHOUSE_URL)', '--version', 'up', 'migrate', 'sql'],
  up: [
    '--interval <seconds>',
    '--duration <seconds>',
    '--no-ui',
    '--ui-port <port>',
    '--sink <sink>',
    '"clickhouse", "vector"',
  ],
  migrate: ['--ttl-raw-days <days>', '--ttl-minute-days <days>', '--ttl-hour-days <days>'],
  sql: ['<query>', '--format <format>', '"table", "tsv", "json"', 'or - to read it from stdin'],
};

for (const [command, flags] of Object.entries(expectedFlags)) {
  test(`netmon ${command} --help lists its flags and exits 0`, async () => {
    const run = await runNetmon([...(command ? [command] : []), '--help']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`^Usage: netmon ${command}`));
    for (const flag of flags) {
      assert.ok(run.stdout.includes(flag), `${flag} missing from:\n${run.stdout}`);
    }
    assert.equal(run.stderr, '');
  });
}

test('netmon help <command> is the same as <command> --help', async () => {
  const [a, b] = await Promise.all([runNetmon(['help', 'sql']), runNetmon(['sql', '--help'])]);
  assert.equal(a.code, 0);
  assert.equal(a.stdout, b.stdout);
});

test('netmon --version prints the package version', async () => {
  const { version } = JSON.parse(readFileSync(resolve(__dirname, '../../package.json'), 'utf8')) as { version: string };
  const run = await runNetmon(['--version']);
  assert.equal(run.code, 0);
  assert.equal(run.stdout, `${version}\n`);
});

test("a tsconfig.json in the caller's working directory does not affect netmon", async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'netmon-cwd-'));
  // Invalid for tsx (a non-relative path without baseUrl): read by mistake, it would crash the launch.
  writeFileSync(join(cwd, 'tsconfig.json'), JSON.stringify({ compilerOptions: { paths: { x: ['y'] } } }));
  const run = await runNetmon(['--version'], { cwd });
  assert.equal(run.stderr, '');
  assert.equal(run.code, 0);
});
