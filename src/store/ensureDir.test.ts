import assert from 'node:assert/strict';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ensureDir } from './ensureDir';

test('ensureDir creates every missing level and accepts an existing dir', () => {
  const base = mkdtempSync(join(tmpdir(), 'netmon-ensuredir-'));
  const deep = join(base, 'a', 'b', 'c');
  ensureDir(deep);
  assert.ok(statSync(deep).isDirectory());
  ensureDir(deep);
});

test('ensureDir fails instead of hanging under /proc', () => {
  assert.throws(() => ensureDir('/proc/netmon-ensuredir/x'), { code: 'ENOENT' });
});
