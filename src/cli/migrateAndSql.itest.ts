import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { listMigrations } from '../store/migrate';
import { runNetmon } from './runNetmon';

const dataDir = join(mkdtempSync(join(tmpdir(), 'netmon-cli-')), 'data');
const netmon = (args: string[], input?: string) => runNetmon(['--data-dir', dataDir, ...args], { input });

const lastLine = (text: string) => text.trimEnd().split('\n').at(-1);

before(async () => {
  const first = await netmon(['migrate']);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /^applied 0001_raw_tables\.sql \(\d+ statements\)$/m);
  // Every file of sql/, in order: a new migration must not need this test edited.
  assert.equal(lastLine(first.stdout), `applied ${listMigrations().map((m) => m.name).join(', ')}`);
});

test('a second migrate changes nothing, and an empty store counts 0 connections', async () => {
  const again = await netmon(['migrate']);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(lastLine(again.stdout), 'schema up to date');
  const count = await netmon(['sql', 'SELECT count() FROM netmon.connections', '--format', 'tsv']);
  assert.equal(count.code, 0, count.stderr);
  assert.equal(count.stdout, 'count()\n0\n');
});

test('the process leaves neither its lock nor its socket behind', () => {
  assert.deepEqual(
    readdirSync(dataDir).filter((f) => f.startsWith('netmon.')),
    []
  );
});

const SMALL = 'SELECT number AS n, toString(number * 2) AS s FROM numbers(2)';

test('--format table prints an aligned table (the default)', async () => {
  const expected = ['   ┌─n─┬─s─┐', '1. │ 0 │ 0 │', '2. │ 1 │ 2 │', '   └───┴───┘', ''].join('\n');
  const explicit = await netmon(['sql', SMALL, '--format', 'table']);
  assert.equal(explicit.code, 0, explicit.stderr);
  assert.equal(explicit.stdout, expected);
  assert.equal((await netmon(['sql', SMALL])).stdout, expected);
});

test('--format tsv prints a header row and tab-separated values', async () => {
  const run = await netmon(['sql', SMALL, '--format', 'tsv']);
  assert.equal(run.stdout, 'n\ts\n0\t0\n1\t2\n');
});

test('--format json prints one object per row', async () => {
  const run = await netmon(['sql', SMALL, '--format', 'json']);
  assert.equal(run.stdout, '{"n":0,"s":"0"}\n{"n":1,"s":"2"}\n');
});

test('sql - reads the query from stdin', async () => {
  const run = await netmon(['sql', '-', '--format', 'tsv'], 'SELECT 40 + 2 AS answer\n');
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, 'answer\n42\n');
});

test("invalid SQL prints ClickHouse's first line and the query, and exits 1", async () => {
  const run = await netmon(['sql', 'SELECT *\nFROM netmon.nope']);
  assert.equal(run.code, 1);
  assert.equal(run.stdout, '');
  assert.match(
    run.stderr,
    /^error: Unknown table expression identifier 'netmon\.nope'.* \(query: SELECT \* FROM netmon\.nope\)\n$/
  );
});

test('--ttl-*-days reach the tables: migrate reports the retention it changed', async () => {
  const run = await netmon(['migrate', '--ttl-raw-days', '3']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^retention of connections: \d+ -> 3 days$/m);
  assert.match(lastLine(run.stdout)!, /^schema up to date; retention changed on \d+ tables$/);
});
