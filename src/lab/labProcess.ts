import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A process the lab started somewhere (a pod, a host-network pod, the host), with its stdout split
 * into lines so the traffic tools can report JSON as they go.
 */

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Where a process runs: always a cgroup (relative to the v2 root), and a named netns or the host's. */
export interface Placement {
  readonly cgroupRoot: string;
  readonly cgroup: string;
  readonly netns?: string;
}

export class LabProcess {
  readonly pid: number;
  readonly exited: Promise<ProcessExit>;
  private stdout = '';
  private stderr = '';
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly child: ChildProcess,
    readonly description: string
  ) {
    if (child.pid === undefined) {
      throw new Error(`lab: could not start ${description}`);
    }
    this.pid = child.pid;
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stdout += chunk;
      this.waiters.forEach((wake) => wake());
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => {
        this.waiters.forEach((wake) => wake());
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr });
      });
    });
    // Observed by whoever awaits it; unobserved, a spawn error must not crash the test process.
    this.exited.catch(() => undefined);
  }

  get isRunning(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Complete stdout lines so far. */
  lines(): string[] {
    return this.stdout.split('\n').slice(0, -1);
  }

  /** The first complete stdout line that matches, waiting for it. */
  async waitForLine(match: (line: string) => boolean, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines().find(match);
      if (found !== undefined) {
        return found;
      }
      if (!this.isRunning) {
        throw new Error(
          `lab: ${this.description} exited (${this.child.exitCode ?? this.child.signalCode}) before printing the expected line; stderr: ${this.stderr.trim()}`
        );
      }
      if (Date.now() > deadline) {
        throw new Error(
          `lab: ${this.description} printed no expected line within ${timeoutMs} ms; stdout: ${this.stdout.trim()}`
        );
      }
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.waiters.delete(wake);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(wake, Math.max(1, deadline - Date.now()));
        this.waiters.add(wake);
      });
    }
  }

  /** Waits for the exit and fails unless it was clean. */
  async succeeded(): Promise<ProcessExit> {
    const exit = await this.exited;
    if (exit.code !== 0) {
      throw new Error(`lab: ${this.description} failed (${exit.code ?? exit.signal}): ${exit.stderr.trim()}`);
    }
    return exit;
  }

  /** Closes stdin, which the traffic tools take as "finish and report". */
  endInput(): void {
    this.child.stdin?.end();
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.isRunning) {
      this.child.kill(signal);
    }
  }
}

/**
 * Starts cmd in the placement and resolves once it is in both its cgroup and its namespace.
 * The shell joins the cgroup BEFORE `ip netns exec`, because that remounts /sys and would hide
 * the host's cgroup tree; `exec` keeps the pid, so the lab's pid is the workload's.
 */
export async function spawnPlaced(placement: Placement, cmd: string, args: readonly string[]): Promise<LabProcess> {
  const procs = join(placement.cgroupRoot, placement.cgroup, 'cgroup.procs');
  const enter = placement.netns === undefined ? [] : ['ip', 'netns', 'exec', placement.netns];
  const child = spawn('sh', ['-c', 'echo $$ > "$0" && exec "$@"', procs, ...enter, cmd, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const where = placement.netns === undefined ? `cgroup ${placement.cgroup}` : `netns ${placement.netns}`;
  const proc = new LabProcess(child, `${cmd} in ${where}`);
  const netnsInode = placement.netns === undefined ? undefined : statSync(`/run/netns/${placement.netns}`).ino;
  const deadline = Date.now() + 5_000;
  // A command that already exited was placed too (the shell runs it only after joining); its exit
  // status and stderr are the caller's to judge.
  while (proc.isRunning && !isPlaced(proc.pid, `/${placement.cgroup}`, netnsInode)) {
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`lab: ${proc.description} was not in its cgroup and netns after 5 s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  return proc;
}

function isPlaced(pid: number, cgroup: string, netnsInode: number | undefined): boolean {
  try {
    const inCgroup = readFileSync(`/proc/${pid}/cgroup`, 'utf8').includes(`0::${cgroup}\n`);
    return inCgroup && (netnsInode === undefined || statSync(`/proc/${pid}/ns/net`).ino === netnsInode);
  } catch {
    return false;
  }
}
