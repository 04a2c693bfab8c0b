import { existsSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import { join } from 'node:path';
import type { BpftraceProgram } from './bpftraceProgram';
import { CAP_BPF, CAP_IPC_LOCK, CAP_PERFMON, CAP_SYS_ADMIN, hasCapability, parseCapEff, parseMemlockLimit } from './capabilities';
import { findExecutable, runCommand } from './childCommand';
import { tracepointsOfProgram } from './programProbes';
import { TRACEFS_DIRS, findOrMountTracefs } from './tracefs';
import { compareVersions, formatVersion, parseBpftraceVersion, parseRelease, type Version } from './versions';

/**
 * Checks, in order, what capture needs before bpftrace is started, so that a missing piece is one
 * line naming it and the fix rather than a bpftrace compile error. Stops at the first failure:
 * later checks depend on earlier ones (tracepoints are read through tracefs, which needs root to
 * mount). Everything the checks read can be pointed elsewhere, which is how tests reach each
 * failure on any machine.
 */

/** Exit codes from sysexits.h: a permission problem, or a missing piece of the system. */
export const EXIT_NO_PERMISSION = 77;
export const EXIT_UNAVAILABLE = 69;

export const MIN_BPFTRACE: Version = { major: 0, minor: 17, patch: 0 };
/** Environment variable naming the bpftrace binary when it is not `bpftrace` on PATH. */
export const BPFTRACE_ENV = 'NETMON_BPFTRACE';

export type PreflightCheckName = 'privileges' | 'bpftrace' | 'kernel' | 'btf' | 'tracefs' | 'tracepoints';

export interface PreflightOptions {
  program: BpftraceProgram;
  /** Default: $NETMON_BPFTRACE, else `bpftrace` on PATH. */
  bpftracePath?: string;
  /** Source of PATH and NETMON_BPFTRACE. Default process.env. */
  env?: NodeJS.ProcessEnv;
  euid?: number;
  procStatusPath?: string;
  /** Where RLIMIT_MEMLOCK is read. Default /proc/self/limits. */
  procLimitsPath?: string;
  kernelRelease?: string;
  btfPath?: string;
  tracefsDirs?: readonly string[];
  /** Limit for each child process (bpftrace --version, mount). Default 5000 ms. */
  timeoutMs?: number;
}

export interface PreflightCheck {
  name: PreflightCheckName;
  detail: string;
}

export type PreflightResult =
  | { ok: true; checks: PreflightCheck[]; bpftracePath: string; bpftraceVersion: string; tracefsDir: string }
  | { ok: false; checks: PreflightCheck[]; failed: PreflightCheckName; message: string; exitCode: number };

class CheckFailed extends Error {
  constructor(
    readonly check: PreflightCheckName,
    message: string,
    readonly exitCode = EXIT_UNAVAILABLE
  ) {
    super(message);
  }
}

export async function runPreflight(opts: PreflightOptions): Promise<PreflightResult> {
  const env = opts.env ?? process.env;
  const timeoutMs = opts.timeoutMs ?? 5000;
  const checks: PreflightCheck[] = [];
  try {
    checks.push({
      name: 'privileges',
      detail: checkPrivileges(
        opts.euid ?? process.geteuid?.() ?? -1,
        opts.procStatusPath ?? '/proc/self/status',
        opts.procLimitsPath ?? '/proc/self/limits'
      ),
    });
    const bpftrace = await checkBpftrace(opts.bpftracePath ?? env[BPFTRACE_ENV] ?? 'bpftrace', env.PATH ?? '', timeoutMs);
    checks.push({ name: 'bpftrace', detail: `${bpftrace.path} v${bpftrace.version}` });
    checks.push({ name: 'kernel', detail: checkKernel(opts.kernelRelease ?? release(), opts.program) });
    checks.push({ name: 'btf', detail: checkBtf(opts.btfPath ?? '/sys/kernel/btf/vmlinux') });
    const tracefs = await findOrMountTracefs(opts.tracefsDirs ?? TRACEFS_DIRS, timeoutMs);
    if (!tracefs.ok) {
      throw new CheckFailed('tracefs', tracefs.message);
    }
    checks.push({ name: 'tracefs', detail: tracefs.mountedNow ? `mounted tracefs at ${tracefs.dir}` : tracefs.dir });
    checks.push({ name: 'tracepoints', detail: checkTracepoints(tracefs.dir, opts.program) });
    return { ok: true, checks, bpftracePath: bpftrace.path, bpftraceVersion: bpftrace.version, tracefsDir: tracefs.dir };
  } catch (err) {
    if (err instanceof CheckFailed) {
      return { ok: false, checks, failed: err.check, message: err.message, exitCode: err.exitCode };
    }
    throw err;
  }
}

function checkPrivileges(euid: number, procStatusPath: string, procLimitsPath: string): string {
  if (euid !== 0) {
    throw new CheckFailed('privileges', `capture needs root: bpftrace 0.17 refuses to run as uid ${euid}; run netmon with sudo`, EXIT_NO_PERMISSION);
  }
  const mask = parseCapEff(readFileSync(procStatusPath, 'utf8'));
  const memlock = parseMemlockLimit(readFileSync(procLimitsPath, 'utf8'));
  const why: string[] = [];
  if (!hasCapability(mask, CAP_SYS_ADMIN)) {
    const bpfPerfmon = hasCapability(mask, CAP_BPF) && hasCapability(mask, CAP_PERFMON) ? 'present but not enough' : 'missing too';
    why.push(
      `CAP_SYS_ADMIN: bpftrace lists kernel BTF with it, and it grants what CAP_BPF and CAP_PERFMON would (those are ${bpfPerfmon})`
    );
  }
  if (!hasCapability(mask, CAP_IPC_LOCK) && memlock !== 'unlimited') {
    why.push(
      `CAP_IPC_LOCK: bpftrace locks its per-CPU output buffers in memory, beyond RLIMIT_MEMLOCK (${memlock} bytes) without it; or raise the limit to unlimited`
    );
  }
  if (why.length > 0) {
    const caps = why.map((w) => w.slice(0, w.indexOf(':')));
    throw new CheckFailed(
      'privileges',
      `capture needs ${caps.join(' and ')}, missing from this process's effective capabilities (CapEff ${mask.toString(16)}): ${why.join('; ')}; in a container add the ${caps.map((c) => c.replace('CAP_', '')).join(' and ')} capabilit${caps.length > 1 ? 'ies' : 'y'} or run privileged`,
      EXIT_NO_PERMISSION
    );
  }
  return hasCapability(mask, CAP_IPC_LOCK) ? 'uid 0 with CAP_SYS_ADMIN and CAP_IPC_LOCK' : 'uid 0 with CAP_SYS_ADMIN, RLIMIT_MEMLOCK unlimited';
}

async function checkBpftrace(nameOrPath: string, pathVar: string, timeoutMs: number): Promise<{ path: string; version: string }> {
  const path = findExecutable(nameOrPath, pathVar);
  if (path === undefined) {
    const where = nameOrPath.includes('/') ? `${nameOrPath} is not an executable file` : `bpftrace is not on PATH`;
    throw new CheckFailed('bpftrace', `${where}: install it (apt-get install bpftrace) or set ${BPFTRACE_ENV}=/path/to/bpftrace`);
  }
  let output: string;
  try {
    output = (await runCommand(path, ['--version'], timeoutMs)).stdout;
  } catch (err) {
    throw new CheckFailed('bpftrace', `${(err as Error).message}; check the bpftrace installation or set ${BPFTRACE_ENV}`);
  }
  const version = parseBpftraceVersion(output);
  if (version === undefined) {
    throw new CheckFailed('bpftrace', `\`${path} --version\` printed "${output.trim()}", expected "bpftrace vX.Y.Z"`);
  }
  if (compareVersions(version, MIN_BPFTRACE) < 0) {
    throw new CheckFailed(
      'bpftrace',
      `${path} is bpftrace ${formatVersion(version)}; capture needs ${formatVersion(MIN_BPFTRACE)} or newer (tuple printing, JSON maps): upgrade it or set ${BPFTRACE_ENV}`
    );
  }
  return { path, version: formatVersion(version) };
}

function checkKernel(kernelRelease: string, program: BpftraceProgram): string {
  const have = parseRelease(kernelRelease);
  const need = parseRelease(program.minKernel.release);
  if (have === undefined || need === undefined) {
    throw new Error(`kernel release: expected "major.minor..." in "${kernelRelease}" and "${program.minKernel.release}"`);
  }
  if (compareVersions(have, need) < 0) {
    throw new CheckFailed('kernel', `kernel ${kernelRelease} is too old: capture needs Linux ${program.minKernel.release} or newer, because ${program.minKernel.why}`);
  }
  return kernelRelease;
}

function checkBtf(btfPath: string): string {
  if (!existsSync(btfPath)) {
    throw new CheckFailed('btf', `kernel BTF is missing (${btfPath}): bpftrace needs it to read socket structs; use a kernel built with CONFIG_DEBUG_INFO_BTF=y`);
  }
  return btfPath;
}

function checkTracepoints(tracefsDir: string, program: BpftraceProgram): string {
  const wanted = tracepointsOfProgram(readFileSync(program.path, 'utf8'));
  const missing = wanted.filter((tp) => !existsSync(join(tracefsDir, 'events', tp.category, tp.name)));
  if (missing.length > 0) {
    throw new CheckFailed(
      'tracepoints',
      `this kernel lacks tracepoint${missing.length > 1 ? 's' : ''} ${missing.map((tp) => `${tp.category}:${tp.name}`).join(', ')} (not in ${join(tracefsDir, 'events')}), which ${program.path} attaches to`
    );
  }
  return `${wanted.length} tracepoints present`;
}
