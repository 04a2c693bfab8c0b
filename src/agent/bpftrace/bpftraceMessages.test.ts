import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attachedProbeCount, describeExit, errorSummary } from './bpftraceMessages';

test('the attach count is read from JSON mode, text mode and newer versions', () => {
  assert.equal(attachedProbeCount('{"type": "attached_probes", "data": {"probes": 12}}'), 12);
  assert.equal(attachedProbeCount('Attaching 1 probe...'), 1);
  assert.equal(attachedProbeCount('Attaching 12 probes...'), 12);
  assert.equal(attachedProbeCount('Attached 3 probes'), 3);
});

test('program output that merely mentions attaching is not an announcement', () => {
  assert.equal(attachedProbeCount('{"type": "value", "data": ["hello",1,928890227347,1]}'), undefined);
  assert.equal(attachedProbeCount('{"type": "printf", "data": "\\"attached_probes\\" 5"}'), undefined);
  assert.equal(attachedProbeCount('{"type": "attached_probes", "data": {"probes": 1'), undefined);
  assert.equal(attachedProbeCount('Reattaching 5 probes'), undefined);
});

test('the error summary is the last ERROR line, not the source excerpt and underline after it', () => {
  const stderr = [
    'ERROR: Unknown error -1: couldn\'t set RLIMIT_MEMLOCK for bpftrace. If your program is not loading, you can try "ulimit -l 8192" to fix the problem',
    '/tmp/x.bt:1:1-26: ERROR: tracepoint not found: sock:nope_nope',
    'tracepoint:sock:nope_nope { @x = count(); }',
    '~~~~~~~~~~~~~~~~~~~~~~~~~',
    '',
  ];
  assert.equal(errorSummary(stderr), '/tmp/x.bt:1:1-26: ERROR: tracepoint not found: sock:nope_nope');
  assert.equal(errorSummary(['mmap: Invalid argument', '  ']), 'mmap: Invalid argument');
  assert.equal(errorSummary([]), undefined);
});

test('an exit reads as its code or its signal', () => {
  assert.equal(describeExit(1, null), 'exit code 1');
  assert.equal(describeExit(null, 'SIGKILL'), 'killed by SIGKILL');
});
