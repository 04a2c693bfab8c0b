import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BpftraceProgram } from './bpftraceProgram';
import { BpftraceSupervisor, type SupervisorEvent } from './bpftraceSupervisor';
import { until } from '../testing/until';

/**
 * The supervisor's own logic, with a shell script standing in for bpftrace so it runs anywhere:
 * the script announces its probes as bpftrace 0.17 does, writes a line in two pieces, fails on
 * its first run with an ERROR on stderr, and prints an END line on SIGINT. Real bpftrace is in
 * bpftraceSupervisor.itest.ts.
 */

const dir = mkdtempSync(join(tmpdir(), 'netmon-supervisor-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const fakeBpftrace = join(dir, 'fake-bpftrace');
writeFileSync(
  fakeBpftrace,
  `#!/bin/sh
# $RUNS counts starts; the first one crashes after attaching when CRASH_FIRST is set.
echo x >> "$RUNS"
trap 'echo "[\\"end\\"]"; exit 0' INT
echo '{"type": "attached_probes", "data": {"probes": 2}}'
printf '["hel'; sleep 0.05; printf 'lo", %s]\\n' "$(wc -l < "$RUNS")"
if [ -n "$CRASH_FIRST" ] && [ "$(wc -l < "$RUNS")" -eq 1 ]; then
  echo "ERROR: the first run fails" >&2
  exit 3
fi
while :; do sleep 0.05; done
`
);
chmodSync(fakeBpftrace, 0o755);

function program(name: string, env: Record<string, string>): BpftraceProgram {
  const path = join(dir, `${name}.bt`);
  writeFileSync(path, 'BEGIN { } END { }\n');
  return {
    path,
    flags: [],
    args: [],
    env: { RUNS: join(dir, `${name}.runs`), ...env },
    minKernel: { release: '5.8', why: 'test' },
  };
}

test('a crash after attach is restarted after the backoff, with the gap and its reason; stop() delivers the SIGINT output', async () => {
  const lines: string[] = [];
  const events: SupervisorEvent[] = [];
  const supervisor = new BpftraceSupervisor({
    program: program('crash', { CRASH_FIRST: '1' }),
    bpftracePath: fakeBpftrace,
    onLine: (l) => lines.push(l),
    onEvent: (e) => events.push(e),
    backoff: { initialMs: 50, maxMs: 200, stableMs: 60_000 },
  });
  await supervisor.start();
  await until('the second run to say hello', () => lines.includes('["hello", 2]'));
  const status = supervisor.status();
  assert.equal(status.restarts, 1);
  assert.equal(status.gaps.length, 1);
  assert.equal(status.gaps[0].reason, 'exit code 3: ERROR: the first run fails');
  assert.ok(status.gaps[0].end! >= status.gaps[0].start);
  assert.equal(status.lastError, 'bpftrace ended unexpectedly (exit code 3: ERROR: the first run fails)');
  assert.deepEqual(
    events.map((e) => e.type),
    ['spawned', 'attached', 'exited', 'restarting', 'spawned', 'attached']
  );
  assert.deepEqual(events[3], { type: 'restarting', delayMs: 50 });

  assert.deepEqual(await supervisor.stop(), { code: 0, signal: null });
  assert.deepEqual(lines, [
    '{"type": "attached_probes", "data": {"probes": 2}}',
    '["hello", 1]',
    '{"type": "attached_probes", "data": {"probes": 2}}',
    '["hello", 2]',
    '["end"]',
  ]);
  const stopped = supervisor.status();
  assert.equal(stopped.running, false);
  assert.equal(stopped.linesRead, 5);
  assert.equal(
    stopped.bytesRead,
    lines.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0)
  );
  assert.equal(stopped.restarts, 1);
});

test('a first start that fails is an error from start(), not a restart loop', async () => {
  const supervisor = new BpftraceSupervisor({
    program: program('first-fails', {}),
    bpftracePath: join(dir, 'no-such-bpftrace'),
    onLine: () => undefined,
  });
  await assert.rejects(
    supervisor.start(),
    /^Error: bpftrace exited before attaching its probes \(could not run .*no-such-bpftrace: spawn .*ENOENT\)$/
  );
  assert.equal(supervisor.status().restarts, 0);
  await assert.rejects(supervisor.start(), /already stopped; a supervisor starts once/);
});

test('no attach announcement within the limit: killed and reported', async () => {
  const silent = join(dir, 'silent-bpftrace');
  writeFileSync(silent, '#!/bin/sh\nexec sleep 30\n');
  chmodSync(silent, 0o755);
  const supervisor = new BpftraceSupervisor({
    program: program('silent', {}),
    bpftracePath: silent,
    onLine: () => undefined,
    attachTimeoutMs: 300,
  });
  await assert.rejects(supervisor.start(), /^Error: bpftrace did not attach its probes within 300 ms$/);
  assert.equal(supervisor.status().running, false);
});

test('the expected count comes from the program text unless given', () => {
  const opts = { program: program('count', {}), bpftracePath: fakeBpftrace, onLine: () => undefined };
  assert.equal(new BpftraceSupervisor(opts).status().expectedProbes, 2);
  assert.equal(new BpftraceSupervisor({ ...opts, expectedProbes: 7 }).status().expectedProbes, 7);
});
