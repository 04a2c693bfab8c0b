import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectionsProgram } from './connectionsProgram';
import { EXIT_NO_PERMISSION, EXIT_UNAVAILABLE, runPreflight, type PreflightOptions } from './preflight';

/**
 * Every failure branch, reached by pointing each check at prepared files instead of the real
 * system: a fake /proc/self/status, shell scripts standing in for bpftrace, a fake BTF file and a
 * fake tracefs tree. Needs neither root nor bpftrace; the real machine is preflight.itest.ts.
 */

const dir = mkdtempSync(join(tmpdir(), 'netmon-preflight-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const program = connectionsProgram({ intervalSeconds: 1 });
const ALL_TRACEPOINTS = [
  'sock/inet_sock_set_state',
  'sock/sock_send_length',
  'sock/sock_recv_length',
  'tcp/tcp_retransmit_skb',
  'tcp/tcp_send_reset',
  'tcp/tcp_receive_reset',
  'tcp/tcp_destroy_sock',
];

function file(name: string, text: string, mode = 0o644): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  chmodSync(path, mode);
  return path;
}

function fakeBpftrace(name: string, script: string): string {
  return file(name, `#!/bin/sh\n${script}\n`, 0o755);
}

function fakeTracefs(name: string, events: string[]): string {
  const root = join(dir, name);
  for (const event of events) {
    mkdirSync(join(root, 'events', event), { recursive: true });
  }
  return root;
}

const good: PreflightOptions = {
  program,
  euid: 0,
  procStatusPath: file('status-full', 'Name:\tnode\nCapEff:\t000001fffeffffff\n'),
  procLimitsPath: file('limits-8m', 'Max locked memory         8388608              8388608              bytes\n'),
  bpftracePath: fakeBpftrace('bpftrace-0.17', 'echo "bpftrace v0.17.0"'),
  env: { PATH: '' },
  kernelRelease: '6.18.44-fc-v657',
  btfPath: file('vmlinux', 'BTF'),
  tracefsDirs: [fakeTracefs('tracefs-full', ALL_TRACEPOINTS)],
  timeoutMs: 2000,
};

async function failure(overrides: Partial<PreflightOptions>) {
  const result = await runPreflight({ ...good, ...overrides });
  assert.equal(result.ok, false, `expected a failure, got ${JSON.stringify(result)}`);
  return result as Extract<typeof result, { ok: false }>;
}

test('with everything in place every check passes, in order, and says what it found', async () => {
  const result = await runPreflight(good);
  assert.ok(result.ok, JSON.stringify(result));
  assert.deepEqual(
    result.checks.map((c) => c.name),
    ['privileges', 'bpftrace', 'kernel', 'btf', 'tracefs', 'tracepoints']
  );
  assert.equal(result.bpftracePath, good.bpftracePath);
  assert.equal(result.bpftraceVersion, '0.17.0');
  assert.equal(result.tracefsDir, good.tracefsDirs![0]);
  assert.equal(result.checks.at(-1)!.detail, '7 tracepoints present');
});

test('not root: says so and stops before anything else, with the permission exit code', async () => {
  const r = await failure({ euid: 1000 });
  assert.equal(r.failed, 'privileges');
  assert.equal(r.exitCode, EXIT_NO_PERMISSION);
  assert.match(r.message, /needs root: bpftrace 0\.17 refuses to run as uid 1000; run netmon with sudo/);
  assert.deepEqual(r.checks, []);
});

test('root without CAP_SYS_ADMIN (CAP_BPF, CAP_PERFMON and CAP_IPC_LOCK only): names the capability and how to grant it', async () => {
  const r = await failure({ procStatusPath: file('status-bpf-perfmon', 'CapEff:\t000000c000004000\n') });
  assert.equal(r.failed, 'privileges');
  assert.equal(r.exitCode, EXIT_NO_PERMISSION);
  assert.match(r.message, /^capture needs CAP_SYS_ADMIN, missing .*CapEff c000004000.*CAP_BPF and CAP_PERFMON would \(those are present but not enough\); in a container add the SYS_ADMIN capability/);
});

test('root without CAP_SYS_ADMIN, CAP_BPF, CAP_PERFMON and CAP_IPC_LOCK: names both it needs, in one line', async () => {
  const r = await failure({ procStatusPath: file('status-none', 'CapEff:\t0000000000000000\n') });
  assert.equal(r.exitCode, EXIT_NO_PERMISSION);
  assert.doesNotMatch(r.message, /\n/);
  assert.match(r.message, /^capture needs CAP_SYS_ADMIN and CAP_IPC_LOCK, .*\(those are missing too\); CAP_IPC_LOCK: .*RLIMIT_MEMLOCK \(8388608 bytes\).*add the SYS_ADMIN and IPC_LOCK capabilities/);
});

test('without CAP_IPC_LOCK: needed while RLIMIT_MEMLOCK is limited, not once it is unlimited', async () => {
  const noIpcLock = file('status-no-ipc-lock', 'CapEff:\t000001fffeffbfff\n');
  const r = await failure({ procStatusPath: noIpcLock });
  assert.match(r.message, /^capture needs CAP_IPC_LOCK, missing .*; in a container add the IPC_LOCK capability or run privileged$/);
  const unlimited = file('limits-unlimited', 'Max locked memory         unlimited            unlimited            bytes\n');
  const ok = await runPreflight({ ...good, procStatusPath: noIpcLock, procLimitsPath: unlimited });
  assert.ok(ok.ok && ok.checks[0].detail === 'uid 0 with CAP_SYS_ADMIN, RLIMIT_MEMLOCK unlimited', JSON.stringify(ok));
});

test('bpftrace missing, by path, by PATH lookup, and by the environment variable', async () => {
  const byPath = await failure({ bpftracePath: join(dir, 'no-such-bpftrace') });
  assert.equal(byPath.failed, 'bpftrace');
  assert.equal(byPath.exitCode, EXIT_UNAVAILABLE);
  assert.match(byPath.message, /no-such-bpftrace is not an executable file: install it \(apt-get install bpftrace\) or set NETMON_BPFTRACE=/);

  const onPath = await failure({ bpftracePath: undefined, env: { PATH: join(dir, 'empty-bin') } });
  assert.match(onPath.message, /^bpftrace is not on PATH: install it/);

  const fromEnv = await failure({ bpftracePath: undefined, env: { PATH: '', NETMON_BPFTRACE: join(dir, 'env-bpftrace') } });
  assert.match(fromEnv.message, /env-bpftrace is not an executable file/);
  assert.equal(fromEnv.checks.length, 1, 'privileges passed before it');
});

test('a found bpftrace is found through PATH and the environment variable too', async () => {
  const before = await failure({ bpftracePath: undefined, env: { PATH: dir } });
  assert.match(before.message, /^bpftrace is not on PATH/, 'the other fakes are not named "bpftrace"');
  const named = fakeBpftrace('bpftrace', 'echo "bpftrace v0.18.1"');
  const found = await runPreflight({ ...good, bpftracePath: undefined, env: { PATH: `/nonexistent:${dir}` } });
  assert.ok(found.ok && found.bpftracePath === named && found.bpftraceVersion === '0.18.1', JSON.stringify(found));
  const viaEnv = await runPreflight({ ...good, bpftracePath: undefined, env: { PATH: '', NETMON_BPFTRACE: good.bpftracePath } });
  assert.ok(viaEnv.ok && viaEnv.bpftracePath === good.bpftracePath, JSON.stringify(viaEnv));
});

test('bpftrace too old, unreadable version, failing, and hanging past the timeout', async () => {
  const old = await failure({ bpftracePath: fakeBpftrace('bpftrace-0.16', 'echo "bpftrace v0.16.0"') });
  assert.match(old.message, /is bpftrace 0\.16\.0; capture needs 0\.17\.0 or newer/);

  const garbled = await failure({ bpftracePath: fakeBpftrace('bpftrace-garbled', 'echo "hello"') });
  assert.match(garbled.message, /--version` printed "hello", expected "bpftrace vX\.Y\.Z"/);

  const broken = await failure({ bpftracePath: fakeBpftrace('bpftrace-broken', 'echo "libbcc.so: cannot open" >&2; exit 127') });
  assert.match(broken.message, /failed: exit code 127: libbcc\.so: cannot open; check the bpftrace installation/);

  const started = Date.now();
  const hung = await failure({ bpftracePath: fakeBpftrace('bpftrace-hung', 'exec sleep 30'), timeoutMs: 300 });
  assert.match(hung.message, /did not finish within 300 ms/);
  assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
});

test('kernel too old: names the version needed and why', async () => {
  const r = await failure({ kernelRelease: '5.15.0-91-generic' });
  assert.equal(r.failed, 'kernel');
  assert.match(r.message, /kernel 5\.15\.0-91-generic is too old: capture needs Linux 6\.3 or newer, because .*sock:sock_send_length/);
});

test('no BTF: names the file and the kernel option', async () => {
  const r = await failure({ btfPath: join(dir, 'no-vmlinux') });
  assert.equal(r.failed, 'btf');
  assert.match(r.message, /kernel BTF is missing \(.*no-vmlinux\).*CONFIG_DEBUG_INFO_BTF=y/);
});

test('tracefs found at the second place when the first is an empty mount point', async () => {
  const empty = join(dir, 'tracefs-unmounted');
  mkdirSync(empty);
  const result = await runPreflight({ ...good, tracefsDirs: [empty, good.tracefsDirs![0]] });
  assert.ok(result.ok && result.tracefsDir === good.tracefsDirs![0], JSON.stringify(result));
});

test('tracefs not mounted and the mount fails: says the command to run', async () => {
  const missing = join(dir, 'no-such-mount-point');
  const r = await failure({ tracefsDirs: [missing] });
  assert.equal(r.failed, 'tracefs');
  assert.match(r.message, /tracefs is not mounted at .*no-such-mount-point and mounting it failed \(.*\); run `mount -t tracefs nodev .*no-such-mount-point` as root/);
});

test('a tracepoint missing from tracefs is named, with the program that needs it', async () => {
  const r = await failure({ tracefsDirs: [fakeTracefs('tracefs-old', ALL_TRACEPOINTS.filter((e) => !e.startsWith('sock/sock_')))] });
  assert.equal(r.failed, 'tracepoints');
  assert.match(r.message, /lacks tracepoints sock:sock_send_length, sock:sock_recv_length \(not in .*tracefs-old\/events\), which .*connections\.bt attaches to/);
  assert.equal(r.checks.length, 5);
});
