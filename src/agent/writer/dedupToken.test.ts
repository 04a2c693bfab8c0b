import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dedupToken } from './dedupToken';

test('the same batch gives the same token; any part that differs gives another', () => {
  const rows = [{ a: 1 }, { a: 2 }];
  const token = dedupToken('node-1', 'run-1', 'connections', 7, rows);
  assert.equal(token, 'node-1/run-1/connections/7/2');
  assert.equal(dedupToken('node-1', 'run-1', 'connections', 7, rows), token);
  const others = [
    dedupToken('node-2', 'run-1', 'connections', 7, rows),
    dedupToken('node-1', 'run-2', 'connections', 7, rows),
    dedupToken('node-1', 'run-1', 'agent_health', 7, rows),
    dedupToken('node-1', 'run-1', 'connections', 8, rows),
    dedupToken('node-1', 'run-1', 'connections', 7, [...rows, { a: 3 }]),
  ];
  assert.equal(new Set([token, ...others]).size, 6);
});
