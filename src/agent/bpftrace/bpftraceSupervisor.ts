import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { diesWithAgent } from './childCommand';
import type { BpftraceProgram } from './bpftraceProgram';
import { attachedProbeCount, describeExit, errorSummary } from './bpftraceMessages';
import { LineSplitter } from './lineSplitter';
import { readProcessUsage, type ProcessUsage } from './procStat';
import { probesOfProgram } from './programProbes';
import { DEFAULT_BACKOFF, RestartBackoff, type BackoffPolicy } from './restartBackoff';

/**
 * Runs one bpftrace program for the life of the agent: streams its stdout as lines, holds its
 * attach count to the program's, restarts it after a crash (with backoff, recording the gap in
 * the data), and stops it so that its END block's final flush is delivered.
 *
 * bpftrace gets its own process group: a Ctrl-C at the terminal goes to the agent, which then
 * stops bpftrace itself, instead of bpftrace ending on its own and looking like a crash. If the
 * agent dies without stop(), bpftrace is killed on Node's exit; after a hard kill of the agent
 * it dies at its next write to the closed pipe.
 */

/** A time without data: from bpftrace's unexpected exit until a restarted bpftrace attached (epoch ms). */
export interface Gap {
  start: number;
  /** Unset while the gap is open. */
  end?: number;
  /** How it ended and the last thing it said, e.g. "killed by SIGKILL" or "exit code 1: ERROR: ...". */
  reason: string;
}

export type SupervisorEvent =
  | { type: 'spawned'; pid: number | undefined }
  | { type: 'attached'; pid: number | undefined; probes: number }
  | { type: 'exited'; pid: number | undefined; reason: string }
  | { type: 'restarting'; delayMs: number }
  | { type: 'fatal'; message: string };

export interface BpftraceSupervisorOptions {
  program: BpftraceProgram;
  /** Default `bpftrace` on PATH; preflight's bpftracePath is the one to pass. */
  bpftracePath?: string;
  /** Each non-empty stdout line, bpftrace's own ones included, in order. Must not throw. */
  onLine: (line: string) => void;
  onEvent?: (event: SupervisorEvent) => void;
  /** Default: counted from the program text (which must then have no wildcards). */
  expectedProbes?: number;
  /** Longer stdout lines are dropped and counted. Default 64 MiB: a full 65,536-key map prints ~9 MB. */
  maxLineBytes?: number;
  backoff?: BackoffPolicy;
  /** From spawn to the attach announcement. Default 60 s: compiling takes seconds on a busy host. */
  attachTimeoutMs?: number;
  /** From SIGINT to SIGKILL. Default 10 s, for END to print large maps. */
  stopTimeoutMs?: number;
}

export interface SupervisorStatus {
  running: boolean;
  pid: number | undefined;
  probesAttached: number | undefined;
  expectedProbes: number;
  /** bpftrace starts after an unexpected exit, failed retries included. */
  restarts: number;
  gaps: Gap[];
  linesRead: number;
  bytesRead: number;
  oversizedLines: number;
  lastError: string | undefined;
  /** Last stderr lines of any run, oldest first. */
  stderrTail: string[];
  /** CPU time and RSS of the current bpftrace process. */
  usage: ProcessUsage | undefined;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const STDERR_LINES_KEPT = 20;
const STDERR_MAX_LINE_BYTES = 64 * 1024;

interface Run {
  child: ChildProcess;
  stdout: LineSplitter;
  stderr: LineSplitter;
  /** stderr since the attach (before it, since spawn): what explains this run's end. */
  errorLines: string[];
  probes?: number;
  attachedAt?: number;
  attachTimer?: NodeJS.Timeout;
  /** Why the supervisor killed it, if it did; fatal when a retry cannot help. */
  failure?: { message: string; fatal: boolean };
  ended: boolean;
}

export class BpftraceSupervisor {
  private readonly bpftracePath: string;
  private readonly expectedProbes: number;
  private readonly backoff: RestartBackoff;
  private state: 'idle' | 'starting' | 'supervising' | 'stopping' | 'stopped' = 'idle';
  private run: Run | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private firstStart: { resolve: () => void; reject: (err: Error) => void } | undefined;
  private stopping: Promise<ExitInfo | undefined> | undefined;
  private onStopped: ((exit: ExitInfo | undefined) => void) | undefined;
  private readonly killOnExit = () => this.run?.child.kill('SIGKILL');

