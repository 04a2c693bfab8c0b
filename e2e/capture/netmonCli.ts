import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * The real `netmon` command as a child process, the way a person runs it: for the end-to-end test
 * and the capture benchmark, which must count the CPU of the very process production runs.
 */

const BIN = join(__dirname, '..', '..', 'bin', 'netmon.mjs');

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** stdout and stderr, interleaved as they arrived. */
  readonly output: string;
}

export interface RunningNetmon {
  readonly pid: number;
  output(): string;
  readonly exited: Promise<Exit>;
  /** SIGINT, as Ctrl-C: netmon flushes everything before it exits. */
  stop(): Promise<Exit>;
}

/**
 * Starts `netmon <args>` and resolves once a line of its output passes `ready`; rejects, with the
 * output so far, if it exits first or `timeoutMs` passes (and then kills it).
 */
export function startNetmon(
  args: readonly string[],
  ready: (line: string) => boolean,
  timeoutMs: number,
  /** Flags for netmon's own node, e.g. --cpu-prof (node refuses it in NODE_OPTIONS). */
  nodeArgs: readonly string[] = []
): Promise<RunningNetmon> {
  const child = spawn(process.execPath, [...nodeArgs, BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<Exit>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, output })));
  const running: RunningNetmon = {
    pid: child.pid!,
    output: () => output,
    exited,
    stop: () => {
      child.kill('SIGINT');
      return exited;
    },
  };
  return new Promise((resolve, reject) => {
    let isReady = false;
    // Each stream keeps its own unfinished line, so stdout and stderr never splice.
    const watch = (stream: NodeJS.ReadableStream) => {
      let partial = '';
      stream.on('data', (chunk: Buffer) => {
        const text = chunk.toString('utf8');
        output += text;
        const lines = (partial + text).split('\n');
        partial = lines.pop()!;
        if (!isReady && lines.some(ready)) {
          isReady = true;
          clearTimeout(timer);
          resolve(running);
        }
      });
    };
    watch(child.stdout);
    watch(child.stderr);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`netmon ${args.join(' ')}: not ready after ${timeoutMs} ms; output:\n${output}`));
    }, timeoutMs);
    void exited.then((exit) => {
      clearTimeout(timer);
      if (!isReady) {
        reject(
          new Error(
            `netmon ${args.join(' ')} exited (code ${exit.code}, signal ${exit.signal}) before it was ready:\n${exit.output}`
          )
        );
      }
    });
  });
}

/** `netmon sql --format json` against a data dir: the result rows, or an error with netmon's message. */
export function netmonSql<T = Record<string, unknown>>(dataDir: string, sql: string): T[] {
  const res = spawnSync(process.execPath, [BIN, 'sql', '--data-dir', dataDir, '--format', 'json', sql], {
    encoding: 'utf8',
  });
  if (res.status !== 0) {
    throw new Error(`netmon sql exited with ${res.status}: ${res.stderr.trim()} (query: ${sql})`);
  }
  return res.stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T);
}
