import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CONNECTIONS_BT } from './connectionsProgram';
import { probesOfProgram, tracepointsOfProgram } from './programProbes';

test('connections.bt: 15 probes as bpftrace reports them, 7 distinct tracepoints', () => {
  const text = readFileSync(CONNECTIONS_BT, 'utf8');
  assert.equal(probesOfProgram(text).length, 15);
  assert.deepEqual(
    tracepointsOfProgram(text).map((tp) => `${tp.category}:${tp.name}`).sort(),
    [
      'sock:inet_sock_set_state',
      'sock:sock_recv_length',
      'sock:sock_send_length',
      'tcp:tcp_destroy_sock',
      'tcp:tcp_receive_reset',
      'tcp:tcp_retransmit_skb',
      'tcp:tcp_send_reset',
    ]
  );
});

test('braces and slashes in comments, strings and predicates do not count as structure', () => {
  const text = `#!/usr/bin/env bpftrace
#include <linux/sched.h>
#define X 1 /* { */
// BEGIN { } would be a probe outside this comment
/* kprobe:f { } */
BEGIN { printf("{ } BEGIN { %s\\n", "}\\" {"); }
t:syscalls:sys_enter_openat,
tracepoint:syscalls:sys_enter_open
/comm == "a/b{" && pid / 2 > 1/
{ if (1) { @x = count(); } }
uprobe:/bin/bash:readline /pid == 1/ { }
interval:s:1 { } END { }`;
  assert.deepEqual(probesOfProgram(text), [
    'BEGIN',
    't:syscalls:sys_enter_openat',
    'tracepoint:syscalls:sys_enter_open',
    'uprobe:/bin/bash:readline',
    'interval:s:1',
    'END',
  ]);
  assert.deepEqual(tracepointsOfProgram(text), [
    { category: 'syscalls', name: 'sys_enter_openat' },
    { category: 'syscalls', name: 'sys_enter_open' },
  ]);
});

test('top-level struct definitions are not probes', () => {
  assert.deepEqual(probesOfProgram('struct foo { int a; char b; };\nBEGIN { }'), ['BEGIN']);
});

test('wildcards and broken programs are refused with a reason', () => {
  assert.throws(() => probesOfProgram('tracepoint:tcp:* { }'), /"tracepoint:tcp:\*" is a wildcard.*pass the expected count/);
  assert.throws(() => probesOfProgram('BEGIN { '), /a "\{" is never closed/);
  assert.throws(() => probesOfProgram('BEGIN { } }'), /unbalanced "\}"/);
  assert.throws(() => probesOfProgram('BEGIN, { }'), /expected an attach point before "\{", got "BEGIN,"/);
});