  private restarts = 0;
  private readonly gaps: Gap[] = [];
  private linesRead = 0;
  private bytesRead = 0;
  private oversizedInEndedRuns = 0;
  private lastError: string | undefined;
  private readonly stderrTail: string[] = [];

  constructor(private readonly opts: BpftraceSupervisorOptions) {
    this.bpftracePath = opts.bpftracePath ?? 'bpftrace';
    this.expectedProbes = opts.expectedProbes ?? probesOfProgram(readFileSync(opts.program.path, 'utf8')).length;
    this.backoff = new RestartBackoff(opts.backoff ?? DEFAULT_BACKOFF);
  }

  /**
   * Starts bpftrace; resolves once it has attached the expected number of probes. Rejects with
   * bpftrace's own error if the first start fails: a program that does not attach now will not
   * attach on a retry. Later crashes are restarted.
   */
  start(): Promise<void> {
    if (this.state !== 'idle') {
      return Promise.reject(new Error(`BpftraceSupervisor.start: already ${this.state}; a supervisor starts once`));
    }
    this.state = 'starting';
    process.on('exit', this.killOnExit);
    return new Promise((resolve, reject) => {
      this.firstStart = { resolve, reject };
      this.spawnRun();
    });
  }

  /**
   * SIGINT, so bpftrace runs END (the program's final flush); SIGKILL after stopTimeoutMs.
   * Resolves once every stdout line has been delivered, with how the last bpftrace ended
   * (code 0 and no signal: END ran) or undefined if none was running.
   */
  stop(): Promise<ExitInfo | undefined> {
    this.stopping ??= new Promise<ExitInfo | undefined>((resolve) => {
      const wasStarting = this.state === 'starting';
      this.state = 'stopping';
      clearTimeout(this.restartTimer);
      if (wasStarting) {
        this.settleFirstStart(new Error('bpftrace was stopped before it attached its probes'));
      }
      const run = this.run;
      if (run === undefined) {
        this.finishStop(undefined, resolve);
        return;
      }
      const killTimer = setTimeout(() => run.child.kill('SIGKILL'), this.opts.stopTimeoutMs ?? 10_000);
      this.onStopped = (exit) => {
        clearTimeout(killTimer);
        this.finishStop(exit, resolve);
      };
      run.child.kill('SIGINT');
    });
    return this.stopping;
  }

  status(): SupervisorStatus {
    const run = this.run;
    const pid = run?.child.pid;
    return {
      running: run !== undefined,
      pid,
      probesAttached: run?.probes,
      expectedProbes: this.expectedProbes,
      restarts: this.restarts,
      gaps: this.gaps.map((g) => ({ ...g })),
      linesRead: this.linesRead,
      bytesRead: this.bytesRead,
      oversizedLines: this.oversizedInEndedRuns + (run?.stdout.oversizedLines ?? 0),
      lastError: this.lastError,
      stderrTail: [...this.stderrTail],
      usage: pid === undefined ? undefined : readProcessUsage(pid),
    };
  }

