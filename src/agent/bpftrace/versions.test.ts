import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareVersions, parseBpftraceVersion, parseRelease } from './versions';

test('bpftrace versions as distributions print them', () => {
  assert.deepEqual(parseBpftraceVersion('bpftrace v0.17.0\n'), { major: 0, minor: 17, patch: 0 });
  assert.deepEqual(parseBpftraceVersion('bpftrace v0.21.2-1ubuntu1'), { major: 0, minor: 21, patch: 2 });
  assert.deepEqual(parseBpftraceVersion('bpftrace 0.9.4'), { major: 0, minor: 9, patch: 4 });
  assert.equal(parseBpftraceVersion('command not found'), undefined);
});

test('kernel releases with distribution suffixes', () => {
  assert.deepEqual(parseRelease('6.18.44-fc-v657'), { major: 6, minor: 18, patch: 44 });
  assert.deepEqual(parseRelease('5.15.0-91-generic'), { major: 5, minor: 15, patch: 0 });
  assert.deepEqual(parseRelease('6.3'), { major: 6, minor: 3, patch: 0 });
  assert.equal(parseRelease('linux'), undefined);
});

test('versions compare numerically, not as text', () => {
  const v = (s: string) => parseRelease(s)!;
  assert.ok(compareVersions(v('0.17.0'), v('0.9.4')) > 0);
  assert.ok(compareVersions(v('6.2.99'), v('6.3')) < 0);
  assert.equal(compareVersions(v('6.3.0'), v('6.3')), 0);
});
