import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { diesWithAgent } from '../src/agent/bpftrace/childCommand';
import { connectionsProgram } from '../src/agent/bpftrace/connectionsProgram';
import { BPFTRACE_ENV } from '../src/agent/bpftrace/preflight';

/** A connections program run by bpftrace alone, no agent, its output into a file. */
export interface BpftraceToFile {
  readonly child: ChildProcess;
  /** SIGINT, then the exit. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 90_000;

/** Starts bpftrace with the agent's flags and environment; resolves once the program's hello line is out. */
export async function startBpftraceToFile(
  program: string,
  outFile: string,
  intervalSeconds = 10
): Promise<BpftraceToFile> {
  const template = connectionsProgram({ intervalSeconds });
  const fd = openSync(outFile, 'w');
  // Dies with this process: a benchmark that fails must not leave its probes attached.
  const [file, args] = diesWithAgent(process.env[BPFTRACE_ENV] ?? 'bpftrace', [
    ...template.flags,
    program,
    ...template.args,
  ]);
  const child = spawn(file, args, {
    stdio: ['ignore', fd, 'inherit'],
    env: { ...process.env, ...template.env },
  });
  closeSync(fd);
  let exited: string | undefined;
  const closed = new Promise<void>((resolve) =>
    child.once('close', (code, signal) => {
      exited = `bpftrace exited (code ${code}, signal ${signal})`;
      resolve();
    })
  );
  const until = Date.now() + READY_TIMEOUT_MS;
  while (!readFileSync(outFile, 'utf8').includes('"hello"')) {
    const failure = exited ?? (Date.now() > until ? 'timed out' : undefined);
    if (failure !== undefined) {
      child.kill('SIGKILL');
      throw new Error(`bpftrace ${program}: gave up waiting for the hello line: ${failure}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    stop: async () => {
      child.kill('SIGINT');
      await closed;
    },
  };
}