  private spawnRun(): void {
    const { program } = this.opts;
    const [file, args] = diesWithAgent(this.bpftracePath, [...program.flags, program.path, ...program.args]);
    const child = spawn(file, args, {
      env: { ...process.env, ...program.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const run: Run = {
      child,
      stdout: new LineSplitter(this.opts.maxLineBytes ?? 64 * 1024 * 1024),
      stderr: new LineSplitter(STDERR_MAX_LINE_BYTES),
      errorLines: [],
      ended: false,
    };
    this.run = run;
    run.attachTimer = setTimeout(() => {
      run.failure = { message: `bpftrace did not attach its probes within ${this.opts.attachTimeoutMs ?? 60_000} ms`, fatal: false };
      child.kill('SIGKILL');
    }, this.opts.attachTimeoutMs ?? 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      this.bytesRead += chunk.length;
      for (const line of run.stdout.push(chunk)) {
        this.onStdoutLine(run, line);
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      for (const line of run.stderr.push(chunk)) {
        this.onStderrLine(run, line);
      }
    });
    // A spawn failure (ENOENT, EACCES) gives 'error' and no exit; other errors come with a 'close'.
    child.on('error', (err) => {
      if (child.pid === undefined) {
        this.onRunEnded(run, { code: null, signal: null }, `could not run ${this.bpftracePath}: ${err.message}`);
      }
    });
    // 'close' comes after the process exited and its pipes drained: every line is in by now.
    child.on('close', (code, signal) => {
      run.stdout.end().forEach((line) => this.onStdoutLine(run, line));
      run.stderr.end().forEach((line) => this.onStderrLine(run, line));
      this.onRunEnded(run, { code, signal });
    });
    this.opts.onEvent?.({ type: 'spawned', pid: child.pid });
  }

  private onStdoutLine(run: Run, line: string): void {
    this.linesRead++;
    if (run.probes === undefined) {
      const probes = attachedProbeCount(line);
      if (probes !== undefined) {
        this.onAttached(run, probes);
      }
    }
    // A run being killed for a wrong probe count is not the program we meant to run.
    if (run.failure === undefined) {
      this.opts.onLine(line);
    }
  }

  private onStderrLine(run: Run, line: string): void {
    keepLast(this.stderrTail, line, STDERR_LINES_KEPT);
    keepLast(run.errorLines, line, STDERR_LINES_KEPT);
    if (run.probes === undefined) {
      const probes = attachedProbeCount(line);
      if (probes !== undefined) {
        this.onAttached(run, probes);
      }
    }
  }

  private onAttached(run: Run, probes: number): void {
    run.probes = probes;
    clearTimeout(run.attachTimer);
    if (probes !== this.expectedProbes) {
      // Never a silent partial capture: a different count means a different program or a probe
      // that did not resolve, and a restart would attach the same. Reported once the process is gone.
      run.failure = { message: `bpftrace attached ${probes} probes, but ${this.opts.program.path} has ${this.expectedProbes}`, fatal: true };
      run.child.kill('SIGKILL');
      return;
    }
    run.attachedAt = Date.now();
    run.errorLines = [];
    const open = this.gaps.at(-1);
    if (open !== undefined && open.end === undefined) {
      open.end = run.attachedAt;
    }
    if (this.state === 'starting') {
      this.state = 'supervising';
    }
    this.opts.onEvent?.({ type: 'attached', pid: run.child.pid, probes });
    this.settleFirstStart();
  }

  private onRunEnded(run: Run, exit: ExitInfo, spawnError?: string): void {
    if (run.ended) {
      return;
    }
    run.ended = true;
    clearTimeout(run.attachTimer);
    this.run = undefined;
    this.oversizedInEndedRuns += run.stdout.oversizedLines;
    const said = errorSummary(run.errorLines);
    const how = spawnError ?? describeExit(exit.code, exit.signal);
    const reason = said === undefined ? how : `${how}: ${said}`;

    if (this.state === 'stopping' || this.state === 'stopped') {
      this.onStopped?.(exit);
      return;
    }
    this.opts.onEvent?.({ type: 'exited', pid: run.child.pid, reason });
    if (run.attachedAt === undefined) {
      const message = run.failure?.message ?? `bpftrace exited before attaching its probes (${reason})`;
      if (this.state === 'starting' || run.failure?.fatal === true) {
        this.fail(message);
        return;
      }
      // A restart that failed: the gap stays open, and the next try follows the backoff.
      this.lastError = message;
    } else {
      this.gaps.push({ start: Date.now(), reason });
      this.lastError = `bpftrace ended unexpectedly (${reason})`;
    }
    const delayMs = this.backoff.next(run.attachedAt === undefined ? 0 : Date.now() - run.attachedAt);
    this.opts.onEvent?.({ type: 'restarting', delayMs });
    this.restartTimer = setTimeout(() => {
      this.restarts++;
      this.spawnRun();
    }, delayMs);
  }

  /** Gives up supervising, after the last bpftrace is gone: the first start's error, or a wrong probe count. */
  private fail(message: string): void {
    this.lastError = message;
    this.state = 'stopped';
    clearTimeout(this.restartTimer);
    process.off('exit', this.killOnExit);
    this.opts.onEvent?.({ type: 'fatal', message });
    this.settleFirstStart(new Error(message));
  }

  private finishStop(exit: ExitInfo | undefined, resolve: (exit: ExitInfo | undefined) => void): void {
    const open = this.gaps.at(-1);
    if (open !== undefined && open.end === undefined) {
      open.end = Date.now();
    }
    this.state = 'stopped';
    process.off('exit', this.killOnExit);
    resolve(exit);
  }

  private settleFirstStart(err?: Error): void {
    const pending = this.firstStart;
    this.firstStart = undefined;
    if (err === undefined) {
      pending?.resolve();
    } else {
      pending?.reject(err);
    }
  }
}

function keepLast(lines: string[], line: string, max: number): void {
  lines.push(line);
  if (lines.length > max) {
    lines.shift();
  }
}
