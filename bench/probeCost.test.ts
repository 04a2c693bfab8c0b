import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { withoutPerSyscallBlocks } from './probeCost';

test('the variant drops exactly the blocks on the per-syscall tracepoints, and keeps every other block', () => {
  const source = readFileSync(join(__dirname, '..', 'bpf', 'connections.bt'), 'utf8');
  const variant = withoutPerSyscallBlocks(source);
  assert.doesNotMatch(variant, /^tracepoint:sock:sock_(send|recv)_length/m);
  assert.doesNotMatch(variant, /@udp/, 'the UDP maps are defined only in a removed block');
  for (const kept of [
    'tracepoint:sock:inet_sock_set_state',
    'tracepoint:tcp:tcp_destroy_sock',
    'tracepoint:tcp:tcp_retransmit_skb',
    'interval:s:1',
    'END',
  ]) {
    assert.ok(
      variant.split('\n').some((l) => l.startsWith(kept)),
      kept
    );
  }
  const blocks = (text: string) => text.split('\n').filter((l) => l === '{').length;
  assert.equal(blocks(source) - blocks(variant), 3, 'three blocks removed');
  assert.equal(variant.split('\n').filter((l) => l === '}').length, blocks(variant), 'braces balanced');
});
