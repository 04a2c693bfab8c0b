import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertBpftraceAvailable, skipWithoutBpftrace } from './bpftraceTestEnvironment';
import { connectionsProgram } from './connectionsProgram';
import { runPreflight } from './preflight';

/** Preflight against this machine's real /proc, bpftrace, kernel, BTF and tracefs. */

const program = connectionsProgram({ intervalSeconds: 1 });
const dir = mkdtempSync(join(tmpdir(), 'netmon-preflight-itest-'));
const mountPoint = join(dir, 'tracing');
let mounted = false;

after(() => {
  if (mounted) {
    execFileSync('umount', [mountPoint], { timeout: 5000 });
  }
  rmSync(dir, { recursive: true, force: true });
});

test('this machine passes every check within seconds', { skip: skipWithoutBpftrace }, async () => {
  assertBpftraceAvailable();
  const started = Date.now();
  const result = await runPreflight({ program });
  assert.ok(result.ok, JSON.stringify(result));
  assert.deepEqual(
    result.checks.map((c) => c.name),
    ['privileges', 'bpftrace', 'kernel', 'btf', 'tracefs', 'tracepoints']
  );
  assert.match(result.bpftracePath, /^\//);
  assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
});

test('tracefs not mounted: preflight mounts it and reads the tracepoints from the new mount', { skip: skipWithoutBpftrace }, async () => {
  assertBpftraceAvailable();
  mkdirSync(mountPoint);
  const result = await runPreflight({ program, tracefsDirs: [mountPoint] });
  mounted = result.checks.some((c) => c.name === 'tracefs' && c.detail.startsWith('mounted'));
  assert.ok(result.ok, JSON.stringify(result));
  assert.equal(result.tracefsDir, mountPoint);
  assert.deepEqual(
    result.checks.filter((c) => c.name === 'tracefs' || c.name === 'tracepoints').map((c) => c.detail),
    [`mounted tracefs at ${mountPoint}`, '7 tracepoints present']
  );
});
