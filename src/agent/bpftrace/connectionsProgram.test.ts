import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { closedInsertLines, connectionsProgram } from './connectionsProgram';

test('the command line and knobs of connections.bt as its header documents them', () => {
  const p = connectionsProgram({ intervalSeconds: 10 });
  assert.ok(existsSync(p.path), p.path);
  assert.deepEqual(p.flags, ['-k', '-f', 'json']);
  assert.deepEqual(p.args, ['10']);
  assert.deepEqual(p.env, { BPFTRACE_MAP_KEYS_MAX: '65536', BPFTRACE_PERF_RB_PAGES: '1024' });
  assert.equal(connectionsProgram({ intervalSeconds: 1, mapKeysMax: 4096, perfRbPages: 256 }).env.BPFTRACE_PERF_RB_PAGES, '256');
});

test('values bpftrace would reject fail here, naming the input', () => {
  assert.throws(() => connectionsProgram({ intervalSeconds: 0.5 }), /interval: expected a whole number of seconds >= 1.*got 0\.5/);
  assert.throws(() => connectionsProgram({ intervalSeconds: 1, mapKeysMax: 0 }), /mapKeysMax: expected a positive whole number, got 0/);
  assert.throws(() => connectionsProgram({ intervalSeconds: 1, perfRbPages: 48 }), /perfRbPages: expected a power of two.*got 48/);
});

test("the @closed inserts' source lines, which a map-full helper_error names", () => {
  const source = readFileSync(connectionsProgram({ intervalSeconds: 1 }).path, 'utf8');
  const lines = [...closedInsertLines(source)];
  const text = source.split('\n');
  assert.deepEqual(
    lines.map((n) => text[n - 1].trim().slice(0, 24)),
    ['@closed1[$key, $c.0] = (', '@closed0[$key, $c.0] = (']
  );
  assert.deepEqual([...closedInsertLines('@closed0[$key] = 1;\n  @tcp0[$key, $c.0] = (1);')], []);
});
