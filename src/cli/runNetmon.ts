import { spawn, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';

/** For the CLI's integration tests: the real launcher, as a user would run it. */
export const NETMON_BIN = resolve(__dirname, '../../bin/netmon.mjs');

export interface NetmonRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface NetmonOptions {
  input?: string;
  env?: NodeJS.ProcessEnv;
  /** Working directory; the temp dir unless given. */
  cwd?: string;
}

/**
 * Starts `netmon ...args` from the temp dir by default, so nothing depends on the repository being
 * the working directory. CLICKHOUSE_URL is dropped unless given, so the machine's setting cannot leak in.
 */
export function startNetmon(args: string[], opts: NetmonOptions = {}): ChildProcess {
  const env = { ...process.env };
  delete env.CLICKHOUSE_URL;
  const child = spawn(process.execPath, [NETMON_BIN, ...args], {
    cwd: opts.cwd ?? tmpdir(),
    env: { ...env, ...opts.env },
  });
  child.stdin?.end(opts.input ?? '');
  return child;
}

export function runNetmon(args: string[], opts: NetmonOptions = {}): Promise<NetmonRun> {
  return finished(startNetmon(args, opts));
}

export function finished(child: ChildProcess): Promise<NetmonRun> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  return new Promise((done, fail) => {
    child.once('error', fail);
    child.once('close', (code) => done({ code, stdout, stderr }));
  });
}
