import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findExecutable } from '../../src/agent/bpftrace/childCommand';

/**
 * A command run with capabilities taken away the way a container runtime does it: capsh drops
 * them from the bounding set, so the root shell it starts, and everything that shell execs,
 * never has them. `--drop` names them as capsh does (cap_sys_admin, ...).
 */

export const capshMissing: string | undefined =
  findExecutable('capsh') === undefined ? 'capsh (apt-get install libcap2-bin)' : undefined;

/** Every capability this kernel knows, by capsh's names, in bit order. */
export function allCapabilities(): string[] {
  const last = Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8'));
  const mask = (1n << BigInt(last + 1)) - 1n;
  const decoded = execFileSync('capsh', [`--decode=0x${mask.toString(16)}`], { encoding: 'utf8' });
  return decoded.trim().split('=')[1].split(',');
}

/** Capabilities other than `keep` (names as in AGENT_CAPABILITIES: SYS_ADMIN, ...). */
export function allBut(keep: readonly string[]): string[] {
  const kept = new Set(keep.map((k) => `cap_${k.toLowerCase()}`));
  return allCapabilities().filter((c) => !kept.has(c));
}

export interface CapshRun {
  code: number | null;
  /** The shell's CapEff, printed before it execs the command. */
  capEff: bigint;
  stdout: string;
  stderr: string;
  elapsedMs: number;
}

/**
 * Runs `file args` under capsh without the capabilities `drop`, with RLIMIT_MEMLOCK at `memlockKiB`
 * (a container's usual 8 MiB unless told). Resolves when it exits; kills it after `timeoutMs`.
 */
export function runWithout(
  drop: readonly string[],
  file: string,
  args: readonly string[],
  opts: { timeoutMs: number; memlockKiB?: number }
): Promise<CapshRun> {
  const script = `ulimit -l ${opts.memlockKiB ?? 8192} && grep '^CapEff:' /proc/self/status >&2 && exec "$@"`;
  const started = Date.now();
  const child = spawn('capsh', [`--drop=${drop.join(',')}`, '--', '-c', script, 'sh', file, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const capLine = /^CapEff:\s*([0-9a-f]+)\n/m.exec(stderr);
      if (capLine === null) {
        reject(new Error(`capsh did not run the shell (code ${code}): ${stderr}`));
        return;
      }
      resolve({
        code,
        capEff: BigInt(`0x${capLine[1]}`),
        stdout,
        stderr: stderr.replace(capLine[0], ''),
        elapsedMs: Date.now() - started,
      });
    });
  });
}

export const NETMON_BIN = join(__dirname, '..', '..', 'bin', 'netmon.mjs');
