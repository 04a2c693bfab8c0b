import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { ClientOptions, LoadResult } from './shortConnectionLoad';

/** Starts the two halves of shortConnectionLoad.ts as their own processes, one per core. */

const LOAD = join(__dirname, 'shortConnectionLoad.ts');

function startLoad(args: readonly string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', LOAD, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
}

/** Each JSON line the process prints, until it exits; rejects if it exits non-zero. */
async function* jsonLines(child: ChildProcess, what: string): AsyncGenerator<Record<string, unknown>> {
  const exited = once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>;
  for await (const line of createInterface({ input: child.stdout! })) {
    yield JSON.parse(line) as Record<string, unknown>;
  }
  const [code, signal] = await exited;
  if (code !== 0) {
    throw new Error(`${what} exited with code ${code} (signal ${signal})`);
  }
}

export interface LoadServer {
  readonly port: number;
  stop(): Promise<void>;
}

export async function startLoadServer(): Promise<LoadServer> {
  const child = startLoad(['server']);
  const lines = jsonLines(child, 'load server');
  const first = await lines.next();
  if (first.done === true || typeof first.value.port !== 'number') {
    throw new Error('load server: exited before it printed {"event":"listening","port":N}');
  }
  return {
    port: first.value.port,
    stop: async () => {
      child.stdin!.end();
      for await (const _ of lines) {
        // Drained until exit, which also checks the exit code.
      }
    },
  };
}

/** Called as the client's measured window opens and closes, so other readings can share it. */
export interface WindowMarks {
  opened(): void;
  closed(): void;
}

export async function runLoadClient(opts: ClientOptions, marks: WindowMarks): Promise<LoadResult> {
  const child = startLoad(['client', JSON.stringify(opts)]);
  child.stdin!.end();
  let result: LoadResult | undefined;
  for await (const line of jsonLines(child, 'load client')) {
    if (line.event === 'measuring') {
      marks.opened();
    } else if (line.event === 'done') {
      marks.closed();
      result = line as unknown as LoadResult;
    }
  }
  if (result === undefined) {
    throw new Error('load client: exited without its {"event":"done",...} line');
  }
  return result;
}
