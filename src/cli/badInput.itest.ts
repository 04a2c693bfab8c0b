import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runNetmon, type NetmonOptions } from './runNetmon';

const work = mkdtempSync(join(tmpdir(), 'netmon-cli-bad-'));
const dataDir = join(work, 'data');

/** Runs netmon and checks the one stderr line (exactly), the exit code, and that stdout stayed empty. */
async function expectFailure(args: string[], exitCode: number, line: string | RegExp, opts?: NetmonOptions) {
  const run = await runNetmon(args, opts);
  const lines = run.stderr.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${run.stderr}`);
  if (typeof line === 'string') {
    assert.equal(lines[0], line);
  } else {
    assert.match(lines[0], line);
  }
  assert.equal(run.code, exitCode, run.stderr);
  assert.equal(run.stdout, '');
}

const usage: Array<[string, string[], string]> = [
  ['an unknown flag', ['sql', '--bogus', 'SELECT 1'], "error: unknown option '--bogus'"],
  ['an unknown command', ['frob'], "error: unknown command 'frob'"],
  ['a missing query', ['sql'], "error: missing required argument 'query'"],
  [
    'an extra argument',
    ['sql', 'SELECT 1', 'SELECT 2'],
    "error: too many arguments for 'sql'. Expected 1 argument but got 2.",
  ],
  [
    'a bad --format',
    ['sql', '--format', 'xml', 'SELECT 1'],
    "error: option '--format <format>' argument 'xml' is invalid. Allowed choices are table, tsv, json.",
  ],
  [
    'a bad TTL',
    ['migrate', '--ttl-raw-days', '0'],
    `error: option '--ttl-raw-days <days>' argument '0' is invalid. expected a positive whole number, got "0".`,
  ],
  [
    'a TTL that is not a number',
    ['migrate', '--ttl-hour-days', 'year'],
    `error: option '--ttl-hour-days <days>' argument 'year' is invalid. expected a positive whole number, got "year".`,
  ],
  [
    'a bad --interval',
    ['up', '--interval', '-5'],
    `error: option '--interval <seconds>' argument '-5' is invalid. expected a positive whole number, got "-5".`,
  ],
  [
    'a bad --duration',
    ['up', '--duration', 'soon'],
    `error: option '--duration <seconds>' argument 'soon' is invalid. expected a positive number of seconds, got "soon".`,
  ],
  [
    'a bad --sink',
    ['up', '--sink', 'kafka'],
    "error: option '--sink <sink>' argument 'kafka' is invalid. Allowed choices are clickhouse, vector.",
  ],
  [
    'a URL that is not one',
    ['--clickhouse-url', 'localhost:8123', 'sql', 'SELECT 1'],
    `error: option '--clickhouse-url <url>' argument 'localhost:8123' is invalid. expected an http:// or https:// URL (ClickHouse's HTTP interface), got "localhost:8123".`,
  ],
];

for (const [what, args, line] of usage) {
  test(`${what} is a usage error (exit 2)`, () => expectFailure([...args, '--data-dir', dataDir], 2, line));
}

test('a bad CLICKHOUSE_URL is a usage error naming the variable', () =>
  expectFailure(
    ['sql', 'SELECT 1'],
    2,
    /^error: option '--clickhouse-url <url>' value 'nope' from env 'CLICKHOUSE_URL' is invalid\. expected a URL/,
    {
      env: { CLICKHOUSE_URL: 'nope' },
    }
  ));

test('an empty query, given or from stdin, is a usage error', async () => {
  await expectFailure(['--data-dir', dataDir, 'sql', '  '], 2, 'error: the query is empty');
  await expectFailure(['--data-dir', dataDir, 'sql', '-'], 2, 'error: the query read from stdin is empty', {
    input: '\n',
  });
});

test('a server that does not answer is a runtime error (exit 1) naming the URL', async () => {
  // A port that was just free: nothing listens there.
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
  await expectFailure(
    ['--clickhouse-url', `http://127.0.0.1:${port}`, 'sql', 'SELECT 1'],
    1,
    `error: ClickHouse at http://127.0.0.1:${port} did not answer: connect ECONNREFUSED 127.0.0.1:${port}; expected a ClickHouse server answering there (check the host, port and credentials)`
  );
});

test('a data dir that cannot be created is a runtime error naming it', async () => {
  const file = join(work, 'a-file');
  writeFileSync(file, '');
  await expectFailure(
    ['--data-dir', join(file, 'data'), 'sql', 'SELECT 1'],
    1,
    `error: cannot use data dir ${file}/data: ENOTDIR: not a directory, mkdir '${file}/data'; expected a directory you can create and write`
  );
});

test('a data dir under /proc fails at once instead of hanging', () =>
  expectFailure(
    ['--data-dir', '/proc/netmon-itest/data', 'sql', 'SELECT 1'],
    1,
    "error: cannot use data dir /proc/netmon-itest/data: ENOENT: no such file or directory, mkdir '/proc/netmon-itest'; expected a directory you can create and write"
  ));

test('the flag wins over CLICKHOUSE_URL', () =>
  // Were the env value used, this would fail to connect (exit 1) instead of rejecting the flag.
  expectFailure(['--clickhouse-url', 'ftp://x', 'sql', 'SELECT 1'], 2, /argument 'ftp:\/\/x' is invalid/, {
    env: { CLICKHOUSE_URL: 'http://127.0.0.1:1' },
  }));
