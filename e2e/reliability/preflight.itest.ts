import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertBpftraceAvailable, skipWithoutBpftrace } from '../../src/agent/bpftrace/bpftraceTestEnvironment';
import { findExecutable } from '../../src/agent/bpftrace/childCommand';
import { EXIT_UNAVAILABLE } from '../../src/agent/bpftrace/preflight';
import { NETMON_BIN } from './capshNetmon';

/**
 * Scenario 8 of issue 8: `netmon up` on a host that lacks a piece of what capture needs, made for
 * real rather than through preflight's test seams: PATH without bpftrace, an old kernel as
 * setarch --uname-2.6 reports it, BTF and tracefs hidden in a private mount namespace (unshare -m)
 * where tracefs cannot be mounted either, and a bpftrace that announces 0 probes. Each time: one
 * clear line, a non-zero exit, in seconds, and nothing written. Needs root and bpftrace (the
 * checks before the failing one must pass); skips without them, except under CI=true.
 */

const dir = mkdtempSync(join(tmpdir(), 'netmon-preflight-e2e-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const BPFTRACE = findExecutable('bpftrace') ?? 'bpftrace';

interface Run {
  code: number | null;
  stdout: string;
  lines: string[];
  elapsedMs: number;
}

/** `netmon up` through `wrapper` (e.g. setarch, unshare), with `env` added. */
function up(wrapper: string[], env: NodeJS.ProcessEnv = {}): Run {
  const started = Date.now();
  const [file, ...args] = [
    ...wrapper,
    process.execPath,
    NETMON_BIN,
    'up',
    '--no-ui',
    '--interval',
    '1',
    '--data-dir',
    join(dir, 'data'),
  ];
  const res = spawnSync(file, args, { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 90_000 });
  return {
    code: res.status,
    stdout: res.stdout,
    lines: res.stderr.split('\n').filter((l) => l !== ''),
    elapsedMs: Date.now() - started,
  };
}

/** Exits non-zero within 5 s with exactly one line on stderr, which is returned. */
function oneLineFailure(run: Run, code = EXIT_UNAVAILABLE): string {
  assert.equal(run.code, code, `exit code; stderr:\n${run.lines.join('\n')}`);
  assert.ok(run.elapsedMs < 5000, `took ${run.elapsedMs} ms`);
  assert.equal(run.stdout, '', 'stdout');
  assert.equal(run.lines.length, 1, `one line, got:\n${run.lines.join('\n')}`);
  assert.ok(!existsSync(join(dir, 'data')), 'the data dir was created before the check failed');
  return run.lines[0];
}

/** A shell script run inside a private mount namespace before netmon starts. */
function inMountNamespace(setup: string): string[] {
  return ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', `set -e; ${setup}; exec "$@"`, 'sh'];
}

test('bpftrace not on PATH', { skip: skipWithoutBpftrace }, () => {
  assertBpftraceAvailable();
  const line = oneLineFailure(up([], { PATH: join(dir, 'empty'), NETMON_BPFTRACE: '' }));
  assert.match(
    line,
    /^error: bpftrace is not on PATH: install it \(apt-get install bpftrace\) or set NETMON_BPFTRACE=/
  );
});

test(
  'a kernel older than the tracepoints connections.bt needs (setarch --uname-2.6)',
  { skip: skipWithoutBpftrace },
  () => {
    assertBpftraceAvailable();
    const line = oneLineFailure(up(['setarch', process.arch === 'arm64' ? 'aarch64' : 'x86_64', '--uname-2.6']));
    assert.match(
      line,
      /^error: kernel 2\.6\.\d+\S* is too old: capture needs Linux 6\.3 or newer, because .*sock_send_length/
    );
  }
);

test('no kernel BTF (an empty /sys/kernel/btf)', { skip: skipWithoutBpftrace }, () => {
  assertBpftraceAvailable();
  const line = oneLineFailure(up(inMountNamespace('mount -t tmpfs none /sys/kernel/btf')));
  assert.match(line, /^error: kernel BTF is missing \(\/sys\/kernel\/btf\/vmlinux\): .*CONFIG_DEBUG_INFO_BTF=y$/);
});

test('tracefs not mounted and not mountable (no mount point under /sys/kernel)', { skip: skipWithoutBpftrace }, () => {
  assertBpftraceAvailable();
  // /sys/kernel replaced by an empty tmpfs with only BTF put back: no tracing/ nor debug/ to mount on.
  const setup = [
    `mkdir -p ${dir}/btf`,
    `mount --bind /sys/kernel/btf ${dir}/btf`,
    'mount -t tmpfs none /sys/kernel',
    'mkdir /sys/kernel/btf',
    `mount --move ${dir}/btf /sys/kernel/btf`,
  ].join(' && ');
  const line = oneLineFailure(up(inMountNamespace(setup)));
  assert.match(
    line,
    /^error: tracefs is not mounted at \/sys\/kernel\/tracing or \/sys\/kernel\/debug\/tracing and mounting it failed \(.*\); run `mount -t tracefs nodev \/sys\/kernel\/tracing` as root$/
  );
});

test(
  'a bpftrace that attaches 0 probes is an error, never a silent 0',
  { skip: skipWithoutBpftrace, timeout: 60_000 },
  () => {
    assertBpftraceAvailable();
    const liar = join(dir, 'bpftrace-attaches-nothing');
    writeFileSync(
      liar,
      `#!/bin/sh\n[ "$1" = --version ] && exec ${BPFTRACE} --version\necho '{"type": "attached_probes", "data": {"probes": 0}}'\nexec sleep 60\n`
    );
    chmodSync(liar, 0o755);
    const run = up([], { NETMON_BPFTRACE: liar });
    assert.equal(run.code, 1, `exit code; stderr:\n${run.lines.join('\n')}`);
    assert.ok(run.elapsedMs < 30_000, `took ${run.elapsedMs} ms`);
    assert.match(
      run.lines.at(-1) ?? '',
      /^error: bpftrace did not start: bpftrace attached 0 probes, but .*connections\.bt has 15$/
    );
  }
);
