import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dnsProgram } from './dnsProgram';
import { probesOfProgram } from './programProbes';
import { DNS_CHUNK_BYTES } from '../dns/dnsPacketLine';

test('the command line and knobs of dns.bt as its header documents them', () => {
  const p = dnsProgram();
  assert.ok(existsSync(p.path), p.path);
  assert.deepEqual(p.flags, ['-f', 'json']);
  assert.deepEqual(p.args, ['1232']);
  assert.deepEqual(p.env, { BPFTRACE_STRLEN: '100', BPFTRACE_MAP_KEYS_MAX: '65536', BPFTRACE_PERF_RB_PAGES: '64' });
  assert.deepEqual(dnsProgram({ extraPorts: [5353, 5300], maxPayload: 512 }).args, ['512', '5353', '5300']);
});

test('the program, its chunk size and the parser agree', () => {
  const text = readFileSync(dnsProgram().path, 'utf8');
  assert.deepEqual(probesOfProgram(text), ['BEGIN', 'tracepoint:net:net_dev_queue', 'tracepoint:net:netif_receive_skb', 'interval:s:1', 'END']);
  assert.match(text, new RegExp(`^#define CHUNK ${DNS_CHUNK_BYTES}$`, 'm'));
  // buf() is cut to BPFTRACE_STRLEN, so a smaller value would lose bytes of every chunk.
  assert.equal(Number(dnsProgram().env.BPFTRACE_STRLEN), DNS_CHUNK_BYTES);
});

test('values dns.bt would reject or misread fail here, naming the input', () => {
  assert.throws(() => dnsProgram({ extraPorts: [1, 2, 3, 4, 5] }), /extraPorts: expected at most 4 ports besides 53, got 5/);
  assert.throws(() => dnsProgram({ extraPorts: [0] }), /extraPorts: expected UDP ports in \[1, 65535\], got 0/);
  assert.throws(() => dnsProgram({ extraPorts: [65536] }), /got 65536/);
  assert.throws(() => dnsProgram({ maxPayload: 4001 }), /maxPayload: expected a whole number of bytes in \[12, 4000\].*got 4001/);
  assert.throws(() => dnsProgram({ mapKeysMax: 0 }), /mapKeysMax: expected a positive whole number, got 0/);
  assert.throws(() => dnsProgram({ perfRbPages: 48 }), /perfRbPages: expected a power of two.*got 48/);
});
