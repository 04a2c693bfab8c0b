import { execFile } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

/**
 * Short child processes for preflight (bpftrace --version, mount). Each has a hard timeout, so a
 * wedged binary turns into an error message in seconds instead of a hung agent.
 */
export function runCommand(file: string, args: string[], timeoutMs: number): Promise<{ stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    execFile(file, args, { timeout: timeoutMs, killSignal: 'SIGKILL', encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err === null) {
        done({ stdout, stderr });
        return;
      }
      const why = err.killed
        ? `did not finish within ${timeoutMs} ms`
        : typeof err.code === 'number'
          ? `exit code ${err.code}`
          : (err.code ?? err.message);
      const detail = (stderr || stdout).trim().split('\n').at(-1);
      fail(new Error(`\`${[file, ...args].join(' ')}\` failed: ${why}${detail ? `: ${detail}` : ''}`));
    });
  });
}

/** The absolute path of an executable given by path, or by name looked up in `pathVar` like a shell does. */
export function findExecutable(nameOrPath: string, pathVar = process.env.PATH ?? ''): string | undefined {
  if (nameOrPath.includes('/')) {
    return isExecutableFile(nameOrPath) ? resolve(nameOrPath) : undefined;
  }
  for (const dir of pathVar.split(delimiter)) {
    const candidate = join(dir, nameOrPath);
    if (dir !== '' && isAbsolute(dir) && isExecutableFile(candidate)) {
      return candidate;
    }
  }
  return undefined;
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

const SETPRIV = findExecutable('setpriv');

/**
 * The command line that runs `file args` so that it dies with the agent. Long-lived children
 * (bpftrace, conntrack) run detached in their own process group so a terminal's Ctrl-C reaches only
 * the agent; but an agent killed with SIGKILL then left them running with probes attached, and
 * bpftrace does not exit when its output socket closes. util-linux setpriv sets PR_SET_PDEATHSIG
 * and execs the program, so the kernel kills it when the agent goes; without setpriv the child
 * runs as before. A program that is not there is left unwrapped, so spawn's own ENOENT names it.
 */
export function diesWithAgent(file: string, args: readonly string[]): [string, string[]] {
  return SETPRIV === undefined || findExecutable(file) === undefined
    ? [file, [...args]]
    : [SETPRIV, ['--pdeathsig', 'KILL', '--', file, ...args]];
}
