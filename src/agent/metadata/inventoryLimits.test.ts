import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseInventory } from './inventoryFile';

/** What e2e/reliability/fuzz found in the inventory parser: each answered with an error, in milliseconds. */

function timed(text: string): { errors: string[]; ms: number } {
  const t0 = performance.now();
  const r = parseInventory(text, 'inv.yaml');
  return { errors: r.ok ? [] : r.errors, ms: performance.now() - t0 };
}

test('deep bracket nesting is refused before the YAML parser (55,000 took it 9 s)', () => {
  const r = timed(`entries:\n  - ${'['.repeat(55_000)}${']'.repeat(55_000)}\n`);
  assert.deepEqual(r.errors, ['inv.yaml:2: brackets nested deeper than 32; expected a flat list of entries']);
  assert.ok(r.ms < 1000, `${r.ms} ms`);
});

test('a very long line is refused (5,000 nested "a: b:" on one line overflowed the stack)', () => {
  const r = timed(`entries:\n  - cidr: 10.0.0.0/8\n    network: ${'vpc: '.repeat(5000)}x\n`);
  assert.deepEqual(r.errors, ['inv.yaml:3: line of 25014 characters; expected at most 4096']);
});

test('many broken entries take time linear in their number (52,000 took 141 s)', () => {
  const r = timed(`entries:\n${'  - ip:onment: prod\n'.repeat(19_000)}`);
  assert.ok(r.errors.length > 0 && r.errors.at(-1)!.startsWith('... and '), r.errors.at(-1));
  assert.ok(r.ms < 10_000, `${r.ms} ms`);
});

test('more than 20,000 lines are refused (the YAML composer is quadratic in errors: 40,000 bad lines took 4 s)', () => {
  const r = timed(`entries:\n  - ip: 192.0.2.2\n${'[a, b]\n'.repeat(20_000)}`);
  assert.deepEqual(r.errors, [
    'inv.yaml: more than 20000 lines; expected a shorter inventory (describe networks by CIDR rather than every host)',
  ]);
  assert.ok(r.ms < 1000, `${r.ms} ms`);
});
